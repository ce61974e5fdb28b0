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

Records that SeenPipeline marked unchanged since an earlier run
(``brief_scraper.runs.contracts.UnchangedRecords``) are passed on but get no line: the run file
is the run's delta, new or changed records only.

A line superseded by a richer duplicate (DedupePipeline's ``record_replaced``) is removed
when the run closes. ``latest.jsonl`` (``latest.jsonl.gz``) is a relative symlink to the newest
run that finished with at least one record. When it opens a run it says where the run is
written (``brief_scraper.runs.contracts``: ``set_run_files`` and the ``run_opened`` signal):
the rejected file, the run report and the archive go beside the run.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from brief_scraper.runs.contracts import (
    RunFiles,
    UnchangedRecords,
    part_of,
    record_removed,
    record_replaced,
    run_opened,
    set_run_files,
    spider_folder,
    unchanged_records,
)
from brief_scraper.runs.stats import RECORDS_WRITTEN, dropped_key
from pipelines.items import Clock, in_schema_order, utc_now
from pipelines.lines import RecordFile, read_lines

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RUN_NAME_FORMAT = "%Y%m%dT%H%M%SZ"  # ISO 8601 basic: sorts by time, no ":" in file names
REPLACED = "replaced"
# Close reasons of a run that did not get through its work: latest.jsonl stays where it was.
INTERRUPTED_REASONS = frozenset({"shutdown", "cancelled", "closespider_errorcount"})


def _compressed(raw: BinaryIO) -> gzip.GzipFile:
    return gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0)


class JsonlWriterPipeline:
    """Write records as JSON lines (BRIEF_OUTPUT_DIR, BRIEF_OUTPUT_GZIP; brief/records/written).

    The last pipeline (ITEM_PIPELINES 900). Keeps one line per URL: a line superseded by a
    richer duplicate (the ``record_replaced`` signal) is removed when the run closes, counted
    in ``brief/dropped/replaced``, and announced (``record_removed``).
    """

    after: ClassVar[tuple[str, ...]] = (  # brief_scraper.runs.contracts: the pipeline order
        "pipelines.normalize.NormalizePipeline",  # records are JSON data, URLs canonical
        "pipelines.validate.ValidatePipeline",  # a record that fails the schema gets no line
        "pipelines.dedupe.DedupePipeline",  # its record_replaced comes before the richer line
        "pipelines.seen.SeenPipeline",  # its marks say which records get no line
    )

    def __init__(self, out_dir: Path, gzip: bool, crawler: Crawler, clock: Clock = utc_now) -> None:
        self.out_dir, self.gzip, self.crawler, self.clock = out_dir, gzip, crawler, clock
        self.unchanged: UnchangedRecords = unchanged_records(crawler)
        self.suffix = ".jsonl.gz" if gzip else ".jsonl"
        self.run: RunFiles | None = None  # where the run is written, set when the spider opens
        self.path: Path | None = None  # the run's final path
        self._out: RecordFile | None = None
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
        crawler.signals.connect(pipeline.record_replaced, signal=record_replaced)
        return pipeline

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        folder = spider_folder(self.out_dir, self.crawler.spider.name)
        if not folder.resolve().is_relative_to(self.out_dir.resolve()):
            raise ValueError(f"{folder} is a link out of BRIEF_OUTPUT_DIR ({self.out_dir})")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.clock().astimezone(UTC).strftime(RUN_NAME_FORMAT)
        for attempt in range(1, 100):
            name = stamp if attempt == 1 else f"{stamp}-{attempt}"
            run = RunFiles(self.out_dir, self.crawler.spider.name, name, self.suffix)
            self.path = run.path
            if self.path.exists():
                continue
            try:
                self._out = RecordFile(run.part, self.gzip)
            except FileExistsError:
                continue
            self.run = run
            set_run_files(self.crawler, run)
            logger.info("writing records to %(path)s", {"path": run.part})
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

    def spider_closed(self, reason: str) -> None:
        """Close the run: drop superseded lines, rename the .part, move latest."""
        if self._out is None or self.path is None:
            return
        self._out.close()
        self._out = None
        part = part_of(self.path)
        superseding = any(line >= 0 for line in self._replaced.values())
        if superseding or self.gzip:
            self._rewrite(part, superseding)
        part.rename(self.path)
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
