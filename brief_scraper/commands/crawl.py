"""``scrapy crawl``, checking the spider's arguments before anything starts.

A spider with a ``check_arguments(**arguments)`` classmethod gets its ``-a`` values checked
here, so a bad one ends the command with Scrapy's usage error (one line naming the argument,
exit status 2) instead of a traceback from inside the starting crawl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    """Run a spider of the project, by name, after checking its arguments."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the arguments (when the spider can), then crawl as Scrapy does."""
        if len(args) == 1 and self.crawler_process is not None:
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
        super().run(args, opts)
