"""Scrapy commands of the project (``COMMANDS_MODULE``): ``crawl`` checks spider arguments first;
``reextract`` extracts archived pages again. Both exit 1 when a health check failed. ``spread``
runs a sources file's crawl over Scrapyd nodes (``brief_scraper/runs/spread/``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from brief_scraper.runs.paths import prepare_log_file
from brief_scraper.runs.stats import HEALTH_FAILED

if TYPE_CHECKING:
    from scrapy.commands import ScrapyCommand
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def log_file_ready(settings: BaseSettings) -> None:
    """Make ``LOG_FILE``'s folder, or stop with a usage error (one line, exit status 2).

    Each command calls it from ``process_options``: Scrapy opens the file before ``run()``,
    and a missing folder would end the command in a traceback.
    """
    try:
        prepare_log_file(settings)
    except ValueError as exc:
        raise UsageError(str(exc), print_help=False) from None


def run_judged(command: ScrapyCommand, crawler: Crawler, **spider_arguments: Any) -> None:
    """Run *crawler* to its end with *command*'s process, and set the command's exit status:
    1 when the crawl could not start or a health check failed (``brief/health/failed``)."""
    process = command.crawler_process
    assert process is not None, "Scrapy sets the command's crawler process before run()"
    process.crawl(crawler, **spider_arguments)
    process.start()
    if process.bootstrap_failed:
        command.exitcode = 1
        return
    failed = crawler.stats.get_value(HEALTH_FAILED, 0) if crawler.stats is not None else 0
    if failed:
        command.exitcode = 1
        logger.error("%(failed)d health check(s) failed: exit status 1", {"failed": failed})
