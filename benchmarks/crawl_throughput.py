"""Pages per second of the project's crawl against a bare Scrapy spider, on the same local site.

Run: ``make bench`` or ``.venv/bin/python benchmarks/crawl_throughput.py [--pages N] [--repeat N]
[--profile]``. A local site of ``--pages`` publication pages (``devsite/generated.py``) is
served on 127.0.0.1 by its own process (``benchmarks/localsite.py serve``), then crawled,
each crawl in a new process (``benchmarks/crawlrun.py``), interleaved ``--repeat`` times:

(a) ``wilsoncenter``: the project's spider (sitemap discovery, ``extract()`` on each page)
    and every item pipeline in ``ITEM_PIPELINES``;
(b) ``bare``: a Scrapy spider that fetches the same sitemaps and pages and yields nothing;
(c) ``bare-item``: (b) yielding one small item a page, with no pipeline: Scrapy's own cost of
    handing on an item, the floor of any spider that emits records (not a target, a scale).

Both use the project's settings with the same overrides (delays and AutoThrottle off,
concurrency 16, robots.txt obeyed, log level INFO, HTTP cache off: ``-s HTTPCACHE_ENABLED=true``
measures the crawl as configured). Pages/s is publication pages over the
time from spider opened to spider closed; the ratio (a)/(b) is of the medians, so it holds
on a noisy machine where absolute rates do not. Target (issue 6): (a) at least 0.8x (b).

The server alone is timed first (a minimal keep-alive client in its own process), and each
crawl reports the server's CPU use, to show that what is measured is the crawler.
``--profile`` samples one more (a) crawl with py-spy (``pip install -e '.[bench]'``) and
prints where its time goes: ``extract()``, each pipeline, Scrapy and the rest.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import crawlrun
from localsite import KINDS, GeneratedSite

from brief_scraper import extract

TARGET = 0.8


def server_alone(server: crawlrun.Server, pages: int, connections: int = 16) -> str:
    """Time the server with a minimal client in its own process; return its line of output."""
    command = [sys.executable, str(crawlrun.HERE / "localsite.py"), "load", "--pages", str(pages),
               "--port", str(server.port), "--connections", str(connections)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def extract_ms(pages: int, sample: int = 300, rounds: int = 2) -> float:
    """Return the mean time of ``extract()`` on the site's first *sample* pages, in ms (best round)."""
    site = GeneratedSite(min(pages, sample))
    bodies = [(site.page(n), f"http://127.0.0.1{path}") for n, path in enumerate(site.paths())]
    for body, url in bodies[:20]:  # imports and caches
        extract(body, url)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for body, url in bodies:
            extract(body, url)
        best = min(best, (time.perf_counter() - start) / len(bodies))
    return best * 1000


def budget(a: float, b: float, extracting: float) -> list[str]:
    """Lines splitting (a)'s time per page into (b)'s, extract()'s and the rest (pipelines, items)."""
    ms_a, ms_b = 1000 / a, 1000 / b
    rest = ms_a - ms_b - extracting
    return [
        f"per page: (a) {ms_a:.2f} ms = (b) {ms_b:.2f} ms + extract() {extracting:.2f} ms (timed alone, same"
        f" pages) + {rest:.2f} ms pipelines, items, spider",
        f"  (a)/(b) would be {ms_b / (ms_a - extracting):.2f}x if extract() cost nothing, "
        f"{ms_b / (ms_b + extracting):.2f}x with extract() alone on top of (b); {TARGET:.2f}x allows "
        f"{ms_b / TARGET - ms_b:.2f} ms a page on top of (b)",
    ]


def cpu_ms_per_page(result: dict[str, Any]) -> float:
    """CPU time a page cost: the crawl's process and its extraction workers together, in ms."""
    return (result["cpu_seconds"] + result.get("workers_cpu_seconds", 0.0)) / max(result["pages"], 1) * 1000


def describe(result: dict[str, Any]) -> str:
    """One line per crawl: rate, CPU use of the crawler, its extraction workers and the server."""
    seconds = result["seconds"]
    crawler, server = result["cpu_seconds"] / seconds, result["server_cpu_seconds"] / seconds
    workers = result.get("workers_cpu_seconds", 0.0) / seconds
    return (
        f"{result['spider']:<13}{result['pages'] / seconds:>8.1f} pages/s {seconds:>7.2f} s"
        f"  crawler CPU {crawler:>4.0%}  workers CPU {workers:>4.0%}  server CPU {server:>4.0%}"
        f"  CPU {cpu_ms_per_page(result):.2f} ms/page  load {crawlrun.load_average()}"
    )


# Where a sampled stack's time goes: the first of these found in the stack, innermost first.
_PIPELINE_RE = re.compile(r" \(pipelines/(\w+)\.py:")
SHARES = (
    ("extract()", lambda frame: frame.startswith("extract (brief_scraper/extraction.py")),
    ("pipeline", lambda frame: bool(_PIPELINE_RE.search(frame))),
    ("spider (not extract)", lambda frame: " (spiders/" in frame),
    ("HTTP cache", lambda frame: "httpcache" in frame),
)


