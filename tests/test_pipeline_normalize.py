from __future__ import annotations

import string
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.utils.misc import build_from_crawler

from brief_scraper.record import FIELDS, empty_record
from pipelines.normalize import NormalizePipeline, keep_richest
from pipelines.validate import ValidatePipeline
from tests.pipeline_support import NOW, NOW_ISO, fixed_clock, make_crawler

BASE = "https://www.wilsoncenter.org/publication/a"


@pytest.fixture
def crawler():
    return make_crawler()


@pytest.fixture
def pipe(crawler):
    return build_from_crawler(NormalizePipeline, crawler, clock=fixed_clock)


def author(name: str, url: str | None = None, role: str | None = None, bio: str | None = None):
    return {"name": name, "kind": "person", "role": role, "bio": bio, "url": url}


def test_text_is_clean_and_empty_text_is_null(pipe):
    rec = empty_record(BASE, "wilsoncenter")
    rec.update(
        title="  Mexico\u00a0 and  the\nUSMCA \u200b",
        content_type=" \t ",
        posted_raw="",
        summary="First  line\ncontinues.\n\n\n  Second paragraph. ",
        excerpt="\u201cQuoted\u201d  text",
        topics=[" Trade ", "", "trade", "Energy"],
    )
    out = pipe.process_item(rec)
    assert out["title"] == "Mexico and the USMCA"
    assert out["content_type"] is None
    assert out["posted_raw"] is None
    assert out["summary"] == "First line continues.\n\nSecond paragraph."
    assert out["excerpt"] == "\u201cQuoted\u201d text"
    assert out["topics"] == ["Trade", "Energy"]


def test_urls_are_absolute_without_fragment_or_tracking(pipe):
    rec = empty_record(f"{BASE}?utm_source=newsletter&id=7#main", "wilsoncenter")
    rec.update(
        image_url="/sites/default/files/cover.jpg?fbclid=x",
        download_url="https://www.wilsoncenter.org/sites/default/files/brief.pdf#page=2",
        series={"name": " Series ", "url": "/series/x?utm_medium=email"},
        programs=[{"name": "Mexico Institute", "url": "/program/mexico-institute?gclid=1"}],
        downloads=[{"url": "/files/brief.pdf?utm_campaign=c", "label": " PDF ", "media_type": None}],
        authors=[author("Ana", "/person/ana?utm_content=bio#top")],
    )
    out = pipe.process_item(rec)
    site = "https://www.wilsoncenter.org"
    assert out["url"] == f"{BASE}?id=7"
    assert out["image_url"] == f"{site}/sites/default/files/cover.jpg"
    assert out["download_url"] == f"{site}/sites/default/files/brief.pdf"
    assert out["series"] == {"name": "Series", "url": f"{site}/series/x"}
    assert out["programs"] == [{"name": "Mexico Institute", "url": f"{site}/program/mexico-institute"}]
    assert out["downloads"] == [{"url": f"{site}/files/brief.pdf", "label": "PDF", "media_type": None}]
    assert out["authors"][0]["url"] == f"{site}/person/ana"


def test_url_that_cannot_be_canonical_is_kept_for_validation(pipe):
    out = pipe.process_item(empty_record(" ftp://example.org/a ", "example.org"))
    assert out["url"] == "ftp://example.org/a"


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        pytest.param(  # hero lists the name, the bio block the same person with more
            [
                author("Ana Pérez", "https://x.org/person/ana"),
                author("Ana Pérez", "https://x.org/person/ana", role="Fellow", bio="Ana studies trade."),
            ],
            [author("Ana Pérez", "https://x.org/person/ana", role="Fellow", bio="Ana studies trade.")],
            id="same-url-richest-kept",
        ),
        pytest.param(
            [author("ANA PÉREZ"), author("Bo Li"), author("Ana Pérez", role="Fellow")],
            [author("Ana Pérez", role="Fellow"), author("Bo Li")],
            id="same-name-casefolded-keeps-first-place",
        ),
        pytest.param(
            [author("Ana", "https://x.org/person/ana"), author("Ana", "https://x.org/person/ana2")],
            [author("Ana", "https://x.org/person/ana")],
            id="same-name-other-url-is-same-person-first-on-tie",
        ),
        pytest.param(
            [author("Ana"), author("Bo Li")],
            [author("Ana"), author("Bo Li")],
            id="different-people-stay",
        ),
        pytest.param(
            [author("  "), author("Bo Li", bio="One\n\n\ntwo")],
            [author("Bo Li", bio="One\n\ntwo")],
            id="nameless-entry-goes-bio-keeps-paragraphs",
        ),
    ],
)
def test_authors_are_deduplicated_keeping_the_richest_entry(pipe, authors, expected):
    rec = empty_record(BASE, "wilsoncenter")
    rec["authors"] = authors
    assert pipe.process_item(rec)["authors"] == expected


