"""The page archive: every response the crawl fetched, with its request, kept in WARC files.

The ``PageArchive`` extension (``EXTENSIONS``) hears Scrapy's ``response_received`` signal and
writes, for each response that came over the network, a WARC ``request`` record (method,
path, headers as sent) and a ``response`` record (status, headers, body) to
``<BRIEF_OUTPUT_DIR>/<spider>/archive/<run>-00001.warc.gz``, beside the run it belongs to.
WARC (ISO 28500) through warcio is what web-archive tools read: pywb, Common Crawl's
tooling, FastWARC, warcio itself (``warcio index``, ``warcio extract``), and
``scrapy reextract`` (``brief_scraper/commands/reextract.py``).

- **One gzip member per record**, each written with one ``write(2)``: the file is a valid
  ``.warc.gz`` after every record, so a crawl killed even with SIGKILL leaves an archive
  every reader reads (at most a last member cut short, which ``brief_scraper.runs.warcpages``
  passes over).
- **Responses answered from the HTTP cache** (flag ``cached``: a ``304 Not Modified``
  revalidation, or a fresh cached page) are not archived again: their page is in the
  archive of the run that fetched it. Re-extract the whole ``archive/`` folder to get every
  page; the newest response for a URL wins.
- **The body is the one Scrapy's spider sees**: de-chunked, and decompressed when
  ``HttpCompressionMiddleware`` decoded it (it then drops ``Content-Encoding``). So the
  archive drops ``Transfer-Encoding`` and sets ``Content-Length`` to the stored body's length.
  Redirects followed by ``RedirectMiddleware`` are not responses the spider receives, and
  are not archived.
- **Off the event loop**: records are built, compressed and written by one background thread
  (zlib and hashlib release the GIL); the signal handler only queues the exchange. The queue
  is bounded (a slow disk slows the crawl rather than fill memory).
- **Which responses were pages**: each response record says, in its ``Brief-Page`` header
  (``1`` or ``0``), whether the spider asked for it as a page to extract (its callback is the
  spider's ``parse_page``, as in every project spider) or for discovery (a listing, a
  sitemap, robots.txt). Re-extraction extracts the pages only, so that it gives the records
  the crawl gave; a WARC from another tool has no such header, and all its HTML is extracted.
- **Rotation**: a new file is begun once the current one holds ``BRIEF_ARCHIVE_MAX_FILE_MB``
  or more; each file begins with a ``warcinfo`` record.

Settings: ``BRIEF_ARCHIVE_ENABLED`` (default True), ``BRIEF_ARCHIVE_MAX_FILE_MB`` (default
100). Stats: ``brief/archive/responses`` (archived), ``brief/archive/cached`` (not archived:
from the HTTP cache), ``brief/archive/files``, ``brief/archive/bytes``.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import queue
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from brief_scraper.runs.contracts import run_opened
from brief_scraper.runs.files import run_name
from brief_scraper.runs.stats import ARCHIVE_BYTES, ARCHIVE_CACHED, ARCHIVE_FILES, ARCHIVE_RESPONSES
from brief_scraper.runs.warcpages import PAGE_HEADER

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Request, Response
    from warcio.recordloader import ArcWARCRecord

logger = logging.getLogger(__name__)

ARCHIVE_FOLDER = "archive"
WARC_SUFFIX = ".warc.gz"
SOFTWARE = "brief-scraper/0.1 (warcio)"
COMPRESS_LEVEL = 1  # half the CPU of level 6 (the crawl slows less), 15% larger: benchmarks/README.md
_QUEUE_SIZE = 256  # exchanges waiting for the writer thread
_RUN_STAMP = "%Y%m%dT%H%M%SZ"
_DROPPED_HEADERS = frozenset({"transfer-encoding", "content-length"})
PAGE_CALLBACK = "parse_page"  # the callback of the project spiders' page requests


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the response it got, as plain values the writer thread can use."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None
    date: datetime
    is_page: bool

    @classmethod
    def of(cls, request: Request, response: Response, date: datetime) -> Self:
        """Return the exchange of *response* to *request*, copied out of Scrapy's objects."""
        return cls(
            url=response.url, method=request.method, request_headers=_header_list(request.headers),
            request_body=request.body or b"", status=response.status,
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            response_headers=_header_list(response.headers), body=response.body,
            ip_address=str(response.ip_address) if getattr(response, "ip_address", None) else None, date=date,
            is_page=getattr(request.callback, "__name__", None) == PAGE_CALLBACK,
        )  # fmt: skip


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def warc_records(exchange: Exchange) -> list[bytes]:
    """Return the request and response WARC records of *exchange*, each its own gzip member."""
    writer = WARCWriter(None, gzip=False)
    date = exchange.date.strftime("%Y-%m-%dT%H:%M:%SZ")
    split = urlsplit(exchange.url)
    request_headers = list(exchange.request_headers)
    if not any(name.lower() == "host" for name, _ in request_headers):
        request_headers.insert(0, ("Host", split.netloc))
    target = (split.path or "/") + (f"?{split.query}" if split.query else "")
    request_line = f"{exchange.method} {target} HTTP/1.1"
    request = writer.create_warc_record(
        exchange.url, "request", payload=io.BytesIO(exchange.request_body),
        warc_headers_dict={"WARC-Date": date},
        http_headers=StatusAndHeaders(request_line, request_headers, is_http_request=True),
    )  # fmt: skip
    headers = [(n, v) for n, v in exchange.response_headers if n.lower() not in _DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(exchange.body))))
    reason = HTTPStatus(exchange.status).phrase if exchange.status in HTTPStatus._value2member_map_ else ""
    warc_headers = {"WARC-Date": date, PAGE_HEADER: "1" if exchange.is_page else "0"}
    if exchange.ip_address:
        warc_headers["WARC-IP-Address"] = exchange.ip_address
    status_line = f"{exchange.status} {reason}".rstrip()
    response = writer.create_warc_record(
        exchange.url, "response", payload=io.BytesIO(exchange.body), warc_headers_dict=warc_headers,
        http_headers=StatusAndHeaders(status_line, headers, protocol=exchange.protocol),
    )  # fmt: skip
    request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
    return [_member(record) for record in (request, response)]


