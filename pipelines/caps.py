"""Cap a record's lists and texts to the schema's ``maxItems`` and ``maxLength``, counting each cut.

The second pipeline (ITEM_PIPELINES 150), after NormalizePipeline (so the lists hold each
entry once) and before validation. A hostile page can name 50,000 authors or hold one
text node of 50 MB; ``brief_scraper/schema.json`` caps each list and text, and this
pipeline makes every record fit, never silently:

* a list longer than ``maxItems`` keeps its first entries (page order, the main ones first);
* a text longer than ``maxLength`` is cut, and ends with "…";
* a URL longer than its ``maxLength`` (2,083, Scrapy's ``URLLENGTH_LIMIT``) cannot be cut:
  it becomes null, and a download entry without its URL goes;

each counted in ``brief/capped/<field>`` (entries or values cut; ``brief/capped/<field>/<part>``
for a part of a list's entries, such as ``authors/bio``, and ``topics/text`` for topics cut).
The caps come from the schema, its one source of truth (``brief_scraper/caps.py`` applies
them). ``extract()`` caps its own record already and notes its cuts in
``provenance["capped"]``: they are counted here too, so a cut made before the pipelines is
not silent either. Last, a record whose JSON is still
over ``BRIEF_RECORD_MAX_BYTES`` (default 1,000,000 bytes, UTF-8) is dropped as
:class:`OversizedRecord` (``brief/dropped/record_too_large``): with the caps, only a hostile
page comes near.

Every step is one pass over the record: linear in its size.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy.exceptions import DropItem

from brief_scraper.caps import ELLIPSIS, Caps, cap_record, caps_from_schema
from brief_scraper.record import load_schema
from brief_scraper.runs.stats import capped_key, dropped_key
from pipelines.items import as_record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["ELLIPSIS", "CapPipeline", "OversizedRecord", "caps_from_schema"]

logger = logging.getLogger(__name__)

class OversizedRecord(DropItem):
    """The record's JSON is over BRIEF_RECORD_MAX_BYTES even with its lists and texts capped."""

    reason = "record_too_large"


class CapPipeline:
    """Cut a record's lists and texts to the schema's caps (brief/capped/*); drop one still over
    BRIEF_RECORD_MAX_BYTES (brief/dropped/record_too_large)."""

    after: ClassVar[tuple[str, ...]] = (  # brief_scraper.runs.contracts: the pipeline order
        "pipelines.normalize.NormalizePipeline",  # texts are cleaned before they are cut
    )

    def __init__(self, stats: StatsCollector, max_bytes: int, caps: Caps | None = None) -> None:
        self.stats = stats
        self.max_bytes = max_bytes
        self.caps = caps_from_schema(load_schema()) if caps is None else caps

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getint("BRIEF_RECORD_MAX_BYTES"))

    def process_item(self, item: Any) -> dict[str, Any]:
        record = as_record(item)
        provenance = record.get("provenance")
        extracted_cuts = provenance.get("capped") if isinstance(provenance, dict) else None
        if isinstance(extracted_cuts, dict):  # extract() capped its own record: counted here
            self._count_cuts(extracted_cuts)
        self._count_cuts(cap_record(record, self.caps))
        if self.max_bytes:
            self._check_size(record)
        return record

    def _count_cuts(self, cuts: Mapping[str, Any]) -> None:
        for key, by in cuts.items():
            field, _, part = str(key).partition("/")
            if isinstance(by, int) and by > 0:
                self.stats.inc_value(capped_key(field, part or None), by)

    def _check_size(self, record: dict[str, Any]) -> None:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        if len(text) * 4 <= self.max_bytes:  # 4 bytes a character at most: no need to encode
            return
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > self.max_bytes:
            self.stats.inc_value(dropped_key(OversizedRecord.reason))
            url = record.get("url")
            logger.warning(
                "Record of %(url)s is %(size)d bytes with its lists and texts capped, over "
                "BRIEF_RECORD_MAX_BYTES (%(max)d): dropped",
                {"url": url, "size": size, "max": self.max_bytes},
            )
            raise OversizedRecord(f"{size} bytes: {url}")