def test_keep_richest_joins_groups_that_share_any_key():
    entries = [("a", None), ("b", "u"), ("a", "u")]  # 1 and 2 share a URL, 0 and 2 a name

    def keys(entry):
        return [("name", entry[0])] + ([("url", entry[1])] if entry[1] else [])

    kept = keep_richest(entries, keys, lambda e: sum(map(bool, e)))
    assert kept == [("b", "u")]
    assert keep_richest(kept, keys, lambda e: sum(map(bool, e))) == kept


def test_author_kind_is_lower_case(pipe):
    rec = empty_record(BASE, "wilsoncenter")
    rec["authors"] = [
        {"name": "Mexico Institute", "kind": " Organization", "role": None, "bio": None, "url": None}
    ]
    assert pipe.process_item(rec)["authors"][0]["kind"] == "organization"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "en"), (" EN ", "en"), ("en_US", "en-us"), ("pt-BR", "pt-br"), ("english", None), ("", None)],
)
def test_language_is_a_lower_case_bcp47_tag(pipe, language, expected):
    rec = empty_record(BASE, "wilsoncenter")
    rec["language"] = language
    assert pipe.process_item(rec)["language"] == expected


@pytest.mark.parametrize(
    ("posted_date", "posted_at", "kept"),
    [
        ("2026-11-28", None, True),  # today
        ("2026-11-29", None, False),  # 09:00 UTC: not tomorrow yet, even in Kiribati (UTC+14)
        ("1900-01-01", None, True),
        ("2020-12-10", "2020-12-10T10:00:00-05:00", True),
        ("2026-11-30", None, False),
        ("1899-12-31", None, False),
        ("2025-02-30", None, False),  # the shape of a day, but none
        (None, "2031-01-01T00:00:00+00:00", False),
    ],
)
def test_posted_date_out_of_range_is_null_and_counted(pipe, crawler, posted_date, posted_at, kept):
    rec = empty_record(BASE, "wilsoncenter")
    rec.update(posted_date=posted_date, posted_at=posted_at, posted_raw="as written")
    rec["provenance"] = {"posted_date": "site", "posted_at": "site", "posted_raw": "site"}
    out = pipe.process_item(rec)
    if kept:
        assert (out["posted_date"], out["posted_at"]) == (posted_date, posted_at)
        assert crawler.stats.get_value("brief/dates/out_of_range") is None
    else:
        assert (out["posted_date"], out["posted_at"], out["posted_raw"]) == (None, None, "as written")
        assert out["provenance"] == {"posted_raw": "site"}
        assert crawler.stats.get_value("brief/dates/out_of_range") == 1


def test_tomorrow_is_in_range_once_it_has_begun_somewhere(crawler):
    pipe = build_from_crawler(NormalizePipeline, crawler, clock=lambda: NOW + timedelta(hours=1, minutes=30))
    rec = empty_record(BASE, "wilsoncenter")
    rec["posted_date"] = "2026-11-29"  # 10:30 UTC is 00:30 on the 29th at UTC+14
    assert pipe.process_item(rec)["posted_date"] == "2026-11-29"


def test_scraped_at_comes_from_the_clock_unless_set(pipe):
    rec = empty_record(BASE, "wilsoncenter")
    assert pipe.process_item(rec)["scraped_at"] == NOW_ISO == "2026-11-28T09:00:00+00:00"
    rec["scraped_at"] = "2025-01-01T00:00:00+00:00"
    assert pipe.process_item(rec)["scraped_at"] == "2025-01-01T00:00:00+00:00"


def test_keys_follow_schema_order_and_missing_ones_are_filled(pipe):
    out = pipe.process_item({"title": "T", "extra": 1, "url": BASE, "schema_version": 7})
    assert list(out) == [*FIELDS, "extra"]
    assert out["authors"] == out["topics"] == out["programs"] == out["downloads"] == []
    assert out["summary"] is None
    assert out["provenance"] == {}
    assert out["schema_version"] == 1


