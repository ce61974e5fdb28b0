"""What a spread run brings home: each job's log and items, the run file, the dataset, the report.

Below the spread folder (``output/spread/`` by default)::

    <run>/<source>.jl       the job's items, as Scrapyd's items feed holds them
    <run>/<source>.log      the job's crawl log
    <run>.jsonl             every record of the run, ``source`` filled (the run file)
    <run>.report.json       the run report: nodes, jobs, moves, records, each job's checks
    dataset.jsonl           the current dataset over every spread run (brief_scraper/runs/dataset.py)

A job's verdict is its own crawl's: the run report its ``RunReport`` logs as one JSON line at
close (``brief_scraper.runs.runreport.REPORT_LOG_MARKER``), read from the log Scrapyd
serves. Pure: no Scrapy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from brief_scraper.runs.dataset import build, dataset_line, records_in, replace_atomically, whole_lines
from brief_scraper.runs.runreport import report_from_log
from brief_scraper.runs.spread.scrapyd import ScrapydRefused

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from brief_scraper.runs.spread.follow import Spreader
    from brief_scraper.runs.spread.jobs import Job, Move, Node
    from brief_scraper.runs.spread.scrapyd import ScrapydClient
    from brief_scraper.runs.spread.targets import Target

REPORT_SUFFIX = ".report.json"
ITEMS_SCRAPED = "item_scraped_count"  # Scrapy's: what the items feed got


def read_log_report(path: Path) -> dict[str, Any] | None:
    """Return the last run report the log at *path* holds, or None (the crawl never closed)."""
    found = None
    with path.open(encoding="utf-8", errors="replace") as log:
        for line in log:
            report = report_from_log(line)
            if report is not None:
                found = report
    return found


def apply_report(job: Job, report: dict[str, Any] | None) -> None:
    """Take the job's finish reason, verdict and checks from its crawl's run report."""
    if report is None:
        job.problems.append("its log holds no run report: the crawl did not close (see its log)")
        return
    job.finish_reason = report.get("finish_reason")
    healthy = report.get("healthy")
    job.healthy = healthy if isinstance(healthy, bool) else None
    job.checks = [check for check in report.get("checks") or [] if isinstance(check, dict)]
    figures = (report.get("sources") or {}).get(job.source)  # a sources crawl's own summary of it
    job.figures = figures if isinstance(figures, dict) else {}


def records_of(path: Path, source: str) -> Iterator[dict[str, Any]]:
    """Yield the records of an items feed (JSON lines), each with ``source`` (*source* if empty).

    A line that is no JSON object with a ``url`` is passed over, and so is a cut last line.
    """
    for record in records_in(whole_lines(path)):
        if not record.get("source"):
            record["source"] = source
        yield record


def fetch_output(client: ScrapydClient, target: Target, job: Job, folder: Path, run: str) -> None:
    """Fetch a finished job's log and items into ``<folder>/<run>/`` and take its verdict.

    Raises ``NodeUnreachable`` when the node stops answering (the job is then run again
    elsewhere); a file the node says it does not have is one of the job's problems.
    """
    here = folder / run
    here.mkdir(parents=True, exist_ok=True)
    report = None
    if not job.log_url:
        job.problems.append("its node keeps no logs (logs_dir in its scrapyd.conf)")
    else:
        log = here / f"{job.source}.log"
        try:
            client.download(target, job.log_url, log)
        except ScrapydRefused as error:
            job.problems.append(f"its log could not be fetched: {error}")
        else:
            job.log_file = log.relative_to(folder).as_posix()
            report = read_log_report(log)
            apply_report(job, report)
    scraped = (report or {}).get("stats", {}).get(ITEMS_SCRAPED, 0)
    if not job.items_url:
        job.problems.append("its node keeps no items: set items_dir in its scrapyd.conf")
        return
    items = here / f"{job.source}.jl"
    try:
        client.download(target, job.items_url, items)
    except ScrapydRefused as error:
        if scraped:  # a feed with nothing in it may never have been written
            job.problems.append(f"its items could not be fetched ({error}): removed past jobs_to_keep?")
        return
    job.items_file = items.relative_to(folder).as_posix()
    job.records = sum(1 for _ in records_of(items, job.source))
    if report is not None and job.records != scraped:
        job.problems.append(f"its items feed holds {job.records} records, its crawl scraped {scraped}")


def write_run(folder: Path, run: str, jobs: Sequence[Job]) -> tuple[Path, int]:
    """Write ``<run>.jsonl``: each gathered URL's last record once, jobs in source order; return
    it and its records. (A feed may hold a URL twice: a richer duplicate comes after the first.)"""
    newest: dict[str, bytes] = {}
    for job in jobs:
        if job.items_file:
            for record in records_of(folder / job.items_file, job.source):
                newest[record["url"]] = dataset_line(record) + b"\n"
    path = folder / f"{run}.jsonl"
    replace_atomically(path, b"".join(newest.values()))
    return path, len(newest)


def spread_report(
    run: str,
    started: datetime,
    nodes: Sequence[Node],
    jobs: Sequence[Job],
    moves: Sequence[Move],
    **facts: Any,
) -> dict[str, Any]:
    """Return the run report: *facts* (sources file, version, files), nodes, jobs and moves."""
    return {
        "run": run,
        **facts,
        "start_time": started.isoformat(),
        "finish_time": datetime.now(UTC).isoformat(),
        "ok": bool(jobs) and all(job.ok for job in jobs),
        "nodes_reached": [node.name for node in nodes if node.reached],
        "nodes_not_reached": [node.name for node in nodes if not node.reached],
        "nodes_lost": [node.name for node in nodes if node.lost],
        "nodes": [node.as_dict() for node in nodes],
        "jobs": [job.as_dict() for job in jobs],
        "moved": [move.as_dict() for move in moves],
    }


def finish(folder: Path, run: str, started: datetime, spreader: Spreader, **facts: Any) -> dict[str, Any]:
    """Write the run file, the dataset and the report of a followed run; return the report."""
    run_file, records = write_run(folder, run, spreader.jobs)
    built = build(folder)
    report = spread_report(
        run, started, list(spreader.nodes.values()), spreader.jobs, spreader.moves, **facts,
        records=records, run_file=str(run_file),
        dataset={"path": str(built.path), "records": built.records},
    )  # fmt: skip
    path = folder / f"{run}{REPORT_SUFFIX}"
    replace_atomically(path, (json.dumps(report, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    report["report_file"] = str(path)
    return report


def summary(report: dict[str, Any]) -> list[str]:
    """Return the lines printed at the end: nodes, one line per job, moves, files, verdict.

    >>> print("\\n".join(summary({"run": "R", "ok": True, "nodes_reached": ["a"], "nodes_not_reached": ["b"],
    ...     "nodes": [{"name": "b", "url": "http://127.0.0.1:6801/", "error": "refused"}],
    ...     "jobs": [{"source": "rand", "node": "a", "state": "finished", "records": 3, "ok": True,
    ...               "checks": [], "problems": []}], "moved": [], "records": 3,
    ...     "dataset": {"path": "output/spread/dataset.jsonl", "records": 3},
    ...     "report_file": "R.report.json"})))
    spread R: 1 job on 1 node (a); not reached: b (http://127.0.0.1:6801/: refused)
      rand  on a  finished  3 records  healthy
    3 records; dataset output/spread/dataset.jsonl (3 records); report R.report.json
    every job ended healthy
    """
    by_name = {node["name"]: node for node in report["nodes"]}
    reached = ", ".join(report["nodes_reached"]) or "none"
    line = f"spread {report['run']}: {len(report['jobs'])} job{'s' * (len(report['jobs']) != 1)}"
    line += f" on {len(report['nodes_reached'])} node{'s' * (len(report['nodes_reached']) != 1)} ({reached})"
    if report["nodes_not_reached"]:
        missing = ", ".join(
            f"{n} ({by_name[n]['url']}: {by_name[n]['error']})" for n in report["nodes_not_reached"]
        )
        line += f"; not reached: {missing}"
    lines = [line]
    for node in by_name.values():
        if node.get("lost"):
            lines.append(f"node {node['name']} lost: {node['error']}")
        elif node.get("reached") and not node.get("deployed", True):
            lines.append(f"node {node['name']} {node['error']}")  # refused the egg: ...
        if node.get("versions_deleted"):
            lines.append(f"node {node['name']}: deleted {len(node['versions_deleted'])} old egg version(s)")
        if node.get("versions_kept_why"):
            lines.append(f"node {node['name']} kept its old egg versions: {node['versions_kept_why']}")
    width = max((len(job["source"]) for job in report["jobs"]), default=0)
    for job in report["jobs"]:
        failed = [c["message"] for c in job["checks"] if not c.get("passed", True)]
        verdict = "healthy" if job["ok"] else "NOT HEALTHY: " + "; ".join(failed + job["problems"])
        lines.append(f"  {job['source']:<{width}}  on {job['node'] or '-'}  {job['state']}  "
                     f"{job['records']} records  {verdict}")  # fmt: skip
    lines += [
        f"moved {m['source']} from {m['from']} to {m['to'] or 'no node'}: {m['reason']}"
        for m in report["moved"]
    ]
    lines.append(f"{report['records']} records; dataset {report['dataset']['path']} "
                 f"({report['dataset']['records']} records); report {report['report_file']}")  # fmt: skip
    lines.append("every job ended healthy" if report["ok"] else "not every job ended healthy: exit status 1")
    return lines
