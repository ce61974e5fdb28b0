"""Peak memory of the project's crawl at two sizes: does anything grow with the crawl?

Run: ``make bench`` or ``.venv/bin/python benchmarks/crawl_memory.py [--pages 1000,10000]
[--no-bare]``. For each size a local site of that many publication pages
(``devsite/generated.py``) is served on 127.0.0.1 and crawled, in a new process each
(``benchmarks/crawlrun.py``), by (a) the ``wilsoncenter`` spider with every pipeline and,
unless ``--no-bare``, (b) the bare spider, which shows what Scrapy itself holds.

Printed per crawl: peak RSS (``ru_maxrss`` of the crawl process), RSS when the crawl starts
and ends, the growth per 1,000 pages (least squares over the RSS sampled every 0.5 s, past
the first 10% of pages), and what keeps one entry per URL, measured at the end of the crawl:
Scrapy's dupefilter fingerprints, DedupePipeline's digests, extraction's dateparser cache.
Target (issue 6): peak RSS of the largest run within 1.2x of the smallest's.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

import crawlrun

TARGET = 1.2


def growth_per_1000(samples: list[list[float]]) -> float:
    """Return MB per 1,000 pages: the least-squares slope of RSS over pages, past the first 10%.

    >>> growth_per_1000([[0, 80.0], [100, 90.0], [1000, 91.0], [2000, 92.0], [3000, 93.0]])
    1.0
    """
    last = max(pages for pages, _ in samples) if samples else 0
    points = [(pages, rss) for pages, rss in samples if pages >= last / 10 and pages > 0]
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if not spread:
        return 0.0
    return round(1000 * sum((x - mean_x) * (y - mean_y) for x, y in points) / spread, 2)


def describe(result: dict[str, Any]) -> str:
    """One line per crawl: pages, peak RSS, RSS at start and end, growth; what grows, in kB."""
    samples = result["rss_mb"]
    held = []
    for key, label in (("dupefilter_fingerprints", "dupefilter"), ("dedupe_urls", "dedupe")):
        if key in result and result[key][0]:
            count, size = result[key]
            held.append(f"{label} {count} = {size / 1024:.0f} kB")
    if result.get("dateparser_cache", [0])[0]:
        held.append(f"dateparser cache {result['dateparser_cache'][0]} entries")
    return (
        f"{result['spider']:<13}{result['pages']:>7} pages  peak {result['maxrss_mb']:>6.1f} MB"
        f"  start {samples[0][1]:>6.1f}  end {samples[-1][1]:>6.1f}"
        f"  {growth_per_1000(samples):>+5.2f} MB/1000 pages  ({', '.join(held) or 'nothing per URL'})"
    )


def main() -> None:
    """Crawl each size, print the figures and the ratio of the peaks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="1000,10000", help="comma-separated site sizes, smallest first")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS(_PER_DOMAIN)")
    parser.add_argument("--no-bare", action="store_true", help="crawl with (a) only")
    crawlrun.add_setting_option(parser, "a setting for every crawl (e.g. HTTPCACHE_ENABLED=true)")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.pages.split(","))
    spiders = ["wilsoncenter"] if args.no_bare else ["wilsoncenter", "bare"]
    print(f"machine: {crawlrun.machine()}")
    for busy in crawlrun.busy_processes():
        print(f"  also running: {busy}")
    peaks: dict[str, dict[int, float]] = {spider: {} for spider in spiders}
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            with crawlrun.Server(size) as server:
                for spider in spiders:
                    workdir = Path(tmp) / f"{spider}-{size}"
                    result = crawlrun.crawl(spider, server, workdir, args.concurrency, args.set)
                    problems += crawlrun.check(result, size)
                    peaks[spider][size] = result["maxrss_mb"]
                    print(describe(result), flush=True)
                    shutil.rmtree(workdir, ignore_errors=True)
    print()
    small, large = sizes[0], sizes[-1]
    for spider in spiders:
        ratio = peaks[spider][large] / peaks[spider][small]
        target = f"; target <= {TARGET:.2f}x" if spider == "wilsoncenter" else ""
        print(f"{spider:<13} peak RSS {large} pages / {small} pages: {peaks[spider][large]:.1f} / "
              f"{peaks[spider][small]:.1f} MB = {ratio:.2f}x{target}")  # fmt: skip
    print(f"load after: {crawlrun.load_average()}")
    crawlrun.exit_on_problems(problems)


if __name__ == "__main__":
    main()
