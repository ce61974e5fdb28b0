"""brief_scraper/workers.py: records from worker processes, dying workers, the default."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from brief_scraper import extract, workers
from brief_scraper.workers import EXTRACT_FAILED, WORKER_RESTARTS, Extractor, Worker, default_workers
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
    assert crawler.stats.get_value(WORKER_RESTARTS) == 1


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
    assert crawler.stats.get_value(WORKER_RESTARTS) == 2


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