def profile_shares(raw: Path) -> list[tuple[str, int, float]]:
    """Return (component, samples, share) of a py-spy raw profile, over the crawl's event loop only."""
    counts: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("_run_once" in frame for frame in frames):
            continue  # imports and start-up, before the crawl
        name = "Scrapy, Twisted, asyncio (the rest)"
        for frame in reversed(frames):
            found = next((label for label, test in SHARES if test(frame)), None)
            if found == "pipeline":
                match = _PIPELINE_RE.search(frame)
                name = f"pipelines/{match.group(1) if match else '?'}.py"
                break
            if found:
                name = found
                break
        counts[name] += int(count)
    total = sum(counts.values()) or 1
    return [(name, n, n / total) for name, n in counts.most_common()]


def profile(server: crawlrun.Server, workdir: Path, concurrency: int, settings: list[str]) -> None:
    """Sample one (a) crawl with py-spy and print where its time goes."""
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if py_spy is None:
        print("profile: py-spy is not installed (pip install -e '.[bench]')")
        return
    raw = workdir / "profile.txt"
    command = [py_spy, "record", "--rate", "250", "--format", "raw", "--output", str(raw), "--",
               sys.executable, str(crawlrun.HERE / "crawlrun.py")]  # fmt: skip
    command += crawlrun.child_arguments("wilsoncenter", server, workdir / "profiled", concurrency)
    for pair in settings:
        command += ["-s", pair]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not raw.exists():
        print(f"profile: py-spy failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        return
    print(f"\nprofile of one (a) crawl, py-spy at 250 Hz, event-loop samples only ({raw}):")
    for name, samples, share in profile_shares(raw):
        print(f"  {share:>6.1%} {samples:>6}  {name}")


def main() -> None:
    """Print each crawl's rate, the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="publication pages on the site")
    parser.add_argument("--repeat", type=int, default=3, help="crawls of each spider, interleaved")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS(_PER_DOMAIN)")
    parser.add_argument(
        "--server",
        choices=KINDS,
        default="asyncio",
        help="the local site's server (devsite/server.py's serve())",
    )
    parser.add_argument("--profile", action="store_true", help="also profile one (a) crawl with py-spy")
    crawlrun.add_setting_option(parser, "a setting for every crawl (e.g. HTTPCACHE_ENABLED=true)")
    args = parser.parse_args()
    print(f"machine: {crawlrun.machine()}")
    for busy in crawlrun.busy_processes():
        print(f"  also running: {busy}")
    spiders = ("bare", "bare-item", "wilsoncenter")
    rates: dict[str, list[float]] = {spider: [] for spider in spiders}
    cpu: dict[str, list[float]] = {spider: [] for spider in spiders}
    problems: list[str] = []
    with crawlrun.Server(args.pages, args.server) as server, tempfile.TemporaryDirectory() as tmp:
        print(
            f"site: {args.pages} pages at {server.base_url} ({args.server} server); settings: "
            f"{' '.join(f'{k}={v}' for k, v in crawlrun.OVERRIDES.items())} {' '.join(args.set)}"
        )
        print(f"server alone: {server_alone(server, args.pages)}")
        for round_ in range(args.repeat):
            for spider in spiders:
                workdir = Path(tmp) / f"{spider}-{round_}"
                result = crawlrun.crawl(spider, server, workdir, args.concurrency, args.set)
                problems += crawlrun.check(result, args.pages)
                rates[spider].append(result["pages"] / result["seconds"])
                cpu[spider].append(cpu_ms_per_page(result))
                print(describe(result))
                shutil.rmtree(workdir, ignore_errors=True)  # its HTTP cache: 35 kB a page
        if args.profile:
            profile(server, Path(tmp), args.concurrency, args.set)
    a, b = statistics.median(rates["wilsoncenter"]), statistics.median(rates["bare"])
    print(f"\n(a) wilsoncenter + pipelines {a:>8.1f} pages/s (median of {len(rates['wilsoncenter'])})")
    print(f"(b) bare Scrapy spider       {b:>8.1f} pages/s (median of {len(rates['bare'])})")
    c = statistics.median(rates["bare-item"])
    print(
        f"(c) (b) + one item a page    {c:>8.1f} pages/s: (c)/(b) {c / b:.2f}x, Scrapy's floor for a spider"
        " that yields records"
    )
    pairs = [x / y for x, y in zip(rates["wilsoncenter"], rates["bare"], strict=True)]
    print(f"ratio (a)/(b) {a / b:.2f}x (pairs {min(pairs):.2f}-{max(pairs):.2f}); target >= {TARGET:.2f}x")
    cpu_a, cpu_b = statistics.median(cpu["wilsoncenter"]), statistics.median(cpu["bare"])
    print(
        f"CPU a page (crawl process + extraction workers): (a) {cpu_a:.2f} ms, (b) {cpu_b:.2f} ms:"
        f" (b)/(a) {cpu_b / cpu_a:.2f}x"
    )
    print("\n".join(budget(a, b, extract_ms(args.pages))))
    print(f"load after: {crawlrun.load_average()}")
    crawlrun.exit_on_problems(problems)


if __name__ == "__main__":
    main()
