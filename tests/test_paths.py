"""brief_scraper/runs/paths.py and the crawl command: the folders a run writes stay in the project."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.settings import Settings

from brief_scraper.runs.paths import check_output_folders, prepare_log_file
from tests.crawl_support import ROOT, run_crawl

if TYPE_CHECKING:
    from pathlib import Path

    from devsite.offline_site import OfflineSite


def check(tmp_path: Path, spider: str | None = None, **settings: Any) -> None:
    """Check the folders of *settings* for a crawl run in *tmp_path* (its output/ is the root)."""
    check_output_folders(Settings({"HTTPCACHE_ENABLED": False, **settings}), spider, cwd=tmp_path)


@pytest.mark.parametrize(
    "settings",
    [
        {"BRIEF_OUTPUT_DIR": "output"},
        {"BRIEF_OUTPUT_DIR": "output/nightly", "JOBDIR": "output/wilsoncenter/job-1"},
        {"BRIEF_OUTPUT_DIR": "output/./a/../b"},  # resolves inside
        {"BRIEF_OUTPUT_DIR": ""},  # the writer is off: nothing to check
    ],
)
def test_folders_inside_the_output_root_pass(tmp_path: Path, settings: dict[str, str]) -> None:
    check(tmp_path, "wilsoncenter", **settings)


def test_an_absolute_folder_inside_the_output_root_passes(tmp_path: Path) -> None:
    check(tmp_path, BRIEF_OUTPUT_DIR=str(tmp_path / "output" / "x"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"BRIEF_OUTPUT_DIR": "../escaped"}, "BRIEF_OUTPUT_DIR '../escaped' is outside {root}: give a"),
        ({"BRIEF_OUTPUT_DIR": "runs"}, "BRIEF_OUTPUT_DIR 'runs' is outside {root}"),
        ({"BRIEF_OUTPUT_DIR": "/var/tmp/x"}, "or set BRIEF_OUTPUT_ALLOW_OUTSIDE=1 to write there (Scrapyd)"),
        ({"JOBDIR": "/var/tmp/job"}, "JOBDIR '/var/tmp/job' is outside {root}"),
        ({"BRIEF_ARCHIVE_DIR": "output/../../w"}, "BRIEF_ARCHIVE_DIR 'output/../../w' is outside {root}"),
        ({"HTTPCACHE_ENABLED": True, "HTTPCACHE_DIR": "/var/tmp/cache"}, "HTTPCACHE_DIR '/var/tmp/cache'"),
        # the flag frees absolute paths only: a relative one that climbs out is a typo
        ({"BRIEF_OUTPUT_DIR": "../escaped", "BRIEF_OUTPUT_ALLOW_OUTSIDE": True}, "'../escaped' is outside"),
    ],
)
def test_folders_outside_the_project_are_refused(tmp_path: Path, settings: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=re.escape(message.format(root=tmp_path / "output"))):
        check(tmp_path, **settings)


def test_the_flag_allows_an_absolute_root_anywhere(tmp_path: Path) -> None:
    elsewhere = tmp_path / "srv" / "brief-scraper"
    check(
        tmp_path / "job", "wilsoncenter", BRIEF_OUTPUT_DIR=str(elsewhere), JOBDIR=str(elsewhere / "job"),
        HTTPCACHE_ENABLED=True, HTTPCACHE_DIR=str(elsewhere / "cache"), BRIEF_OUTPUT_ALLOW_OUTSIDE=True,
    )  # fmt: skip


def test_an_output_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "runs").write_text("not a folder")
    with pytest.raises(ValueError, match=r"BRIEF_OUTPUT_DIR 'output/runs': .*/runs is a file, not a folder"):
        check(tmp_path, BRIEF_OUTPUT_DIR="output/runs")
    with pytest.raises(ValueError, match=r"'output/runs/deeper': .*output/runs is a file, not a folder"):
        check(tmp_path, BRIEF_OUTPUT_DIR="output/runs/deeper")
    (tmp_path / "output" / "wilsoncenter").write_text("the run folder, as a file")
    with pytest.raises(ValueError, match=r"output/wilsoncenter is a file, not a folder"):
        check(tmp_path, "wilsoncenter", BRIEF_OUTPUT_DIR="output")


def crawl_with(*settings: str) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy crawl wilsoncenter`` at a closed local port with *settings* (NAME=VALUE)."""
    command = [sys.executable, "-m", "scrapy", "crawl", "wilsoncenter", "-a", "base_url=http://127.0.0.1:9"]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_an_escaping_output_dir_stops_the_crawl_command_with_one_line_and_exit_2() -> None:
    done = crawl_with("BRIEF_OUTPUT_DIR=../escaped")
    assert done.returncode == 2
    errors = re.findall(r"^\S+: error: (.*)$", done.stderr, re.M)
    assert errors == [f"BRIEF_OUTPUT_DIR '../escaped' is outside {ROOT / 'output'}: give a folder inside it"]
    assert not (ROOT.parent / "escaped").exists()


