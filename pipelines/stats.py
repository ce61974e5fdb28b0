"""Count what the records hold: field coverage, provenance, unparsed dates, page kinds.

Every record the run found is counted, unchanged ones included (SeenPipeline passes them on
marked), in ``brief/records/found``: the health checks judge coverage on what the run found.

The keys and which facts count are decided in ``brief_scraper.runs.stats``; this pipeline only
adds them up, and takes a record back out when the writer removes it as superseded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy import signals

from brief_scraper.runs.contracts import declared_sources, record_removed
from brief_scraper.runs.stats import RECORDS_FOUND, record_stat_keys, source_key, source_record_keys
from pipelines.items import as_record

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class StatsPipeline:
    """Add each record to ``brief/records/found``, ``brief/fields/*``, ``brief/provenance/*/*``,
    ``brief/dates/unparsed`` and ``brief/pages/not_publication/*``; subtract it on ``record_removed``.

    On a crawl of a sources file, also to its source's ``brief/source/<key>/records`` and
    ``.../fields/*``, and each record dropped to ``.../dropped/<reason>``.
    """

    after: ClassVar[tuple[str, ...]] = (  # brief_scraper.runs.contracts: the pipeline order
        "pipelines.normalize.NormalizePipeline",
        "pipelines.caps.CapPipeline",
        "pipelines.validate.ValidatePipeline",  # only records that can be written count
        "pipelines.dedupe.DedupePipeline",  # one record per URL
        "pipelines.seen.SeenPipeline",  # unchanged records are passed on, and counted found
    )

    def __init__(self, stats: StatsCollector, crawler: Crawler | None = None) -> None:
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        pipeline = cls(crawler.stats, crawler)
        crawler.signals.connect(pipeline.record_removed, signal=record_removed)
        crawler.signals.connect(pipeline.record_dropped, signal=signals.item_dropped)
        return pipeline

    @property
    def sources(self) -> frozenset[str]:
        """The source keys of the crawl (none but on a sources file's crawl)."""
        return declared_sources(self.crawler.spider if self.crawler is not None else None)

    def process_item(self, item: Any) -> Any:
        self._count(as_record(item), 1)
        return item

    def record_removed(self, record: dict[str, Any]) -> None:
        """Take a record that is no longer in the output back out of the counts."""
        self._count(record, -1)

    def record_dropped(self, item: Any, exception: BaseException) -> None:
        """Count a record a pipeline dropped against its source, under the drop's reason."""
        source, reason = as_record(item).get("source"), getattr(exception, "reason", None)
        if isinstance(reason, str) and source in self.sources:
            self.stats.inc_value(source_key(source, f"dropped/{reason}"))

    def _count(self, record: dict[str, Any], step: int) -> None:
        self.stats.inc_value(RECORDS_FOUND, step)
        keys = record_stat_keys(record)
        source = record.get("source")
        if source in self.sources:
            keys += source_record_keys(source, record)
        for key in keys:
            self.stats.inc_value(key, step)
