"""Run the health checks when a run closes, and write its report ``<run>.stats.json`` beside it.

The ``RunReport`` extension (``EXTENSIONS``) runs ``BRIEF_HEALTH_SUITE`` (default
``brief_scraper.runs.monitors.HealthCheckSuite``, Spidermon monitors) on the final stats, when
``BRIEF_HEALTH_ENABLED`` is on; counts ``brief/health/checks`` and ``brief/health/failed``;
logs each failure (ERROR, its message naming stat, value, threshold and setting); and, when
the JSONL writer has opened a run, writes ``<run>.stats.json`` beside it; and logs, as does
the report, what became of the run's requests and records (``outcomes``: pages requested
and lost, counts dropped and skipped by reason). The same report, writer or none, is logged at
INFO as one line, ``Run report (JSON): {...}`` (:data:`REPORT_LOG_MARKER`), so that whoever
has only the log (a Scrapyd job's, read over HTTP) has the stats and checks too::

    {"spider": "wilsoncenter", "output_file": "output/wilsoncenter/20261128T090000Z.jsonl",
     "start_time": "2026-11-28T09:00:00.1+00:00", "finish_time": "...", "finish_reason": "finished",
     "healthy": true,
     "checks": [{"name": "min_records", "description": "...", "status": "passed",
                 "passed": true, "message": "brief/records/written + ... is 33, expected >= 1 ..."}],
     "outcomes": {"pages_requested": 36, "pages_lost": 3, "dropped": {"robots": 1, "http_404": 1, ...},
                  "skipped": {"unchanged": 30, ...}},
     "sources": {"rand": {"requested": 14, "records": 11, "errors": 0, "dropped": {"robots": 1},
                          "delay_ms": 250, "healthy": true}, ...},   # a crawl of a sources file
     "stats": {...every Scrapy stat, datetimes as ISO 8601 strings...}}

A check's ``status`` is ``passed``, ``failed``, ``skipped`` (coverage of too few records) or
``error`` (the check itself broke; it counts as failed). The ``crawl`` command
(``brief_scraper/commands/crawl.py``) exits with status 1 when ``brief/health/failed`` is
not 0.

Order matters: the checks must see the stats after the writer has closed the run (it takes
superseded records back out of the counts in its ``spider_closed`` handler), so this extension
connects its ``spider_closed`` handler only when the spider opens (``brief_scraper.runs.contracts``
says why). It learns where the run is written from the writer's ``run_opened`` signal.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.utils.misc import load_object
from spidermon import settings as spidermon_settings
from spidermon.runners import MonitorRunner

from brief_scraper.runs.contracts import declared_sources, run_opened
from brief_scraper.runs.history import previous_run
from brief_scraper.runs.monitors import coverage_max_drop, coverage_rules, result_name
from brief_scraper.runs.stats import (
    HEALTH_CHECKS,
    HEALTH_FAILED,
    describe_counts,
    outcomes,
    source_counts,
    source_key,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from scrapy.crawler import Crawler
    from spidermon import MonitorSuite

logger = logging.getLogger(__name__)

REPORT_SUFFIX = ".stats.json"
REPORT_LOG_MARKER = "Run report (JSON): "  # what the report's log line starts with, after Scrapy's prefix
_RUN_SUFFIXES = (".jsonl.gz", ".jsonl")
_STATUS = {
    spidermon_settings.MONITOR.STATUS.SUCCESS: "passed",
    spidermon_settings.MONITOR.STATUS.SKIPPED: "skipped",
    spidermon_settings.MONITOR.STATUS.FAILURE: "failed",
}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one health check."""

    name: str  # "min_records", "coverage/title"...
    description: str  # the monitor's first docstring line
    status: str  # "passed", "failed", "skipped" or "error"
    message: str  # stat, value, threshold and setting; for an error, what broke

    @property
    def passed(self) -> bool:
        """Whether the run is healthy as far as this check goes (a skipped check passes)."""
        return self.status in ("passed", "skipped")

    def as_dict(self) -> dict[str, Any]:
        """Return the result as the report writes it."""
        return {**asdict(self), "passed": self.passed}


