"""``scrapy reextract``: the records of archived pages, extracted again with the current code.

::

    scrapy reextract output/wilsoncenter/archive/*.warc.gz            # a run of wilsoncenter
    scrapy reextract --spider generic -j 2 -O records.jsonl crawl.warc.gz

Reads WARC files (the page archive's, or any other tool's: wget, warcio's ``capture_http``,
a Common Crawl segment), runs ``extract()`` on every HTML response, passes the records through
the item pipelines and health checks of the spider named by ``--spider`` (by default the one
whose ``<spider>/archive/`` folder the files are in), and writes a run, its report and the
dataset as a crawl of that spider would. ``-j N`` extracts in N processes, this one and N - 1
workers (default: one per core; ``-j 1``: all in this one). ``-o``/``-O`` feed exports and
``-s`` settings work as for ``scrapy crawl``. Nothing is requested over the network
(``brief_scraper/runs/reextract.py``). Exit status as ``scrapy crawl``'s: 1 when a health check failed, 2 for
a usage error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from brief_scraper.commands import log_file_ready, run_judged
from brief_scraper.runs.archive import ARCHIVE_FOLDER
from brief_scraper.runs.reextract import archive_spider

if TYPE_CHECKING:
    import argparse


def spider_of(paths: list[Path]) -> str | None:
    """Return the spider whose ``<spider>/archive/`` folder holds all of *paths*, if one does.

    >>> folder = Path("output/wilsoncenter/archive")
    >>> spider_of([folder / "20261128T090000Z-00001.warc.gz", folder / "20261129T090000Z-00001.warc.gz"])
    'wilsoncenter'
    >>> spider_of([Path("crawl.warc.gz")]) is None
    True
    """
    names = {p.parent.parent.name for p in paths if p.parent.name == ARCHIVE_FOLDER}
    return names.pop() if len(names) == 1 and all(p.parent.name == ARCHIVE_FOLDER for p in paths) else None


class Command(BaseRunSpiderCommand):
    """Re-extract the pages of WARC files as a run of a project spider; exit 1 on a failed check."""

    requires_project = True

    def syntax(self) -> str:
        return "[options] <warc file> ..."

    def short_desc(self) -> str:
        return "Extract records again from archived pages (WARC files), as a run of a spider"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--spider", metavar="NAME",
            help="the spider whose output folder, settings and health checks the run takes"
            " (default: the <spider>/archive/ folder the files are in)",
        )  # fmt: skip
        parser.add_argument(
            "-j", "--jobs", type=int, metavar="N",
            help="processes that extract (default: one per core; 1: extract in this process)",
        )  # fmt: skip

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        jobs = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
        if jobs < 1:
            raise UsageError(f"-j: {jobs} is not a number of processes (1 or more)", print_help=False)
        assert self.settings is not None
        self.settings.set("BRIEF_EXTRACT_WORKERS", jobs - 1, priority="cmdline")  # and this process
        log_file_ready(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the files and the spider, re-extract, and set the exit status."""
        if not args:
            raise UsageError("give one or more WARC files", print_help=False)
        paths = [Path(arg) for arg in args]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise UsageError(f"no such file: {', '.join(missing)}", print_help=False)
        name = opts.spider or spider_of(paths)
        if name is None:
            raise UsageError(
                "give --spider NAME: the files are not in one <spider>/archive/ folder", print_help=False
            )
        assert self.crawler_process is not None
        try:
            spidercls = self.crawler_process.spider_loader.load(name)
        except KeyError:
            where = "" if opts.spider else f" (the files are in {name}/archive/; give --spider NAME)"
            message = f"no spider named {name!r}{where}: `scrapy list` names them"
            raise UsageError(message, print_help=False) from None
        crawler = self.crawler_process.create_crawler(archive_spider(spidercls))
        run_judged(self, crawler, warc_files=paths, **opts.spargs)
