"""What the page archive costs a crawl: the project's crawl with and without it, interleaved.

Run: ``.venv/bin/python benchmarks/archive_cost.py [--pages N] [--repeat N]``. The local site
(``devsite/generated.py``) is crawled by the ``wilsoncenter`` spider with every pipeline
(``crawlrun.py``, the same crawl as ``crawl_throughput.py``'s (a)), ``--repeat`` times with
``BRIEF_ARCHIVE_ENABLED`` on and off in turn. Printed: each crawl's pages/s and CPU a page
(crawl process and extraction workers; the archive's thread is in the crawl process), the
medians, their ratios, and the archive's bytes a page.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

import crawlrun
from crawl_throughput import cpu_ms_per_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {crawlrun.machine()}")
    rates: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    sizes = []
    problems: list[str] = []
    with crawlrun.Server(args.pages) as server, tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeat):
            for archive in (True, False):
                workdir = Path(tmp) / f"{archive}-{round_}"
                result = crawlrun.crawl(
                    "wilsoncenter", server, workdir, 16, [f"BRIEF_ARCHIVE_ENABLED={archive}"]
                )
                problems += crawlrun.check(result, args.pages)
                rates[archive].append(result["pages"] / result["seconds"])
                cpu[archive].append(cpu_ms_per_page(result))
                if archive:
                    warcs = (workdir / "output" / "wilsoncenter" / "archive").glob("*.warc.gz")
                    sizes.append(sum(p.stat().st_size for p in warcs) / result["pages"])
                print(f"archive {'on ' if archive else 'off'}: {rates[archive][-1]:7.1f} pages/s,"
                      f" CPU {cpu[archive][-1]:.2f} ms a page")  # fmt: skip
                shutil.rmtree(workdir, ignore_errors=True)
    on, off = statistics.median(rates[True]), statistics.median(rates[False])
    cpu_on, cpu_off = statistics.median(cpu[True]), statistics.median(cpu[False])
    print(f"\nmedians: on {on:.1f} pages/s, off {off:.1f} pages/s: on/off {on / off:.2f}x")
    print(f"CPU a page: on {cpu_on:.2f} ms, off {cpu_off:.2f} ms: +{cpu_on - cpu_off:.2f} ms")
    print(f"archive: {statistics.median(sizes):,.0f} bytes a page (robots.txt and sitemaps included)")
    print(f"load after: {crawlrun.load_average()}")
    crawlrun.exit_on_problems(problems)


if __name__ == "__main__":
    main()
