"""``make demo``: crawl the offline site with the real ``wilsoncenter`` spider and show the result.

Starts the offline site (``devsite.offline_site``) on 127.0.0.1, runs ``scrapy crawl
wilsoncenter -a base_url=http://127.0.0.1:<port>`` in a subprocess with delays off, lets the
project's pipelines write ``output/demo/wilsoncenter/<UTC time>.jsonl`` (and its
``latest.jsonl``), prints where the file is and a summary (records, titles, dropped, errors,
health checks from the run report ``<run>.stats.json``), and stops the server. Nothing
leaves 127.0.0.1. Exits non-zero when the crawl fails (a failed health check included) or
writes nothing.

The demo writes below its own folder, ``output/demo/`` (``BRIEF_OUTPUT_DIR``), never into a
real crawl's ``output/wilsoncenter/``: its run files, ``latest.jsonl`` and report are its
own, and it keeps no seen-store (``BRIEF_SEEN_ENABLED=0``: each demo writes every record)
and uses no HTTP cache (the site's port, so every URL, changes each time).
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
from brief_scraper.runs.stats import DROPPED_PREFIX
from devsite.offline_site import OfflineSite

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
DEMO_OUTPUT = OUTPUT / "demo"  # the demo's own BRIEF_OUTPUT_DIR
LOG_NAME = "wilsoncenter-crawl.log"
LOG_FILE = DEMO_OUTPUT / LOG_NAME
FALLBACK_FEED_NAME = "demo.jsonl"  # in <out_dir>/wilsoncenter/, when pipelines/jsonl.py is absent
LOCAL_SETTINGS = {  # a local mirror needs no politeness delays
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "HTTPCACHE_ENABLED": "0",  # a new port each time: nothing to revalidate
    "BRIEF_SEEN_ENABLED": "0",  # no seen-store: every demo writes every record
}
SHOWN_TITLES = 12
# Scrapy dumps its stats at the end of the log, one "'key': value," per line.
_STAT_RE = re.compile(r"^[\s{]*'(?P<key>[^']+)': (?P<value>\d+|'[^']*')[,}]?$", re.M)


def crawl_command(base_url: str, feed: Path | None, out_dir: Path = DEMO_OUTPUT) -> list[str]:
    """Return the ``scrapy crawl`` command line of the demo (feed: ``-O`` path, if any).

    Its runs go below *out_dir* (``output/demo``), given relative to the project when it is
    inside ``output/``; elsewhere (a test's folder) the command allows it explicitly.

    >>> command = crawl_command("http://127.0.0.1:8000", None)
    >>> "BRIEF_OUTPUT_DIR=output/demo" in command, "BRIEF_SEEN_ENABLED=0" in command
    (True, True)
    """
    inside = out_dir.resolve().is_relative_to(OUTPUT.resolve())
    command = [sys.executable, "-m", "scrapy", "crawl", "wilsoncenter", "-a", f"base_url={base_url}",
               "-a", "types=publication,article", "-s", f"LOG_FILE={out_dir / LOG_NAME}",
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
    """Return the runs the JSONL writer has written so far below *out_dir* for the wilsoncenter spider."""
    runs = (out_dir / "wilsoncenter").glob("*.jsonl")
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
    shown = sorted(records, key=lambda r: r.get("posted_date") or "", reverse=True)[:SHOWN_TITLES]
    out = [f"{r.get('posted_date') or '----------'}  {r.get('content_type') or '-':<12}  {r.get('title')}"
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
    return out


def _shown(path: Path) -> Path:
    """Return *path* relative to the project when it is inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(out_dir: Path = DEMO_OUTPUT) -> int:
    """Run the demo, writing below *out_dir*; return the exit status."""
    log_file = out_dir / LOG_NAME
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.unlink(missing_ok=True)
    has_writer = importlib.util.find_spec("pipelines.jsonl") is not None
    feed = None if has_writer else out_dir / "wilsoncenter" / FALLBACK_FEED_NAME
    if feed is not None:
        feed.parent.mkdir(parents=True, exist_ok=True)
    before = run_files(out_dir)
    with OfflineSite() as site:
        print(f"Offline site on {site.base_url}; crawling it with the wilsoncenter spider...\n")
        result = subprocess.run(crawl_command(site.base_url, feed, out_dir), cwd=ROOT, check=False)
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
