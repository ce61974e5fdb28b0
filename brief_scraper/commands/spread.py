"""``scrapy spread``: one sources file's crawl, one Scrapyd job per source, over every node.

::

    scrapy spread                                       # sources.toml, every [deploy:NAME] of scrapy.cfg
    scrapy spread --sources think-tanks.toml --only rand,csis --targets node1,node2
    scrapy spread -a mirrors=rand=http://127.0.0.1:8001 --setting DOWNLOAD_DELAY=0 --timeout 3600

Deploys the project's egg to every ``[deploy:NAME]`` target of ``scrapy.cfg`` (or those
``--targets`` names), schedules one job of the ``sources`` spider per source over the nodes
reached, follows them until they end, and gathers their logs and items into ``output/spread/``
(``brief_scraper/runs/spread/``): the run file, the current dataset, one run report, and a
summary printed. Spider arguments (``-a``) and job settings (``--setting``) go to every job.
Last, each node that runs no job of the project any more keeps only its newest
``--keep-versions`` eggs (default 3), this run's among them.

Everything is checked before any request (the sources file, ``--only``, the arguments, the
targets, the output folder): a bad one ends the command with one line and exit status 2,
never echoing a file's content. Exit status 1 when a job did not end healthy (or the egg
could not be built), 0 when every job did.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.conf import closest_scrapy_cfg, get_config
from scrapy.utils.log import configure_logging

from brief_scraper.commands import log_file_ready
from brief_scraper.crawling.argument_files import read_argument_file
from brief_scraper.crawling.sources import SourcesError, parse_sources, select_sources
from brief_scraper.runs.paths import ALLOW_OUTSIDE, OUTPUT_ROOT, check_folder, check_inside
from brief_scraper.runs.spread import spread
from brief_scraper.runs.spread.egg import build_egg
from brief_scraper.runs.spread.follow import SPIDER
from brief_scraper.runs.spread.gather import summary
from brief_scraper.runs.spread.scrapyd import ScrapydClient
from brief_scraper.runs.spread.targets import deploy_targets

if TYPE_CHECKING:
    import argparse

    from brief_scraper.runs.spread.targets import Target

SET_PER_JOB = ("only", "sources", "sources_toml")  # spread gives each job these itself
KEEP_VERSIONS = 3  # egg versions left on a node: this run's and two to go back to
# Scrapyd passes each spider argument on a command line: Linux caps one at 128 KiB.
SOURCES_TEXT_MAX_BYTES = 100_000


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    """Return ``NAME=VALUE`` options as pairs; UsageError for one without a name or ``=``."""
    pairs = []
    for value in values:
        name, equals, rest = value.partition("=")
        if not equals or not name.strip():
            raise UsageError(f"{option}: {value[:60]!r} is not NAME=VALUE", print_help=False)
        pairs.append((name.strip(), rest))
    return pairs


class Command(ScrapyCommand):
    """Deploy, schedule one job per source over the Scrapyd nodes, follow them, gather the output."""

    requires_project = True
    requires_crawler_process = False  # it crawls nothing itself

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Run a sources file's crawl on every [deploy:NAME] Scrapyd node; gather the output"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add = parser.add_argument
        add(
            "--sources",
            default="sources.toml",
            metavar="FILE",
            help="the sources file (default: sources.toml)",
        )
        add("--only", metavar="KEYS", help="comma-separated source keys: only these (default: every source)")
        add("--targets", metavar="NAMES", help="comma-separated [deploy:NAME] targets (default: all of them)")
        add("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
            help="a spider argument for every job (mirrors=..., delays=..., since=...)")  # fmt: skip
        add("--setting", dest="job_settings", action="append", default=[], metavar="NAME=VALUE",
            help="a setting for every job (schedule.json's setting=NAME=VALUE)")  # fmt: skip
        add("--output", default=f"{OUTPUT_ROOT}/spread", metavar="DIR",
            help="where the run file, the dataset and the report go (default: output/spread)")  # fmt: skip
        add("--timeout", type=float, default=86400.0, metavar="SECONDS",
            help="cancel the jobs still pending or running after this long (default: 86400)")  # fmt: skip
        add("--poll", type=float, default=5.0, metavar="SECONDS",
            help="how often each node's listjobs.json is asked (default: 5)")  # fmt: skip
        add("--version", dest="egg_version", metavar="VERSION",
            help="the egg's version on the nodes (default: the time, as scrapyd-deploy's)")  # fmt: skip
        add("--keep-versions", type=int, default=KEEP_VERSIONS, metavar="N",
            help="at the end, delete the project's egg versions older than the newest N on each"
                 f" node that runs none of its jobs (default: {KEEP_VERSIONS}; 0: delete none)")  # fmt: skip

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Apply the options, and make LOG_FILE's folder (or stop with one line)."""
        super().process_options(args, opts)
        assert self.settings is not None
        log_file_ready(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check everything, then spread, print the summary and set the exit status."""
        if args:
            raise UsageError(
                f"scrapy spread takes no positional argument ({args[0][:40]!r})", print_help=False
            )
        assert self.settings is not None
        text, keys, arguments = self._sources(opts)
        settings = [f"{name}={value}" for name, value in _pairs(opts.job_settings, "--setting")]
        folder = self._output_folder(opts.output)
        for name, value in (("--timeout", opts.timeout), ("--poll", opts.poll)):
            if not value > 0:
                raise UsageError(f"{name}: {value:g} is not a number of seconds above 0", print_help=False)
        if opts.keep_versions < 0:
            raise UsageError(f"--keep-versions: {opts.keep_versions} is below 0", print_help=False)
        try:
            targets: tuple[Target, ...] = deploy_targets(get_config(), opts.targets)
        except ValueError as error:
            raise UsageError(str(error), print_help=False) from None
        configure_logging(self.settings)
        try:
            egg = build_egg(Path(closest_scrapy_cfg()).parent)
        except ValueError as error:
            print(error)
            self.exitcode = 1
            return
        report = spread(
            ScrapydClient(), targets, keys, text, egg, opts.egg_version or str(int(time.time())), folder,
            arguments=arguments, settings=settings, poll_seconds=opts.poll, timeout_seconds=opts.timeout,
            keep_versions=opts.keep_versions, facts={"sources_file": opts.sources},
        )  # fmt: skip
        print("\n".join(summary(report)))
        self.exitcode = 0 if report["ok"] else 1

    def _sources(self, opts: argparse.Namespace) -> tuple[str, list[str], dict[str, str]]:
        """Return the sources file's text, the keys to run, and the spider arguments, checked."""
        try:
            text = read_argument_file(opts.sources, "--sources")
            chosen = select_sources(parse_sources(text), opts.only)
        except (SourcesError, ValueError) as error:
            raise UsageError(str(error), print_help=False) from None
        if len(text.encode("utf-8")) > SOURCES_TEXT_MAX_BYTES:
            raise UsageError(
                f"--sources: {opts.sources!r} is over {SOURCES_TEXT_MAX_BYTES:,} bytes: each job gets it as"
                " one command-line argument (sources_toml), which Linux caps at 128 KiB", print_help=False,
            )  # fmt: skip
        arguments = dict(_pairs(opts.spargs, "-a"))
        for name in SET_PER_JOB:
            if name in arguments:
                raise UsageError(
                    f"-a {name}: spread sets it for each job (use --sources, --only)", print_help=False
                )
        keys = [source.key for source in chosen]
        self._check_spider_arguments(text, keys[0], arguments)
        return text, keys, arguments

    def _check_spider_arguments(self, text: str, key: str, arguments: dict[str, Any]) -> None:
        """Check the arguments as the ``sources`` spider will, when this project has it."""
        assert self.settings is not None
        try:
            spidercls = get_spider_loader(self.settings).load(SPIDER)
        except KeyError:
            raise UsageError(
                f"no spider named {SPIDER!r} in this project: the jobs run it", print_help=False
            ) from None
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(sources_toml=text, only=key, **arguments)
            except ValueError as error:
                raise UsageError(f"{SPIDER}: {error}", print_help=False) from None

    def _output_folder(self, value: str) -> Path:
        """Return the spread folder, checked: inside ``output/`` (or absolute, allowed), a folder."""
        assert self.settings is not None
        here = Path.cwd()
        try:
            check_inside(
                "--output", value, here / value, here / OUTPUT_ROOT, self.settings.getbool(ALLOW_OUTSIDE)
            )
            check_folder("--output", value, here / value)
        except ValueError as error:
            raise UsageError(str(error), print_help=False) from None
        return Path(value)  # as given: the report and the summary name the files as the user does
