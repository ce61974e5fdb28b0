"""Helpers of the crawl tests: run ``scrapy crawl`` against the offline site, read what it did.

Test-only Scrapy components are enabled with ``-s`` on the command line:

- ``JsonStatsCollector`` writes the final stats (``finish_reason`` included) to the JSON file
  named by ``BRIEF_TEST_STATS_PATH``;
- ``LocalOnlyMiddleware`` refuses any request to a host other than 127.0.0.1/localhost and
  counts it (``test/refused_host``): whatever the spider does, a test crawl never leaves the
  machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import MemoryStatsCollector

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy import Request
    from scrapy.crawler import Crawler

    from devsite.offline_site import OfflineSite

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
FAST = {  # the offline site needs no politeness; a 2-core machine likes few retries
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_TIMES": "1",
    "LOG_LEVEL": "INFO",
    "STATS_CLASS": "tests.crawl_support.JsonStatsCollector",
    "BRIEF_OUTPUT_ALLOW_OUTSIDE": "1",  # run files, cache and jobs go to the test's tmp_path
    "DOWNLOADER_MIDDLEWARES": json.dumps({"tests.crawl_support.LocalOnlyMiddleware": 1000}),
}


class JsonStatsCollector(MemoryStatsCollector):
    """Keep stats in memory and write them as JSON when the spider closes."""

    def _persist_stats(self, stats: dict[str, Any]) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("BRIEF_TEST_STATS_PATH")
        if path:
            Path(path).write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")


class LocalOnlyMiddleware:
    """Refuse requests to any host but 127.0.0.1/localhost (a safety net under OffsiteMiddleware)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LocalOnlyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if urlsplit(request.url).hostname not in LOCAL_HOSTS:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("test/refused_host")
            raise IgnoreRequest(f"test crawls stay on 127.0.0.1: {request.url}")


@dataclass
class CrawlRun:
    """What one crawl did: exit status, records, stats, and the offline site's request log."""

    returncode: int
    records: list[dict[str, Any]]
    stats: dict[str, Any]
    requests: list[Any]  # devsite.server.Requested, answered during this crawl
    stderr: str
    site_host: str
    output_dir: Path
    urls: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.urls = [r["url"] for r in self.records]

    def paths(self, host: str | None = None) -> list[str]:
        """Paths (with query) requested on *host* (default: the offline site)."""
        return [r.path for r in self.requests if r.host == (host or self.site_host)]

    def path_counts(self) -> Counter[str]:
        """How often each path was requested on the offline site."""
        return Counter(self.paths())

    def other_hosts(self) -> set[str]:
        """Hosts other than the offline site's own that were asked for anything."""
        return {r.host for r in self.requests} - {self.site_host}

    def stat(self, key: str) -> Any:
        """The final value of a stat (0 when never set)."""
        return self.stats.get(key, 0)


