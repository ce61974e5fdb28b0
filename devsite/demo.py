"""``make demo``: a three-source crawl of the offline world with the real ``sources`` spider.

Starts the offline world (``devsite.world``: the Wilson Center snapshot, RAND and CSIS, each
on its own port of 127.0.0.1), runs ``scrapy crawl sources`` on the project's example
``sources.toml`` (``-a only=wilsoncenter,rand,csis``) with every source's hosts mapped to its
local copy (``-a mirrors=...``), so records keep the live sites' URLs and nothing leaves
127.0.0.1. Each source keeps its own politeness: RAND and CSIS their robots.txt
``Crawl-delay`` (0.25 s and 0.5 s), the Wilson Center snapshot none (``-a
delays=wilsoncenter=0``: the file's 10 s is the live site's, and 56 pages of a local copy
would take ten minutes). The project's pipelines write
``output/demo/sources/<UTC time>.jsonl`` (its ``latest.jsonl``, ``dataset.jsonl``); the demo
prints where, the newest titles, then per source its records, delay, how its publications
were found and its health, from the run report ``<run>.stats.json``, and stops the sites.
Exits non-zero when the crawl fails (a failed health check included) or writes nothing.

The demo writes below its own folder, ``output/demo/`` (``BRIEF_OUTPUT_DIR``), never into a
real crawl's ``output/sources/``, keeps no seen-store (``BRIEF_SEEN_ENABLED=0``: each demo
writes every record) and uses no HTTP cache (the sites' ports, so every URL, change each time).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from brief_scraper.runs.files import run_name
from brief_scraper.runs.runreport import report_path
from brief_scraper.runs.stats import DROPPED_PREFIX, describe_counts, source_key
from devsite.world import OfflineWorld

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
DEMO_OUTPUT = OUTPUT / "demo"  # the demo's own BRIEF_OUTPUT_DIR
SPIDER = "sources"
SOURCES_FILE = ROOT / "sources.toml"  # the example: the real sites, mapped to local copies
DEMO_SOURCES = ("wilsoncenter", "rand", "csis")
LOG_NAME = "sources-crawl.log"
LOG_FILE = DEMO_OUTPUT / LOG_NAME
FALLBACK_FEED_NAME = "demo.jsonl"  # in <out_dir>/sources/, when pipelines/jsonl.py is absent
LOCAL_SETTINGS = {  # local copies: no default delay, AutoThrottle off; Crawl-delays still kept
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "HTTPCACHE_ENABLED": "0",  # a new port each time: nothing to revalidate
    "BRIEF_SEEN_ENABLED": "0",  # no seen-store: every demo writes every record
}
SHOWN_PER_SOURCE = 4
# Scrapy dumps its stats at the end of the log, one "'key': value," per line.
_STAT_RE = re.compile(r"^[\s{]*'(?P<key>[^']+)': (?P<value>\d+|'[^']*')[,}]?$", re.M)


def crawl_command(mirrors: str, feed: Path | None, out_dir: Path = DEMO_OUTPUT) -> list[str]:
    """Return the ``scrapy crawl sources`` command line of the demo (feed: ``-O`` path, if any).

    *mirrors* is the world's ``key=origin,...``. Its runs go below *out_dir* (``output/demo``),
    given relative to the project when it is inside ``output/``; elsewhere (a test's folder)
    the command allows it explicitly.

    >>> command = crawl_command("rand=http://127.0.0.1:8001", None)
    >>> "BRIEF_OUTPUT_DIR=output/demo" in command, "BRIEF_SEEN_ENABLED=0" in command
    (True, True)
    >>> "only=wilsoncenter,rand,csis" in command, "delays=wilsoncenter=0" in command
    (True, True)
    """
    inside = out_dir.resolve().is_relative_to(OUTPUT.resolve())
    command = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"sources={_shown(SOURCES_FILE)}",
               "-a", f"only={','.join(DEMO_SOURCES)}", "-a", f"mirrors={mirrors}",
               "-a", "delays=wilsoncenter=0", "-s", f"LOG_FILE={out_dir / LOG_NAME}",
               "-s", f"BRIEF_OUTPUT_DIR={_shown(out_dir)}"]  # fmt: skip
    if not inside:
        command += ["-s", "BRIEF_OUTPUT_ALLOW_OUTSIDE=1"]
    for name, value in LOCAL_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    if feed is not None:
        command += ["-O", str(feed)]
    return command


def read_stats(log: str) -> dict[str, int | str]:
    """Return the stats Scrapy dumped at the end of *log* (numbers and strings only).

    >>> read_stats("... Dumping Scrapy stats:\\n{'finish_reason': 'finished',\\n 'item_scraped_count': 3}\\n")
    {'finish_reason': 'finished', 'item_scraped_count': 3}
    """
    tail = log.rsplit("Dumping Scrapy stats:", 1)[-1]
    return {
        m["key"]: int(m["value"]) if m["value"].isdigit() else m["value"].strip("'")
        for m in _STAT_RE.finditer(tail)
    }


def run_files(out_dir: Path = DEMO_OUTPUT) -> set[Path]:
    """Return the runs the JSONL writer has written so far below *out_dir* for the sources spider."""
    runs = (out_dir / SPIDER).glob("*.jsonl")
    return {
        p
        for p in runs
        if not p.is_symlink() and p.name != FALLBACK_FEED_NAME and run_name(p.name) is not None
    }


def new_run_file(before: set[Path], feed: Path | None, out_dir: Path = DEMO_OUTPUT) -> Path | None:
    """Return the JSONL file this crawl wrote: the -O feed, else the writer's new run file."""
    if feed is not None:
        return feed if feed.exists() else None
    new = sorted(run_files(out_dir) - before)
    return new[-1] if new else None


def read_report(path: Path | None) -> dict[str, Any]:
    """Return the run report (``<run>.stats.json``) beside the run file *path*, or {} if none."""
    if path is None:
        return {}
    report = report_path(path)
    return json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def health_line(report: dict[str, Any]) -> str:
    """Return the summary's health line: checks passed, each failure's message, the report.

    >>> health_line({"checks": [{"passed": True}, {"passed": False, "message": "m"}]})
    'health:   1 of 2 checks passed; failed: m'
    >>> health_line({})
    'health:   no run report'
    """
    checks = report.get("checks") or []
    if not checks:
        return "health:   no run report"
    failed = [c["message"] for c in checks if not c["passed"]]
    line = f"health:   {len(checks) - len(failed)} of {len(checks)} checks passed"
    return line + (f"; failed: {'; '.join(failed)}" if failed else "")


def summarize(
    path: Path | None,
    stats: dict[str, int | str],
    report: dict[str, Any] | None = None,
    log_file: Path = LOG_FILE,
) -> list[str]:
    """Return the lines of the demo's report."""
    records = []
    if path is not None:
        with path.open(encoding="utf-8") as lines:
            records = [json.loads(line) for line in lines if line.strip()]
    dropped = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith(DROPPED_PREFIX)}
    statuses = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("downloader/response_status_")}
    newest = sorted(records, key=lambda r: r.get("posted_date") or "", reverse=True)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for record in newest:  # the newest few of each source
        by_source.setdefault(str(record.get("source")), []).append(record)
    shown = [r for group in by_source.values() for r in group[:SHOWN_PER_SOURCE]]
    out = [f"{r.get('posted_date') or '----------'}  {r.get('source') or '-':<12}  {r.get('title')}"
           for r in shown]  # fmt: skip
    if len(records) > len(shown):
        out.append(f"... and {len(records) - len(shown)} more")
    where = _shown(path) if path is not None else None
    where_report = report_path(where) if where is not None and report else None
    out += [
        "",
        f"records:  {len(records)} written to {where}",
        f"dropped:  {stats.get('item_dropped_count', 0)} {dropped or ''}".rstrip(),
        f"errors:   {stats.get('log_count/ERROR', 0)} logged (a 500 that stayed a 500 after retries is one)",
        f"pages:    {stats.get('response_received_count', 0)} responses, by status {statuses}",
        f"robots:   {stats.get('robotstxt/forbidden', 0)} request(s) not made (disallowed by robots.txt)",
        f"finish:   {stats.get('finish_reason', 'unknown')}; crawl log in {_shown(log_file)}",
        health_line(report or {}) + (f" (report: {where_report})" if where_report else ""),
    ]
    sources = (report or {}).get("sources") or {}
    if sources:
        out += ["", "per source:"] + [source_line(key, figures, stats) for key, figures in sources.items()]
    return out


