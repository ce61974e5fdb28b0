"""Re-extraction: a spider whose source is WARC files, not the network.

``scrapy reextract`` (``brief_scraper/commands/reextract.py``) runs :func:`archive_spider` of
a project spider: a spider with that spider's name and settings (so its output folder, its
seen-store and its coverage rules) whose ``start()`` reads the files
(``brief_scraper.runs.warcpages``), runs ``extract()`` on every HTML response with the current
code (with the archived ``Content-Type``, whose charset decodes the page as in the crawl), and
yields the records. They go through the same item pipelines and health checks as
a crawl's, so the re-extraction writes a run, its report and the dataset as a crawl would.

- Nothing is requested: the spider yields no request, and its settings remove the download
  handlers of every network scheme, so even a stray request could not leave the machine.
- Every core: ``extract()`` runs in ``BRIEF_EXTRACT_WORKERS`` worker processes
  (``brief_scraper.crawling.workers``), a few pages in flight per worker, while this process reads
  the archive and runs the pipelines, and extracts a page itself whenever the workers hold
  as many as they may (so ``-j N`` is this process and N - 1 workers, N processes on N
  cores, not N + 1); records are yielded in the order the pages were read.
- Several responses of one URL (the same page archived by several runs): the newest wins.
  Files are read newest first, taking the order they are given in as oldest first (a shell
  glob of our archive's names is), and a page whose URL a newer file gave already is passed
  over (``brief/reextract/skipped/older``), before it costs an extraction; so is a record
  whose canonical URL a newer file gave (the page fetched at another URL). Within one file
  the first response of a URL counts.
- Progress is logged every ``BRIEF_REEXTRACT_PROGRESS_SECONDS`` (default 10): pages done,
  pages/s, the share of the archive read and the time left at that pace.

It lives here, not in ``spiders/``: it is no spider of its own to list or schedule, but a
form every project spider takes. Stats: ``brief/reextract/pages``,
``brief/reextract/skipped/not_html``, ``brief/reextract/skipped/older``,
``brief/reextract/cut_files``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Spider

from brief_scraper.crawling.workers import Extractor
from brief_scraper.extraction import extract
from brief_scraper.runs.stats import REEXTRACT_CUT_FILES, REEXTRACT_NOT_HTML, REEXTRACT_OLDER, REEXTRACT_PAGES
from brief_scraper.runs.warcpages import ReadProgress, is_html_page, read_pages

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 4  # pages sent to each worker before its first record is awaited
ARCHIVE_SETTINGS: dict[str, Any] = {
    "BRIEF_ARCHIVE_ENABLED": False,  # nothing is fetched
    "HTTPCACHE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "DOWNLOAD_HANDLERS": {"http": None, "https": None, "ftp": None, "s3": None, "data": None},
    "LOGSTATS_INTERVAL": 0,  # pages, not requests: this spider logs its own progress
}


def format_seconds(seconds: float) -> str:
    """Return a duration as ``H:MM:SS``.

    >>> format_seconds(0), format_seconds(75.4), format_seconds(3 * 3600 + 62)
    ('0:00:00', '0:01:15', '3:01:02')
    """
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class ArchiveSpider(Spider):
    """Yield the records of the HTML pages kept in WARC files (``warc_files``), requesting nothing."""

    name = "reextract"  # archive_spider() gives each its project spider's name
    extractor: Extractor  # set by from_crawler
    progress_seconds: float
    custom_settings: dict[str, Any] | None = ARCHIVE_SETTINGS

    def __init__(self, *args: Any, warc_files: list[str] | tuple[Path, ...] = (), refresh: Any = False,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.warc_files = tuple(Path(path) for path in warc_files)
        self.refresh = str(refresh).lower() in ("1", "true", "yes")  # read by pipelines.seen.SeenPipeline
        self.pages = 0
        self._canonical: set[Any] = set()  # canonical URLs of the records yielded

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.extractor = Extractor.from_crawler(crawler)
        spider.progress_seconds = crawler.settings.getfloat("BRIEF_REEXTRACT_PROGRESS_SECONDS")
        return spider

    async def start(self) -> AsyncIterator[dict[str, Any]]:
        """Read the archive newest file first, extract every HTML page not given by a newer file,
        and yield the records in the order read."""
        stats = self.crawler.stats
        progress = ReadProgress()
        window = IN_FLIGHT_PER_WORKER * self.extractor.size  # pages the workers hold at most
        pending: deque[asyncio.Future[dict[str, Any] | None]] = deque()  # in archive order
        at_workers = 0
        extracted: set[str] = set()  # URLs a newer file gave already
        started = last_logged = time.monotonic()
        for page in read_pages(reversed(self.warc_files), progress):
            if not is_html_page(page):
                stats.inc_value(REEXTRACT_NOT_HTML)
                continue
            if page.url in extracted:
                stats.inc_value(REEXTRACT_OLDER)
                continue
            extracted.add(page.url)
            if window and not (pending and pending[0].done()):  # else the yield below gives it a turn
                await asyncio.sleep(0)  # the loop reads the workers' answers, sends them pages
            at_workers = sum(not future.done() for future in pending)
            if at_workers < window:
                pending.append(
                    asyncio.ensure_future(self.extractor.extract(page.body, page.url, page.content_type))
                )
            else:  # the workers are busy: this process, an extractor too, takes the page
                pending.append(_done(extract(page.body, page.url, page.content_type)))
            while pending and (pending[0].done() or len(pending) > window + 1):
                record = await pending.popleft()
                if record is not None and self._is_new(record):
                    yield record
            if time.monotonic() - last_logged >= self.progress_seconds:
                last_logged = time.monotonic()
                self._log_progress(progress, last_logged - started)
        while pending:
            record = await pending.popleft()
            if record is not None and self._is_new(record):
                yield record
        if progress.cut_files:
            stats.set_value(REEXTRACT_CUT_FILES, len(progress.cut_files))
        elapsed = time.monotonic() - started
        logger.info(
            "re-extracted %(pages)d pages from %(files)d WARC file(s) in %(time)s (%(rate).0f pages/s)",
            {"pages": self.pages, "files": progress.files_done, "time": format_seconds(elapsed),
             "rate": self.pages / elapsed if elapsed else 0.0},
        )  # fmt: skip

    def _is_new(self, record: dict[str, Any] | None) -> bool:
        """Count a record to yield; pass over one whose canonical URL a newer file gave (the
        same page fetched at another URL: another host name, a redirect's source)."""
        if record is None:
            return False
        self.pages += 1
        self.crawler.stats.inc_value(REEXTRACT_PAGES)
        if record.get("url") in self._canonical:
            self.crawler.stats.inc_value(REEXTRACT_OLDER)
            return False
        self._canonical.add(record.get("url"))
        return True

    def _log_progress(self, progress: ReadProgress, elapsed: float) -> None:
        share = progress.share
        left = elapsed * (1 - share) / share if share else 0.0
        logger.info(
            "re-extracted %(pages)d pages (%(rate).0f pages/s), %(share).0f%% of the archive read,"
            " about %(left)s left",
            {"pages": self.pages, "rate": self.pages / elapsed if elapsed else 0.0, "share": 100 * share,
             "left": format_seconds(left)},
        )  # fmt: skip


def _done(record: dict[str, Any]) -> asyncio.Future[dict[str, Any] | None]:
    """Return a future that already holds *record*."""
    future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
    future.set_result(record)
    return future


def archive_spider(spidercls: type[Spider]) -> type[ArchiveSpider]:
    """Return the re-extraction form of a project spider: its name, its settings, the archive
    as its source."""
    settings = {**(spidercls.custom_settings or {}), **ARCHIVE_SETTINGS}
    attributes = {"name": spidercls.name, "custom_settings": settings, "__doc__": ArchiveSpider.__doc__}
    return type(f"{spidercls.__name__}FromArchive", (ArchiveSpider,), attributes)