def run_checks(
    crawler: Crawler, suite_class: type[MonitorSuite], run_path: Path | None = None
) -> list[CheckResult]:
    """Run the Spidermon suite on the crawler's stats now; return one result per monitor.

    With the path of the run, the suite's data has the previous run beside it (``previous_run``,
    a ``brief_scraper.runs.history.PreviousRun`` or None), for the checks that compare with it.
    """
    suite = suite_class(crawler=crawler)
    least = crawler.settings.getint("BRIEF_COVERAGE_MIN_RECORDS")
    assert crawler.stats is not None
    data = {"stats": crawler.stats.get_stats(), "crawler": crawler, "spider": crawler.spider,
            "job": None, "stats_history": [],
            "previous_run": previous_run(run_path, least) if run_path is not None else None}  # fmt: skip
    result = MonitorRunner().run(suite, **data)
    checks = []
    for item in result.monitor_results:
        monitor = item.monitor
        status = _STATUS.get(item.status, "error")
        message = getattr(monitor, "message", "") or item.reason or ""
        if status == "error" and not message:
            message = (item.error or "").strip().splitlines()[-1:] or ["the check raised"]
            message = message[0]
        description = next(iter((monitor.monitor_description or "").strip().splitlines()), "")
        checks.append(CheckResult(result_name(monitor), description, status, message))
    return checks


def sources_summary(
    stats: Mapping[str, Any], keys: Iterable[str], checks: list[CheckResult]
) -> dict[str, Any]:
    """Return each source's figures and health: a ``sources`` crawl's report names the broken site.

    >>> sources_summary({"brief/source/rand/records": 4, "brief/source/rand/delay_ms": 500}, ["rand"], [])
    {'rand': {'requested': 0, 'records': 4, 'errors': 0, 'dropped': {}, 'delay_ms': 500, 'healthy': True}}
    """
    summary = {}
    for key in sorted(keys):
        own = [c for c in checks if c.name.startswith(f"source/{key}/")]
        summary[key] = {
            **source_counts(stats, key), "delay_ms": stats.get(source_key(key, "delay_ms")),
            "healthy": all(c.passed for c in own),
        }  # fmt: skip
    return summary


def report_path(run_path: Path) -> Path:
    """Return where the report of the run written to *run_path* goes.

    >>> report_path(Path("output/wilsoncenter/20261128T090000Z.jsonl.gz")).name
    '20261128T090000Z.stats.json'
    """
    name = run_path.name
    for suffix in _RUN_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return run_path.with_name(name + REPORT_SUFFIX)


