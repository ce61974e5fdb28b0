"""Helpers every pipeline may use: read an item as a record without copying it, order its keys,
and the clock that stamps records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter

from brief_scraper.record import FIELDS

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime."""


def utc_now() -> datetime:
    """Return the current time in UTC (the default clock)."""
    return datetime.now(UTC)


def as_record(item: Any) -> dict[str, Any]:
    """Return *item* as a dict to read: a dict item itself, any other item type converted.

    Records are plain JSON data from ``extract()`` on, so a dict is used as it is.
    ``ItemAdapter(item).asdict()`` would copy it deeply, asking of every nested value whether
    it is an item: about 180 µs a Wilson Center record, a third of the pipelines' time when
    four of them did it (``benchmarks/README.md``). The caller must not change what it gets.
    Other item types (``scrapy.Item``, dataclass, attrs) are converted by ItemAdapter.

    >>> record = {"url": "https://x.org/p", "authors": [{"name": "A"}]}
    >>> as_record(record) is record
    True
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Page:
    ...     url: str
    >>> as_record(Page("https://x.org/p"))
    {'url': 'https://x.org/p'}
    """
    if type(item) is dict:
        return item
    return ItemAdapter(item).asdict()


def in_schema_order(item: Any) -> dict[str, Any]:
    """Return the record with schema keys first, in schema order, then any others.

    >>> list(in_schema_order({"extra": 1, "title": "T", "url": "https://x.org/p"}))
    ['url', 'title', 'extra']
    """
    record = as_record(item)
    ordered = {field: record[field] for field in FIELDS if field in record}
    ordered.update(record)
    return ordered
