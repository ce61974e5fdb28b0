"""A spider for the pipeline tests: yields records from ``start()`` slowly, without any network.

``scrapy crawl slow -s SPIDER_MODULES=tests.slow_spider -a count=N -a delay=SECONDS`` runs it
through the project's pipelines. Record 3 is invalid, record 4 repeats record 0, and record
5 is a richer record for record 1's URL, so one run meets every path of the pipelines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from scrapy import Spider

from brief_scraper.record import empty_record

# Over a memory page (4 KiB) once encoded, and not ASCII: the lines the writer must keep whole.
LONG_BIO = "Ana Pérez studies trade — “USMCA” and energy. " * 100


def slow_record(i: int) -> dict[str, Any]:
    """Return record number *i* of the run, as extraction would yield it."""
    record = empty_record(f"https://example.org/publication/{i}?utm_source=feed", "example.org")
    record.update(
        title=f"  Publication {i} ",
        posted_date="2025-03-17",
        language="EN",
        authors=[{"name": "Ana Pérez", "kind": "person", "role": None, "bio": LONG_BIO, "url": None}],
        provenance={"title": "site", "posted_date": "jsonld", "authors": "site", "language": "meta"},
    )
    if i == 3:
        record["source"] = None
    elif i == 4:
        record = slow_record(0)
    elif i == 5:
        record = slow_record(1)
        record.update(summary="Now with a summary.", provenance={**record["provenance"], "summary": "meta"})
    return record


class SlowSpider(Spider):
    """Yield *count* records, one every *delay* seconds."""

    name = "slow"
    custom_settings: ClassVar[dict[str, Any]] = {"BRIEF_MAX_INVALID": 1}  # record 3 is invalid on purpose

    def __init__(self, count: str = "1000", delay: str = "0.005", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count, self.delay = int(count), float(delay)

    async def start(self) -> AsyncIterator[Any]:
        for i in range(self.count):
            await asyncio.sleep(self.delay)
            yield slow_record(i)