def source_line(key: str, figures: dict[str, Any], stats: dict[str, int | str]) -> str:
    """Return one source's line of the summary: records, delay, how found, health.

    >>> source_line("rand", {"records": 11, "delay_ms": 250, "errors": 0, "dropped": {"robots": 1},
    ...                      "healthy": True}, {"brief/source/rand/found_by/feed": 5})
    '  rand          11 records  delay 0.25 s  found by feed 5  errors 0  dropped robots 1  healthy'
    """
    prefix = source_key(key, "found_by/")
    ways = sorted((k.removeprefix(prefix), v) for k, v in stats.items() if k.startswith(prefix))
    found = ", ".join(f"{way} {count}" for way, count in ways)
    delay = figures.get("delay_ms")
    return (
        f"  {key:<12} {figures.get('records', 0):>3} records  delay {(delay or 0) / 1000:g} s"
        f"  found by {found or 'nothing'}  errors {figures.get('errors', 0)}"
        f"  dropped {describe_counts(figures.get('dropped') or {})}"
        f"  {'healthy' if figures.get('healthy') else 'UNHEALTHY'}"
    )


def _shown(path: Path) -> Path:
    """Return *path* relative to the project when it is inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(out_dir: Path = DEMO_OUTPUT) -> int:
    """Run the demo, writing below *out_dir*; return the exit status."""
    log_file = out_dir / LOG_NAME
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.unlink(missing_ok=True)
    has_writer = importlib.util.find_spec("pipelines.jsonl") is not None
    feed = None if has_writer else out_dir / SPIDER / FALLBACK_FEED_NAME
    if feed is not None:
        feed.parent.mkdir(parents=True, exist_ok=True)
    before = run_files(out_dir)
    with OfflineWorld() as world:
        where = ", ".join(f"{key} on {url}" for key, url in world.mirrors.items())
        print(f"Offline sites: {where}; crawling them with the sources spider...\n")
        result = subprocess.run(crawl_command(world.mirrors_argument, feed, out_dir), cwd=ROOT, check=False)
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    stats = read_stats(log)
    path = new_run_file(before, feed, out_dir)
    print("\n".join(summarize(path, stats, read_report(path), log_file)))
    if result.returncode != 0 or path is None:
        print(f"\nThe crawl failed (exit status {result.returncode}); see {log_file}", file=sys.stderr)
        return result.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
