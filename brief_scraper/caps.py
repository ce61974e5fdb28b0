"""Caps on a record's lists and texts, read from ``schema.json``: how long each may be.

A hostile page can name 50,000 authors or hold one text node of 50 MB. ``cap_record`` makes
a record fit the schema's ``maxItems`` and ``maxLength`` and says what it cut, so a cut is
never silent: ``extract()`` caps its own record and keeps the counts in
``provenance["capped"]``; ``pipelines/caps.py`` counts them as ``brief/capped/*`` stats and
caps again after normalization. Framework-free, one pass over the record.

* a list longer than ``maxItems`` keeps its first entries (page order, the main ones first);
* a text longer than ``maxLength`` is cut, and ends with "…";
* a URL longer than its ``maxLength`` (2,083, Scrapy's ``URLLENGTH_LIMIT``) cannot be cut:
  it becomes null, and a download entry without its URL goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from brief_scraper.record import load_schema

if TYPE_CHECKING:
    from collections.abc import Mapping

ELLIPSIS = "…"
_URL_PATTERN_PREFIX = "^https?://"


@dataclass(frozen=True, slots=True)
class TextCap:
    """The cap of one text value: cut it (ending with "…"), or null it when it is a URL."""

    max_length: int
    is_url: bool
    nullable: bool


@dataclass(frozen=True, slots=True)
class Caps:
    """A record's caps, read from the schema."""

    texts: Mapping[str, TextCap]  # top-level text or URL field -> its cap
    parts: Mapping[str, Mapping[str, TextCap]]  # object or list field -> its entries' parts' caps
    items: Mapping[str, int]  # list field -> maxItems
    item_texts: Mapping[str, TextCap]  # list of strings (topics) -> each string's cap


def _text_cap(spec: Mapping[str, Any]) -> TextCap | None:
    if "maxLength" not in spec:
        return None
    types = spec.get("type", [])
    nullable = "null" in ([types] if isinstance(types, str) else types)
    return TextCap(spec["maxLength"], str(spec.get("pattern", "")).startswith(_URL_PATTERN_PREFIX), nullable)


def caps_from_schema(schema: Mapping[str, Any]) -> Caps:
    """Return the caps the JSON Schema *schema* sets on a record.

    >>> caps = caps_from_schema(load_schema())
    >>> caps.items["authors"], caps.texts["title"].max_length, caps.parts["authors"]["bio"].max_length
    (100, 1000, 5000)
    >>> caps.texts["image_url"]
    TextCap(max_length=2083, is_url=True, nullable=True)
    """
    defs: Mapping[str, Mapping[str, Any]] = schema.get("$defs", {})

    def resolve(spec: Mapping[str, Any]) -> Mapping[str, Any]:
        for option in [spec, *spec.get("oneOf", [])]:
            if "$ref" in option:
                return defs[option["$ref"].rsplit("/", 1)[-1]]
        return spec

    texts, parts, items, item_texts = {}, {}, {}, {}
    for field, spec in schema["properties"].items():
        if (cap := _text_cap(spec)) is not None:
            texts[field] = cap
        entry = resolve(spec)  # an object field (series) is its own entry
        if spec.get("type") == "array":
            if "maxItems" in spec:
                items[field] = spec["maxItems"]
            entry = resolve(spec["items"])
            if (cap := _text_cap(entry)) is not None:
                item_texts[field] = cap
        properties = entry.get("properties", {})
        entry_caps = {name: cap for name, part in properties.items() if (cap := _text_cap(part)) is not None}
        if entry_caps and entry is not spec:
            parts[field] = entry_caps
    return Caps(texts, parts, items, item_texts)


def cut_text(value: Any, cap: TextCap) -> tuple[Any, bool]:
    """Return *value* within *cap*, and whether it had to be cut.

    >>> cut_text("A long title", TextCap(8, False, False))
    ('A long…', True)
    >>> cut_text("https://x.org/" + "a" * 30, TextCap(20, True, True))
    (None, True)
    >>> cut_text(None, TextCap(8, False, True)), cut_text("short", TextCap(8, False, False))
    ((None, False), ('short', False))
    """
    if not isinstance(value, str) or len(value) <= cap.max_length:
        return value, False
    if cap.is_url:
        return None, True
    return value[: cap.max_length - 1].rstrip() + ELLIPSIS, True


@cache
def record_caps() -> Caps:
    """Return the caps of schema.json (read once per process)."""
    return caps_from_schema(load_schema())


def cap_record(record: dict[str, Any], caps: Caps | None = None) -> dict[str, int]:
    """Cut *record*'s lists and texts to *caps* (the schema's by default), in place; return
    the cuts by what was cut (``authors``: entries dropped; ``authors/bio``, ``title``:
    values cut), empty when the record fit.

    >>> from brief_scraper.record import empty_record
    >>> rec = empty_record("https://x.org/p", "x.org")
    >>> rec["topics"] = ["t%d" % i for i in range(105)]
    >>> cap_record(rec), len(rec["topics"])
    ({'topics': 5}, 100)
    """
    caps = caps or record_caps()
    cuts: dict[str, int] = {}

    def count(key: str, by: int = 1) -> None:
        cuts[key] = cuts.get(key, 0) + by

    for field, cap in caps.texts.items():
        record[field], cut = cut_text(record.get(field), cap)
        if cut:
            count(field)
    for field, limit in caps.items.items():
        entries = record.get(field)
        if isinstance(entries, list) and len(entries) > limit:
            count(field, len(entries) - limit)
            record[field] = entries[:limit]
    for field, part_caps in caps.parts.items():
        value = record.get(field)
        if isinstance(value, dict):
            _cap_parts(field, value, part_caps, count)
        elif isinstance(value, list):
            record[field] = [
                e for e in value if not isinstance(e, dict) or _cap_parts(field, e, part_caps, count)
            ]
    for field, cap in caps.item_texts.items():
        value = record.get(field)
        if isinstance(value, list):
            kept = []
            for entry in value:
                entry, cut = cut_text(entry, cap)
                if cut:
                    count(f"{field}/text")
                kept.append(entry)
            record[field] = kept
    return cuts


def _cap_parts(field: str, entry: dict[str, Any], part_caps: Mapping[str, TextCap], count: Any) -> bool:
    """Cut *entry*'s parts in place; return False when it lost a URL it cannot do without."""
    whole = True
    for part, cap in part_caps.items():
        entry[part], cut = cut_text(entry.get(part), cap)
        if cut:
            count(f"{field}/{part}")
            whole = whole and (cap.nullable or not cap.is_url)
    return whole
