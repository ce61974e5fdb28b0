"""Scheduled runs end to end: exit status from the health checks, the run report, incremental
runs (HTTP cache + seen-store) and pause/resume with JOBDIR.

Every crawl is a real ``scrapy crawl`` subprocess on 127.0.0.1 (``tests/crawl_support.py``),
with the project's pipelines. These tests change the pages a site serves, so each module
fixture starts its own offline site rather than the session's.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import subprocess
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from brief_scraper.runs.files import run_files as run_files_in
from brief_scraper.runs.runreport import report_path
from devsite.offline_site import OfflineSite
from tests.crawl_support import CrawlRun, crawl_command, finish_crawl, run_crawl, stop_midway

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devsite.snapshot import Entry

# A redesign that moved the dates where no selector, metadata reader or heuristic looks.
_DATE_MARKUP = [
    re.compile(pattern, re.S | re.I)
    for pattern in (r"<time\b.*?</time>", r"<script[^>]*ld\+json.*?</script>",
                    r"<meta[^>]*(?:date|published|modified|time)[^>]*>")
]  # fmt: skip


def run_files(run: CrawlRun) -> list[Path]:
    """The run files in the crawl's output folder, oldest first."""
    folder = run.output_dir / "wilsoncenter"
    return run_files_in(folder)


def urls_in(path: Path) -> list[str]:
    return [json.loads(line)["url"] for line in path.read_text(encoding="utf-8").splitlines()]


def report_of(path: Path) -> dict:
    return json.loads(report_path(path).read_text(encoding="utf-8"))


def expected_urls(site: OfflineSite) -> set[str]:
    snap = site.snapshot
    assert snap is not None
    return snap.records(snap.listed(), ("publication",), site.base_url)


def replace_page(site: OfflineSite, path: str, body: bytes) -> None:
    """Serve *body* at *path* from now on (test-only: the site changed)."""
    assert site.snapshot is not None
    site.snapshot.pages[path] = dataclasses.replace(site.snapshot.pages[path], body=body)


@pytest.fixture(scope="module")
def own_site() -> Iterator[OfflineSite]:
    """An offline site of this module's own: its tests change pages."""
    with OfflineSite() as site:
        yield site


# --- health checks and exit status -------------------------------------------------------


@pytest.fixture(scope="module")
def broken_site() -> Iterator[OfflineSite]:
    """The offline site after a template change: dates are where no extractor looks."""
    with OfflineSite() as site:
        assert site.snapshot is not None
        for path, served in list(site.snapshot.pages.items()):
            if "html" in served.content_type:
                text = served.body.decode("latin-1")  # bytes kept as they are, whatever the charset
                for markup in _DATE_MARKUP:
                    text = markup.sub("", text)
                replace_page(site, path, text.encode("latin-1"))
        yield site


def test_broken_template_fails_the_coverage_check_and_exits_1(broken_site, tmp_path):
    run = run_crawl(broken_site, tmp_path, pipelines=True)
    assert run.returncode == 1, run.stderr[-3000:]
    failures = re.findall(r"ERROR: Health check (\S+) failed: (.*)", run.stderr)
    assert [name for name, _ in failures] == ["coverage/posted_date"]
    message = failures[0][1]
    assert message.startswith("brief/fields/posted_date / brief/records/found (")
    assert message.endswith(", expected >= 0.95 (BRIEF_MIN_COVERAGE['posted_date'])")
    assert "ERROR: 1 health check(s) failed: exit status 1" in run.stderr
    [path] = run_files(run)
    report = report_of(path)
    assert report["healthy"] is False
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["coverage/posted_date"]
    assert run.stat("brief/health/failed") == 1
    assert run.stat("brief/records/written") == len(expected_urls(broken_site))  # written all the same


def test_failed_threshold_given_on_the_command_line_exits_1(own_site, tmp_path):
    run = run_crawl(own_site, tmp_path, pipelines=True, args={"max_items": "3"},
                    settings={"BRIEF_MIN_RECORDS": "5"})  # fmt: skip
    assert run.returncode == 1
    assert ("Health check min_records failed: brief/records/written + brief/skipped/unchanged is 3,"
            " expected >= 5 (BRIEF_MIN_RECORDS)") in run.stderr  # fmt: skip
    assert run.stat("finish_reason") == "max_items"  # a healthy reason: that check passed


# --- incremental runs --------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_run(own_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    """A first scheduled run: everything is new."""
    return run_crawl(own_site, tmp_path_factory.mktemp("incremental"), pipelines=True)


