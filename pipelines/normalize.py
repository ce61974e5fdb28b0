"""Normalize records: clean text, canonical URLs, one entry per author, dates in range.

The first pipeline (ITEM_PIPELINES 100): every later one sees records in this shape; the
next, ``pipelines/caps.py``, cuts lists and texts to the schema's caps.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar

from brief_scraper.record import FIELDS, LIST_FIELDS, SCHEMA_VERSION
from brief_scraper.runs.stats import DATES_OUT_OF_RANGE, is_empty
from brief_scraper.text import clean_paragraphs, clean_text, normalize_language
from brief_scraper.urls import canonicalize_url
from pipelines.items import Clock, as_record, utc_now

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

T = TypeVar("T")

MIN_POSTED_DAY = date(1900, 1, 1)
# A page dates a piece in its own time zone, which can be up to 14 hours ahead of UTC.
_LATEST_ZONE_OFFSET = timedelta(hours=14)
_DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:$|T)")
_POSTED_FIELDS = ("posted_date", "posted_at")
_PARAGRAPH_FIELDS = frozenset({"excerpt", "summary"})
_URL_FIELDS = frozenset({"download_url", "image_url"})
_KINDS = frozenset({"person", "organization"})


class NormalizePipeline:
    """Put every record in its one normal form; normalizing twice changes nothing.

    * text NFC, single-spaced and trimmed; ``excerpt``, ``summary`` and author ``bio`` keep
      paragraphs apart with a blank line; ``""`` becomes null;
    * URLs absolute, without fragment or tracking parameters (``utm_*``, ``fbclid``...);
    * authors, programs, downloads and topics each once: entries naming the same profile URL
      or the same name (case aside) are one, keeping the richest entry where the first stood;
    * ``language`` a lower-case BCP 47 tag, or null;
    * a posting day before 1900 or later than today (anywhere on Earth) sets ``posted_date``
      and ``posted_at`` to null, counted in ``brief/dates/out_of_range``;
    * ``provenance`` only for fields that have a value; ``scraped_at`` set from the clock
      unless the record has one; ``schema_version`` 1; keys in schema order, each present.
    """

    def __init__(self, stats: StatsCollector, clock: Clock = utc_now) -> None:
        self.stats = stats
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler: Crawler, clock: Clock | None = None) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, clock or utc_now)

    def process_item(self, item: Any) -> dict[str, Any]:
        now = self.clock().astimezone(UTC)
        record = normalize_fields(as_record(item))
        if not is_posted_in_range(record, now):
            logger.debug(
                "posting date %(day)s of %(url)s is before 1900 or in the future: set to null",
                {"day": record["posted_date"] or record["posted_at"], "url": record["url"]},
            )
            record["posted_date"] = record["posted_at"] = None
            self.stats.inc_value(DATES_OUT_OF_RANGE)
        provenance = record["provenance"]
        if isinstance(provenance, Mapping):
            record["provenance"] = {
                field: layer
                for field, layer in provenance.items()
                if field not in record or not is_empty(record[field])
            }
        if not isinstance(record["scraped_at"], str):
            record["scraped_at"] = now.isoformat(timespec="seconds")
        record["schema_version"] = SCHEMA_VERSION
        return record


def normalize_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """Return *item* with each schema field cleaned, in schema order, missing ones filled.

    Values of an unexpected type are passed on unchanged, for validation to report; keys
    outside the schema follow the schema's keys, for the same reason.
    """
    url = item.get("url")
    canonical = canonicalize_url(url) if isinstance(url, str) else None
    record: dict[str, Any] = {"url": canonical or _text(url)}
    base = canonical or ""
    for field in FIELDS[1:]:
        value = item.get(field)
        if field in LIST_FIELDS:
            value = _normalize_list(field, value, base)
        elif field in _PARAGRAPH_FIELDS:
            value = _paragraphs(value)
        elif field in _URL_FIELDS:
            value = _url(value, base)
        elif field == "series":
            value = _link(value, base) if isinstance(value, Mapping) else value
            value = None if value == {} else value
        elif field == "language":
            value = normalize_language(value) if isinstance(value, str) else value
        elif field == "provenance":
            value = {} if value is None else value
        else:
            value = _text(value)
        record[field] = value
    record.update((key, value) for key, value in item.items() if key not in record)
    return record


def is_posted_in_range(record: Mapping[str, Any], now: datetime) -> bool:
    """Return whether the posting day is a real day from 1900 to the latest day on Earth now.

    A record without a readable day is in range: there is nothing to drop.
    """
    latest = (now + _LATEST_ZONE_OFFSET).date()
    for field in _POSTED_FIELDS:
        value = record.get(field)
        if not isinstance(value, str) or not _DAY_RE.match(value):
            continue
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:  # 2025-02-30 has the shape of a day, but is none
            return False
        if not MIN_POSTED_DAY <= day <= latest:
            return False
    return True


def _text(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def _paragraphs(value: Any) -> Any:
    return clean_paragraphs(value) if isinstance(value, str) else value


def _url(value: Any, base: str) -> Any:
    return canonicalize_url(value, base or None) if isinstance(value, str) else value


def _normalize_list(field: str, value: Any, base: str) -> Any:
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    if field == "topics":
        topics = [_text(topic) for topic in value]
        kept = [t for t in topics if t is not None]
        return keep_richest(kept, lambda t: [t.casefold()] if isinstance(t, str) else [], lambda t: 0)
    entries = [_entry(field, entry, base) for entry in value]
    kept = [e for e in entries if e is not None]
    if field == "downloads":
        return keep_richest(kept, _url_key, _richness)
    return keep_richest(kept, _identity_keys, _richness)


def _entry(field: str, entry: Any, base: str) -> Any:
    """Return a list entry cleaned, or None when it lacks what names it (name, or url)."""
    if not isinstance(entry, Mapping):
        return entry
    if field == "authors":
        cleaned = dict(entry)
        cleaned.update(
            name=_text(entry.get("name")),
            kind=_kind(entry.get("kind")),
            role=_text(entry.get("role")),
            bio=_paragraphs(entry.get("bio")),
            url=_url(entry.get("url"), base),
        )
        return cleaned if cleaned["name"] is not None else None
    if field == "downloads":
        cleaned = dict(entry)
        cleaned.update(
            url=_url(entry.get("url"), base),
            label=_text(entry.get("label")),
            media_type=_text(entry.get("media_type")),
        )
        return cleaned if cleaned["url"] is not None else None
    link = _link(entry, base)
    return link or None


def _link(entry: Mapping[str, Any], base: str) -> dict[str, Any]:
    """Return a ``{"name", "url"}`` link cleaned; {} when it has no name."""
    cleaned = dict(entry)
    cleaned.update(name=_text(entry.get("name")), url=_url(entry.get("url"), base))
    return cleaned if cleaned["name"] is not None else {}


def _kind(value: Any) -> Any:
    text = _text(value)
    return text.casefold() if isinstance(text, str) and text.casefold() in _KINDS else text


def _identity_keys(entry: Any) -> list[Hashable]:
    """Return what identifies a person, program or link: its URL and its case-folded name."""
    if not isinstance(entry, Mapping):
        return []
    keys: list[Hashable] = []
    if isinstance(entry.get("url"), str):
        keys.append(("url", entry["url"]))
    if isinstance(entry.get("name"), str):
        keys.append(("name", entry["name"].casefold()))
    return keys


def _url_key(entry: Any) -> list[Hashable]:
    return [entry["url"]] if isinstance(entry, Mapping) and isinstance(entry.get("url"), str) else []


def _richness(entry: Any) -> int:
    return sum(not is_empty(v) for v in entry.values()) if isinstance(entry, Mapping) else 0


def keep_richest(
    entries: Iterable[T], keys_of: Callable[[T], list[Hashable]], richness: Callable[[T], int]
) -> list[T]:
    """Return one entry per group of *entries* sharing any key: the richest, first on a tie.

    Groups are connected: A and B sharing a URL, B and C a name, are one group. Each kept
    entry stands where its group's first entry stood, so a second pass changes nothing.
    """
    entries = list(entries)
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Hashable, int] = {}
    for i, entry in enumerate(entries):
        for key in keys_of(entry):
            if key in owner:
                a, b = root(owner[key]), root(i)
                parent[max(a, b)] = min(a, b)
            else:
                owner[key] = i
    best: dict[int, int] = {}
    for i, entry in enumerate(entries):
        group = root(i)
        if group not in best or richness(entry) > richness(entries[best[group]]):
            best[group] = i
    return [entries[best[group]] for group in sorted(best)]
