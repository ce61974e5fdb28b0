"""Every fixture page extracts to its hand-written expected record, field by field."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from brief_scraper.record import FIELDS, load_schema
from tests.conftest import CASES, case_id, case_meta, expected, extracted


def test_there_are_fixtures_of_every_wilson_center_design() -> None:
    designs = {case_meta(c)["design"] for c in CASES}
    assert {"wilsoncenter/a", "wilsoncenter/b", "wilsoncenter/c"} <= designs
    assert len([c for c in CASES if c.parent.name == "wilsoncenter"]) >= 15


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("field", FIELDS)
def test_field_matches_expected(case: Path, field: str) -> None:
    assert extracted(case)[field] == expected(case)[field]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_no_extra_fields(case: Path) -> None:
    assert list(extracted(case)) == list(FIELDS)
    assert list(expected(case)) == list(FIELDS)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_expected_record_is_valid(case: Path) -> None:
    jsonschema.validate(expected(case), load_schema())
