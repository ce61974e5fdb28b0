"""Deploying to Scrapyd: a real Scrapyd on 127.0.0.1, the project's egg, scheduled crawls.

Scrapyd pins setuptools<81, so it runs from its own environment, ``.venv-scrapyd``, which
``make scrapyd-env`` builds (``make test`` does it first). Without it the test is skipped,
saying so. The project is copied to a temporary folder and deployed from there with
``scrapyd-deploy``, as the README says, so the checkout gets no build files.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from brief_scraper.runs.files import run_files
from tests.crawl_support import ROOT, copy_project

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devsite.offline_site import OfflineSite

SCRAPYD_BIN = ROOT / ".venv-scrapyd" / "bin"
PROJECT_FILES = (
    "brief_scraper", "spiders", "pipelines", "scrapy.cfg", "pyproject.toml", "setup.py", "README.md",
)  # fmt: skip
TIMEOUT_SECONDS = 60

pytestmark = pytest.mark.skipif(
    not (ROOT / ".venv-scrapyd" / ".installed-stamp").exists(),
    reason="Scrapyd's environment .venv-scrapyd is not built: run `make scrapyd-env` (make test does)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """GET (or POST *data* to) a Scrapyd JSON endpoint on 127.0.0.1."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, body, timeout=10) as response:
        return json.load(response)


def wait_for(what: str, check: Any) -> Any:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError:  # not listening yet
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Scrapyd on a free port of 127.0.0.1, running from its own folder; yields (URL, folder)."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
        "max_proc = 1\npoll_interval = 0.2\n",
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{port}"
    with (
        (home / "scrapyd.log").open("w") as log,
        subprocess.Popen(
            [str(SCRAPYD_BIN / "scrapyd")], cwd=home, stdout=log, stderr=subprocess.STDOUT
        ) as server,
    ):
        try:
            wait_for("Scrapyd to listen", lambda: call(f"{url}/daemonstatus.json")["status"] == "ok")
            yield url, home
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def deployed(scrapyd: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """Deploy the project's egg with ``scrapyd-deploy``: scrapy.cfg's [deploy], aimed at this Scrapyd."""
    url, _ = scrapyd
    project = tmp_path_factory.mktemp("project")
    copy_project(project, PROJECT_FILES)
    config = (project / "scrapy.cfg").read_text(encoding="utf-8")
    assert "url = http://127.0.0.1:6800/" in config
    (project / "scrapy.cfg").write_text(config.replace("http://127.0.0.1:6800/", f"{url}/"), encoding="utf-8")
    deploy = [str(SCRAPYD_BIN / "scrapyd-deploy")]
    done = subprocess.run(deploy, cwd=project, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"status": "ok"' in done.stdout, done.stdout
    return url


def schedule_and_wait(url: str, site: OfflineSite, output: Path, *settings: str) -> dict[str, Any]:
    """Schedule a crawl of the offline site (delays off), wait for it, return its finished job."""
    data = [("project", "brief_scraper"), ("spider", "wilsoncenter"), ("base_url", site.base_url),
            ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_ENABLED=0"),
            ("setting", f"BRIEF_OUTPUT_DIR={output}"), ("setting", "BRIEF_OUTPUT_ALLOW_OUTSIDE=1"),
            ("setting", f"HTTPCACHE_DIR={output}/httpcache")]  # fmt: skip
    data += [("setting", setting) for setting in settings]
    job = call(f"{url}/schedule.json", data)
    assert job["status"] == "ok", job

    def finished() -> dict[str, Any] | None:
        jobs = call(f"{url}/listjobs.json?project=brief_scraper")["finished"]
        return next((j for j in jobs if j["id"] == job["jobid"]), None)

    return wait_for(f"job {job['jobid']}", finished)


def test_deployed_egg_crawls_the_offline_site_and_writes_its_run(deployed, scrapyd, offline_site, tmp_path):
    spiders = call(f"{deployed}/listspiders.json?project=brief_scraper")["spiders"]
    assert spiders == ["generic", "sources", "wilsoncenter"]
    job = schedule_and_wait(deployed, offline_site, tmp_path)
    runs = run_files(tmp_path / "wilsoncenter")
    _, home = scrapyd
    log = (home / "logs" / "brief_scraper" / "wilsoncenter" / f"{job['id']}.log").read_text(encoding="utf-8")
    assert len(runs) == 1, log[-3000:]
    records = [json.loads(line) for line in runs[0].read_text(encoding="utf-8").splitlines()]
    snap = offline_site.snapshot
    assert snap is not None
    assert {r["url"] for r in records} == snap.records(snap.listed(), ("publication",), offline_site.base_url)
    report = json.loads(runs[0].with_name(runs[0].name.replace(".jsonl", ".stats.json")).read_text())
    assert report["healthy"] is True
    assert "Health checks: " in log
    assert f"Process finished: project='brief_scraper' spider='wilsoncenter' job='{job['id']}'" in (
        home / "scrapyd.log"
    ).read_text(encoding="utf-8")


def test_failed_health_check_shows_in_scrapyd_as_exit_status_1(deployed, scrapyd, offline_site, tmp_path):
    job = schedule_and_wait(deployed, offline_site, tmp_path, "BRIEF_MIN_RECORDS=1000")
    _, home = scrapyd
    died = f"Process died: exitstatus=1 project='brief_scraper' spider='wilsoncenter' job='{job['id']}'"
    assert died in (home / "scrapyd.log").read_text(encoding="utf-8")
