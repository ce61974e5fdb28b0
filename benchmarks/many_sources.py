"""Wall time and CPU a record of the ``sources`` spider over many polite sources at once (issue 14).

Run: ``.venv/bin/python benchmarks/many_sources.py [--sources 20] [--pages 100] [--delay 0.5]
[--keep] [-s NAME=VALUE]``. ``devsite/many_sites.py`` serves ``--sources`` generated think
tanks of ``--pages`` publication pages each, one socket apiece on 127.0.0.1, from a process
of its own; a sources file gives each ``delay_seconds = --delay``, and no robots.txt says
otherwise. Two real crawls follow, each a new ``scrapy crawl sources`` process fetching every
source from its mirror, with the project's settings and :data:`SETTINGS` (AutoThrottle, the
HTTP cache and the seen-store off; the writer, the archive and the health checks on):

- one source (``-a only=source00``): the reference, the same pages a source and the same delay;
- every source at once.

Printed for each crawl: wall time and CPU time (``RUSAGE_CHILDREN`` around the process: the
crawl and any extraction worker), split at the first and the last request the sites saw
(start-up, crawl, close; the CPU from ``/proc`` samples); how each source's requests were
spaced, from the sites' own log of when each came. Then, against references measured in
the same run, never absolute times:

- wall time over the delay-bound ideal ``(pages + discovery) x delay``, discovery being the 4
  other requests each site gets (robots.txt, home page, feed, sitemap), which a polite crawl
  spaces too; and over bare ``pages x delay``. Target <= 1.2x.
- CPU a record of every source at once over that of the one-source crawl. Target <= 1.0x.
- the records written per source, checked: every page of its sitemap exactly once.

A crawl that fails or does not write every page exactly once is a PROBLEM: exit 1. The
crawls' logs, records and timings are kept under ``output/bench/many_sources/<pid>/`` with
``--keep`` (or a PROBLEM), else removed.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import crawlrun

ROOT = crawlrun.ROOT
sys.path.insert(0, str(ROOT))  # devsite is no installed package

from devsite.many_sites import DISCOVERY_PATHS, GeneratedSource, source_key, sources_toml  # noqa: E402

OUT = Path("output") / "bench" / "many_sources"  # relative to ROOT: `scrapy crawl` writes in output/ only
SETTINGS = ("AUTOTHROTTLE_ENABLED=0", "HTTPCACHE_ENABLED=0", "BRIEF_SEEN_ENABLED=0", "LOG_LEVEL=INFO")
TARGET_WALL, TARGET_CPU = 1.2, 1.0
Log = dict[str, list[tuple[float, str]]]  # source key -> (monotonic time, path) of each request


class Sites(crawlrun.Server):
    """``python -m devsite.many_sites`` in a subprocess, every source's site; a context manager."""

    def __init__(self, sources: int, pages: int) -> None:
        super().__init__(pages)
        self.sources = sources
        self.ports: list[int] = []

    def __enter__(self) -> Self:
        command = [sys.executable, "-m", "devsite.many_sites", "--sources", str(self.sources),
                   "--pages", str(self.pages)]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY "):
            self.process.kill()
            raise RuntimeError(f"the sites did not start: {line!r}")
        self.ports = [int(port) for port in line.split()[1 : 1 + self.sources]]
        return self

    @property
    def mirrors(self) -> str:
        """The spider's ``mirrors`` argument: every source fetched from its port on 127.0.0.1."""
        return ",".join(f"{source_key(i)}=http://127.0.0.1:{port}" for i, port in enumerate(self.ports))

    def take_log(self) -> Log:
        """Return each source's requests since the last call."""
        assert self.process is not None
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("log\n")
        self.process.stdin.flush()
        logs = json.loads(self.process.stdout.readline())
        return {key: [(t, path) for t, path in log] for key, log in logs.items()}