def test_an_output_dir_that_is_a_file_stops_the_crawl_command_without_a_traceback(tmp_path: Path) -> None:
    afile = tmp_path / "output"
    afile.write_text("a file")
    done = crawl_with(f"BRIEF_OUTPUT_DIR={afile}", "BRIEF_OUTPUT_ALLOW_OUTSIDE=1")
    assert done.returncode == 2
    errors = re.findall(r"^\S+: error: (.*)$", done.stderr, re.M)
    assert errors == [f"BRIEF_OUTPUT_DIR '{afile}': {afile} is a file, not a folder"]
    assert "Traceback" not in done.stderr


def test_an_empty_output_dir_turns_the_writer_off_and_the_run_is_judged_without_it(
    offline_site: OfflineSite, tmp_path: Path
) -> None:
    run = run_crawl(offline_site, tmp_path, pipelines=True, settings={"BRIEF_OUTPUT_DIR": ""})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.records  # the feed export (-O) has them
    assert run.stat("item_scraped_count") == len(run.records)
    assert run.stat("brief/records/written") == 0
    assert not run.output_dir.exists()
    assert "Health check" in run.stderr
    assert re.search(r"Health checks: (\d+) of \1 passed", run.stderr), run.stderr[-3000:]


# --- LOG_FILE: Scrapy opens it before any command runs ---------------------------------------


def test_a_log_file_in_a_missing_output_folder_gets_its_folder(tmp_path: Path) -> None:
    prepare_log_file(Settings({"LOG_FILE": "output/sources/cron.log"}), tmp_path)
    assert (tmp_path / "output" / "sources").is_dir()
    (tmp_path / "scrapyd-logs").mkdir()
    prepare_log_file(Settings({"LOG_FILE": str(tmp_path / "scrapyd-logs" / "job.log")}), tmp_path / "job")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("logs/cron.log", "LOG_FILE 'logs/cron.log': no folder {here}/logs: make it, or log inside output/"),
        ("output", "LOG_FILE 'output' is a folder: give a file's name"),
        ("output/afile/x.log", "LOG_FILE 'output/afile/x.log': {here}/output/afile is a file, not a folder"),
    ],
)
def test_a_log_file_that_cannot_be_opened_is_refused(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "afile").write_text("not a folder")
    with pytest.raises(ValueError, match=re.escape(message.format(here=tmp_path))):
        prepare_log_file(Settings({"LOG_FILE": value}), tmp_path)


@pytest.mark.parametrize("command", [["crawl", "sources"], ["spread"], ["reextract", "x.warc.gz"]])
def test_every_command_makes_its_log_folder_or_stops_with_one_line(tmp_path: Path, command: list[str]):
    made = ROOT / "output" / f"test-log-folder-{tmp_path.name}"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", *command, "-s", f"LOG_FILE={made}/run.log", "--nolog-bad"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2  # the unknown option: stopped before any request
        assert made.is_dir(), done.stderr[-2000:]
        assert "Traceback" not in done.stderr
    finally:
        shutil.rmtree(made, ignore_errors=True)
    missing = tmp_path / "no" / "such"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", *command, "-s", f"LOG_FILE={missing}/run.log"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert re.findall(r"^\S+: error: (.*)$", done.stderr, re.M) == [
        f"LOG_FILE '{missing}/run.log': no folder {missing}: make it, or log inside output/"
    ]
    assert "Traceback" not in done.stderr
