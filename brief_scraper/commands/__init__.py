"""Scrapy commands of the project (``COMMANDS_MODULE``): ``crawl`` checks spider arguments first;
``reextract`` extracts archived pages again. Both exit 1 when a health check failed. ``spread``
runs a sources file's crawl over Scrapyd nodes (``brief_scraper/runs/spread/``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from brief_scraper.runs.stats import HEALTH_FAILED

if TYPE_CHECKING:
    from scrapy.commands import ScrapyCommand
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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