class CpuTimeline:
    """CPU time of a process and its descendants, sampled from /proc every *interval* s, so
    that a crawl's CPU can be split at moments the sites saw (its first and last request)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, float]] = []
        threading.Thread(target=self._run, daemon=True).start()

    def _tree_cpu(self, pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError):  # gone meanwhile
                    cpu += self._tree_cpu(int(child))
        return cpu

    def _run(self) -> None:
        while True:
            try:
                self.samples.append((time.monotonic(), self._tree_cpu(self.pid)))
            except OSError:  # the process has ended
                return
            time.sleep(self.interval)

    def at(self, moment: float) -> float:
        """CPU time used by *moment*: the last sample taken before it (0 before any)."""
        return next((cpu for t, cpu in reversed(self.samples) if t <= moment), 0.0)


@dataclass
class Crawl:
    """One crawl's figures: from its process, from the sites' log, from its run report."""

    label: str
    keys: list[str]
    returncode: int
    started: float  # monotonic: the process was started
    ended: float  # monotonic: the process had exited
    cpu: float  # the process and its children (RUSAGE_CHILDREN)
    server_cpu: float
    log: Log
    timeline: CpuTimeline
    written: dict[str, Counter[str]] = field(default_factory=dict)  # source -> URL -> records
    stats: dict[str, Any] = field(default_factory=dict)  # the run report's

    @property
    def wall(self) -> float:
        return self.ended - self.started

    @property
    def records(self) -> int:
        return sum(sum(urls.values()) for urls in self.written.values())

    def first_request(self) -> float:
        return min((t for log in self.log.values() for t, _ in log), default=self.started)

    def phases(self) -> list[tuple[str, float, float]]:
        """(phase, wall s, CPU s) of start-up (to the first request), crawl (to the last), close."""
        times = sorted(t for log in self.log.values() for t, _ in log) or [self.started]
        marks = [self.started, times[0], times[-1], self.ended]
        cpus = [0.0, self.timeline.at(times[0]), self.timeline.at(times[-1]), self.cpu]
        names = ("start-up", "crawl", "close")
        return [(names[i], marks[i + 1] - marks[i], cpus[i + 1] - cpus[i]) for i in range(3)]


@dataclass
class Spacing:
    """How a crawl spaced each source's requests, robots.txt apart (a slot of its own today)."""

    counts: list[int] = field(default_factory=list)  # requests a source, robots.txt aside
    starts: list[float] = field(default_factory=list)  # its first, after the crawl's first request
    spans: list[float] = field(default_factory=list)  # its first to its last
    gaps: list[float] = field(default_factory=list)  # between two of a source's requests
    robots: list[float] = field(default_factory=list)  # when each robots.txt came
    leads: list[float] = field(default_factory=list)  # a robots.txt to its site's next request

    @classmethod
    def of(cls, result: Crawl) -> Self:
        spacing, first = cls(), result.first_request()
        for log in result.log.values():
            robots = [t for t, path in log if path == "/robots.txt"]
            rest = [t for t, path in log if path != "/robots.txt"]
            spacing.robots += robots
            if robots and rest:
                spacing.leads.append(rest[0] - robots[0])
            if rest:
                spacing.counts.append(len(rest))
                spacing.starts.append(rest[0] - first)
                spacing.spans.append(rest[-1] - rest[0])
                spacing.gaps += [b - a for a, b in itertools.pairwise(rest)]
        spacing.robots.sort()
        return spacing


