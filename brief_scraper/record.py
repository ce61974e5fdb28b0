"""The record, schema version 1: its fields, an empty record, and typed parts.

``schema.json`` beside this module is the one truth of the record's shape; this module
reads its key order from there so the two cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, TypedDict

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema.json")

Layer = Literal["site", "jsonld", "meta", "text"]


class Link(TypedDict):
    """A named link: a series or a program."""

    name: str
    url: str | None


class Author(TypedDict):
    """A person or an organization credited as author."""

    name: str
    kind: Literal["person", "organization"]
    role: str | None
    bio: str | None
    url: str | None


class Download(TypedDict):
    """A document the page offers."""

    url: str
    label: str | None
    media_type: str | None


@cache
def load_schema() -> dict[str, Any]:
    """Return the record's JSON Schema (parsed once per process).

    Read as package data, not from SCHEMA_PATH, so that it loads from a zipped egg too:
    Scrapyd runs the project as one.
    """
    text = files("brief_scraper").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What the project does with one record field, read from its schema property: the one
    place a new field (a property added to schema.json) becomes stats, checks and columns."""

    name: str
    extracted: bool  # "x-extracted": layers fill it; provenance, coverage stats, checks, dedupe
    is_list: bool  # empty is [] (else null)
    pandas_dtype: str  # the column's dtype in every run (PANDAS_DTYPES)
    dedupe_weight: int  # what a non-empty value adds to a record's richness (pipelines/dedupe.py)


def _field_spec(name: str, spec: dict[str, Any]) -> FieldSpec:
    extracted = spec.get("x-extracted") is True
    return FieldSpec(
        name=name,
        extracted=extracted,
        is_list=spec.get("type") == "array",
        pandas_dtype=_pandas_dtype(spec),
        dedupe_weight=int(spec.get("x-dedupe-weight", 1 if extracted else 0)),
    )


def _pandas_dtype(spec: dict[str, Any]) -> str:
    """Return the pandas dtype that holds a field of JSON Schema *spec* in every run.

    >>> _pandas_dtype({"type": ["string", "null"]}), _pandas_dtype({"const": 1})
    ('string', 'int64')
    >>> _pandas_dtype({"type": "array"}), _pandas_dtype({"oneOf": [{"type": "null"}, {}]})
    ('object', 'object')
    """
    types = spec.get("type", [])
    types = {types} if isinstance(types, str) else set(types)
    if types and types <= {"string", "null"}:
        return "string"
    if isinstance(spec.get("const"), int) or types == {"integer"}:
        return "int64"
    return "object"


FIELD_SPECS: dict[str, FieldSpec] = {
    name: _field_spec(name, spec) for name, spec in load_schema()["properties"].items()
}
"""Every record field, in schema order, with what the project does with it."""

FIELDS: tuple[str, ...] = tuple(FIELD_SPECS)
"""Record keys in schema order."""

LIST_FIELDS: frozenset[str] = frozenset(name for name, spec in FIELD_SPECS.items() if spec.is_list)

EXTRACTED_FIELDS: tuple[str, ...] = tuple(name for name, spec in FIELD_SPECS.items() if spec.extracted)
"""Fields that extraction layers fill, and that provenance speaks of (``x-extracted``)."""

DEDUPE_WEIGHTS: dict[str, int] = {
    name: spec.dedupe_weight for name, spec in FIELD_SPECS.items() if spec.dedupe_weight
}
"""What each non-empty field adds to a record's richness: of two duplicates the richer is kept."""


def empty_record(url: str, source: str) -> dict[str, Any]:
    """Return a record with every key present and nothing found yet.

    >>> rec = empty_record("https://example.org/a", "example.org")
    >>> list(rec)[:3], rec["authors"], rec["title"], rec["schema_version"]
    (['url', 'source', 'title'], [], None, 1)
    """
    record: dict[str, Any] = {f: [] if f in LIST_FIELDS else None for f in FIELDS}
    record.update(url=url, source=source, provenance={}, schema_version=SCHEMA_VERSION)
    return record


PANDAS_DTYPES: dict[str, str] = {name: spec.pandas_dtype for name, spec in FIELD_SPECS.items()}
"""pandas dtype of each column, the same in every run whatever it found:
``pd.read_json(path, lines=True, dtype=False).astype(PANDAS_DTYPES)``. Text is ``string``
(missing is ``<NA>``), lists and objects stay Python objects, and dates stay ISO 8601 text
for ``pd.to_datetime``."""