def test_provenance_is_only_kept_for_fields_with_a_value(pipe):
    rec = empty_record(BASE, "wilsoncenter")
    rec.update(title="T", summary="  ")
    rec["provenance"] = {"title": "site", "summary": "meta", "authors": "jsonld"}
    assert pipe.process_item(rec)["provenance"] == {"title": "site"}


# Hypothesis: records as messy as pages make them, then normalized twice.
_text = st.lists(
    st.sampled_from(
        [
            *string.ascii_letters[:6],
            " ",
            "\n",
            "\t",
            "\u00a0",
            "\u200b",
            "\u0301",
            "é",
            "e\u0301",
            "“",
            "\u2003",
            "\u2001",
        ]
    ),
    max_size=12,
).map("".join)
_maybe_text = st.one_of(st.none(), _text)
_url = st.builds(
    "{}://{}/{}{}{}".format,
    st.sampled_from(["http", "https", "HTTPS", "ftp"]),
    st.sampled_from(["www.WilsonCenter.org", "example.org", "x.org:8080"]),
    st.text(alphabet="ab /é%-", max_size=6),
    st.sampled_from(["", "?id=1", "?utm_source=a&id=2", "?fbclid=1", "?a=1&&b"]),
    st.sampled_from(["", "#top", "#"]),
)
_maybe_url = st.one_of(st.none(), _url, st.sampled_from(["/person/a", "rel/b?gclid=1", "mailto:a@b.c", ""]))
_names = st.sampled_from(["Ana", "ana", "ANA ", "Bo", " ", "Mexico Institute"])
_author = st.fixed_dictionaries(
    {
        "name": st.one_of(_names, _maybe_text),
        "kind": st.sampled_from(["person", "Organization", None]),
        "role": _maybe_text,
        "bio": _maybe_text,
        "url": st.one_of(st.sampled_from(["/person/a", "/person/b"]), _maybe_url),
    }
)
_link = st.fixed_dictionaries({"name": st.one_of(_names, _maybe_text), "url": _maybe_url})
_download = st.fixed_dictionaries({"url": _maybe_url, "label": _maybe_text, "media_type": _maybe_text})
_day = st.one_of(st.none(), st.sampled_from(["2020-12-10", "1899-01-01", "2999-01-01", "2025-02-30", "x"]))
_record = st.fixed_dictionaries(
    {"url": _url},
    optional={
        "title": _maybe_text,
        "content_type": _maybe_text,
        "posted_date": _day,
        "posted_at": st.sampled_from([None, "2020-12-10T10:00:00-05:00", "3000-01-01T00:00:00Z"]),
        "posted_raw": _maybe_text,
        "series": st.one_of(st.none(), _link),
        "programs": st.lists(_link, max_size=4),
        "authors": st.lists(_author, max_size=5),
        "excerpt": _maybe_text,
        "summary": _maybe_text,
        "download_url": _maybe_url,
        "downloads": st.lists(_download, max_size=3),
        "image_url": _maybe_url,
        "topics": st.lists(_maybe_text, max_size=4),
        "language": st.one_of(st.none(), st.sampled_from(["EN", "en_US", "es", "xx-Ñ", " "])),
        "provenance": st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(["site", "meta", "text"])),
        "scraped_at": st.one_of(st.none(), st.just(NOW_ISO)),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=_record)
@example(record={"url": BASE, "title": "e\u200b\u0301"})  # zero-width between letter and accent
def test_normalizing_twice_changes_nothing(pipe, record: dict[str, Any]):
    once = pipe.process_item(record)
    assert pipe.process_item(once) == once


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=st.dictionaries(st.sampled_from([*FIELDS, "other"]), _json))
def test_normalize_never_raises_and_keeps_every_key(pipe, record: dict[str, Any]):
    out = pipe.process_item(record)
    assert set(record) <= set(out)
    assert list(out)[: len(FIELDS)] == list(FIELDS)


def test_normalized_record_of_a_real_shape_is_valid(pipe, crawler):
    rec = empty_record(f"{BASE}#x", "wilsoncenter")
    rec.update(
        title=" A Brief ",
        posted_date="2025-03-17",
        posted_at="2025-03-17T16:46:12-04:00",
        posted_raw="March 17, 2025",
        language="EN",
        authors=[author(" Ana "), author("ana", role="Fellow")],
        provenance={"title": "site", "posted_date": "site", "authors": "site", "language": "meta"},
    )
    validator = build_from_crawler(ValidatePipeline, crawler)
    assert validator.errors_of(pipe.process_item(rec)) == []
