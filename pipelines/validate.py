"""Validate records against the record's JSON Schema (``brief_scraper/schema.json``).

An invalid record is not lost: :class:`InvalidRecord` carries its errors, and this pipeline's
:class:`~pipelines.rejected.RejectedFile` writes both to the run's ``<run>.rejected.jsonl``
(beside the run the writer opened: ``brief_scraper.runs.contracts.run_files``), for any
``InvalidRecord`` dropped (the ``item_dropped`` signal).

Every record is checked by jsonschema-rs (compiled, about 2 µs a record); only an invalid
one is walked by jsonschema (interpreted, about 370 µs), whose messages and JSON paths the
rejected file keeps. Both implement the schema's draft, 2020-12, and neither asserts
``format``; ``tests/test_pipeline_validate.py`` checks that they agree.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, Self

import jsonschema_rs
from jsonschema.validators import validator_for
from scrapy import signals
from scrapy.exceptions import DropItem

from brief_scraper.record import load_schema
from brief_scraper.runs.stats import dropped_key
from pipelines.items import as_record
from pipelines.rejected import RejectedFile

if TYPE_CHECKING:
    from jsonschema.protocols import Validator
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 300  # a message quotes the bad value, which may be a whole bio


class InvalidRecord(DropItem):
    """The record does not match the schema; it goes, with its errors, to the rejected file.

    ``record`` is the record as validated (normalized), which the ``item_dropped`` signal's
    item is not: that is the item as the spider yielded it.
    """

    reason = "invalid"

    def __init__(self, message: str, errors: list[dict[str, str]], record: dict[str, Any]) -> None:
        super().__init__(message, log_level="INFO")
        self.errors = errors
        self.record = record


class ValidatePipeline:
    """Drop records that do not match ``schema.json`` (brief/dropped/invalid), keeping their errors.

    Each error is ``{"path", "message", "validator"}``: where in the record (a JSON path such
    as ``$.authors[0].name``), what is wrong, and which schema keyword failed.
    """

    after: ClassVar[tuple[str, ...]] = (  # brief_scraper.runs.contracts: the pipeline order
        "pipelines.normalize.NormalizePipeline",  # the schema describes normalized records
        "pipelines.caps.CapPipeline",  # capped lists and texts fit the schema's caps
    )

    def __init__(
        self,
        stats: StatsCollector,
        schema: dict[str, Any] | None = None,
        rejected: RejectedFile | None = None,
    ) -> None:
        schema = load_schema() if schema is None else schema
        cls = validator_for(schema)
        cls.check_schema(schema)
        self.validator: Validator = cls(schema)
        self.fast_validator = jsonschema_rs.validator_for(schema)
        self.stats = stats
        self.rejected = rejected

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        pipeline = cls(crawler.stats, rejected=RejectedFile(crawler))
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any) -> Any:
        record = as_record(item)
        if self.fast_validator.is_valid(record):
            return item
        errors = self.errors_of(record)
        if not errors:
            return item
        self.stats.inc_value(dropped_key(InvalidRecord.reason))
        first = errors[0]
        raise InvalidRecord(
            f"invalid record {record.get('url')}: {len(errors)} schema error(s),"
            f" first at {first['path']}: {first['message']}",
            errors,
            record,
        )

    def item_dropped(self, exception: BaseException) -> None:
        """Keep a record that failed validation, with its errors, in the rejected file."""
        if isinstance(exception, InvalidRecord) and self.rejected is not None:
            self.rejected.keep(exception.errors, exception.record)

    def spider_closed(self) -> None:
        """Close the rejected file."""
        if self.rejected is not None:
            self.rejected.close()

    def errors_of(self, record: dict[str, Any]) -> list[dict[str, str]]:
        """Return the record's schema errors, ordered by where they are; [] when it is valid."""
        found = sorted(self.validator.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
        return [
            {"path": e.json_path, "message": _shorten(e.message), "validator": str(e.validator)}
            for e in found
        ]


def _shorten(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 1] + "…"
