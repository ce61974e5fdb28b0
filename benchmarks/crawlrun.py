"""One benchmark crawl per process, and the helpers that start the site and the crawls.

As a script it runs one crawl of the local site (``devsite/generated.py``) with the
project's settings and prints its figures as one JSON line::

    python benchmarks/crawlrun.py --spider wilsoncenter --base-url http://127.0.0.1:PORT --workdir DIR
    python benchmarks/crawlrun.py --spider bare ...

``wilsoncenter`` is the project's spider with every pipeline, discovering pages through the
sitemap (``-a sitemap=1``); ``bare`` is :class:`BareSpider`, a plain Scrapy spider that
fetches the same sitemaps and pages in the same order and yields nothing. Both run with the
project's settings and the same overrides (:data:`OVERRIDES`: delays and AutoThrottle off,
the same concurrency, robots.txt obeyed, log level INFO to a file).

Figures: ``pages`` (publication pages received with status 200), ``seconds`` (spider opened to closed),
``cpu_seconds`` (the process's user + system time over the same span), ``maxrss_mb`` (peak
RSS of the process, ``ru_maxrss``), ``workers_cpu_seconds`` and ``workers_maxrss_mb`` (the
same of its extraction worker processes, ``RUSAGE_CHILDREN``: all of their CPU time, the peak
RSS of the largest), ``rss_mb`` (RSS sampled as pages come: page count and MB),
what grows with the crawl (``dupefilter_fingerprints``, ``dedupe_urls``, ``dateparser_cache``
and their sizes in bytes), and the stats the checks need.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.utils.sitemap import Sitemap

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PAGE_PATH = "/publication/"
OVERRIDES: dict[str, Any] = {  # both crawls, over the project's settings and the spider's own
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": False,
    # The project's HTTP cache writes 6 files a page: on this machine's disk that costs more
    # than extraction, and varies with the disk (benchmarks/README.md). Off in both crawls;
    # ``-s HTTPCACHE_ENABLED=true`` measures the crawl as configured.
    "HTTPCACHE_ENABLED": False,
}
SHOWN_SETTINGS = (*OVERRIDES, "ITEM_PIPELINES", "EXTENSIONS", "COOKIES_ENABLED", "RETRY_ENABLED")

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _plain(value: Any) -> Any:
    """A setting's value as JSON can hold it (a BaseSettings becomes a dict)."""
    return value.copy_to_dict() if hasattr(value, "copy_to_dict") else value


def _setting(pair: str) -> tuple[str, Any]:
    name, _, value = pair.partition("=")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _deep_size(container: Any) -> int:
    """Bytes of a set or dict and of its keys and values, each object once (small ints are shared)."""
    objects = {id(container): container}
    for key in container:
        objects[id(key)] = key
    if isinstance(container, dict):
        objects.update((id(value), value) for value in container.values())
    return sum(sys.getsizeof(obj) for obj in objects.values())


