"""Shared test helpers: where fixtures live, extracting each case once, the offline site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from brief_scraper import extract
from devsite.offline_site import OfflineSite

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/expected.json"))


def case_id(case: Path) -> str:
    """Return ``<site>/<case>`` as a test id."""
    return f"{case.parent.name}/{case.name}"


@cache
def case_meta(case: Path) -> dict[str, Any]:
    """Return the case's meta.json (url, design, what it covers)."""
    return json.loads((case / "meta.json").read_text(encoding="utf-8"))


@cache
def expected(case: Path) -> dict[str, Any]:
    """Return the hand-written record the case must extract to."""
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


@cache
def extracted(case: Path) -> dict[str, Any]:
    """Return what extract() gives on the case's page bytes (once per case)."""
    return extract((case / "page.html").read_bytes(), case_meta(case)["url"])


@pytest.fixture(scope="session")
def offline_site() -> Iterator[OfflineSite]:
    """The offline site on 127.0.0.1 (any free port), built from today's fixtures, once per session."""
    with OfflineSite() as site:
        yield site