def _member(record: ArcWARCRecord) -> bytes:
    """Return *record* as one gzip member (warcio's serialisation, our compression level)."""
    raw = io.BytesIO()
    WARCWriter(raw, gzip=False).write_record(record)
    return gzip.compress(raw.getvalue(), compresslevel=COMPRESS_LEVEL, mtime=0)


class WarcFiles:
    """The archive files of one run: ``<run>-00001.warc.gz``, ``-00002``... in *folder*."""

    def __init__(self, folder: Path, run: str, max_bytes: int) -> None:
        self.folder, self.run, self.max_bytes = folder, run, max_bytes
        self.files = 0
        self.bytes = 0
        self.responses = 0
        self._fd: int | None = None
        self._size = 0

    def write(self, exchange: Exchange) -> None:
        """Append the exchange's records, beginning a new file first when the current is full."""
        if self._fd is None or self._size >= self.max_bytes:
            self._open_next()
        for member in warc_records(exchange):
            self._write(member)
        self.responses += 1

    def _open_next(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            self.files += 1
            path = self.folder / f"{self.run}-{self.files:05d}{WARC_SUFFIX}"
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            except FileExistsError:  # an earlier run of the same name (a resumed JOBDIR run)
                continue
            break
        self._size = 0
        writer = WARCWriter(None, gzip=False)
        info = writer.create_warcinfo_record(
            path.name, {"software": SOFTWARE, "format": "WARC File Format 1.0"}
        )
        self._write(_member(info))
        logger.info("archiving pages to %(path)s", {"path": path})

    def _write(self, member: bytes) -> None:
        assert self._fd is not None
        view = memoryview(member)
        while view:  # one write(2) for the member, unless the OS takes only part of it
            view = view[os.write(self._fd, view) :]
        self._size += len(member)
        self.bytes += len(member)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class PageArchive:
    """Keep every page the crawl fetched in WARC files beside the runs (brief/archive/*)."""

    def __init__(self, crawler: Crawler, out_dir: Path, max_bytes: int) -> None:
        self.crawler, self.out_dir, self.max_bytes = crawler, out_dir, max_bytes
        self.run: str | None = None
        self._files: WarcFiles | None = None
        self._queue: queue.Queue[Exchange | None] = queue.Queue(_QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("BRIEF_ARCHIVE_ENABLED"):
            raise NotConfigured("BRIEF_ARCHIVE_ENABLED is off: pages are not archived")
        out_dir = settings.get("BRIEF_OUTPUT_DIR")
        if not out_dir:
            raise NotConfigured("set BRIEF_OUTPUT_DIR: the page archive lives below it")
        max_mb = settings.getfloat("BRIEF_ARCHIVE_MAX_FILE_MB")
        if max_mb <= 0:
            raise ValueError(f"BRIEF_ARCHIVE_MAX_FILE_MB must be more than 0, not {max_mb}")
        archive = cls(crawler, Path(out_dir), int(max_mb * 2**20))
        crawler.signals.connect(archive.run_opened, signal=run_opened)
        crawler.signals.connect(archive.response_received, signal=signals.response_received)
        crawler.signals.connect(archive.spider_closed, signal=signals.spider_closed)
        return archive

    def run_opened(self, path: Path) -> None:
        """Name the archive after the run (``<run>-00001.warc.gz``)."""
        self.run = run_name(Path(path).name)

    def response_received(self, response: Response, request: Request) -> None:
        """Queue a response that came over the network for the writer thread."""
        stats = self.crawler.stats
        assert stats is not None
        if "cached" in response.flags:
            stats.inc_value(ARCHIVE_CACHED)
            return
        if self._failed is not None:
            return
        if self._thread is None:
            self._start()
        self._queue.put(Exchange.of(request, response, datetime.now(UTC)))
        stats.inc_value(ARCHIVE_RESPONSES)

    def _start(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        if Path(spider.name).name != spider.name or spider.name.startswith("."):  # never out of the folder
            raise ValueError(f"spider name {spider.name!r} cannot name a folder below BRIEF_OUTPUT_DIR")
        run = self.run or datetime.now(UTC).strftime(_RUN_STAMP)
        self._files = WarcFiles(self.out_dir / spider.name / ARCHIVE_FOLDER, run, self.max_bytes)
        self._thread = threading.Thread(target=self._write_queued, name="brief-archive", daemon=True)
        self._thread.start()

    def _write_queued(self) -> None:
        assert self._files is not None
        while (exchange := self._queue.get()) is not None:
            if self._failed is not None:
                continue  # keep taking from the queue so that the crawl never blocks on it
            try:
                self._files.write(exchange)
            except OSError as error:
                self._failed = error
                logger.error("The page archive stopped: %(error)s", {"error": error})

    def spider_closed(self) -> None:
        """Wait for the writer thread to write what is queued; count the files and bytes."""
        if self._thread is None or self._files is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._files.close()
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(ARCHIVE_FILES, self._files.files)
        stats.set_value(ARCHIVE_BYTES, self._files.bytes)
        logger.info(
            "archived %(responses)d responses in %(files)d WARC file(s), %(mb).1f MB, in %(folder)s",
            {"responses": self._files.responses, "files": self._files.files,
             "mb": self._files.bytes / 2**20, "folder": self._files.folder},
        )  # fmt: skip