class Probe:
    """Times the crawl, counts pages, samples RSS, and sizes what grows with the crawl."""

    def __init__(self, crawler: Crawler, sample_seconds: float) -> None:
        self.crawler = crawler
        self.sample_seconds = sample_seconds
        self.pages = 0
        self.samples: list[tuple[int, float]] = []
        self.result: dict[str, Any] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self) -> None:
        from twisted.internet.task import LoopingCall

        self.start, self.cpu_start = time.perf_counter(), _cpu_seconds()
        self.scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        self.sampler = LoopingCall(self.sample)
        self.sampler.start(self.sample_seconds)

    def sample(self) -> None:
        self.samples.append((self.pages, round(_rss_mb(), 1)))

    def response_received(self, response: Response, request: Request) -> None:
        if response.status == 200 and PAGE_PATH in response.url:
            self.pages += 1

    def spider_closed(self) -> None:
        seconds, cpu = time.perf_counter() - self.start, _cpu_seconds() - self.cpu_start
        self.sample()
        if self.sampler.running:
            self.sampler.stop()
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.result = {
            "spider": self.crawler.spider.name if self.crawler.spider else None,
            "pages": self.pages,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "rss_mb": self.samples,
            "settings": {name: _plain(self.crawler.settings[name]) for name in SHOWN_SETTINGS},
            "stats": {k: v for k, v in stats.items() if isinstance(v, int | float | str)},
            **self.growing(),
        }

    def growing(self) -> dict[str, Any]:
        """What holds one entry per URL or per date text: count and bytes."""
        found: dict[str, Any] = {}
        fingerprints = getattr(getattr(self.scheduler, "df", None), "_fingerprints", None)
        if fingerprints is not None:
            found["dupefilter_fingerprints"] = [len(fingerprints), _deep_size(fingerprints)]
        itemproc = self.crawler.engine.scraper.itemproc if self.crawler.engine else None
        for pipeline in getattr(itemproc, "middlewares", ()):
            richness = getattr(pipeline, "_richness", None)
            if isinstance(richness, dict):
                found["dedupe_urls"] = [len(richness), _deep_size(richness)]
        dates = sys.modules.get("brief_scraper.dates")
        cached = getattr(dates, "_parse_with_dateparser", None)
        if cached is not None and hasattr(cached, "cache_info"):
            found["dateparser_cache"] = [cached.cache_info().currsize, None]
        return found


class BareSpider(Spider):
    """Fetch the site's sitemaps, then its pages (priority 1, as the project's spider); yield nothing."""

    name = "bare"

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]

    async def start(self) -> AsyncIterator[Request]:
        yield Request(f"{self.base_url}/sitemap.xml", callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        sitemap = Sitemap(response.body)
        for entry in sitemap:
            if sitemap.type == "sitemapindex":
                yield Request(entry["loc"], callback=self.parse_sitemap)
            else:
                yield Request(entry["loc"], callback=self.parse_page, priority=1)

    def parse_page(self, response: Response) -> None:
        return None


class BareItemSpider(BareSpider):
    """BareSpider that yields one small item per page, through no pipeline: what Scrapy
    itself costs to hand on an item (spider middlewares, the pipeline manager, signals)."""

    name = "bare-item"

    def parse_page(self, response: Response) -> Iterator[dict[str, str]]:  # type: ignore[override]
        yield {"url": response.url}


def add_setting_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``-s NAME=VALUE`` (repeatable) to a benchmark's command line."""
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help=help_text)


