"""The run report (brief_scraper/runs/runreport.py): checks at close, brief/health/*, <run>.stats.json."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.misc import build_from_crawler

import brief_scraper.settings as project_settings
from brief_scraper.runs.runreport import RunReport, report_from_log, report_path
from tests.pipeline_support import make_crawler

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {name: value for name, value in vars(project_settings).items() if name.isupper()}
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def closed_report(tmp_path: Path, stats: dict, **settings) -> tuple[RunReport, Path]:
    """Return the extension after a close with *stats*, and the run path it reported on."""
    crawler = make_crawler({**PROJECT, **settings})
    report = build_from_crawler(RunReport, crawler)
    run = tmp_path / "wilsoncenter" / "20261128T090000Z.jsonl"
    run.parent.mkdir()
    report.run_opened(run)
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    report.spider_closed("finished")
    return report, run


HEALTHY = {"start_time": START, "finish_time": START, "finish_reason": "finished",
           "brief/records/written": 12, "brief/fields/title": 12}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [("20261128T090000Z.jsonl", "20261128T090000Z.stats.json"),
     ("20261128T090000Z-2.jsonl.gz", "20261128T090000Z-2.stats.json")],
)  # fmt: skip
def test_report_goes_beside_the_run(name, expected):
    assert report_path(Path("output/x") / name) == Path("output/x") / expected


def test_report_holds_stats_checks_output_file_and_times(tmp_path):
    _, run = closed_report(tmp_path, HEALTHY)
    written = json.loads(report_path(run).read_text(encoding="utf-8"))
    assert written["output_file"] == str(run)
    assert written["spider"] == "wilsoncenter"
    assert written["start_time"] == written["finish_time"] == "2026-11-28T09:00:00+00:00"
    assert written["finish_reason"] == "finished"
    assert written["healthy"] is True
    names = [c["name"] for c in written["checks"]]
    assert names[:4] == ["min_records", "max_errors", "max_invalid", "finish_reason"]
    assert all(set(c) == {"name", "description", "status", "passed", "message"} for c in written["checks"])
    assert written["stats"]["brief/records/written"] == 12
    assert written["stats"]["start_time"] == "2026-11-28T09:00:00+00:00"  # every stat, JSON-able
    assert written["stats"]["brief/health/failed"] == 0
    assert not list(run.parent.glob(".*"))  # no temporary file left


def test_failed_check_is_counted_logged_and_reported(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="brief_scraper.runs.runreport"):
        report, run = closed_report(tmp_path, {**HEALTHY, "brief/dropped/invalid": 2})
    assert report.crawler.stats.get_value("brief/health/failed") == 1
    assert report.crawler.stats.get_value("brief/health/checks") == len(report.checks)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "Health check max_invalid failed: brief/dropped/invalid is 2, expected <= 0 (BRIEF_MAX_INVALID)"
    ]
    written = json.loads(report_path(run).read_text(encoding="utf-8"))
    assert written["healthy"] is False
    [failed] = [c for c in written["checks"] if not c["passed"]]
    assert failed["name"] == "max_invalid"
    assert failed["status"] == "failed"


def test_report_is_logged_as_one_json_line_the_same_as_the_file(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="brief_scraper.runs.runreport"):
        _, run = closed_report(tmp_path, {**HEALTHY, "brief/dropped/invalid": 2})
    [logged] = [found for r in caplog.records if (found := report_from_log(r.getMessage())) is not None]
    assert logged == json.loads(report_path(run).read_text(encoding="utf-8"))
    assert logged["healthy"] is False


def test_report_is_logged_without_a_run_file(caplog):
    crawler = make_crawler({**PROJECT})
    report = build_from_crawler(RunReport, crawler)
    crawler.stats.set_value("finish_reason", "finished")
    with caplog.at_level(logging.INFO, logger="brief_scraper.runs.runreport"):
        report.spider_closed("finished")
    [logged] = [found for r in caplog.records if (found := report_from_log(r.getMessage())) is not None]
    assert logged["output_file"] is None
    assert logged["healthy"] is False  # no records written


def test_checks_off_still_writes_the_report(tmp_path):
    report, run = closed_report(tmp_path, {"finish_reason": "finished"}, BRIEF_HEALTH_ENABLED=False)
    written = json.loads(report_path(run).read_text(encoding="utf-8"))
    assert written["checks"] == []
    assert written["healthy"] is None
    assert report.crawler.stats.get_value("brief/health/failed") is None


def test_no_run_file_no_report_but_checks_run(tmp_path):
    crawler = make_crawler({**PROJECT})
    report = build_from_crawler(RunReport, crawler)
    crawler.stats.set_value("finish_reason", "finished")
    report.spider_closed("finished")
    assert crawler.stats.get_value("brief/health/failed") == 1  # no records written
    assert list(tmp_path.iterdir()) == []


def test_bad_coverage_rule_stops_the_extension_at_start():
    with pytest.raises(ValueError, match="BRIEF_MIN_COVERAGE: 'titel'"):
        build_from_crawler(RunReport, make_crawler({**PROJECT, "BRIEF_MIN_COVERAGE": {"titel": 1}}))


def test_report_of_a_real_run_sees_the_counts_after_the_writer_closed(tmp_path):
    """The slow spider's record 5 replaces record 1 when the run closes: the report counts 5, not 6."""
    command = [sys.executable, "-m", "scrapy", "crawl", "slow", "-s", "SPIDER_MODULES=tests.slow_spider",
               "-s", f"BRIEF_OUTPUT_DIR={tmp_path}", "-s", "BRIEF_OUTPUT_ALLOW_OUTSIDE=1",
               "-a", "count=8", "-a", "delay=0"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "slow"
    run = folder / os.readlink(folder / "latest.jsonl")
    written = json.loads(report_path(run).read_text(encoding="utf-8"))
    lines = run.read_text(encoding="utf-8").splitlines()
    assert written["output_file"] == str(run)
    assert written["stats"]["brief/records/written"] == len(lines) == 5
    assert written["stats"]["brief/fields/title"] == 5
    assert written["healthy"] is True
    assert "Health checks: " in done.stderr
