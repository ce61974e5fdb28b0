"""Run ``extract()`` in worker processes, so the crawl's event loop never waits on a parse.

Scrapy runs every callback on one thread. Extraction is pure CPU work (1-4 ms a page), so
in a crawl without delays it takes that thread's time from downloading and scheduling;
a worker process takes it to another core instead, and a page that crashes libxml2 costs
that page (counted), not the crawl. ``extract()`` is pure, so a worker sends back exactly
the record the crawl's own process would make.

A worker is ``python -m brief_scraper.workers``: it reads pages from its stdin (number, URL
and body behind their lengths) and writes records to its stdout (number and JSON, likewise);
no pickle, so nothing in the pipe can run code. The crawl talks to it through
asyncio pipes on its own event loop. concurrent.futures' ProcessPoolExecutor was tried
first: its feeder and manager threads fight the event loop for the GIL and cost the crawl
about as much CPU per page as extracting in-process.

Settings, read here:

``BRIEF_EXTRACT_WORKERS``
    Worker processes for ``extract()``; 0 extracts in the crawl's own process. Default
    ``None``: one worker when the crawl is unthrottled (``DOWNLOAD_DELAY`` 0 and AutoThrottle
    off: a local mirror, the HTTP cache, a benchmark) and the machine has a second core;
    else 0. A polite crawl waits seconds between requests, and a worker would idle.

Stats: ``brief/extract/worker_restarts`` (a worker died; its pages were retried once in a
new one) and ``brief/dropped/extract_failed`` (a page that failed in two workers).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
import struct
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, Self

from scrapy import signals

from brief_scraper.extraction import extract
from brief_scraper.stats import dropped_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

WORKER_RESTARTS = "brief/extract/worker_restarts"
EXTRACT_FAILED = "extract_failed"  # the drop reason: brief/dropped/extract_failed
_PAGE_HEADER = struct.Struct("!QIII")  # page number, URL, Content-Type and body lengths; then those
_RECORD_HEADER = struct.Struct("!QI")  # page number, JSON length; then the record as JSON
_STOP_SECONDS = 5.0  # a worker gets this long to exit when its stdin closes
_START_SECONDS = 60.0  # and this long to import the project and answer its first page
_FIRST_PAGE = b"<html><head><title>ready?</title></head></html>"  # page 0: the start's handshake


def default_workers(settings: BaseSettings) -> int:
    """Return the number of extraction workers for a crawl that did not choose one: one for an
    unthrottled crawl on a machine with a core to spare, else none."""
    unthrottled = not settings.getfloat("DOWNLOAD_DELAY") and not settings.getbool("AUTOTHROTTLE_ENABLED")
    return 1 if unthrottled and (os.cpu_count() or 1) >= 2 else 0


class WorkerDied(Exception):
    """The worker exited (or its pipes broke) before it answered."""


class Worker:
    """One worker process and the pages it has not answered yet."""

    arguments: tuple[str, ...] = ("-m", "brief_scraper.workers")  # after sys.executable

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.ensure_future(self._read_answers())

    @classmethod
    async def start(cls) -> Self:
        """Start a worker and have it answer a first, tiny page.

        Raise OSError when it cannot be started or does not answer (a broken environment):
        the crawl then extracts in-process rather than lose every page to dead workers.
        """
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # eggs (Scrapyd) too
        process = await asyncio.create_subprocess_exec(
            sys.executable, *cls.arguments,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        worker = cls(process)
        try:
            await asyncio.wait_for(worker.extract(0, _FIRST_PAGE, "https://example.org/"), _START_SECONDS)
        except (WorkerDied, TimeoutError) as failure:
            if process.returncode is None:
                process.kill()
            await worker.stop()
            raise OSError(f"the extraction worker did not answer: {failure!r}") from failure
        return worker

    @property
    def alive(self) -> bool:
        return not self.reader.done()

    async def extract(
        self, number: int, body: bytes, url: str, content_type: str | None = None
    ) -> dict[str, Any]:
        """Send a page, return its record; raise WorkerDied when the worker dies first."""
        assert self.process.stdin is not None
        if not self.alive:  # its reader has failed what it owed already; this page too
            raise WorkerDied(f"worker exited ({self.process.returncode})")
        answer = asyncio.get_running_loop().create_future()
        self.pending[number] = answer
        url_bytes = url.encode("utf-8", "surrogatepass")
        type_bytes = (content_type or "").encode("latin-1", "replace")
        header = _PAGE_HEADER.pack(number, len(url_bytes), len(type_bytes), len(body))
        try:
            self.process.stdin.write(header + url_bytes + type_bytes + body)
            await self.process.stdin.drain()
        except (ConnectionError, RuntimeError) as error:  # broken pipe, or closed
            self.pending.pop(number, None)
            raise WorkerDied(str(error)) from error
        return await answer

    async def _read_answers(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                header = await self.process.stdout.readexactly(_RECORD_HEADER.size)
                number, size = _RECORD_HEADER.unpack(header)
                record = json.loads(await self.process.stdout.readexactly(size))
                answer = self.pending.pop(number, None)
                if answer is not None and not answer.done():
                    answer.set_result(record)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass  # the worker is gone: fail what it still owed
        finally:
            for answer in self.pending.values():
                if not answer.done():
                    answer.set_exception(WorkerDied(f"worker exited ({self.process.returncode})"))
            self.pending.clear()

    async def stop(self) -> None:
        """Close the worker's stdin and wait for it to exit (kill it after a few seconds)."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), _STOP_SECONDS)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        await self.reader


