"""Re-extraction from the page archive: ``scrapy reextract`` against ``extract()`` alone, in one run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/reextract.py [--pages N] [--rounds N]``.

The archive: ``--pages`` (default 2,000) pages of the benchmark site (``devsite/generated.py``: the
fixtures' design A, B and C publication pages, each with its own title, slug and date), each
written as our page archive writes a fetched page (``brief_scraper.runs.archive.WarcFiles``: a
request and a response record, one gzip member each). Then, per round, interleaved:

- ``extract()`` alone: every page's body through ``extract(body, url)`` in this process,
  the bytes already in memory (what a re-extraction cannot beat);
- ``scrapy reextract -j 1``: the real command, reading the archive, extracting and running
  every pipeline (normalize ... the JSONL writer, the dataset at close) in one process;
- ``scrapy reextract -j N`` with N the machine's cores (extraction workers beside it).

Pages/s of a re-extraction is pages over its run's own time (the report's ``start_time`` to
``finish_time``: spider opened to closed, so the interpreter's start is left out). Each
re-extraction writes to a new folder (no seen-store: every record is written). Printed: the
median of each over the rounds, the ratios the targets speak of (1 process against
``extract()`` alone: >= 0.8x; all cores against 1 process: >= 1.7x on 2 cores), and the
archive's bytes per page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from localsite import ROOT, GeneratedSite

from brief_scraper import extract
from brief_scraper.runs.archive import Exchange, WarcFiles

ORIGIN = "https://www.wilsoncenter.org"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Server", "localsite")]


def write_archive(folder: Path, site: GeneratedSite) -> tuple[list[Path], list[tuple[bytes, str]]]:
    """Write every page of *site* as an archived fetch; return the WARC files and the pages."""
    files = WarcFiles(folder, "20261128T090000Z", max_bytes=100 * 2**20)
    pages = []
    date = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    for n, path in enumerate(site.paths()):
        body, url = site.page(n), f"{ORIGIN}{path}"
        files.write(Exchange(url=url, method="GET", request_headers=[("User-Agent", "bench")],
                             request_body=b"", status=200, protocol="HTTP/1.1", response_headers=HEADERS,
                             body=body, ip_address="127.0.0.1", date=date, is_page=True))  # fmt: skip
        pages.append((body, url))
    files.close()
    return sorted(folder.glob("*.warc.gz")), pages


def time_extract(pages: list[tuple[bytes, str]]) -> float:
    """Return pages/s of extract() over *pages*, in this process."""
    started = time.perf_counter()
    for body, url in pages:
        extract(body, url)
    return len(pages) / (time.perf_counter() - started)


def time_reextract(warcs: list[Path], jobs: int, workdir: Path) -> tuple[float, int, int]:
    """Run ``scrapy reextract -j jobs``; return its pages/s, pages and exit status."""
    out = Path(tempfile.mkdtemp(dir=workdir))
    command = [sys.executable, "-m", "scrapy", "reextract", *map(str, warcs), "--spider", "wilsoncenter",
               "-j", str(jobs), "-s", f"BRIEF_OUTPUT_DIR={out}", "-s", "LOG_LEVEL=INFO",
               "-s", f"LOG_FILE={out / 'reextract.log'}"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    [report_file] = (out / "wilsoncenter").glob("*.stats.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    seconds = datetime.fromisoformat(report["finish_time"]) - datetime.fromisoformat(report["start_time"])
    pages = report["stats"].get("brief/reextract/pages", 0)
    return pages / seconds.total_seconds(), pages, done.returncode


def verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-reextract-") as tmp:
        workdir = Path(tmp)
        site = GeneratedSite(args.pages)
        warcs, pages = write_archive(workdir / "archive", site)
        archive_bytes = sum(p.stat().st_size for p in warcs)
        alone, one, many = [], [], []
        problems = []
        for _ in range(args.rounds):
            alone.append(time_extract(pages))
            for jobs, figures in ((1, one), (cores, many)):
                rate, done, status = time_reextract(warcs, jobs, workdir)
                figures.append(rate)
                if done != len(pages) or status != 0:
                    problems.append(f"-j {jobs}: {done} of {len(pages)} pages, exit status {status}")
    a, o, m = (statistics.median(x) for x in (alone, one, many))
    rounds = {name: ", ".join(f"{x:.0f}" for x in figures) for name, figures in
              (("alone", alone), ("one", one), ("many", many))}  # fmt: skip
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    per_page = archive_bytes / len(pages)
    print(f"{len(pages)} pages, {len(warcs)} WARC file(s), {per_page:,.0f} bytes a page archived")
    print(f"load average at the end: {load} (other processes share the cores)")
    print(f"  extract() alone, in memory   {a:7.0f} pages/s   (rounds: {rounds['alone']})")
    print(f"  scrapy reextract -j 1        {o:7.0f} pages/s   (rounds: {rounds['one']})")
    print(f"  scrapy reextract -j {cores:<2}       {m:7.0f} pages/s   (rounds: {rounds['many']})")
    print(f"  -j 1 / extract() alone       {o / a:7.2f}x   target >= 0.80x   {verdict(o / a >= 0.8)}")
    print(f"  -j {cores} / -j 1                 {m / o:7.2f}x   target >= 1.70x   {verdict(m / o >= 1.7)}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