def crawl_command(
    site: OfflineSite,
    tmp_path: Path,
    spider: str = "wilsoncenter",
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    pipelines: bool = False,
    base_url: bool = True,
) -> list[str]:
    """Return the ``scrapy crawl <spider>`` command line of a crawl of *site* (see run_crawl)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    arguments = {"base_url": site.base_url} if base_url else {}
    arguments.update(args or {})
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(tmp_path / "records.jsonl")]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    merged = {**FAST, "BRIEF_TEST_STATS_PATH": str(tmp_path / "stats.json"),
              "BRIEF_OUTPUT_DIR": str(tmp_path / "output"),
              "HTTPCACHE_DIR": str(tmp_path / "httpcache")}  # fmt: skip
    if not pipelines:
        merged.update(ITEM_PIPELINES="{}", BRIEF_HEALTH_ENABLED="0")
    merged.update(settings or {})
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(
    site: OfflineSite,
    tmp_path: Path,
    spider: str = "wilsoncenter",
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    pipelines: bool = False,
    base_url: bool = True,
) -> CrawlRun:
    """Run ``scrapy crawl <spider>`` in a subprocess against *site*; records come from ``-O``.

    Project pipelines are off unless *pipelines*: a spider test checks what the spider yields.
    Without them the health checks are off too (they read the pipelines' stats). The run
    files go to ``tmp_path/output`` and the HTTP cache to ``tmp_path/httpcache``: crawls with
    the same *tmp_path* share both, as runs of a schedule do.
    """
    command = crawl_command(site, tmp_path, spider, args, settings, pipelines, base_url)
    return finish_crawl(site, tmp_path, site.mark(), subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    ))  # fmt: skip


def finish_crawl(
    site: OfflineSite, tmp_path: Path, mark: int, done: subprocess.CompletedProcess[str]
) -> CrawlRun:
    """Return what the crawl that ended as *done* did, reading its files in *tmp_path*."""
    feed, stats_path = tmp_path / "records.jsonl", tmp_path / "stats.json"
    records = []
    if feed.exists():
        records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line]
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    return CrawlRun(
        done.returncode, records, stats, site.requested(mark), done.stderr,
        f"127.0.0.1:{site.port}", tmp_path / "output",
    )  # fmt: skip


def sources_command(
    tmp_path: Path,
    mirrors: str,
    sources: Path,
    settings: Mapping[str, str] | None = None,
    args: Mapping[str, str] | None = None,
) -> list[str]:
    """Return the ``scrapy crawl sources`` command line of :func:`run_sources`."""
    command = [sys.executable, "-m", "scrapy", "crawl", "sources", "-O", str(tmp_path / "records.jsonl"),
               "-a", f"sources={sources}", "-a", f"mirrors={mirrors}"]  # fmt: skip
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    merged = {**FAST, "BRIEF_TEST_STATS_PATH": str(tmp_path / "stats.json"),
              "BRIEF_OUTPUT_DIR": str(tmp_path / "output"), "HTTPCACHE_ENABLED": "0",
              "BRIEF_COVERAGE_MIN_RECORDS": "3", **(settings or {})}  # fmt: skip
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_sources(
    tmp_path: Path,
    mirrors: str,
    sources: Path,
    settings: Mapping[str, str] | None = None,
    args: Mapping[str, str] | None = None,
) -> CrawlRun:
    """Run ``scrapy crawl sources`` with the project's pipelines, every source from its local
    site (*mirrors*: ``key=http://127.0.0.1:port,...``); coverage is judged from 3 records."""
    command = sources_command(tmp_path, mirrors, sources, settings, args)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    return finish_sources(tmp_path, done.returncode, done.stderr)


def finish_sources(tmp_path: Path, returncode: int, stderr: str) -> CrawlRun:
    """Return what the ``sources`` crawl of *tmp_path* did, from its ``-O`` feed and stats."""
    feed, stats_path = tmp_path / "records.jsonl", tmp_path / "stats.json"
    lines = feed.read_text(encoding="utf-8").splitlines() if feed.exists() else []
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    return CrawlRun(returncode, [json.loads(x) for x in lines if x], stats, [], stderr,
                    "127.0.0.1", tmp_path / "output")  # fmt: skip


def report_of(run: CrawlRun) -> dict[str, Any]:
    """The run report of a ``sources`` crawl run by :func:`run_sources`."""
    reports = sorted((run.output_dir / "sources").glob("*.stats.json"))
    assert reports, run.stderr[-2000:]
    return json.loads(reports[-1].read_text(encoding="utf-8"))


def stop_midway(command: list[str], folder: Path, lines: int, signal_number: int, log: Path) -> int:
    """Run *command*, send it *signal_number* once its run file in *folder* (a ``.jsonl.part``)
    has *lines* lines, wait for it to end, and return its exit status; its stderr goes to *log*
    (a file, not a pipe: a full pipe would stall the crawl)."""
    with (
        log.open("w") as stderr,
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr) as crawl,
    ):
        deadline = time.monotonic() + 60
        while crawl.poll() is None and time.monotonic() < deadline:
            parts = list(folder.glob("*.jsonl.part"))
            if parts and parts[0].read_bytes().count(b"\n") >= lines:
                break
            time.sleep(0.05)
        assert crawl.poll() is None, "the crawl ended before it could be stopped"
        crawl.send_signal(signal_number)
        return crawl.wait(timeout=60)


def copy_project(folder: Path, names: tuple[str, ...]) -> Path:
    """Copy the project's *names* (folders and files) into *folder*: a checkout to deploy from,
    so that no build file is written into this one. Return *folder*."""
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    return folder
