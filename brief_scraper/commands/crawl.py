"""``scrapy crawl``, checking the spider's arguments first and exiting 1 when a health check fails.

A spider with a ``check_arguments(**arguments)`` classmethod gets its ``-a`` values checked
here, so a bad one ends the command with Scrapy's usage error (one line naming the argument,
exit status 2) instead of a traceback from inside the starting crawl. The folders the run
would write (``BRIEF_OUTPUT_DIR``, ``JOBDIR``, ``HTTPCACHE_DIR``...) are checked likewise
(``brief_scraper/runs/paths.py``): inside the project, and folders.

Exit status, for cron and CI: 0 when the crawl ran and every health check passed
(``brief_scraper/runs/monitors.py``); 1 when a health check failed (``brief/health/failed``; the
log and ``<run>.stats.json`` say which) or the crawl could not start; 2 for a usage error.
Scrapy's own ``crawl`` exits 0 whatever its monitors say: this is where that changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from brief_scraper.commands import log_file_ready, run_judged
from brief_scraper.runs.paths import check_output_folders

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    """Run a spider of the project, by name, after checking its arguments; exit 1 on a failed check."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Apply the options, and make LOG_FILE's folder (Scrapy opens it before run())."""
        super().process_options(args, opts)
        assert self.settings is not None
        log_file_ready(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the arguments (when the spider can), crawl, and set the exit status."""
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            message = f"no spider named {args[0]!r} (`scrapy list` names them)"
            raise UsageError(message, print_help=False) from None
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(**opts.spargs)
            except ValueError as exc:
                raise UsageError(f"{args[0]}: {exc}", print_help=False) from None
        crawler = self.crawler_process.create_crawler(spidercls)  # kept: its stats say how the run went
        try:  # with the spider's custom_settings: where this run would write
            check_output_folders(crawler.settings, spidercls.name)
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from None
        run_judged(self, crawler, **opts.spargs)
