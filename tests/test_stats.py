from __future__ import annotations

import ast
from pathlib import Path

import pytest
from scrapy.utils.misc import build_from_crawler

from brief_scraper.record import EXTRACTED_FIELDS
from brief_scraper.runs.contracts import record_removed
from brief_scraper.runs.stats import dropped_key, fields_key, is_empty, record_stat_keys, slugify
from pipelines.stats import StatsPipeline
from tests.pipeline_support import make_crawler, make_record


@pytest.fixture
def crawler():
    return make_crawler()


@pytest.fixture
def pipe(crawler):
    return build_from_crawler(StatsPipeline, crawler)


def test_field_coverage_counts_non_empty_values_only(pipe, crawler):
    pipe.process_item(make_record(summary="S", topics=["t"]))
    pipe.process_item(make_record(summary=None, topics=[]))
    stats = crawler.stats.get_stats()
    assert stats["brief/fields/title"] == 2
    assert stats["brief/fields/summary"] == 1
    assert stats["brief/fields/topics"] == 1
    assert "brief/fields/authors" not in stats


def test_provenance_counts_field_and_layer(pipe, crawler):
    pipe.process_item(make_record(provenance={"title": "site", "summary": "meta"}, summary="S"))
    pipe.process_item(make_record(provenance={"title": "jsonld"}))
    stats = crawler.stats.get_stats()
    assert stats["brief/provenance/title/site"] == 1
    assert stats["brief/provenance/title/jsonld"] == 1
    assert stats["brief/provenance/summary/meta"] == 1


@pytest.mark.parametrize(
    ("provenance", "expected"),
    [
        ({"title": "site"}, ["brief/provenance/title/site"]),
        ({"title": "guess"}, []),  # unknown layer: no key from it
        ({"https://x.org/a": "site"}, []),  # unknown field: no key from it
        ({"url": "site"}, []),  # not an extracted field
        ([("title", "site")], []),  # not an object
    ],
)
def test_provenance_keys_come_from_bounded_values_only(provenance, expected):
    record = make_record(title=None, provenance=provenance)
    assert [k for k in record_stat_keys(record) if k.startswith("brief/provenance/")] == expected


@pytest.mark.parametrize(
    ("posted_raw", "posted_date", "counted"),
    [("Spring 2020", None, True), ("March 17, 2025", "2025-03-17", False), (None, None, False)],
)
def test_unparsed_date_is_a_posted_raw_without_posted_date(posted_raw, posted_date, counted):
    record = make_record(posted_raw=posted_raw, posted_date=posted_date)
    assert ("brief/dates/unparsed" in record_stat_keys(record)) is counted


@pytest.mark.parametrize(
    ("content_type", "key"),
    [
        ("Program", "brief/pages/not_publication/program"),
        ("person", "brief/pages/not_publication/person"),
        ("Policy Brief", None),
        (None, None),
    ],
)
def test_pages_that_are_not_publications_are_counted_by_type(content_type, key):
    keys = [k for k in record_stat_keys(make_record(content_type=content_type)) if "/pages/" in k]
    assert keys == ([key] if key else [])


def test_removed_record_is_taken_out_of_the_counts(pipe, crawler):
    kept, removed = make_record(summary="S"), make_record(posted_raw="Spring")
    pipe.process_item(removed)
    pipe.process_item(kept)
    crawler.signals.send_catch_log(signal=record_removed, record=removed)
    stats = crawler.stats.get_stats()
    assert stats["brief/fields/title"] == 1
    assert stats["brief/fields/posted_raw"] == 0
    assert stats["brief/dates/unparsed"] == 0
    assert stats["brief/fields/summary"] == 1


def test_every_coverage_key_names_an_extracted_field():
    record = make_record(**{f: "x" for f in EXTRACTED_FIELDS})
    fields = [k.removeprefix("brief/fields/") for k in record_stat_keys(record) if "/fields/" in k]
    assert fields == list(EXTRACTED_FIELDS)


@pytest.mark.parametrize(
    ("reason", "key"), [("invalid", "brief/dropped/invalid"), ("no_title", "brief/dropped/no_title")]
)
def test_dropped_key_takes_a_slug(reason, key):
    assert dropped_key(reason) == key


@pytest.mark.parametrize("reason", ["", "Invalid", "has space", "a/b", "trailing_", "https://x.org"])
def test_dropped_key_refuses_what_is_not_a_slug(reason):
    with pytest.raises(ValueError, match="snake_case slug"):
        dropped_key(reason)


@pytest.mark.parametrize(
    ("value", "slug"),
    [("Policy Brief", "policy_brief"), ("Person", "person"), ("  ", "other"), ("Q&A", "q_a")],
)
def test_slugify(value, slug):
    assert slugify(value) == slug


@pytest.mark.parametrize(
    ("value", "empty"),
    [(None, True), ("", True), ([], True), ({}, True), (0, False), ("x", False), ([None], False)],
)
def test_is_empty(value, empty):
    assert is_empty(value) is empty


@pytest.mark.parametrize(
    ("field", "key"), [("title", "brief/fields/title"), ("posted_date", "brief/fields/posted_date")]
)
def test_fields_key_takes_a_slug(field, key):
    assert fields_key(field) == key


@pytest.mark.parametrize("field", ["Title", "title/x", "", "a b"])
def test_fields_key_refuses_what_is_not_a_slug(field):
    with pytest.raises(ValueError, match="snake_case slug"):
        fields_key(field)


ROOT = Path(__file__).parent.parent
SOURCE_FOLDERS = ("brief_scraper", "spiders", "pipelines", "devsite")
STATS_MODULE = ROOT / "brief_scraper" / "runs" / "stats.py"


def _docstrings(tree: ast.AST) -> set[int]:
    """Return the ids of the docstring nodes of *tree*: they describe keys, they build none."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def brief_key_literals(path: Path, root: Path = ROOT) -> list[str]:
    """Return ``file:line: literal`` for each string literal or f-string starting with "brief/"."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    skipped = _docstrings(tree)
    for node in ast.walk(tree):  # the parts of an f-string are judged with the f-string
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(part) for part in node.values)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            text = first.value if isinstance(first, ast.Constant) else None
        else:
            text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and text.startswith("brief/"):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_brief_key_literals_are_found(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        '"""brief/docstring."""\nA = "brief/a"\nB = f"brief/b/{A}"\nC = f"{A}brief/c"\nD = "x brief/d"\n'
    )
    assert [line.split(": ", 1)[1] for line in brief_key_literals(source, tmp_path)] == [
        "'brief/a'",
        "f'brief/b/{A}'",
    ]


def test_no_code_outside_stats_builds_a_brief_key():
    paths = sorted(p for folder in SOURCE_FOLDERS for p in (ROOT / folder).rglob("*.py") if p != STATS_MODULE)
    assert paths
    found = [line for path in paths for line in brief_key_literals(path)]
    assert not found, "stat keys built outside brief_scraper/runs/stats.py (name them there):\n" + "\n".join(
        found
    )
