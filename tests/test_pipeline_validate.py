from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter
from scrapy.utils.misc import build_from_crawler

from pipelines.validate import InvalidRecord, ValidatePipeline
from tests.pipeline_support import make_crawler, make_record


@pytest.fixture
def crawler():
    return make_crawler()


@pytest.fixture
def pipe(crawler):
    return build_from_crawler(ValidatePipeline, crawler)


def test_valid_record_passes_unchanged(pipe, crawler):
    record = make_record(authors=[{"name": "Ana", "kind": "person", "role": None, "bio": None, "url": None}])
    assert pipe.process_item(record) is record
    assert crawler.stats.get_value("brief/dropped/invalid") is None


@pytest.mark.parametrize(
    ("changes", "path", "validator"),
    [
        ({"title": ""}, "$.title", "minLength"),
        ({"source": None}, "$.source", "type"),
        ({"url": "ftp://example.org/a"}, "$.url", "pattern"),
        ({"posted_date": "17/03/2025"}, "$.posted_date", "pattern"),
        ({"language": "EN"}, "$.language", "pattern"),
        ({"summary": ""}, "$.summary", "minLength"),
        ({"schema_version": 2}, "$.schema_version", "const"),
        ({"extra": 1}, "$", "additionalProperties"),
        ({"provenance": {"title": "guess"}}, "$.provenance.title", "enum"),
        (
            {"authors": [{"name": "Ana", "kind": "robot", "role": None, "bio": None, "url": None}]},
            "$.authors[0].kind",
            "enum",
        ),
    ],
)
def test_invalid_record_is_dropped_with_its_errors(pipe, crawler, changes, path, validator):
    record = make_record(**changes)
    with pytest.raises(InvalidRecord) as raised:
        pipe.process_item(record)
    assert {"path": path, "validator": validator} in [
        {"path": e["path"], "validator": e["validator"]} for e in raised.value.errors
    ]
    assert raised.value.reason == "invalid"
    assert crawler.stats.get_value("brief/dropped/invalid") == 1


def test_missing_key_is_an_error(pipe):
    record = make_record()
    del record["topics"]
    with pytest.raises(InvalidRecord) as raised:
        pipe.process_item(record)
    assert raised.value.errors == [
        {"path": "$", "message": "'topics' is a required property", "validator": "required"}
    ]


def test_errors_are_ordered_by_path_and_messages_are_bounded(pipe):
    record = make_record(url="x" * 1000, language="EN")
    with pytest.raises(InvalidRecord) as raised:
        pipe.process_item(record)
    assert [e["path"] for e in raised.value.errors] == ["$.language", "$.url"]
    assert all(len(e["message"]) <= 300 for e in raised.value.errors)
    assert raised.value.errors[1]["message"].endswith("…")


def test_invalid_record_is_a_drop_logged_at_info(pipe):
    with pytest.raises(DropItem) as raised:
        pipe.process_item(make_record(language="EN"))
    assert raised.value.log_level == "INFO"
    assert str(raised.value) == (
        "invalid record https://www.wilsoncenter.org/publication/a: 1 schema error(s),"
        " first at $.language: 'EN' does not match '^[a-z]{2,3}(-[a-z0-9]{2,8})*$'"
    )


def test_invalid_record_is_logged_by_scrapy_at_info(crawler):
    exc = InvalidRecord("invalid record x: 1 schema error(s)", [], make_record())
    entry = LogFormatter().dropped(make_record(), exc, None, crawler.spider)
    assert entry["level"] == logging.INFO


# Values of the awkward kinds for every field: wrong types, empty, padded, almost-dates,
# non-ASCII digits, trailing newlines (Python's "$" allows one, ECMA's does not).
_ODD_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.sampled_from(["", " ", "x", "EN", "en", "en-gb", "2020-01-01", "2020-01-01\n", "２０２０-01-01",
                     "2020-01-01T10:00:00Z", "2020-01-01T10:00:00+0100", "https://x.org/a", "ftp://x.org",
                     "site", "guess", "person", "robot"]),
    st.lists(st.dictionaries(st.sampled_from(["name", "kind", "role", "bio", "url", "label", "media_type"]),
                             st.sampled_from([None, "", "Ana", "person", "https://x.org/p"]), max_size=7),
             max_size=2),
    st.dictionaries(st.sampled_from(["title", "authors", "x"]), st.sampled_from(["site", "guess", 1]),
                    max_size=2),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from([*make_record(), "extra"]), _ODD_VALUES, max_size=3))
def test_compiled_check_never_passes_what_jsonschema_rejects(pipe, changes):
    record = make_record(**changes)
    errors = pipe.errors_of(record)
    if pipe.fast_validator.is_valid(record):
        assert errors == []
    elif errors:
        with pytest.raises(InvalidRecord) as raised:
            pipe.process_item(record)
        assert raised.value.errors == errors
    else:  # the compiled check may be stricter ("$" and a trailing newline): jsonschema decides
        assert pipe.process_item(record) is record