def child(argv: list[str] | None = None) -> None:
    """Run one crawl in this process; print its figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", choices=["wilsoncenter", "bare", "bare-item"], required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=OVERRIDES["CONCURRENT_REQUESTS"])
    parser.add_argument("--sample-seconds", type=float, default=0.5, help="RSS sampling interval")
    add_setting_option(parser, "a setting for this crawl, over the others (VALUE as JSON, else a string)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # scrapy.cfg: the project's settings
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "brief_scraper.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    overrides = {
        **OVERRIDES,
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "LOG_FILE": str(args.workdir / f"{args.spider}.log"),
        "BRIEF_OUTPUT_DIR": str(args.workdir / "output"),
        "HTTPCACHE_DIR": str(args.workdir / "httpcache"),  # when the project caches: never in the checkout
        **dict(_setting(pair) for pair in args.set),
    }
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings)
    if args.spider in ("bare", "bare-item"):
        if args.spider == "bare-item":
            settings.set("ITEM_PIPELINES", {}, priority="cmdline")
            # The health checks read our pipelines' stats: off with them.
            settings.set("BRIEF_HEALTH_ENABLED", False, priority="cmdline")
        crawler = process.create_crawler(BareSpider if args.spider == "bare" else BareItemSpider)
        spider_args = {"base_url": args.base_url}
    else:
        crawler = process.create_crawler(args.spider)
        spider_args = {"base_url": args.base_url, "sitemap": "1"}
    probe = Probe(crawler, args.sample_seconds)
    process.crawl(crawler, **spider_args)
    process.start()
    probe.result["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # The extraction workers (brief_scraper/crawling/workers.py) have exited and been waited for by now.
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    probe.result["workers_cpu_seconds"] = round(workers.ru_utime + workers.ru_stime, 3)
    probe.result["workers_maxrss_mb"] = round(workers.ru_maxrss / 1024, 1)
    print(json.dumps(probe.result))


# --- the parent's side -------------------------------------------------------------------


class Server:
    """``localsite.py serve`` in a subprocess (its own core); a context manager."""

    def __init__(self, pages: int, kind: str = "asyncio") -> None:
        self.pages, self.kind = pages, kind
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Self:
        command = [sys.executable, str(HERE / "localsite.py"), "serve", "--pages", str(self.pages),
                   "--server", self.kind, "--exit-on-eof"]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY "):
            self.process.kill()
            raise RuntimeError(f"the local site did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crawl(
    spider: str, server: Server, workdir: Path, concurrency: int = 16, settings: list[str] | None = None
) -> dict[str, Any]:
    """Run one crawl in a child process; return its figures, plus the server's CPU use.

    *settings* are ``NAME=VALUE`` pairs over the project's settings and :data:`OVERRIDES`.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(HERE / "crawlrun.py")]
    command += child_arguments(spider, server, workdir, concurrency)
    for pair in settings or ():
        command += ["-s", pair]
    server_cpu = server.cpu_seconds()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    server_cpu = server.cpu_seconds() - server_cpu
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{spider} crawl failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    result["server_cpu_seconds"] = round(server_cpu, 3)
    return result


def child_arguments(spider: str, server: Server, workdir: Path, concurrency: int) -> list[str]:
    """The arguments of ``crawlrun.py`` for one crawl."""
    return ["--spider", spider, "--base-url", server.base_url, "--workdir", str(workdir),
            "--concurrency", str(concurrency)]  # fmt: skip


def check(result: dict[str, Any], pages: int) -> list[str]:
    """Return what is wrong with a crawl's result (every page fetched; records for wilsoncenter)."""
    problems = []
    stats = result["stats"]
    if result["pages"] != pages:
        problems.append(f"{result['spider']}: {result['pages']} of {pages} pages fetched")
    if stats.get("log_count/ERROR"):
        problems.append(f"{result['spider']}: {stats['log_count/ERROR']} errors logged")
    if result["spider"] == "wilsoncenter" and stats.get("brief/records/written") != pages:
        problems.append(f"wilsoncenter: {stats.get('brief/records/written')} records written of {pages}")
    if result["spider"] == "bare" and stats.get("item_scraped_count"):
        problems.append("bare: yielded items")
    if result["spider"] == "bare-item" and stats.get("item_scraped_count") != pages:
        problems.append(f"bare-item: {stats.get('item_scraped_count')} items of {pages} pages")
    return problems


def exit_on_problems(problems: list[str]) -> None:
    """Print each problem a crawl had, and exit 1 if there was any."""
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if problems:
        sys.exit(1)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    """One line on the machine: cores, memory, Python, Scrapy, load."""
    import scrapy

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
        f"Scrapy {scrapy.__version__}, {platform.system()} {platform.release()}; load {load_average()}"
    )


def busy_processes(threshold: float = 20.0) -> list[str]:
    """Other processes using more than *threshold* % of a core now (``ps``), to say who shares the machine."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        ps = ["ps", "-eo", "pcpu=,pid=,args="]
        out = subprocess.run(ps, capture_output=True, text=True, check=False).stdout
        busy = []
        for line in out.splitlines():
            cpu, pid, command = line.split(None, 2)
            if float(cpu) > threshold and int(pid) != os.getpid() and not command.startswith("ps "):
                busy.append(f"{cpu}% {command[:80]}")
        return busy
    return []


if __name__ == "__main__":
    child()
