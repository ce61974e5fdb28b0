"""Cap a record's lists and texts to the schema's ``maxItems`` and ``maxLength``, counting each cut.

The second pipeline (ITEM_PIPELINES 150), after NormalizePipeline (so the lists hold each
entry once) and before validation. A hostile page can name 50,000 authors or hold one
text node of 50 MB; ``brief_scraper/schema.json`` caps each list and text, and this
pipeline makes every record fit, never silently:

* a list longer than ``maxItems`` keeps its first entries (page order, the main ones first);
* a text longer than ``maxLength`` is cut, and ends with "…";
* a URL longer than its ``maxLength`` (2,083, Scrapy's ``URLLENGTH_LIMIT``) cannot be cut:
  it becomes null, and a download entry without its URL goes;

each counted in ``brief/capped/<field>`` (entries or values cut; ``brief/capped/<field>/<part>``
for a part of a list's entries, such as ``authors/bio``, and ``topics/text`` for topics cut).
The caps come from the schema, its one source of truth. Last, a record whose JSON is still
over ``BRIEF_RECORD_MAX_BYTES`` (default 1,000,000 bytes, UTF-8) is dropped as
:class:`OversizedRecord` (``brief/dropped/record_too_large``): with the caps, only a hostile
page comes near.

Every step is one pass over the record: linear in its size.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem

from brief_scraper.record import load_schema
from brief_scraper.stats import capped_key, dropped_key
from pipelines.items import as_record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

ELLIPSIS = "…"
_URL_PATTERN_PREFIX = "^https?://"


class OversizedRecord(DropItem):
    """The record's JSON is over BRIEF_RECORD_MAX_BYTES even with its lists and texts capped."""

    reason = "record_too_large"


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
    defs = schema.get("$defs", {})

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


class CapPipeline:
    """Cut a record's lists and texts to the schema's caps (brief/capped/*); drop one still over
    BRIEF_RECORD_MAX_BYTES (brief/dropped/record_too_large)."""

    def __init__(self, stats: StatsCollector, max_bytes: int, caps: Caps | None = None) -> None:
        self.stats = stats
        self.max_bytes = max_bytes
        self.caps = caps_from_schema(load_schema()) if caps is None else caps

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getint("BRIEF_RECORD_MAX_BYTES"))

    def process_item(self, item: Any) -> dict[str, Any]:
        record = as_record(item)
        for field, cap in self.caps.texts.items():
            record[field], cut = cut_text(record.get(field), cap)
            if cut:
                self._count(field)
        for field, limit in self.caps.items.items():
            entries = record.get(field)
            if isinstance(entries, list) and len(entries) > limit:
                self._count(field, by=len(entries) - limit)
                record[field] = entries = entries[:limit]
        for field, part_caps in self.caps.parts.items():
            value = record.get(field)
            if isinstance(value, dict):
                self._cap_parts(field, value, part_caps)
            elif isinstance(value, list):
                kept = (e for e in value if not isinstance(e, dict) or self._cap_parts(field, e, part_caps))
                record[field] = list(kept)
        for field, cap in self.caps.item_texts.items():
            value = record.get(field)
            if isinstance(value, list):
                record[field] = [self._cut_entry(field, entry, cap) for entry in value]
        if self.max_bytes:
            self._check_size(record)
        return record

    def _cap_parts(self, field: str, entry: dict[str, Any], part_caps: Mapping[str, TextCap]) -> bool:
        """Cut *entry*'s parts in place; return False when it lost a URL it cannot do without."""
        whole = True
        for part, cap in part_caps.items():
            entry[part], cut = cut_text(entry.get(part), cap)
            if cut:
                self._count(field, part)
                whole = whole and (cap.nullable or not cap.is_url)
        return whole

    def _cut_entry(self, field: str, entry: Any, cap: TextCap) -> Any:
        value, cut = cut_text(entry, cap)
        if cut:
            self._count(field, "text")
        return value

    def _check_size(self, record: dict[str, Any]) -> None:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        if len(text) * 4 <= self.max_bytes:  # 4 bytes a character at most: no need to encode
            return
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > self.max_bytes:
            self.stats.inc_value(dropped_key(OversizedRecord.reason))
            url = record.get("url")
            logger.warning(
                "Record of %(url)s is %(size)d bytes with its lists and texts capped, over "
                "BRIEF_RECORD_MAX_BYTES (%(max)d): dropped",
                {"url": url, "size": size, "max": self.max_bytes},
            )
            raise OversizedRecord(f"{size} bytes: {url}")

    def _count(self, field: str, part: str | None = None, by: int = 1) -> None:
        self.stats.inc_value(capped_key(field, part), by)