def test_healthy_run_exits_0_and_writes_its_report_beside_the_run(first_run, own_site):
    assert first_run.returncode == 0, first_run.stderr[-3000:]
    [path] = run_files(first_run)
    assert set(urls_in(path)) == expected_urls(own_site)
    report = report_of(path)
    assert report["output_file"] == str(path)
    assert report["healthy"] is True
    assert report["finish_reason"] == "finished"
    assert report["start_time"] < report["finish_time"]
    assert report["start_time"] == report["stats"]["start_time"]  # ISO 8601 text, like every datetime
    assert {c["name"] for c in report["checks"]} >= {
        "min_records", "max_errors", "max_invalid", "finish_reason", "coverage/title", "coverage/posted_date",
    }  # fmt: skip
    assert all(c["passed"] for c in report["checks"]), report["checks"]
    assert report["stats"]["brief/records/written"] == len(urls_in(path))
    assert "INFO: Health checks: " in first_run.stderr


def test_second_run_writes_an_empty_delta_exports_everything_and_counts_the_unchanged(first_run, own_site):
    tmp_path = first_run.output_dir.parent
    second = run_crawl(own_site, tmp_path, pipelines=True)
    assert second.returncode == 0, second.stderr[-3000:]
    assert urls_in(run_files(second)[-1]) == []  # the run's delta: nothing new
    assert set(second.urls) == expected_urls(own_site)  # -O: every record the crawl found
    assert second.stat("brief/skipped/unchanged") == len(expected_urls(own_site))
    assert f"skipped {len(expected_urls(own_site))} records unchanged" in second.stderr
    # Conditional requests: every cached page was asked for with its ETag and came back 304.
    statuses = Counter(r.status for r in second.requests)
    assert statuses[304] == second.stat("httpcache/revalidate") >= len(expected_urls(own_site))
    assert report_of(run_files(second)[-1])["healthy"] is True  # found them all, though it wrote none


def test_a_changed_page_is_the_only_record_written(first_run, own_site):
    snap = own_site.snapshot
    assert snap is not None
    page: Entry = next(
        e for e in snap.listed()
        if e.role == "page" and e.kind == "publication" and e.title.isascii() and e.title.count(" ") > 2
        and e.title.encode() in snap.pages[e.path].body
    )  # fmt: skip
    body = snap.pages[page.path].body
    replace_page(own_site, page.path, body.replace(page.title.encode(), f"{page.title}, Revised".encode()))
    try:
        tmp_path = first_run.output_dir.parent
        third = run_crawl(own_site, tmp_path, pipelines=True)
        refreshed = run_crawl(own_site, tmp_path, pipelines=True, args={"refresh": "1"})
    finally:
        replace_page(own_site, page.path, body)
    assert third.returncode == 0, third.stderr[-3000:]
    delta = run_files(third)[-2]  # the refreshed run came after it
    assert urls_in(delta) == [snap.record_url(page, own_site.base_url)]
    assert json.loads(delta.read_text(encoding="utf-8"))["title"] == f"{page.title}, Revised"
    assert set(third.urls) == expected_urls(own_site)  # -O: all of them, the changed one included
    assert third.stat("brief/skipped/unchanged") == len(expected_urls(own_site)) - 1
    assert set(refreshed.urls) == expected_urls(own_site)  # -a refresh=1 writes everything
    assert refreshed.stat("brief/skipped/unchanged") == 0


# --- pause and resume --------------------------------------------------------------------


def test_run_stopped_with_sigint_resumes_with_jobdir_and_writes_each_record_once(own_site, tmp_path):
    # Slow enough to stop midway; no seen-store: JOBDIR alone must give each record once.
    slow = {"JOBDIR": str(tmp_path / "job"), "DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "BRIEF_SEEN_ENABLED": "0"}  # fmt: skip
    command = crawl_command(own_site, tmp_path / "first", settings=slow, pipelines=True)
    output = tmp_path / "first" / "output" / "wilsoncenter"
    mark = own_site.mark()
    log = tmp_path / "stopped.log"
    returncode = stop_midway(command, output, 5, signal.SIGINT, log)
    done = subprocess.CompletedProcess(command, returncode, "", log.read_text(encoding="utf-8"))
    stopped = finish_crawl(own_site, tmp_path / "first", mark, done)
    assert stopped.stat("finish_reason") == "shutdown"
    assert stopped.returncode == 1  # a run that did not get through its work is not healthy

    resumed = run_crawl(own_site, tmp_path / "second", settings=slow, pipelines=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming crawl" in resumed.stderr
    urls = urls_in(run_files(stopped)[0]) + urls_in(run_files(resumed)[0])
    # Stopped once 5 were written (one more may come before the signal); it ended what its slot
    # held, at most two waiting and one transferring, and the page being read: not the backlog.
    assert 5 <= len(urls_in(run_files(stopped)[0])) <= 5 + 1 + 3 + 1 < len(urls)
    assert sorted(urls) == sorted(expected_urls(own_site))  # every record, each exactly once
