"""Shared helpers of the pipeline tests: a record with values, a crawler with its spider."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from brief_scraper.record import empty_record

if TYPE_CHECKING:
    from pathlib import Path

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
NOW_ISO = "2026-11-28T09:00:00+00:00"


def fixed_clock() -> datetime:
    """Return NOW: the clock the tests inject."""
    return NOW


def make_record(url: str = "https://www.wilsoncenter.org/publication/a", **fields: Any) -> dict[str, Any]:
    """Return a valid, normalized record for *url* with a title, updated with *fields*."""
    record = empty_record(url, "wilsoncenter")
    record.update(title="A Brief", scraped_at=NOW_ISO, provenance={"title": "site"})
    record.update(fields)
    return record


def make_crawler(settings: dict[str, Any] | None = None, spider_name: str = "wilsoncenter") -> Crawler:
    """Return a crawler whose spider is created, as pipelines see it during a crawl."""
    crawler = get_crawler(Spider, settings)
    crawler.spider = crawler._create_spider(spider_name)
    return crawler


def close(crawler: Crawler, reason: str = "finished") -> None:
    """Send spider_closed, as Scrapy does when the crawl ends for *reason*."""
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=crawler.spider, reason=reason)


def drop(crawler: Crawler, item: Any, exception: Exception) -> None:
    """Send item_dropped for *item*, as Scrapy does when a pipeline raises *exception*."""
    crawler.signals.send_catch_log(
        signal=signals.item_dropped, item=item, response=None, exception=exception, spider=crawler.spider
    )


def lines_of(path: Path) -> list[dict[str, Any]]:
    """Return the records of a JSON-lines file (gzip-compressed when its name says .gz)."""
    opener = gzip.open if ".gz" in path.name else open
    with opener(path, "rb") as file:
        return [json.loads(line) for line in file]
