"""Keep one record per canonical URL within a run: the first, unless a later one is richer.

Output is streamed to disk as records come, so nothing is held back here: memory stays at
one 16-byte digest and one count per URL, and every record written is safe on disk at once.
A later duplicate is dropped (:class:`DuplicateRecord`) unless it is richer (more non-empty
fields) than the record kept; then it is passed on too, after the ``record_replaced`` signal,
and JsonlWriterPipeline removes the superseded line when the run closes
(``brief_scraper.runs.contracts``: ``record_replaced``, ``record_removed``). Until then (and in
the ``.part`` of a killed run) the later line for a URL is the one that counts.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any, ClassVar, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from brief_scraper.record import DEDUPE_WEIGHTS
from brief_scraper.runs.contracts import record_replaced
from brief_scraper.runs.stats import DUPLICATES, dropped_key, is_empty

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.signalmanager import SignalManager
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class DuplicateRecord(DropItem):
    """A record with the same canonical URL, and at least as rich, was kept instead."""

    reason = "duplicate"


def richness(record: ItemAdapter) -> int:
    """Return how rich *record* is: the weights (``DEDUPE_WEIGHTS``, from schema.json) of its
    extracted fields that have a value."""
    return sum(weight for field, weight in DEDUPE_WEIGHTS.items() if not is_empty(record.get(field)))


class DedupePipeline:
    """One record per canonical URL in a run (brief/duplicates; brief/dropped/duplicate).

    Runs after NormalizePipeline, so ``url`` is already canonical.
    """

    after: ClassVar[tuple[str, ...]] = (  # brief_scraper.runs.contracts: the pipeline order
        "pipelines.normalize.NormalizePipeline",  # url is canonical
        "pipelines.validate.ValidatePipeline",  # an invalid record replaces none
    )

    def __init__(self, stats: StatsCollector, signals: SignalManager) -> None:
        self.stats = stats
        self.signals = signals
        self._richness: dict[bytes, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.signals)

    def process_item(self, item: Any) -> Any:
        record = ItemAdapter(item)
        url = str(record.get("url"))
        key = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        rich = richness(record)
        kept = self._richness.get(key)
        if kept is None:
            self._richness[key] = rich
            return item
        self.stats.inc_value(DUPLICATES)
        if rich > kept:
            self._richness[key] = rich
            logger.debug("a richer record for %(url)s replaces the one kept", {"url": url})
            self.signals.send_catch_log(signal=record_replaced, url=url)
            return item
        self.stats.inc_value(dropped_key(DuplicateRecord.reason))
        raise DuplicateRecord(f"duplicate of {url}", log_level="DEBUG")
