"""Keep the records that fail validation, with their errors: ``<run>.rejected.jsonl``.

Owned by ValidatePipeline, which builds it in ``from_crawler``. The file goes beside the run
(``brief_scraper.runs.contracts.run_files``: where the writer opened it), in plain JSON lines
even with gzip, so it is easy to read: one ``{"errors": [...], "record": {...}}`` per line. It
is written to ``<run>.rejected.jsonl.part`` from the first rejection on and renamed when the
spider closes; a run without rejections, or without a run file (no writer), has none.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from brief_scraper.runs.contracts import part_of, run_files
from pipelines.items import in_schema_order
from pipelines.lines import RecordFile

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Rejected records can hold anything a spider yielded: never fail to keep one.
_dumps_anything = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr).encode


class RejectedFile:
    """The run's rejected records, each with its schema errors, written as they come."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path: Path | None = None  # set on the first rejection
        self._file: RecordFile | None = None

    def keep(self, errors: list[dict[str, str]], record: Any) -> None:
        """Write one rejected *record* with its *errors*; nothing when the run has no file."""
        if self._file is None:
            run = run_files(self.crawler)
            if run is None:
                return
            self.path = run.rejected
            self._file = RecordFile(part_of(self.path), False, _dumps_anything)
            logger.warning(
                "records that fail the schema are kept in %(path)s (brief/dropped/invalid counts them)",
                {"path": self.path},
            )
        self._file.write({"errors": errors, "record": in_schema_order(record)})

    def close(self) -> None:
        """Close the file and give it its final name."""
        if self._file is None or self.path is None:
            return
        self._file.close()
        self._file = None
        part_of(self.path).rename(self.path)