def jsonable(value: Any) -> Any:
    """Return *value* as JSON can hold it: datetimes as ISO 8601, anything unknown as text.

    >>> from datetime import UTC
    >>> jsonable(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    '2026-11-28T09:00:00+00:00'
    """
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class RunReport:
    """Health checks when the spider closes (brief/health/*), and ``<run>.stats.json`` beside the run.

    Settings: ``BRIEF_HEALTH_ENABLED`` (run the checks), ``BRIEF_HEALTH_SUITE`` (the Spidermon
    suite to run), and the thresholds the suite's monitors read (``brief_scraper.runs.monitors``).
    """

    def __init__(self, crawler: Crawler, suite_class: type[MonitorSuite] | None) -> None:
        self.crawler = crawler
        self.suite_class = suite_class
        self.run_path: Path | None = None
        self.checks: list[CheckResult] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        suite_class = None
        if settings.getbool("BRIEF_HEALTH_ENABLED"):
            suite_class = load_object(settings.get("BRIEF_HEALTH_SUITE"))
            coverage_rules(settings)  # a bad rule stops the crawl before it starts
            coverage_max_drop(settings)
        report = cls(crawler, suite_class)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.run_opened, signal=run_opened)
        return report

    def spider_opened(self) -> None:
        # Connected now, after every pipeline's handler: see the module docstring.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def run_opened(self, path: Path) -> None:
        """Note where the run is written: the report goes beside it."""
        self.run_path = Path(path)

    def spider_closed(self, reason: str) -> None:
        """Run the checks, count them, write the report, then log the outcome."""
        stats = self.crawler.stats
        assert stats is not None
        if self.suite_class is not None:
            self.checks = run_checks(self.crawler, self.suite_class, self.run_path)
            stats.set_value(HEALTH_CHECKS, len(self.checks))
            stats.set_value(HEALTH_FAILED, sum(not c.passed for c in self.checks))
        report = self.report(reason)
        path = self.write(report) if self.run_path is not None else None
        summary = report["outcomes"]
        logger.info(
            "Pages: %(requested)d requested, %(lost)d lost; dropped: %(dropped)s; skipped: %(skipped)s",
            {"requested": summary["pages_requested"], "lost": summary["pages_lost"],
             "dropped": describe_counts(summary["dropped"]), "skipped": describe_counts(summary["skipped"])},
        )  # fmt: skip
        for key, figures in sources_summary(stats.get_stats(), self._sources(), self.checks).items():
            logger.info(
                "Source %(key)s: %(records)d records, %(errors)d errors, dropped: %(dropped)s%(health)s",
                {"key": key, "records": figures["records"], "errors": figures["errors"],
                 "dropped": describe_counts(figures["dropped"]),
                 "health": "" if figures["healthy"] else "; its health checks failed"},
            )  # fmt: skip
        failed = [c for c in self.checks if not c.passed]
        for check in failed:
            logger.error(
                "Health check %(name)s failed: %(message)s", {"name": check.name, "message": check.message}
            )
        if self.checks:
            logger.info(
                "Health checks: %(passed)d of %(count)d passed%(report)s",
                {"passed": len(self.checks) - len(failed), "count": len(self.checks),
                 "report": f"; run report in {path}" if path else ""},
            )  # fmt: skip
        logger.info("%(marker)s%(report)s", {"marker": REPORT_LOG_MARKER, "report": report_line(report)})

    def _sources(self) -> frozenset[str]:
        return declared_sources(self.crawler.spider)

    def report(self, reason: str) -> dict[str, Any]:
        """Return the run report: spider, run file, times, finish reason, health, checks, outcomes, stats."""
        assert self.crawler.stats is not None
        stats = dict(sorted(self.crawler.stats.get_stats().items()))
        spider = self.crawler.spider
        return {
            "spider": spider.name if spider is not None else None,
            "output_file": str(self.run_path) if self.run_path is not None else None,
            "start_time": stats.get("start_time"),
            "finish_time": stats.get("finish_time"),
            "finish_reason": stats.get("finish_reason", reason),
            "healthy": all(c.passed for c in self.checks) if self.suite_class is not None else None,
            "checks": [c.as_dict() for c in self.checks],
            "outcomes": outcomes(stats),
            **({"sources": sources_summary(stats, keys, self.checks)} if (keys := self._sources()) else {}),
            "stats": stats,
        }

    def write(self, report: dict[str, Any]) -> Path:
        """Write *report* to ``<run>.stats.json`` (whole or not at all) and return its path."""
        assert self.run_path is not None
        path = report_path(self.run_path)
        fresh = path.with_name(f".{path.name}.{os.getpid()}")
        fresh.write_text(json.dumps(report, default=jsonable, indent=1, ensure_ascii=False) + "\n", "utf-8")
        fresh.replace(path)
        return path


def report_line(report: dict[str, Any]) -> str:
    """Return *report* as the one line of JSON the log holds (no newline: JSON escapes those).

    >>> report_line({"spider": "sources", "healthy": True, "checks": []})
    '{"spider":"sources","healthy":true,"checks":[]}'
    """
    return json.dumps(report, default=jsonable, ensure_ascii=False, separators=(",", ":"))


def report_from_log(line: str) -> dict[str, Any] | None:
    """Return the run report a log line holds (see :data:`REPORT_LOG_MARKER`), else None.

    >>> report_from_log('2026-12-01 [brief_scraper.runs.runreport] INFO: Run report (JSON): {"healthy":true}')
    {'healthy': True}
    >>> report_from_log("2026-12-01 10:00:00 [scrapy.core.engine] INFO: Spider closed (finished)") is None
    True
    """
    start = line.find(REPORT_LOG_MARKER)
    if start < 0:
        return None
    try:
        report, _ = json.JSONDecoder().raw_decode(line, start + len(REPORT_LOG_MARKER))
    except ValueError:
        return None
    return report if isinstance(report, dict) else None
