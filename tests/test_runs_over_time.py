"""Runs over time, end to end: complete exports, the current dataset, killed runs, health on
what a run found, the page archive and re-extraction from it.

Every crawl is a real ``scrapy crawl`` subprocess against an offline site on 127.0.0.1
(``tests/crawl_support.py``), every re-extraction a real ``scrapy reextract``, every archive
a real WARC file; the dataset is loaded with pandas and a real DuckDB. These tests change
the pages a site serves, so each module fixture starts its own offline site.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from contextlib import closing
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import duckdb
import pandas as pd
import pytest
from warcio.capture_http import capture_http

from brief_scraper.record import FIELDS, PANDAS_DTYPES
from brief_scraper.runs.dataset import DATASET_NAME, whole_lines
from brief_scraper.runs.dataset import main as dataset_main
from brief_scraper.runs.files import run_files, run_name
from brief_scraper.runs.warcpages import read_pages
from devsite.offline_site import OfflineSite
from pipelines.seen import STORE_NAME
from tests.crawl_support import FAST, ROOT, CrawlRun, crawl_command, run_crawl, stop_midway
from tests.test_scheduled_runs import _DATE_MARKUP, expected_urls, replace_page, report_of

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devsite.snapshot import Entry


def folder_of(run: CrawlRun) -> Path:
    return run.output_dir / "wilsoncenter"


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def dataset_of(run: CrawlRun) -> list[dict[str, Any]]:
    return jsonl(folder_of(run) / DATASET_NAME)


def without_scraped_at(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["url"]: {k: v for k, v in r.items() if k != "scraped_at"} for r in records}


def crawl(site: OfflineSite, tmp_path: Path, name: str, **settings: str) -> CrawlRun:
    """Run a crawl into the output folder ``tmp_path/output`` that every crawl of the test shares."""
    output = tmp_path / "output"
    run = run_crawl(
        site, tmp_path / name, pipelines=True, settings={"BRIEF_OUTPUT_DIR": str(output), **settings}
    )
    run.output_dir = output
    return run


def reextract(tmp_path: Path, warcs: list[Path], *options: str) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy reextract`` on *warcs*: its run below ``tmp_path/output``, -O ``records.jsonl``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "scrapy", "reextract", *map(str, warcs), *options,
               "-O", str(tmp_path / "records.jsonl"), "-s", f"BRIEF_OUTPUT_DIR={tmp_path / 'output'}",
               "-s", f"STATS_CLASS={FAST['STATS_CLASS']}",
               "-s", f"BRIEF_TEST_STATS_PATH={tmp_path / 'stats.json'}"]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def site() -> Iterator[OfflineSite]:
    with OfflineSite() as own:
        yield own


@pytest.fixture(scope="module")
def changed_page(site: OfflineSite) -> Entry:
    """A publication page whose title the tests revise between two crawls."""
    snap = site.snapshot
    assert snap is not None
    return next(
        e for e in snap.listed()
        if e.role == "page" and e.kind == "publication" and e.title.isascii() and e.title.count(" ") > 2
        and e.title.encode() in snap.pages[e.path].body
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_runs(site, changed_page, tmp_path_factory) -> tuple[CrawlRun, CrawlRun]:
    """Two scheduled crawls into one output folder, one page revised between them."""
    tmp_path = tmp_path_factory.mktemp("two-runs")
    first = crawl(site, tmp_path, "first")
    body = site.snapshot.pages[changed_page.path].body
    title = changed_page.title.encode()
    replace_page(site, changed_page.path, body.replace(title, title + b", Revised"))
    try:
        second = crawl(site, tmp_path, "second", HTTPCACHE_DIR=str(tmp_path / "first" / "httpcache"))
    finally:
        replace_page(site, changed_page.path, body)
    for run in (first, second):
        assert run.returncode == 0, run.stderr[-3000:]
    return first, second


# --- complete exports and the current dataset ----------------------------------------------


def test_feed_exports_hold_every_record_and_the_delta_only_the_changed_one(two_runs, site, changed_page):
    first, second = two_runs
    assert set(first.urls) == set(second.urls) == expected_urls(site)
    assert len(second.urls) == len(set(second.urls))
    changed_url = site.snapshot.record_url(changed_page, site.base_url)
    [_, delta] = run_files(folder_of(second))
    assert [r["url"] for r in jsonl(delta)] == [changed_url]
    assert second.stat("brief/skipped/unchanged") == len(expected_urls(site)) - 1
    assert second.stat("brief/records/found") == len(expected_urls(site))


def test_dataset_holds_every_url_once_with_the_changed_pages_new_version(two_runs, site, changed_page):
    _, second = two_runs
    dataset = dataset_of(second)
    assert [r["url"] for r in dataset] == sorted(expected_urls(site))
    assert all(list(r) == list(FIELDS) for r in dataset)  # schema key order
    changed = next(r for r in dataset if r["url"] == site.snapshot.record_url(changed_page, site.base_url))
    assert changed["title"] == f"{changed_page.title}, Revised"
    assert second.stat("brief/dataset/records") == len(dataset)


def test_dataset_rebuilt_from_the_run_files_alone_is_the_same_file(two_runs, tmp_path, capsys):
    _, second = two_runs
    folder = folder_of(second)
    incremental = (folder / DATASET_NAME).read_bytes()
    copy = tmp_path / "wilsoncenter"
    copy.mkdir()
    for run in run_files(folder):  # the run files only: no dataset, no state, no seen-store
        (copy / run.name).write_bytes(run.read_bytes())
    assert dataset_main(["rebuild", str(copy)]) == 0
    assert (copy / DATASET_NAME).read_bytes() == incremental


def test_analysts_load_the_dataset_with_pandas_and_duckdb(two_runs, site, changed_page):
    _, second = two_runs
    folder = folder_of(second)
    df = (pd.read_json(folder / DATASET_NAME, lines=True, dtype=False)
          .reindex(columns=list(PANDAS_DTYPES)).astype(PANDAS_DTYPES))  # fmt: skip
    assert sorted(df["url"]) == sorted(expected_urls(site))
    assert str(df["title"].dtype) == "string"
    via_duckdb = duckdb.sql(f"SELECT url, title FROM read_json('{folder / DATASET_NAME}')").fetchall()
    assert sorted(via_duckdb) == sorted(zip(df["url"], df["title"], strict=True))
    newest = duckdb.sql(f"""
        SELECT url, title FROM read_json('{folder}/2*.jsonl*', format = 'newline_delimited',
                                         union_by_name = true, filename = true, ignore_errors = true)
        WHERE url IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY url ORDER BY scraped_at DESC, filename DESC) = 1
    """).fetchall()  # fmt: skip
    assert sorted(newest) == sorted(via_duckdb)


# --- the archive and re-extraction ---------------------------------------------------------


def test_the_archive_of_a_crawl_reextracts_to_the_records_the_crawl_wrote(two_runs, tmp_path):
    first, second = two_runs
    archive = sorted((folder_of(first) / "archive").glob("*.warc.gz"))
    assert len(archive) == 2  # one file per run
    assert second.stat("brief/archive/cached") > 0  # 304s are not archived again
    done = reextract(tmp_path, archive[:1], "--spider", "wilsoncenter", "-j", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "INFO: re-extracted " in done.stderr
    assert without_scraped_at(jsonl(tmp_path / "records.jsonl")) == without_scraped_at(first.records)
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["brief/reextract/pages"] == len(first.records)
    assert stats.get("downloader/request_count", 0) == 0  # nothing asked of any network
    [run] = run_files(tmp_path / "output" / "wilsoncenter")
    assert report_of(run)["healthy"] is True  # health checks, run report, dataset: as a crawl's
    assert len(jsonl(tmp_path / "output" / "wilsoncenter" / DATASET_NAME)) == len(first.records)


def test_the_whole_archive_reextracts_each_page_once_in_its_newest_version(
    two_runs, site, changed_page, tmp_path
):
    _, second = two_runs
    archive = sorted((folder_of(second) / "archive").glob("*.warc.gz"))  # oldest first, as a glob gives
    done = reextract(tmp_path, archive, "-j", "1")  # the spider: the one whose archive/ folder it is
    assert done.returncode == 0, done.stderr[-3000:]
    records = jsonl(tmp_path / "records.jsonl")
    assert sorted(r["url"] for r in records) == sorted(expected_urls(site))  # once each
    changed_url = site.snapshot.record_url(changed_page, site.base_url)
    assert next(r for r in records if r["url"] == changed_url)["title"] == f"{changed_page.title}, Revised"
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["brief/reextract/skipped/older"] >= 1  # the first run's version of the page


def test_a_warc_written_by_warcio_capture_http_reextracts_too(two_runs, site, tmp_path):
    first, _ = two_runs
    snap = site.snapshot
    entries = [e for e in snap.listed() if e.role == "page" and e.kind == "publication"][:3]
    crawled = {r["url"]: r for r in first.records}
    served = [crawled[snap.record_url(e, site.base_url)] for e in entries]
    warc = tmp_path / "captured.warc.gz"
    with capture_http(str(warc)):  # warcio's own writer, not ours
        for entry in entries:
            with urllib.request.urlopen(
                f"{site.base_url}{quote(entry.path)}", timeout=10
            ) as answer:  # 127.0.0.1
                answer.read()
    assert all(page.is_page is None for page in read_pages([warc]))  # no marks of ours in it
    done = reextract(tmp_path, [warc], "--spider", "wilsoncenter", "-j", "1", "-s", "BRIEF_MIN_COVERAGE={}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert without_scraped_at(jsonl(tmp_path / "records.jsonl")) == without_scraped_at(served)


# --- a killed crawl -----------------------------------------------------------------------


def test_a_crawl_killed_with_sigkill_then_a_normal_run_leave_every_record_in_the_dataset(site, tmp_path):
    slow = {"DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "BRIEF_EXTRACT_WORKERS": "0",
            "BRIEF_OUTPUT_DIR": str(tmp_path / "output")}  # fmt: skip
    command = crawl_command(site, tmp_path / "killed", settings=slow, pipelines=True)
    folder = tmp_path / "output" / "wilsoncenter"
    log = tmp_path / "killed.log"
    assert stop_midway(command, folder, 5, signal.SIGKILL, log) == -signal.SIGKILL
    [part] = run_files(folder)
    assert part.name.endswith(".jsonl.part")
    killed = {json.loads(line)["url"] for line in whole_lines(part)}  # a cut last line is no record
    assert 5 <= len(killed) < len(expected_urls(site)), log.read_text(encoding="utf-8")[-3000:]
    archived = list(read_pages(sorted((folder / "archive").glob("*.warc.gz"))))  # readable, though killed
    assert archived, "the killed crawl's archive holds no page"
    # A record is remembered only after its line is written, so the seen-store holds no record
    # the .part lacks; the kill may land between the two for the one record then in flight.
    remembered = remembered_urls(folder / STORE_NAME)
    assert remembered <= killed
    assert len(killed - remembered) <= 1, sorted(killed - remembered)

    after = crawl(site, tmp_path, "after")
    assert after.returncode == 0, after.stderr[-3000:]
    # The next run does not write the remembered records again, writes every other one (the
    # one in flight too), and the dataset has them all, the killed run's from its .part.
    assert after.stat("brief/skipped/unchanged") == len(remembered), after.stderr[-3000:]
    newest = run_files(folder)[-1]
    assert newest.name.endswith(".jsonl")
    assert {r["url"] for r in jsonl(newest)} == expected_urls(site) - remembered
    assert {r["url"] for r in dataset_of(after)} == expected_urls(site)
    assert set(after.urls) == expected_urls(site)


def remembered_urls(store: Path) -> set[str]:
    """The URLs a seen-store holds, read with plain sqlite3 (not the code under test)."""
    with closing(sqlite3.connect(store)) as db:
        return {url for (url,) in db.execute("SELECT url FROM seen")}


# --- health on what the run found ----------------------------------------------------------


@pytest.fixture(scope="module")
def broken_site() -> Iterator[OfflineSite]:
    """The offline site after a template change: dates are where no extractor looks."""
    with OfflineSite() as broken:
        for path, served in list(broken.snapshot.pages.items()):
            if "html" in served.content_type:
                text = served.body.decode("latin-1")
                for markup in _DATE_MARKUP:
                    text = markup.sub("", text)
                replace_page(broken, path, text.encode("latin-1"))
        yield broken


def test_a_broken_template_run_after_a_healthy_one_fails_coverage_and_so_does_the_next(
    site, broken_site, tmp_path
):
    healthy = crawl(site, tmp_path, "healthy")
    assert healthy.returncode == 0, healthy.stderr[-3000:]
    broken = crawl(broken_site, tmp_path, "broken")
    after = crawl(broken_site, tmp_path, "after")
    assert broken.returncode == after.returncode == 1
    healthy_run, broken_run, after_run = run_files(folder_of(after))
    broken_failed = {c["name"]: c["message"] for c in report_of(broken_run)["checks"] if not c["passed"]}
    assert {"coverage/posted_date", "coverage_drop/posted_date"} <= set(broken_failed)
    assert all("posted_" in name for name in broken_failed)  # only the date fields broke
    found = len(expected_urls(site))
    message = broken_failed["coverage_drop/posted_date"]  # both figures, and the run compared with
    assert message.startswith("brief/fields/posted_date / brief/records/found is 0.")
    assert f", was 1 ({found}/{found}) in run {run_name(healthy_run.name)}: its fall is 0." in message
    assert message.endswith(", expected <= 0.1 (BRIEF_COVERAGE_MAX_DROP)")
    # The run after it writes nothing new (every record is as the broken run wrote it), yet
    # coverage counts what it found: the field is still broken, and the run still fails.
    assert after.stat("brief/records/written") == 0
    assert after.stat("brief/skipped/unchanged") == found
    after_failed = [c["name"] for c in report_of(after_run)["checks"] if not c["passed"]]
    assert after_failed == ["coverage/posted_date"]