def crawl(sites: Sites, run_dir: Path, label: str, keys: list[str], settings: list[str]) -> Crawl:
    """Run ``scrapy crawl sources`` on *keys* in a new process (its files in *run_dir*/*label*)."""
    sources_file, workdir = run_dir / "sources.toml", run_dir / label
    (ROOT / workdir).mkdir(parents=True)
    command = [sys.executable, "-m", "scrapy", "crawl", "sources", "-a", f"sources={sources_file}",
               "-a", f"mirrors={sites.mirrors}", "-a", f"only={','.join(keys)}"]  # fmt: skip
    files = (f"BRIEF_OUTPUT_DIR={workdir / 'out'}", f"LOG_FILE={workdir / 'crawl.log'}")
    for pair in (*SETTINGS, *files, *settings):
        command += ["-s", pair]
    sites.take_log()  # forget what came before
    before, server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN), sites.cpu_seconds()
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    timeline = CpuTimeline(process.pid)
    _, stderr = process.communicate()
    ended = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result = Crawl(label, keys, process.returncode, started, ended, cpu, sites.cpu_seconds() - server_cpu,
                   sites.take_log(), timeline)  # fmt: skip
    if process.returncode != 0:
        print(f"{label}: scrapy crawl exited {process.returncode}: {stderr.strip()[-1500:]}")
    timings = {"started": started, "ended": ended, "cpu": timeline.samples, "requests": result.log}
    (ROOT / workdir / "timings.json").write_text(json.dumps(timings), encoding="utf-8")
    result.written = {key: Counter() for key in keys}
    for report in (ROOT / workdir / "out" / "sources").glob("*.stats.json"):  # one: this run's
        run = json.loads(report.read_text(encoding="utf-8"))
        result.stats = run.get("stats", {})
        for line in (ROOT / run["output_file"]).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            result.written.setdefault(record.get("source") or "?", Counter())[record["url"]] += 1
    return result


def check_records(result: Crawl, pages: int) -> list[str]:
    """Return what is wrong with a crawl: it failed, logged errors, or did not write every page
    of every source exactly once (and nothing else)."""
    problems = []
    if result.returncode != 0:
        problems.append(f"{result.label}: scrapy crawl exited {result.returncode}")
    if result.stats.get("log_count/ERROR"):
        problems.append(f"{result.label}: {result.stats['log_count/ERROR']} errors logged")
    for key, urls in result.written.items():
        index = int(key.removeprefix("source")) if key in result.keys else None
        expected = set(GeneratedSource(index, pages).page_urls()) if index is not None else set()
        twice = {url for url, count in urls.items() if count > 1}
        for what, found in (("missing", expected - set(urls)), ("not the source's", set(urls) - expected),
                            ("written twice", twice)):  # fmt: skip
            if found:
                problems.append(f"{result.label}: {key}: {len(found)} pages {what}, e.g. {min(found)}")
    return problems


def describe(result: Crawl) -> list[str]:
    """Lines on one crawl: its totals, its phases, how it spaced each source's requests."""
    per_record = result.cpu / max(result.records, 1) * 1000
    lines = [f"{result.label}: {len(result.keys)} source(s), {result.records} records, {result.wall:.2f} s,"
             f" CPU {result.cpu:.2f} s ({per_record:.2f} ms a record), server CPU"
             f" {result.server_cpu / result.wall:.0%}, load {crawlrun.load_average()}"]  # fmt: skip
    lines += [f"  {name:<9}{wall:>7.2f} s wall {cpu:>6.2f} s CPU" for name, wall, cpu in result.phases()]
    s = Spacing.of(result)
    if s.gaps:
        lines.append(
            f"  per source: {min(s.counts)}-{max(s.counts)} requests besides robots.txt, the first"
            f" {min(s.starts):.1f}-{max(s.starts):.1f} s after the crawl's first request, spread"
            f" over {min(s.spans):.1f}-{max(s.spans):.1f} s; gaps min {min(s.gaps):.3f} s, median"
            f" {statistics.median(s.gaps):.3f} s, max {max(s.gaps):.3f} s"
        )
    if s.leads:
        lines.append(
            f"  robots.txt requests: {len(s.robots)} over {s.robots[-1] - s.robots[0]:.1f} s; each"
            f" {min(s.leads):.3f}-{max(s.leads):.3f} s before its site's next request"
        )
    return lines


