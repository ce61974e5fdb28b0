"""Read the pages kept in WARC files: ours (``brief_scraper/runs/archive.py``) or any other tool's.

:func:`read_pages` yields every HTTP ``response`` record of the files, in file order, as an
:class:`ArchivedPage`: the target URL, status, ``Content-Type`` and body, the body de-chunked
and decoded (gzip, deflate; brotli when the ``brotli`` package is there) by warcio. Files
may be ``.warc.gz`` (one gzip member per record, as warcio, wget, Heritrix and Common Crawl
write them), ``.warc`` or whole-file gzip. A file that ends in a record cut short (a crawl
killed while writing it) is read up to that record; the cut is counted, not fatal.
Our archive marks which responses the spider extracted (``Brief-Page``, see
``brief_scraper/runs/archive.py``); :func:`is_html_page` leaves the others (listings) out.
``request``, ``revisit``, ``warcinfo``, ``metadata`` and ``resource`` records are passed over.

:func:`is_html_page` says which pages ``extract()`` should see: status 200 and an HTML
``Content-Type`` (or none: what Scrapy takes for HTML too). Pure: no Scrapy.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from warcio.recordloader import ArcWARCRecord

logger = logging.getLogger(__name__)

PAGE_HEADER = "Brief-Page"  # a WARC header of ours: "1" for a response the spider extracted


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    """One HTTP response as a WARC file keeps it."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    date: str | None  # WARC-Date, ISO 8601
    is_page: bool | None = None  # our archive's Brief-Page header; None in other tools' WARCs


@dataclass(slots=True)
class ReadProgress:
    """How far :func:`read_pages` has got: files and bytes (compressed, as on disk)."""

    total_bytes: int = 0
    done_bytes: int = 0  # files finished, plus the position in the current one
    files_done: int = 0
    cut_files: list[str] = field(default_factory=list)  # files that ended in a cut record

    @property
    def share(self) -> float:
        """Share of the bytes read, 0 to 1.

        >>> ReadProgress(total_bytes=200, done_bytes=50).share, ReadProgress().share
        (0.25, 1.0)
        """
        return min(self.done_bytes / self.total_bytes, 1.0) if self.total_bytes else 1.0


def target_url(value: str | None) -> str | None:
    """Return a ``WARC-Target-URI`` as a plain URL (WARC 1.0 writers may wrap it in ``<>``).

    >>> target_url("<https://x.org/p>"), target_url("https://x.org/p"), target_url(None)
    ('https://x.org/p', 'https://x.org/p', None)
    """
    if value is None:
        return None
    value = value.strip()
    return value[1:-1] if value.startswith("<") and value.endswith(">") else value


def is_html_page(page: ArchivedPage) -> bool:
    """Return whether *page* is an HTML page to extract: status 200, HTML or no Content-Type,
    and not a discovery page (a listing) by our archive's ``Brief-Page`` header.

    >>> page = ArchivedPage("https://x.org/p", 200, "text/html; charset=utf-8", b"", None)
    >>> is_html_page(page)
    True
    >>> from dataclasses import replace
    >>> is_html_page(replace(page, content_type=None)), is_html_page(replace(page, status=404))
    (True, False)
    >>> is_html_page(replace(page, content_type="application/pdf"))
    False
    >>> is_html_page(replace(page, is_page=False))  # a listing page, in our archive
    False
    """
    if page.is_page is False or page.status != 200 or not page.url.startswith(("http://", "https://")):
        return False
    return page.content_type is None or "html" in page.content_type.lower()


def _cut_short(record: ArcWARCRecord) -> bool:
    """Return whether the record's block ended before the length its header gives."""
    raw = record.raw_stream
    raw.read()  # whatever the decoded body left (a chunked body's last CRLF...)
    return getattr(raw, "limit", 0) > 0


def read_pages(paths: Iterable[Path], progress: ReadProgress | None = None) -> Iterator[ArchivedPage]:
    """Yield the HTTP responses kept in the WARC files *paths*, in order.

    *progress*, when given, is kept up to date as the files are read.
    """
    paths = list(paths)
    progress = progress if progress is not None else ReadProgress()
    progress.total_bytes = sum(path.stat().st_size for path in paths)
    finished = 0
    for path in paths:
        with path.open("rb") as raw:
            # HTTP headers are parsed for response records only: requests are a third of the
            # time warcio spends, and nothing here reads them.
            records = ArchiveIterator(raw, no_record_parse=True)
            try:
                for record in records:
                    progress.done_bytes = finished + raw.tell()
                    if record.rec_type != "response":
                        continue
                    url = target_url(record.rec_headers.get_header("WARC-Target-URI"))
                    if url is None:
                        continue
                    record.http_headers = records.loader.load_http_headers(
                        "response", url, record.raw_stream, record.length
                    )
                    if record.http_headers is None:
                        continue
                    try:
                        status = int(record.http_headers.get_statuscode() or 0)
                    except ValueError:
                        status = 0
                    body = record.content_stream().read()
                    if _cut_short(record):
                        raise EOFError("the last record is cut short")
                    marked = record.rec_headers.get_header(PAGE_HEADER)
                    yield ArchivedPage(
                        url, status, record.http_headers.get_header("Content-Type"), body,
                        record.rec_headers.get_header("WARC-Date"), None if marked is None else marked == "1",
                    )  # fmt: skip
            except (ArchiveLoadFailed, EOFError, zlib.error, ValueError) as error:
                progress.cut_files.append(str(path))
                logger.warning(
                    "%(path)s ends in a record cut short (%(error)s): read up to it",
                    {"path": path, "error": error},
                )
        finished += path.stat().st_size
        progress.done_bytes = finished
        progress.files_done += 1
