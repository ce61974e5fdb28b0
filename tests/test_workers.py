"""brief_scraper/crawling/workers.py: records from worker processes, dying workers, the default."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from brief_scraper import extract
from brief_scraper.crawling import workers
from brief_scraper.crawling.workers import (
    EXTRACT_FAILED,
    EXTRACT_TIMEOUT,
    Extractor,
    Worker,
    default_workers,
)
from brief_scraper.runs.stats import EXTRACT_WORKER_RESTARTS
from spiders.wilsoncenter import WilsonCenterSpider

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_pages() -> list[tuple[bytes, str]]:
    return [
        ((meta.parent / "page.html").read_bytes(), json.loads(meta.read_text(encoding="utf-8"))["url"])
        for meta in sorted(FIXTURES.glob("*/*/meta.json"))
    ]


def without_clock(record: dict[str, Any] | None) -> dict[str, Any] | None:
    return record if record is None else {k: v for k, v in record.items() if k != "scraped_at"}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_a_worker_gives_the_records_extract_gives_in_process() -> None:
    pages = fixture_pages()

    async def crawl() -> list[dict[str, Any] | None]:
        extractor = Extractor(1)
        extractor.start()
        try:  # all at once, as concurrent responses would: answers come back by page number
            return await asyncio.gather(*(extractor.extract(body, url) for body, url in pages))
        finally:
            await extractor.close()

    got = run(crawl())
    assert [without_clock(r) for r in got] == [without_clock(extract(body, url)) for body, url in pages]


def test_zero_workers_extract_in_process() -> None:
    body, url = fixture_pages()[0]
    assert without_clock(run(Extractor(0).extract(body, url))) == without_clock(extract(body, url))


def test_a_page_whose_worker_dies_is_retried_in_a_new_worker_and_counted() -> None:
    crawler = get_crawler(WilsonCenterSpider)
    body, url = fixture_pages()[0]

    async def crawl() -> tuple[dict[str, Any] | None, int]:
        extractor = Extractor(1, crawler)
        extractor.start()  # in the background, as at spider_opened
        first = await extractor._worker(0)
        os.kill(first.process.pid, signal.SIGKILL)
        await first.process.wait()
        record = await extractor.extract(body, url)
        second = extractor._workers[0]
        await extractor.close()
        assert second is not None
        assert second is not first
        return record, second.process.returncode

    record, returncode = run(crawl())
    assert without_clock(record) == without_clock(extract(body, url))
    assert returncode == 0  # the new worker exited cleanly on close
    assert crawler.stats.get_value(EXTRACT_WORKER_RESTARTS) == 1


def test_a_page_that_kills_every_worker_is_dropped_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = get_crawler(WilsonCenterSpider)

    async def dies(
        self: Worker, number: int, body: bytes, url: str, content_type: str | None = None
    ) -> dict[str, Any]:
        if number:  # page 0 is the worker's start; then each real page kills it
            os.kill(self.process.pid, signal.SIGKILL)  # as a libxml2 crash on this page would
            await self.reader
        return await original(self, number, body, url)

    original = Worker.extract
    monkeypatch.setattr(Worker, "extract", dies)

    async def crawl() -> dict[str, Any] | None:
        extractor = Extractor(1, crawler)
        try:
            return await extractor.extract(b"<html><title>x</title></html>", "https://example.org/x")
        finally:
            await extractor.close()

    assert run(crawl()) is None
    assert crawler.stats.get_value(f"brief/dropped/{EXTRACT_FAILED}") == 1
    assert crawler.stats.get_value(EXTRACT_WORKER_RESTARTS) == 2


@pytest.mark.parametrize(
    "arguments",
    [
        ("-c", "raise SystemExit(1)"),  # a worker that cannot even import the project
        ("-c", "import time; time.sleep(0.2)"),  # one that reads no page and exits cleanly
        ("-c", "import time; time.sleep(60)"),  # one that never answers
    ],
)
def test_no_working_worker_means_extracting_in_process(
    monkeypatch: pytest.MonkeyPatch, arguments: tuple[str, ...]
) -> None:
    monkeypatch.setattr(Worker, "arguments", arguments)
    monkeypatch.setattr(workers, "_START_SECONDS", 1.0)
    pages = fixture_pages()[:3]

    async def crawl() -> tuple[list[dict[str, Any] | None], int]:
        extractor = Extractor(1)
        records = [await extractor.extract(body, url) for body, url in pages]
        return records, extractor.size

    records, size = run(crawl())
    assert [without_clock(r) for r in records] == [without_clock(extract(body, url)) for body, url in pages]
    assert size == 0


@pytest.mark.parametrize(
    ("settings", "workers"),
    [
        ({}, 0),  # the project's polite defaults: a delay and AutoThrottle
        ({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}, 1 if (os.cpu_count() or 1) >= 2 else 0),
        ({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": True}, 0),
    ],
)
def test_workers_by_default_only_for_an_unthrottled_crawl(settings: dict[str, Any], workers: int) -> None:
    project = Settings({"DOWNLOAD_DELAY": 2.0, "AUTOTHROTTLE_ENABLED": True})
    project.setdict(settings, priority="cmdline")
    assert default_workers(project) == workers
    chosen = get_crawler(WilsonCenterSpider, {**settings, "BRIEF_EXTRACT_WORKERS": 3})
    assert Extractor.from_crawler(chosen).size == 3


# --- the time budget of a page -----------------------------------------------------------

SLOW = "tests.slow_extract.extract"
SPIN = b"<html><title>spin-forever</title></html>"
STUCK = b"<html><title>stuck-in-c</title></html>"
FAST_PAGE = b"<html><head><title>A fast page</title></head><body><h1>A fast page</h1></body></html>"


def timeouts_logged(caplog: pytest.LogCaptureFixture, url: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and url in r.getMessage()
            and "BRIEF_EXTRACT_TIMEOUT_SECONDS" in r.getMessage()]  # fmt: skip


@pytest.mark.parametrize("size", [0, 1], ids=["in-process", "worker"])
def test_a_page_past_its_budget_is_dropped_counted_and_logged_once(size, caplog) -> None:
    crawler = get_crawler(WilsonCenterSpider)
    url = "https://example.org/slow"

    async def crawl() -> tuple[dict[str, Any] | None, dict[str, Any] | None, float]:
        extractor = Extractor(size, crawler, budget=0.5, function=SLOW)
        extractor.start()
        try:
            await extractor.extract(FAST_PAGE, "https://example.org/warm-up")  # the worker has started
            started = time.monotonic()
            slow = await extractor.extract(SPIN, url)
            elapsed = time.monotonic() - started
            return slow, await extractor.extract(FAST_PAGE, "https://example.org/fast"), elapsed
        finally:
            await extractor.close()

    with caplog.at_level(logging.WARNING):
        slow, fast, elapsed = run(crawl())
    assert slow is None
    assert elapsed < 5
    assert fast is not None  # the crawl goes on
    assert fast["title"] == "A fast page"
    assert crawler.stats.get_value(f"brief/dropped/{EXTRACT_TIMEOUT}") == 1
    assert len(timeouts_logged(caplog, url)) == 1
    assert crawler.stats.get_value(EXTRACT_WORKER_RESTARTS) is None  # the worker stopped it itself


def test_a_worker_stuck_in_c_code_is_killed_its_page_dropped_and_the_others_retried(caplog) -> None:
    crawler = get_crawler(WilsonCenterSpider)
    url = "https://example.org/stuck"

    async def crawl() -> list[dict[str, Any] | None]:
        extractor = Extractor(1, crawler, budget=0.5, function=SLOW)
        extractor.start()
        try:
            await extractor.extract(FAST_PAGE, "https://example.org/warm-up")
            # The fast page waits behind the stuck one in the same worker: it must not be lost.
            return await asyncio.gather(
                extractor.extract(STUCK, url), extractor.extract(FAST_PAGE, "https://example.org/behind")
            )
        finally:
            await extractor.close()

    with caplog.at_level(logging.WARNING):
        stuck, behind = run(crawl())
    assert stuck is None
    assert behind is not None
    assert behind["title"] == "A fast page"
    assert crawler.stats.get_value(f"brief/dropped/{EXTRACT_TIMEOUT}") == 1
    assert crawler.stats.get_value(EXTRACT_WORKER_RESTARTS) == 1
    assert len(timeouts_logged(caplog, url)) == 1


def test_no_budget_means_no_limit() -> None:
    assert Extractor(0, budget=0).budget is None
    for seconds, budget in ((0, None), (10.0, 10.0)):
        crawler = get_crawler(WilsonCenterSpider, {"BRIEF_EXTRACT_TIMEOUT_SECONDS": seconds})
        assert Extractor.from_crawler(crawler).budget == budget
