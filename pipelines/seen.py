"""Mark records an earlier run of the spider already wrote, unchanged (incremental runs).

Settings: ``BRIEF_SEEN_ENABLED`` (default True) turns the pipeline on; the store is
``<BRIEF_OUTPUT_DIR>/<spider>/seen.sqlite3`` (``brief_scraper.runs.seen``: canonical URL ->
fingerprint of the record last written). A spider whose ``refresh`` attribute is true (the
``-a refresh=1`` argument) has every record written again, and the store updated.

Runs after DedupePipeline (so ``url`` is canonical and a run's own duplicates are gone) and
before the stats and the writer. An unchanged record is not dropped: it is marked
(``brief_scraper.runs.contracts.UnchangedRecords``), counted in ``brief/skipped/unchanged``,
and passed on, so that the health checks judge it and Scrapy's feed exports (``-O``) get it;
only the run's delta file (JsonlWriterPipeline) leaves it out.

A record is remembered only once it has been written (the ``item_scraped`` signal, sent
after the last pipeline, so after its line reached the run file), so a record that a crash
kept from the run file is written by the next run. A record in a killed run's ``.part`` is
remembered: the ``.part`` is part of the spider's history, and the current dataset
(``brief_scraper.runs.dataset``) holds its lines like a finished run's. Deleting the store makes
the next run write all.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from brief_scraper.runs.contracts import UnchangedRecords, spider_folder, unchanged_records
from brief_scraper.runs.seen import SeenStore, fingerprint
from brief_scraper.runs.stats import SKIPPED_UNCHANGED

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STORE_NAME = "seen.sqlite3"


class SeenPipeline:
    """Mark records written, unchanged, by an earlier run (brief/skipped/unchanged); remember the rest."""

    after: ClassVar[tuple[str, ...]] = (  # brief_scraper.runs.contracts: the pipeline order
        "pipelines.normalize.NormalizePipeline",  # url is canonical, the fingerprint stable
        "pipelines.dedupe.DedupePipeline",  # a run's own duplicates are gone
    )
    before: ClassVar[tuple[str, ...]] = (
        "pipelines.stats.StatsPipeline",  # counts unchanged records as found
        "pipelines.jsonl.JsonlWriterPipeline",  # writes no line for them
    )

    def __init__(self, out_dir: Path, crawler: Crawler, marks: UnchangedRecords | None = None) -> None:
        self.out_dir, self.crawler = out_dir, crawler
        self.marks = marks if marks is not None else unchanged_records(crawler)
        self.store: SeenStore | None = None
        self.refresh = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("BRIEF_SEEN_ENABLED"):
            raise NotConfigured("BRIEF_SEEN_ENABLED is off: every record is written")
        out_dir = settings.get("BRIEF_OUTPUT_DIR")
        if not out_dir:
            raise NotConfigured("set BRIEF_OUTPUT_DIR: the seen-store lives below it")
        pipeline = cls(Path(out_dir), crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        folder = spider_folder(self.out_dir, spider.name)
        folder.mkdir(parents=True, exist_ok=True)
        self.store = SeenStore(folder / STORE_NAME)
        self.refresh = bool(getattr(spider, "refresh", False))
        if self.refresh:
            logger.info("refresh: every record is written, seen before or not")

    def process_item(self, item: Any) -> Any:
        assert self.store is not None, "open_spider() was not called"
        if self.refresh:
            return item
        record = ItemAdapter(item)  # a Mapping: read as it is, no deep copy
        url = str(record.get("url"))
        if self.store.is_unchanged(url, fingerprint(record)):
            self.crawler.stats.inc_value(SKIPPED_UNCHANGED)
            self.marks.mark(item)
            logger.debug("unchanged since an earlier run: %(url)s", {"url": url})
        return item

    def item_scraped(self, item: Any) -> None:
        """Remember a record the writer has written (an unchanged one is remembered already)."""
        if self.marks.forget(item) or self.store is None:
            return
        record = ItemAdapter(item)
        self.store.remember(str(record.get("url")), fingerprint(record), str(record.get("scraped_at")))

    def item_dropped(self, item: Any) -> None:
        """Forget the mark of a record a later pipeline dropped."""
        self.marks.forget(item)

    def close_spider(self) -> None:
        if self.store is None:
            return
        skipped = self.crawler.stats.get_value(SKIPPED_UNCHANGED, 0)
        if skipped:
            logger.info(
                "skipped %(count)d records unchanged since an earlier run (-a refresh=1 writes them again)",
                {"count": skipped},
            )
        self.store.close()
        self.store = None
