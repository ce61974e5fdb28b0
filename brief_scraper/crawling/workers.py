"""Run ``extract()`` in worker processes, so the crawl's event loop never waits on a parse.

Scrapy runs every callback on one thread. Extraction is pure CPU work (1-4 ms a page), so
in a crawl without delays it takes that thread's time from downloading and scheduling;
a worker process takes it to another core instead, and a page that crashes libxml2 costs
that page (counted), not the crawl. ``extract()`` is pure, so a worker sends back exactly
the record the crawl's own process would make.

A worker is ``python -m brief_scraper.crawling.workers``: it reads pages from its stdin (number, URL
and body behind their lengths) and writes records to its stdout (number and JSON, likewise);
no pickle, so nothing in the pipe can run code. The crawl talks to it through
asyncio pipes on its own event loop. concurrent.futures' ProcessPoolExecutor was tried
first: its feeder and manager threads fight the event loop for the GIL and cost the crawl
about as much CPU per page as extracting in-process.

Every page has a time budget, in a worker or in-process. ``brief_scraper.crawling.budget`` stops an
extraction that runs past it from inside (a timer signal in the process's main thread), and
the page is dropped, counted and logged; the worker answers ``null`` for it and goes on. A
worker whose page runs past twice the budget (and a second) has not been stopped that way:
it is stuck in C code that does not return to Python, so the crawl kills it, drops
that page, and retries the pages queued behind it in a new worker. In-process, such a page
holds the crawl until the C code returns: run workers where pages may be hostile.

Settings, read here:

``BRIEF_EXTRACT_WORKERS``
    Worker processes for ``extract()``; 0 extracts in the crawl's own process. Default
    ``None``: one worker when the crawl is unthrottled (``DOWNLOAD_DELAY`` 0 and AutoThrottle
    off: a local mirror, the HTTP cache, a benchmark) and the machine has a second core;
    else 0. A polite crawl waits seconds between requests, and a worker would idle.
``BRIEF_EXTRACT_TIMEOUT_SECONDS``
    The time budget of one page's extraction (default 10; 0 for none). A 32 MB page
    (``DOWNLOAD_MAXSIZE``) of plain markup takes about 3 s; pathological ones take minutes.
``BRIEF_EXTRACT_FUNCTION``
    The import path of the function called as ``extract(body, url, content_type)`` (default
    ``brief_scraper.extract``), in the crawl and in its workers. It must return a record
    (a dict). Tests point it at a slow wrapper to prove the budget.

Stats: ``brief/extract/worker_restarts`` (a worker died; its pages were retried once in a
new one), ``brief/dropped/extract_failed`` (a page that failed in two workers) and
``brief/dropped/extract_timeout`` (a page whose extraction ran past the budget); each of
those two also adds to ``brief/pages/lost``.
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
import time
from collections import deque
from typing import TYPE_CHECKING, Any, BinaryIO, Self

from scrapy import signals
from scrapy.utils.misc import load_object

from brief_scraper.crawling.budget import OverBudget, call_within, can_interrupt
from brief_scraper.runs.stats import EXTRACT_WORKER_RESTARTS, lost_keys, source_loss_keys

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

EXTRACT_FAILED = "extract_failed"  # the drop reason: brief/dropped/extract_failed
EXTRACT_TIMEOUT = "extract_timeout"  # brief/dropped/extract_timeout
DEFAULT_FUNCTION = "brief_scraper.extract"
_PAGE_HEADER = struct.Struct("!QIII")  # page number, URL, Content-Type and body lengths; then those
_RECORD_HEADER = struct.Struct("!QI")  # page number, JSON length; then the record as JSON
_STOP_SECONDS = 5.0  # a worker gets this long to exit when its stdin closes
_START_SECONDS = 60.0  # and this long to import the project and answer its first page
_FIRST_PAGE = b"<html><head><title>ready?</title></head></html>"  # page 0: the start's handshake
_STUCK_FACTOR, _STUCK_GRACE_SECONDS = 2.0, 1.0  # a page past 2x its budget + 1 s: the worker is stuck


def default_workers(settings: BaseSettings) -> int:
    """Return the number of extraction workers for a crawl that did not choose one: one for an
    unthrottled crawl on a machine with a core to spare, else none."""
    unthrottled = not settings.getfloat("DOWNLOAD_DELAY") and not settings.getbool("AUTOTHROTTLE_ENABLED")
    return 1 if unthrottled and (os.cpu_count() or 1) >= 2 else 0


class WorkerDied(Exception):
    """The worker exited (or its pipes broke) before it answered."""


class PageStuck(WorkerDied):
    """The worker was killed because this page held it past twice its budget."""


class Worker:
    """One worker process and the pages it has not answered yet."""

    arguments: tuple[str, ...] = ("-m", "brief_scraper.crawling.workers")  # after sys.executable

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future[dict[str, Any] | None]] = {}
        self.sent: deque[int] = deque()  # pages not answered yet, in the order it reads them
        self.head_since = time.monotonic()  # when it began the first of them
        self.stuck: int | None = None  # the page it was killed for
        self.reader = asyncio.ensure_future(self._read_answers())
        self.watchdog: asyncio.Future[None] | None = None

    @classmethod
    async def start(cls, budget: float | None = None, function: str = DEFAULT_FUNCTION) -> Self:
        """Start a worker and have it answer a first, tiny page.

        *budget*: each page's time budget, enforced by the worker itself, and by killing it
        when a page holds it much longer (see the module's docstring). *function*: the
        import path of the extract function it calls.

        Raise OSError when it cannot be started or does not answer (a broken environment):
        the crawl then extracts in-process rather than lose every page to dead workers.
        """
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # eggs (Scrapyd) too
        options = (f"--budget={budget or 0}", f"--function={function}")
        process = await asyncio.create_subprocess_exec(
            sys.executable, *cls.arguments, *options,
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
        if budget:
            stuck_after = budget * _STUCK_FACTOR + _STUCK_GRACE_SECONDS
            worker.watchdog = asyncio.ensure_future(worker._watch(stuck_after))
        return worker

    @property
    def alive(self) -> bool:
        return not self.reader.done()

    async def extract(
        self, number: int, body: bytes, url: str, content_type: str | None = None
    ) -> dict[str, Any] | None:
        """Send a page, return its record, None when it ran past its budget; raise WorkerDied
        when the worker dies first (PageStuck when it was killed for this page)."""
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
            if not self.sent:
                self.head_since = time.monotonic()
            self.sent.append(number)
            await self.process.stdin.drain()
        except (ConnectionError, RuntimeError) as error:  # broken pipe, or closed
            self.pending.pop(number, None)
            raise WorkerDied(str(error)) from error
        return await answer

    async def _watch(self, seconds: float) -> None:
        """Kill the worker when one page has held it for *seconds*: its own budget did not stop it."""
        while self.alive:
            await asyncio.sleep(min(seconds / 4, 1.0))
            if self.sent and self.alive and time.monotonic() - self.head_since > seconds:
                self.stuck = self.sent[0]
                self.process.kill()
                return

    async def _read_answers(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                header = await self.process.stdout.readexactly(_RECORD_HEADER.size)
                number, size = _RECORD_HEADER.unpack(header)
                record = json.loads(await self.process.stdout.readexactly(size))
                if number in self.sent:  # it reads pages in order: the next one begins now
                    self.sent.remove(number)
                    self.head_since = time.monotonic()
                answer = self.pending.pop(number, None)
                if answer is not None and not answer.done():
                    answer.set_result(record)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass  # the worker is gone: fail what it still owed
        finally:
            for number, answer in self.pending.items():
                if not answer.done():
                    died = PageStuck if number == self.stuck else WorkerDied
                    answer.set_exception(died(f"worker exited ({self.process.returncode})"))
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
        if self.watchdog is not None:
            self.watchdog.cancel()


class Extractor:
    """Calls ``extract()`` for spiders: in worker processes, or in-process with 0 workers.

    *budget*: seconds a page's extraction may take (None: no limit); *function*: the import
    path of the extract function.
    """

    def __init__(
        self, workers: int, crawler: Crawler | None = None, budget: float | None = None,
        function: str = DEFAULT_FUNCTION,
    ) -> None:  # fmt: skip
        self.size = max(0, workers)
        self.crawler = crawler  # its stats exist once the crawl starts, not yet when spiders are made
        self.budget = budget if budget and budget > 0 else None
        self.function_path = function
        self.function: Callable[[bytes, str, str | None], dict[str, Any]] = load_object(function)
        self._warned_no_budget = False
        self._workers: list[Worker | None] = [None] * self.size
        self._starting: dict[int, asyncio.Future[Worker]] = {}
        self._numbers = itertools.count(1)  # 0 is each worker's first page (Worker.start)
        self._stopping: set[asyncio.Future[None]] = set()  # dead workers being reaped

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        chosen = settings.get("BRIEF_EXTRACT_WORKERS") not in (None, "")
        workers = settings.getint("BRIEF_EXTRACT_WORKERS") if chosen else default_workers(settings)
        budget = settings.getfloat("BRIEF_EXTRACT_TIMEOUT_SECONDS")
        function = settings.get("BRIEF_EXTRACT_FUNCTION") or DEFAULT_FUNCTION
        extractor = cls(workers, crawler, budget, function)
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

    async def extract(
        self, body: bytes, url: str, content_type: str | None = None, source: str | None = None
    ) -> dict[str, Any] | None:
        """Return ``extract(body, url, content_type)``; None when the page killed two workers or
        ran past its budget (each counted, against the sources file's *source* too, if given).
        *content_type* is the response's HTTP Content-Type: its charset decodes."""
        if not self.size:
            return self._extract_here(body, url, content_type, source)
        number = next(self._numbers)
        slot = number % self.size
        for attempt in (1, 2):
            try:
                worker = await self._worker(slot)
            except OSError as error:  # no working process to be had: extract here
                if self.size:
                    logger.warning("No extraction worker (%(error)s): extracting here", {"error": error})
                    self.size = 0
                return self._extract_here(body, url, content_type, source)
            try:
                record = await worker.extract(number, body, url, content_type)
            except PageStuck:
                self._retire(slot, worker)
                self._timed_out(url, source)
                return None
            except WorkerDied:
                self._replace(slot, worker, url, attempt, source)
                continue
            if record is None:
                self._timed_out(url, source)
            return record
        return None

    def _extract_here(
        self, body: bytes, url: str, content_type: str | None, source: str | None
    ) -> dict[str, Any] | None:
        if self.budget and not self._warned_no_budget and not can_interrupt():
            self._warned_no_budget = True
            logger.warning("Extracting off the main thread: BRIEF_EXTRACT_TIMEOUT_SECONDS is not enforced")
        try:
            return call_within(self.budget, self.function, body, url, content_type)
        except OverBudget:
            self._timed_out(url, source)
            return None

    def _lost(self, reason: str, source: str | None) -> None:
        self._count(*lost_keys(reason), *(source_loss_keys(source, reason) if source else ()))

    def _timed_out(self, url: str, source: str | None) -> None:
        self._lost(EXTRACT_TIMEOUT, source)
        logger.warning(
            "Extraction ran past %(seconds)g s (BRIEF_EXTRACT_TIMEOUT_SECONDS), page dropped: %(url)s",
            {"seconds": self.budget, "url": url},
        )

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
            worker = await Worker.start(self.budget, self.function_path)
        finally:
            self._starting.pop(slot, None)
        self._workers[slot] = worker
        return worker

    def _retire(self, slot: int, worker: Worker) -> None:
        """Count a dead worker once, reap it, and free its slot for a new one."""
        if self._workers[slot] is not worker:  # another page saw it dead first
            return
        self._workers[slot] = None
        self._count(EXTRACT_WORKER_RESTARTS)
        stopping = asyncio.ensure_future(worker.stop())
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)

    def _replace(self, slot: int, worker: Worker, url: str, attempt: int, source: str | None) -> None:
        self._retire(slot, worker)
        if attempt == 1:
            logger.warning("An extraction worker died; retrying %(url)s in a new one", {"url": url})
        else:
            self._lost(EXTRACT_FAILED, source)
            logger.error("Extraction failed in two workers, page dropped: %(url)s", {"url": url})

    def _count(self, *keys: str) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            for key in keys:
                self.crawler.stats.inc_value(key)


def serve(
    requests: BinaryIO, answers: BinaryIO, function: Callable[[bytes, str, str | None], Any] | None = None,
    budget: float | None = None,
) -> None:  # fmt: skip
    """Answer pages with records until *requests* ends: the worker process's loop.

    A page whose extraction runs past *budget* seconds is answered with JSON ``null``.
    """
    if function is None:
        function = load_object(DEFAULT_FUNCTION)
    while True:
        header = requests.read(_PAGE_HEADER.size)
        if len(header) < _PAGE_HEADER.size:
            return
        number, url_size, type_size, body_size = _PAGE_HEADER.unpack(header)
        url = requests.read(url_size).decode("utf-8", "surrogatepass")
        content_type = requests.read(type_size).decode("latin-1") or None
        body = requests.read(body_size)
        try:
            found = call_within(budget, function, body, url, content_type)
        except OverBudget:
            found = None
        record = json.dumps(found, ensure_ascii=False).encode("utf-8", "surrogatepass")
        answers.write(_RECORD_HEADER.pack(number, len(record)) + record)
        answers.flush()


def main(argv: list[str] | None = None) -> None:
    """The worker process: pages in on stdin, records out on stdout, nothing else on stdout.

    Options (from Worker.start): ``--budget=SECONDS`` (0: none), ``--function=IMPORT.PATH``.
    """
    options = dict(arg.removeprefix("--").partition("=")[::2] for arg in (argv or sys.argv[1:]))
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print() must not break a record
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle; EOF stops us
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)  # extract() logs its failures
    function = load_object(options.get("function") or DEFAULT_FUNCTION)
    serve(sys.stdin.buffer, answers, function, float(options.get("budget") or 0) or None)


if __name__ == "__main__":
    main()
