"""Write a run's records as JSON lines: ``<BRIEF_OUTPUT_DIR>/<spider>/<UTC timestamp>.jsonl``.

Settings: ``BRIEF_OUTPUT_DIR`` (the folder runs are written below; empty turns the writer
off) and ``BRIEF_OUTPUT_GZIP`` (write ``.jsonl.gz``).

Crash safety. The run is written to ``<run>.jsonl.part``, renamed to ``<run>.jsonl`` when the
spider closes. Each record is one line, and each line reaches the file with a single
``write(2)`` as soon as the record arrives (no buffering across records). SIGKILL only takes
effect between system calls, so a killed run's ``.part`` holds whole lines only. The one
exception is a kill that lands inside the write of a line longer than a memory page (4 KiB):
Linux may then stop that write at a page boundary, leaving a last line without its newline;
readers of a ``.part`` should drop such a line. Lines are not fsync'ed: a power cut can lose
what the OS had not yet stored, which no kill can.

With gzip, each line of the ``.part`` is its own gzip member, so the file is a valid gzip
file after every record (RFC 1952 lets members follow one another; gzip readers read them as
one stream), and a killed run's ``.part`` decompresses whole with ``zcat`` or pandas. Members
compress worse than one stream (about 2x smaller than plain JSON lines instead of 4x on
Wilson Center pages), so on close the run is rewritten as one gzip stream.

Records that SeenPipeline marked unchanged since an earlier run (``pipelines.unchanged``) are
passed on but get no line: the run file is the run's delta, new or changed records only.

Records rejected by ValidatePipeline go, with their errors, to ``<run>.rejected.jsonl``
beside the run (plain JSON lines even with gzip, so they are easy to read), one
``{"errors": [...], "record": {...}}`` per line. ``latest.jsonl`` (``latest.jsonl.gz``) is a
relative symlink to the newest run that finished with at least one record. When it opens a
run it sends ``brief_scraper.runs.runreport.run_opened``: the run report, ``<run>.stats.json``,
goes beside the run.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import shutil
from datetime import UTC
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Self, cast

import jsonlines
from scrapy import signals
from scrapy.exceptions import NotConfigured

from brief_scraper.record import FIELDS
from brief_scraper.runs.runreport import run_opened
from brief_scraper.runs.stats import RECORDS_WRITTEN, dropped_key
from pipelines.items import as_record
from pipelines.normalize import Clock, utc_now
from pipelines.signals import record_removed, record_replaced
from pipelines.unchanged import UnchangedRecords, unchanged_records
from pipelines.validate import InvalidRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# A name given to a folder or file: no separator, no leading dot, so never "..", "/x" or "a/b".
_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
RUN_NAME_FORMAT = "%Y%m%dT%H%M%SZ"  # ISO 8601 basic: sorts by time, no ":" in file names
REPLACED = "replaced"
# Close reasons of a run that did not get through its work: latest.jsonl stays where it was.
INTERRUPTED_REASONS = frozenset({"shutdown", "cancelled", "closespider_errorcount"})


def check_name(name: object, what: str) -> str:
    """Return *name* when it can name one folder or file below the output dir, else raise.

    Raises ValueError for anything that could leave the folder or hide in it: ``..``, an
    absolute path, a separator, a leading dot, an empty or over-long name.
    """
    if not isinstance(name, str) or not _SAFE_NAME_RE.match(name) or ".." in name:
        raise ValueError(
            f"{what} {name!r} cannot name a folder or file below BRIEF_OUTPUT_DIR: use 1-100 letters,"
            " digits, '_', '-' and '.', not starting with '.' or '-' and without '..' or '/'"
        )
    return name


class LineFile(io.RawIOBase):
    """A file opened for appending that commits each line with one ``write(2)`` on flush.

    jsonlines writes a record and its newline, then flushes (``flush=True``): the two reach
    the disk together, and with *compress* as one whole gzip member.
    """

    def __init__(self, path: Path, compress: bool) -> None:
        super().__init__()
        self.path = path
        self.compress = compress
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        self._pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data)
        self._pending += view
        return view.nbytes

    def flush(self) -> None:
        if self.closed or not self._pending:
            return
        line = bytes(self._pending)
        self._pending.clear()
        chunk = gzip.compress(line, compresslevel=6, mtime=0) if self.compress else line
        while chunk:  # one write(2) for the line, unless the OS takes only part of it
            chunk = chunk[os.write(self._fd, chunk) :]

    def close(self) -> None:
        if not self.closed:
            try:
                super().close()  # flushes
            finally:
                os.close(self._fd)


class RecordFile:
    """JSON lines written with ``jsonlines`` into a new :class:`LineFile`, one record per line."""

    def __init__(self, path: Path, compress: bool, dumps: Callable[[Any], str] | None = None) -> None:
        self._file = LineFile(path, compress)
        options: dict[str, Any] = {"dumps": dumps} if dumps else {"compact": True}
        # LineFile is a binary file object, which jsonlines writes to; its stubs want IO.
        self._lines = jsonlines.Writer(cast("IO[bytes]", self._file), flush=True, **options)

    def write(self, record: Any) -> None:
        self._lines.write(record)

    def close(self) -> None:
        self._lines.close()  # jsonlines leaves closing the file to its opener
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# Rejected records can hold anything a spider yielded: never fail to keep one.
_dumps_anything = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr).encode


def _compressed(raw: BinaryIO) -> gzip.GzipFile:
    return gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0)


def read_lines(path: Path) -> Iterator[bytes]:
    """Yield the lines of a run file (plain or gzip), without their newline."""
    opener = gzip.open if path.name.endswith((".gz", ".gz.part")) else open
    with opener(path, "rb") as lines:
        for line in lines:
            yield line.rstrip(b"\n")


def in_schema_order(item: Any) -> dict[str, Any]:
    """Return the record with schema keys first, in schema order, then any others."""
    record = as_record(item)
    ordered = {field: record[field] for field in FIELDS if field in record}
    ordered.update(record)
    return ordered


class JsonlWriterPipeline:
    """Write records as JSON lines (BRIEF_OUTPUT_DIR, BRIEF_OUTPUT_GZIP; brief/records/written).

    The last pipeline (ITEM_PIPELINES 900). Also writes the run's rejected records, and keeps
    one line per URL: a line superseded by a richer duplicate (the ``record_replaced``
    signal) is removed when the run closes, counted in ``brief/dropped/replaced``.
    """

    def __init__(self, out_dir: Path, gzip: bool, crawler: Crawler, clock: Clock = utc_now) -> None:
        self.out_dir, self.gzip, self.crawler, self.clock = out_dir, gzip, crawler, clock
        self.unchanged: UnchangedRecords = unchanged_records(crawler)
        self.suffix = ".jsonl.gz" if gzip else ".jsonl"
        self.path: Path | None = None  # the run's final path, set when the spider opens
        self.rejected_path: Path | None = None
        self._out: RecordFile | None = None
        self._rejected: RecordFile | None = None
        self._lines = 0  # lines in the .part, superseded ones included
        self._written = 0  # records in the run once superseded lines are removed
        self._replaced: dict[str, int] = {}  # url -> index of its last line; -1: none written yet

    @classmethod
    def from_crawler(cls, crawler: Crawler, clock: Clock | None = None) -> Self:
        out_dir = crawler.settings.get("BRIEF_OUTPUT_DIR")
        if not out_dir:
            raise NotConfigured("set BRIEF_OUTPUT_DIR to the folder runs are written below")
        compress = crawler.settings.getbool("BRIEF_OUTPUT_GZIP")
        pipeline = cls(Path(out_dir), compress, crawler, clock or utc_now)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.record_replaced, signal=record_replaced)
        return pipeline

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        folder = self.out_dir / check_name(self.crawler.spider.name, "spider name")
        if not folder.resolve().is_relative_to(self.out_dir.resolve()):
            raise ValueError(f"{folder} is a link out of BRIEF_OUTPUT_DIR ({self.out_dir})")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.clock().astimezone(UTC).strftime(RUN_NAME_FORMAT)
        for attempt in range(1, 100):
            run = stamp if attempt == 1 else f"{stamp}-{attempt}"
            self.path = folder / f"{run}{self.suffix}"
            if self.path.exists():
                continue
            try:
                self._out = RecordFile(self._part(self.path), self.gzip)
            except FileExistsError:
                continue
            self.rejected_path = folder / f"{run}.rejected.jsonl"
            logger.info("writing records to %(path)s", {"path": self._part(self.path)})
            self.crawler.signals.send_catch_log(signal=run_opened, path=self.path)  # report goes beside it
            return
        raise FileExistsError(f"no free run name for {stamp} in {folder}")

    def process_item(self, item: Any) -> Any:
        assert self._out is not None, "open_spider() was not called"
        if self.unchanged.is_marked(item):  # an earlier run's line holds it: not in this delta
            return item
        record = in_schema_order(item)
        self._out.write(record)
        url = record.get("url")
        if isinstance(url, str) and url in self._replaced:
            self._replaced[url] = self._lines
        self._lines += 1
        self._written += 1
        self.stats.inc_value(RECORDS_WRITTEN)
        return item

    def record_replaced(self, url: str) -> None:
        """Note that the next line for *url* supersedes the lines written before it."""
        self._replaced.setdefault(url, -1)

    def item_dropped(self, exception: BaseException) -> None:
        """Keep a record that failed validation, with its errors, in the rejected file."""
        if not isinstance(exception, InvalidRecord) or self.rejected_path is None:
            return
        if self._rejected is None:
            self._rejected = RecordFile(self._part(self.rejected_path), False, _dumps_anything)
            logger.warning(
                "records that fail the schema are kept in %(path)s (brief/dropped/invalid counts them)",
                {"path": self.rejected_path},
            )
        self._rejected.write({"errors": exception.errors, "record": in_schema_order(exception.record)})

    def spider_closed(self, reason: str) -> None:
        """Close the run: drop superseded lines, rename the .part files, move latest."""
        if self._out is None or self.path is None:
            return
        self._out.close()
        self._out = None
        part = self._part(self.path)
        superseding = any(line >= 0 for line in self._replaced.values())
        if superseding or self.gzip:
            self._rewrite(part, superseding)
        part.rename(self.path)
        if self._rejected is not None and self.rejected_path is not None:
            self._rejected.close()
            self._part(self.rejected_path).rename(self.rejected_path)
        if reason not in INTERRUPTED_REASONS and self._written > 0:
            self._point_latest_at(self.path)
        logger.info(
            "wrote %(count)d records to %(path)s (%(reason)s)",
            {"count": self._written, "path": self.path, "reason": reason},
        )

    def _rewrite(self, part: Path, superseding: bool) -> None:
        """Rewrite the finished *part* without superseded lines, and gzip as one stream.

        The .part stays whole until the rewritten file replaces it in one rename.
        """
        rewritten = part.with_name(part.name + ".rewrite")
        removed = 0
        with rewritten.open("wb") as raw, _compressed(raw) if self.gzip else raw as out:
            for index, line in enumerate(read_lines(part)):
                if superseding:
                    record = json.loads(line)
                    url = record.get("url")
                    if isinstance(url, str) and index < self._replaced.get(url, -1):
                        removed += 1
                        self.crawler.signals.send_catch_log(signal=record_removed, record=record)
                        continue
                out.write(line + b"\n")
        rewritten.replace(part)
        if not removed:
            return
        self._written -= removed
        self.stats.inc_value(RECORDS_WRITTEN, -removed)
        self.stats.inc_value(dropped_key(REPLACED), removed)

    def _point_latest_at(self, path: Path) -> None:
        latest = path.with_name(f"latest{self.suffix}")
        fresh = latest.with_name(f".{latest.name}.{os.getpid()}")
        fresh.unlink(missing_ok=True)
        try:
            fresh.symlink_to(path.name)
        except OSError:  # no symlinks here (some Windows setups): a copy does
            shutil.copyfile(path, fresh)
        fresh.replace(latest)

    @staticmethod
    def _part(path: Path) -> Path:
        return path.with_name(path.name + ".part")
