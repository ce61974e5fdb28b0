"""Rebuild the current dataset (``brief_scraper.runs.dataset``) when a run closes.

The ``DatasetUpdate`` extension (``EXTENSIONS``) learns where the run is written from the
writer's ``run_opened`` signal and, once the writer has closed the run (its ``spider_closed``
handler renamed the ``.part``), writes ``dataset.jsonl`` beside it: incrementally when that is
sound, from every run file when not (the same file either way). A run that was stopped, or
failed a health check, counts like any other: the dataset is what the run files say.

Settings: ``BRIEF_DATASET_ENABLED`` (default True) and ``BRIEF_DATASET_PARQUET`` (default
False: also write ``dataset.parquet``, which needs pyarrow, the ``parquet`` extra). Stat:
``brief/dataset/records``, the records in the dataset after the run.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from brief_scraper.runs.contracts import run_opened
from brief_scraper.runs.dataset import build
from brief_scraper.runs.stats import DATASET_RECORDS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DatasetUpdate:
    """Write ``dataset.jsonl`` (and ``dataset.parquet``) beside the run when it closes."""

    def __init__(self, crawler: Crawler, parquet: bool) -> None:
        self.crawler = crawler
        self.parquet = parquet
        self.folder: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("BRIEF_DATASET_ENABLED"):
            raise NotConfigured("BRIEF_DATASET_ENABLED is off: no dataset.jsonl is written")
        parquet = settings.getbool("BRIEF_DATASET_PARQUET")
        if parquet and importlib.util.find_spec("pyarrow") is None:  # stop before the crawl starts
            raise RuntimeError("BRIEF_DATASET_PARQUET needs pyarrow: pip install 'brief-scraper[parquet]'")
        extension = cls(crawler, parquet)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.run_opened, signal=run_opened)
        return extension

    def spider_opened(self) -> None:
        # Connected now, after the writer's handler: the run is renamed when this one runs.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def run_opened(self, path: Path) -> None:
        """Note the run's folder: the dataset goes there."""
        self.folder = Path(path).parent

    def spider_closed(self) -> None:
        """Write the dataset of every run in the folder, this one included."""
        if self.folder is None:
            return
        try:
            built = build(self.folder, parquet=self.parquet)
        except (OSError, RuntimeError, ValueError) as error:
            logger.error(
                "The dataset in %(folder)s was not updated: %(error)s (python -m brief_scraper.runs.dataset"
                " rebuild %(folder)s writes it from the run files)",
                {"folder": self.folder, "error": error},
            )
            return
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(DATASET_RECORDS, built.records)
        logger.info(
            "dataset: %(records)d records in %(path)s (%(how)s)",
            {"records": built.records, "path": built.path,
             "how": "updated" if built.incremental else f"built from {built.runs} run files"},
        )  # fmt: skip
