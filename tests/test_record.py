"""brief_scraper/record.py: the schema is the one truth of the record, and a field added to it
reaches every check: fixtures, stats, coverage, dedupe weight and the pandas columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from scrapy.settings import Settings

from brief_scraper.record import (
    DEDUPE_WEIGHTS,
    EXTRACTED_FIELDS,
    FIELD_SPECS,
    FIELDS,
    PANDAS_DTYPES,
    empty_record,
    load_schema,
)
from brief_scraper.runs.monitors import coverage_rules
from brief_scraper.runs.stats import record_stat_keys
from tests.conftest import CASES, expected

if TYPE_CHECKING:
    from pathlib import Path

PROPERTIES = load_schema()["properties"]


def test_every_schema_property_is_a_field_with_its_spec() -> None:
    assert list(FIELDS) == list(PROPERTIES) == list(FIELD_SPECS) == list(PANDAS_DTYPES)


def test_extracted_fields_are_those_the_schema_marks() -> None:
    marked = [name for name, spec in PROPERTIES.items() if spec.get("x-extracted") is True]
    assert list(EXTRACTED_FIELDS) == marked
    assert {"title", "authors", "language"} <= set(EXTRACTED_FIELDS)
    assert not {"url", "source", "provenance", "scraped_at", "schema_version"} & set(EXTRACTED_FIELDS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_every_expected_record_has_every_schema_field(case: Path) -> None:
    # A field added to schema.json fails here until every fixture's expected record says
    # what the page gives for it: the field-by-field comparison then checks it.
    assert list(expected(case)) == list(FIELDS)


@pytest.mark.parametrize("field", EXTRACTED_FIELDS)
def test_an_extracted_field_is_counted_weighed_and_judged(field: str) -> None:
    record = empty_record("https://example.org/p", "example.org")
    record[field] = ["x"] if FIELD_SPECS[field].is_list else "x"
    record["provenance"] = {field: "text"}
    keys = record_stat_keys(record)
    assert f"brief/fields/{field}" in keys
    assert f"brief/provenance/{field}/text" in keys
    assert DEDUPE_WEIGHTS[field] > 0
    assert coverage_rules(Settings({"BRIEF_MIN_COVERAGE": {field: 0.5}})) == {
        field: 0.5
    }  # checks may name it