def main() -> None:
    """Serve the sources, crawl one and then all of them, print the figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--pages", type=int, default=100, help="publication pages a source")
    parser.add_argument("--delay", type=float, default=0.5, help="delay_seconds of every source")
    parser.add_argument("--keep", action="store_true", help=f"keep the crawls' files ({OUT}/<pid>)")
    crawlrun.add_setting_option(parser, "a setting for both crawls (e.g. DOWNLOAD_DELAY=0)")
    args = parser.parse_args()
    print(f"machine: {crawlrun.machine()}")
    for busy in crawlrun.busy_processes():
        print(f"  also running: {busy}")
    run_dir = OUT / str(os.getpid())  # one per run of the script: two at once never share one
    shutil.rmtree(ROOT / run_dir, ignore_errors=True)  # a dead run's, of the same pid
    (ROOT / run_dir).mkdir(parents=True)
    (ROOT / run_dir / "sources.toml").write_text(sources_toml(args.sources, args.delay), encoding="utf-8")
    keys = [source_key(i) for i in range(args.sources)]
    with Sites(args.sources, args.pages) as sites:
        print(
            f"{args.sources} sources x {args.pages} pages, delay_seconds {args.delay}"
            f" ({run_dir}/sources.toml); settings: {' '.join((*SETTINGS, *args.set))}"
        )
        one = crawl(sites, run_dir, "one-source", keys[:1], args.set)
        print("\n".join(describe(one)))
        every = crawl(sites, run_dir, "all-sources", keys, args.set)
        print("\n".join(describe(every)))
    problems = check_records(one, args.pages) + check_records(every, args.pages)

    discovery = len(DISCOVERY_PATHS)
    ideal, bare = (args.pages + discovery) * args.delay, args.pages * args.delay
    ratio = every.wall / ideal
    print(
        f"\nwall {every.wall:.2f} s against the ideal ({args.pages} pages + {discovery} discovery requests:"
        f" {', '.join(DISCOVERY_PATHS)}) x {args.delay} s = {ideal:.2f} s: {ratio:.2f}x; target <="
        f" {TARGET_WALL:.2f}x {'met' if ratio <= TARGET_WALL else 'MISSED'}"
        f" (bare pages x delay = {bare:.2f} s: {every.wall / bare:.2f}x; one source alone"
        f" {one.wall / ideal:.2f}x)"
    )
    s, walls = Spacing.of(every), {name: wall for name, wall, _ in every.phases()}
    if s.starts:
        last = max(range(len(s.starts)), key=lambda i: s.starts[i] + s.spans[i])
        print(
            f"  where it goes: start-up {walls['start-up']:.2f} s; the last source to finish began"
            f" {s.starts[last]:.2f} s after the first request and took {s.spans[last]:.2f} s; close"
            f" {walls['close']:.2f} s"
        )
    per_every, per_one = every.cpu / max(every.records, 1), one.cpu / max(one.records, 1)
    cpu_ratio = per_every / per_one
    print(
        f"CPU a record: {args.sources} sources {per_every * 1000:.2f} ms, one source {per_one * 1000:.2f} ms:"
        f" {cpu_ratio:.2f}x; target <= {TARGET_CPU:.2f}x {'met' if cpu_ratio <= TARGET_CPU else 'MISSED'}"
    )
    after_every = sum(cpu for _, _, cpu in every.phases()[1:]) / max(every.records, 1)
    after_one = sum(cpu for _, _, cpu in one.phases()[1:]) / max(one.records, 1)
    print(
        f"  start-up aside (process start to first request): {after_every * 1000:.2f} ms against"
        f" {after_one * 1000:.2f} ms: {after_every / after_one:.2f}x"
    )
    counts = sorted(sum(urls.values()) for urls in every.written.values())
    print(
        f"records written per source: {counts[0]}-{counts[-1]} ({every.records} in all, {args.sources}"
        f" sources); {'NOT every page once' if problems else 'every page once'}"
    )
    print(f"load after: {crawlrun.load_average()}")
    if args.keep or problems:
        print(f"the crawls' logs, records and timings: {run_dir}")
    else:
        shutil.rmtree(ROOT / run_dir, ignore_errors=True)
    crawlrun.exit_on_problems(problems)


if __name__ == "__main__":
    main()
