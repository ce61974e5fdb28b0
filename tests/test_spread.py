"""``scrapy spread`` end to end: two real Scrapyd processes on 127.0.0.1, the offline world.

Each Scrapyd runs from ``.venv-scrapyd`` (``make scrapyd-env``; without it the Scrapyd tests
are skipped, saying so) in its own folder, with ``items_dir`` set. The project is copied to a
temporary folder whose ``scrapy.cfg`` names the nodes as ``[deploy:NAME]`` targets (and one
port where nothing listens), so the checkout gets no build files. The three sources are those
of the example ``sources.toml`` that the offline world serves on 127.0.0.1 (``devsite/world.py``:
the Wilson Center snapshot, RAND, CSIS); ``-a mirrors`` sends every request of the jobs there,
and what each job should find comes from the sites themselves.

The usage errors (exit status 2) need no Scrapyd and run whatever the environment.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from typing import TYPE_CHECKING

import pytest

from brief_scraper.runs.spread.egg import build_egg
from brief_scraper.runs.spread.scrapyd import ScrapydClient
from brief_scraper.runs.spread.targets import Target
from devsite.snapshot import LIVE_ORIGIN
from devsite.world import OfflineWorld
from tests.crawl_support import ROOT, copy_project

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCRAPYD = ROOT / ".venv-scrapyd" / "bin" / "scrapyd"
HAS_SCRAPYD = (ROOT / ".venv-scrapyd" / ".installed-stamp").exists()
NO_SCRAPYD = "Scrapyd's environment .venv-scrapyd is not built: run `make scrapyd-env` (make test does)"
PROJECT_FILES = ("brief_scraper", "spiders", "pipelines", "pyproject.toml", "setup.py", "README.md")
SOURCES = ("wilsoncenter", "rand", "csis")  # the offline world's, in sources.toml's order
KINDS = ("publication", "article", "blog-post")  # sources.toml's wilsoncenter publication_paths
JOB_DELAYS = "delays=wilsoncenter=0,rand=0,csis=0"  # the file's and robots.txt's are for the real sites
JOB_SETTINGS = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=0", "HTTPCACHE_ENABLED=0")
TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def world() -> Iterator[OfflineWorld]:
    with OfflineWorld() as started:
        yield started


def expected_urls(world: OfflineWorld) -> dict[str, set[str]]:
    """Source -> the live URLs of the publications a crawl of it finds (robots.txt obeyed)."""
    site = world.wilsoncenter
    assert site.snapshot is not None
    pages = [e for e in site.snapshot.items.values() if e.role == "page" and e.kind in KINDS]
    urls = {"wilsoncenter": {site.snapshot.record_url(e, site.base_url).replace(site.base_url, LIVE_ORIGIN)
                             for e in pages}}  # fmt: skip
    urls.update({key: {p.url for p in world.thinktank(key).crawlable()} for key in world.thinktank_keys})
    return urls


def start_scrapyd(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir = items\n"
        "max_proc = 1\npoll_interval = 0.2\n",
        encoding="utf-8",
    )
    log = (home / "scrapyd.log").open("w")
    server = subprocess.Popen([str(SCRAPYD)], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return server, f"http://127.0.0.1:{port}"


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=5) as answer:
                if json.load(answer)["status"] == "ok":
                    return
        except OSError:  # not listening yet
            time.sleep(0.2)
    raise AssertionError(f"Scrapyd at {url} did not start")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two Scrapyd processes, each in its own folder with items_dir set; name -> URL."""
    if not HAS_SCRAPYD:
        pytest.skip(NO_SCRAPYD)
    started = {name: start_scrapyd(tmp_path_factory.mktemp(f"scrapyd-{name}")) for name in ("one", "two")}
    try:
        for _, url in started.values():
            wait_until_up(url)
        yield {name: url for name, (_, url) in started.items()}
    finally:
        for server, _ in started.values():
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def project(nodes: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project whose scrapy.cfg names both nodes and a node that is down."""
    folder = tmp_path_factory.mktemp("project")
    copy_project(folder, PROJECT_FILES)
    targets = "".join(
        f"[deploy:{name}]\nurl = {url}/\nproject = brief_scraper\n\n" for name, url in nodes.items()
    )
    targets += f"[deploy:down]\nurl = http://127.0.0.1:{free_port()}/\nproject = brief_scraper\n"
    (folder / "scrapy.cfg").write_text(f"[settings]\ndefault = brief_scraper.settings\n\n{targets}", "utf-8")
    return folder


def spread(project: Path, world: OfflineWorld, *options: str) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy spread`` of the world's three sources in *project*: delays off, fast polls."""
    command = [sys.executable, "-m", "scrapy", "spread", "--sources", str(ROOT / "sources.toml"),
               "--only", ",".join(SOURCES), "-a", f"mirrors={world.mirrors_argument}", "-a", JOB_DELAYS,
               *(f"--setting={s}" for s in JOB_SETTINGS),
               "--poll", "0.2", "--timeout", "240", *options]  # fmt: skip
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300, check=False)