class Extractor:
    """Calls ``extract()`` for spiders: in worker processes, or in-process with 0 workers."""

    def __init__(self, workers: int, crawler: Crawler | None = None) -> None:
        self.size = max(0, workers)
        self.crawler = crawler  # its stats exist once the crawl starts, not yet when spiders are made
        self._workers: list[Worker | None] = [None] * self.size
        self._starting: dict[int, asyncio.Future[Worker]] = {}
        self._numbers = itertools.count(1)  # 0 is each worker's first page (Worker.start)
        self._stopping: set[asyncio.Future[None]] = set()  # dead workers being reaped

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        chosen = settings.get("BRIEF_EXTRACT_WORKERS") not in (None, "")
        workers = settings.getint("BRIEF_EXTRACT_WORKERS") if chosen else default_workers(settings)
        extractor = cls(workers, crawler)
        crawler.signals.connect(extractor.start, signal=signals.spider_opened)
        crawler.signals.connect(extractor.close, signal=signals.spider_closed)
        return extractor

    def start(self) -> None:
        """Start the workers in the background, so that their imports overlap robots.txt and
        the sitemaps; the first pages wait for them."""
        for slot in range(self.size):
            self._start(slot)

    async def close(self) -> None:
        """Stop the workers (idle by now: every page's record has come back), and wait for
        those still starting and for dead ones still being reaped."""
        await asyncio.gather(*self._starting.values(), *self._stopping, return_exceptions=True)
        workers = [w for w in self._workers if w is not None]
        self._workers = [None] * self.size
        await asyncio.gather(*(w.stop() for w in workers))

    async def extract(self, body: bytes, url: str, content_type: str | None = None) -> dict[str, Any] | None:
        """Return ``extract(body, url, content_type)``; None when the page killed two workers
        (counted). *content_type* is the response's HTTP Content-Type: its charset decodes."""
        if not self.size:
            return extract(body, url, content_type)
        number = next(self._numbers)
        slot = number % self.size
        for attempt in (1, 2):
            try:
                worker = await self._worker(slot)
            except OSError as error:  # no working process to be had: extract here
                if self.size:
                    logger.warning("No extraction worker (%(error)s): extracting here", {"error": error})
                    self.size = 0
                return extract(body, url, content_type)
            try:
                return await worker.extract(number, body, url, content_type)
            except WorkerDied:
                self._replace(slot, worker, url, attempt)
        return None

    async def _worker(self, slot: int) -> Worker:
        worker = self._workers[slot]
        if worker is not None and worker.alive:
            return worker
        if worker is not None:  # it died between pages
            self._retire(slot, worker)
        return await self._start(slot)  # pages that arrive meanwhile wait for the same start

    def _start(self, slot: int) -> asyncio.Future[Worker]:
        """Return the start of slot's worker, begun now unless it is under way."""
        if slot not in self._starting:
            starting = self._starting[slot] = asyncio.ensure_future(self._started(slot))
            # A start that fails is reported to the pages that wait for it; none may.
            starting.add_done_callback(lambda done: done.cancelled() or done.exception())
        return self._starting[slot]

    async def _started(self, slot: int) -> Worker:
        try:
            worker = await Worker.start()
        finally:
            self._starting.pop(slot, None)
        self._workers[slot] = worker
        return worker

    def _retire(self, slot: int, worker: Worker) -> None:
        """Count a dead worker once, reap it, and free its slot for a new one."""
        if self._workers[slot] is not worker:  # another page saw it dead first
            return
        self._workers[slot] = None
        self._count(WORKER_RESTARTS)
        stopping = asyncio.ensure_future(worker.stop())
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)

    def _replace(self, slot: int, worker: Worker, url: str, attempt: int) -> None:
        self._retire(slot, worker)
        if attempt == 1:
            logger.warning("An extraction worker died; retrying %(url)s in a new one", {"url": url})
        else:
            self._count(dropped_key(EXTRACT_FAILED))
            logger.error("Extraction failed in two workers, page dropped: %(url)s", {"url": url})

    def _count(self, key: str) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer pages with records until *requests* ends: the worker process's loop."""
    while True:
        header = requests.read(_PAGE_HEADER.size)
        if len(header) < _PAGE_HEADER.size:
            return
        number, url_size, type_size, body_size = _PAGE_HEADER.unpack(header)
        url = requests.read(url_size).decode("utf-8", "surrogatepass")
        content_type = requests.read(type_size).decode("latin-1") or None
        body = requests.read(body_size)
        record = json.dumps(extract(body, url, content_type), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
        answers.write(_RECORD_HEADER.pack(number, len(record)) + record)
        answers.flush()


def main() -> None:
    """The worker process: pages in on stdin, records out on stdout, nothing else on stdout."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print() must not break a record
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle; EOF stops us
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)  # extract() logs its failures
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