def latest_report(project: Path) -> dict:
    reports = sorted((project / "output" / "spread").glob("*.report.json"))
    return json.loads(reports[-1].read_text(encoding="utf-8"))


def dataset(project: Path) -> list[dict]:
    lines = (project / "output" / "spread" / "dataset.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_three_sources_run_on_both_nodes_and_gather_every_record_once(project, world):
    marks = {key: server.mark() for key, server in world.servers.items()}
    done = spread(project, world, "--targets", "one,two")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    report = latest_report(project)
    assert report["ok"] is True
    assert report["nodes_reached"] == ["one", "two"]
    assert report["nodes_not_reached"] == []
    assert report["moved"] == []
    jobs = {job["source"]: job for job in report["jobs"]}
    assert [jobs[key]["node"] for key in SOURCES] == ["one", "two", "one"]  # round robin
    expected = expected_urls(world)
    for key in SOURCES:
        assert jobs[key]["state"] == "finished"
        assert jobs[key]["healthy"] is True, jobs[key]
        assert jobs[key]["records"] == len(expected[key])
        assert jobs[key]["finish_reason"] == "finished"
        assert jobs[key]["figures"]["records"] == len(expected[key])
        assert any(c["name"] == f"source/{key}/min_records" and c["passed"] for c in jobs[key]["checks"])
        assert (project / "output" / "spread" / jobs[key]["items_file"]).is_file()
    records = dataset(project)
    assert len(records) == len({r["url"] for r in records})  # every record once
    for key in SOURCES:
        assert {r["url"] for r in records if r["source"] == key} == expected[key]
    assert report["records"] == report["dataset"]["records"] == sum(map(len, expected.values()))
    assert "every job ended healthy" in done.stdout
    for key, server in world.servers.items():  # each site was crawled by its own job only, on 127.0.0.1
        assert {r.host for r in server.requested(since=marks[key])} == {f"127.0.0.1:{server.port}"}


def versions_on(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/listversions.json?project=brief_scraper", timeout=10) as answer:
        return json.load(answer)["versions"]


def test_with_one_node_down_every_job_runs_on_the_other_and_the_report_says_so(project, world, nodes):
    old = Target("one", f"{nodes['one']}/")
    ScrapydClient(timeout=60).add_version(old, "1", build_egg(project).data)  # an old egg on the node
    done = spread(project, world, "--targets", "one,down", "--keep-versions", "1")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    report = latest_report(project)
    assert report["nodes_reached"] == ["one"]
    assert report["nodes_not_reached"] == ["down"]
    [down] = [node for node in report["nodes"] if node["name"] == "down"]
    assert down["reached"] is False
    assert down["error"] == "Connection refused"
    assert {job["node"] for job in report["jobs"]} == {"one"}
    assert all(job["ok"] for job in report["jobs"])
    assert "not reached: down" in done.stdout
    expected = expected_urls(world)
    assert {r["url"] for r in dataset(project)} == set().union(*expected.values())
    # Once its jobs ended, the node kept only this run's egg (--keep-versions 1).
    assert versions_on(nodes["one"]) == [report["version"]]
    [one] = [node for node in report["nodes"] if node["name"] == "one"]
    assert "1" in one["versions_deleted"]
    assert f"node one: deleted {len(one['versions_deleted'])} old egg version(s)" in done.stdout


# --- usage errors: checked before any request, one line, exit status 2 ------------------------


def run_in_checkout(*options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "spread", *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1]


def test_a_bad_sources_file_stops_it_with_one_line_and_never_its_content(tmp_path):
    wrong = tmp_path / "passwd"
    wrong.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")  # a path given by mistake
    done = run_in_checkout("--sources", str(wrong))
    assert done.returncode == 2
    assert "sources: not TOML" in last_line(done)
    assert "/bin/bash" not in done.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--only", "brookings"), "sources: only: 'brookings' is no source of the file"),
        (("-a", "only=rand"), "-a only: spread sets it for each job"),
        (("-a", "mirrors"), "-a: 'mirrors' is not NAME=VALUE"),
        (("-a", "colour=red"), "sources: unknown argument 'colour'"),
        (("--sources", "/dev/zero"), "--sources: '/dev/zero' is not a regular file"),
        ((), "scrapy.cfg has no [deploy:NAME] target"),  # the checkout's has the plain [deploy] only
        (("--output", "../elsewhere"), "--output '../elsewhere' is outside"),
        (("--keep-versions", "-1"), "--keep-versions: -1 is below 0"),
        (("--poll", "0"), "--poll: 0 is not a number of seconds above 0"),
    ],
)  # fmt: skip
def test_a_bad_argument_stops_it_before_any_request(options, message):
    done = run_in_checkout(*options)
    assert done.returncode == 2, done.stderr
    assert message in last_line(done)
