"""A spread run's life without Scrapyd (brief_scraper/runs/spread/{jobs,follow,gather}.py): planning
over the nodes, a node down or lost, jobs moved, timed out or refused, and what is gathered.

``FakeScrapyd`` answers as Scrapyd's endpoints do, from memory: a job is pending at the first
``listjobs.json`` after it was scheduled, running at the next, then finished, with a log whose
run report line says how it went and an items feed of its records. Time is a counter that the
run's own sleeps move on.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from brief_scraper.runs.runreport import REPORT_LOG_MARKER, report_line
from brief_scraper.runs.spread import job_fields, spread
from brief_scraper.runs.spread.egg import Egg
from brief_scraper.runs.spread.gather import records_of, summary
from brief_scraper.runs.spread.jobs import FINISHED, PENDING, RUNNING, Job, least_loaded, plan
from brief_scraper.runs.spread.scrapyd import NodeUnreachable, ScrapydRefused
from brief_scraper.runs.spread.targets import Target

if TYPE_CHECKING:
    from pathlib import Path

TARGETS = (Target("a", "http://127.0.0.1:6801/"), Target("b", "http://127.0.0.1:6802/"))
SOURCES = ("alpha", "beta", "gamma")
EGG = Egg(b"PK egg", ("EGG-INFO/PKG-INFO",))


@dataclass
class FakeScrapyd:
    """Scrapyd nodes in memory. *down*: nodes that never answer; *dies_after*: node -> the
    listjobs.json calls it answers before it stops answering; *records*: source -> records."""

    down: set[str] = field(default_factory=set)
    dies_after: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=lambda: {"alpha": 3, "beta": 2, "gamma": 4, "delta": 1})
    slow: set[str] = field(default_factory=set)  # sources whose job runs two polls longer
    unhealthy: set[str] = field(default_factory=set)  # sources whose crawl fails a check
    never_finish: bool = False
    forgets: set[str] = field(default_factory=set)  # nodes whose listjobs.json lists no job
    refuses: set[str] = field(default_factory=set)  # nodes whose schedule.json says no
    bad_egg: set[str] = field(default_factory=set)  # nodes whose addversion.json says no
    no_items: set[str] = field(default_factory=set)  # nodes without items_dir
    scraped_more: set[str] = field(default_factory=set)  # sources whose feed lacks a record
    jobs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # node -> job id -> job
    polls: Counter[str] = field(default_factory=Counter)
    cancelled: list[tuple[str, str]] = field(default_factory=list)
    deployed: list[tuple[str, str]] = field(default_factory=list)
    # node -> its egg versions (the uploads' "1" and "0.1"-like ones: numbers), oldest first;
    # each node starts with three older than this run's
    versions: dict[str, list[str]] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)  # nodes with another run's job pending throughout
    no_delete: set[str] = field(default_factory=set)  # nodes whose delversion.json says no

    def _answer(self, target: Target) -> None:
        if target.name in self.down:
            raise NodeUnreachable("Connection refused")

    def daemon_status(self, target: Target) -> dict[str, Any]:
        self._answer(target)
        return {"status": "ok", "pending": 0, "running": 0, "finished": 0}

    def add_version(self, target: Target, version: str, egg: bytes) -> dict[str, Any]:
        self._answer(target)
        if target.name in self.bad_egg:
            raise ScrapydRefused("ImportError: No module named 'feedparser'")
        self.deployed.append((target.name, version))
        versions = self.versions.setdefault(target.name, ["0.1", "0.2", "0.3"])
        versions[:] = sorted({*versions, version}, key=numbers)  # as Scrapyd lists them: oldest first
        return {"status": "ok", "spiders": 3}

    def schedule(self, target: Target, fields: list[tuple[str, str]]) -> str:
        self._answer(target)
        if target.name in self.refuses:
            raise ScrapydRefused("spider 'sources' not found")
        given = dict(fields)
        assert given["spider"] == "sources"
        self.jobs.setdefault(target.name, {})[given["jobid"]] = {
            "source": given["only"],
            "seen": 0,
            "fields": fields,
        }
        return given["jobid"]

    def list_jobs(self, target: Target) -> dict[str, Any]:
        self._answer(target)
        self.polls[target.name] += 1
        if target.name in self.dies_after and self.polls[target.name] > self.dies_after[target.name]:
            self.down.add(target.name)
            raise NodeUnreachable("timed out")
        listing: dict[str, list[dict[str, Any]]] = {"pending": [], "running": [], "finished": []}
        if target.name in self.busy:
            listing["pending"].append({"id": "another-run-rand", "spider": "sources", "version": "0.1"})
        if target.name in self.forgets:
            return listing
        for job_id, job in self.jobs.get(target.name, {}).items():
            finish_at = float("inf") if self.never_finish else 2 + 2 * (job["source"] in self.slow)
            state = "pending" if not job["seen"] else "running" if job["seen"] < finish_at else "finished"
            job["seen"] += 1
            entry = {"id": job_id, "spider": "sources"}
            if state == "finished":
                entry["log_url"] = f"/logs/brief_scraper/sources/{job_id}.log"
                entry["items_url"] = (
                    None if target.name in self.no_items else f"/items/brief_scraper/sources/{job_id}.jl"
                )
            listing[state].append(entry)
        return listing

    def list_versions(self, target: Target) -> list[str]:
        self._answer(target)
        return list(self.versions.get(target.name, []))

    def delete_version(self, target: Target, version: str) -> None:
        self._answer(target)
        if target.name in self.no_delete:
            raise ScrapydRefused("Permission denied")
        self.versions[target.name].remove(version)

    def cancel(self, target: Target, job: str) -> dict[str, Any]:
        self._answer(target)
        self.cancelled.append((target.name, job))
        return {"status": "ok", "prevstate": "running"}

    def download(self, target: Target, path: str, dest: Path) -> int:
        self._answer(target)
        job_id = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        source = self.jobs[target.name][job_id]["source"]
        count = self.records[source]
        if path.endswith(".log"):
            checks = [
                {
                    "name": f"source/{source}/min_records",
                    "status": "passed",
                    "passed": True,
                    "message": f"source {source}: brief/source/{source}/records is {count}, expected >= 1",
                }
            ]
            if source in self.unhealthy:
                checks.append(
                    {
                        "name": f"source/{source}/coverage/title",
                        "status": "failed",
                        "passed": False,
                        "message": f"source {source}: title coverage is 0.2, expected >= 0.9",
                    }
                )
            scraped = count + (source in self.scraped_more)
            report = {
                "spider": "sources",
                "finish_reason": "finished",
                "healthy": source not in self.unhealthy,
                "checks": checks,
                "stats": {"item_scraped_count": scraped},
            }
            text = (
                f"2026-12-01 10:00:00 [scrapy.core.engine] INFO: Spider opened\n"
                f"2026-12-01 10:00:01 [brief_scraper.runs.runreport] INFO: {REPORT_LOG_MARKER}"
                f"{report_line(report)}\n"
            )
        else:
            text = "".join(
                json.dumps(
                    {
                        "url": f"https://www.{source}.invalid/pubs/{n}",
                        "source": source,
                        "title": f"{source} {n}",
                    }
                )
                + "\n"
                for n in range(count)
            )
        dest.write_text(text, encoding="utf-8")
        return len(text)


def numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


class Clock:
    """Time that moves only when the run sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(tmp_path: Path, scrapyd: FakeScrapyd, targets=TARGETS, sources=SOURCES, **options) -> dict[str, Any]:
    """A whole spread run against *scrapyd*, its polls timed by a Clock; return its report."""
    clock = Clock()
    return spread(scrapyd, targets, sources, "[sources]", EGG, "1", tmp_path / "spread",
                  clock=clock, sleep=clock.sleep, **options)  # fmt: skip


def jobs_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["source"]: job for job in report["jobs"]}


@pytest.mark.parametrize(
    ("sources", "nodes", "expected"),
    [(["s1", "s2", "s3"], ["a", "b"], ["a", "b", "a"]),
     (["s1", "s2"], ["a", "b", "c"], ["a", "b"]),
     (["s1", "s2", "s3"], ["a"], ["a", "a", "a"])],
)  # fmt: skip
def test_jobs_are_planned_round_robin(sources, nodes, expected):
    assert [node for _, node in plan(sources, nodes)] == expected


@pytest.mark.parametrize(
    ("states", "nodes", "expected"),
    [([("a", RUNNING), ("a", PENDING), ("b", RUNNING)], ["a", "b"], "b"),
     ([("a", FINISHED), ("a", FINISHED), ("b", RUNNING)], ["a", "b"], "a"),  # finished jobs take no room
     ([("a", RUNNING)], ["a", "b", "c"], "b"),  # the first of equals, in scrapy.cfg's order
     ([], [], None)],
)  # fmt: skip
def test_a_moved_job_goes_to_the_least_loaded_node(states, nodes, expected):
    jobs = [Job(f"s{n}", node, state=state) for n, (node, state) in enumerate(states)]
    assert least_loaded(jobs, nodes) == expected


def test_jobs_spread_over_both_nodes_and_every_record_is_gathered_once(tmp_path):
    scrapyd = FakeScrapyd()
    report = run(tmp_path, scrapyd)
    assert report["ok"] is True
    assert sorted(scrapyd.deployed) == [("a", "1"), ("b", "1")]
    jobs = jobs_of(report)
    assert [jobs[s]["node"] for s in SOURCES] == ["a", "b", "a"]
    assert all(job["state"] == "finished" and job["healthy"] for job in jobs.values())
    run_name = report["run"]
    assert jobs["alpha"]["job"] == f"{run_name}-alpha"
    assert jobs["alpha"]["items_file"] == f"{run_name}/alpha.jl"
    lines = (tmp_path / "spread" / "dataset.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len({json.loads(line)["url"] for line in lines}) == 9
    assert report["records"] == report["dataset"]["records"] == 9


def test_every_job_is_scheduled_with_its_source_the_files_text_and_the_callers_arguments(tmp_path):
    scrapyd = FakeScrapyd()
    run(
        tmp_path, scrapyd, arguments={"mirrors": "alpha=http://127.0.0.1:8001"}, settings=["DOWNLOAD_DELAY=0"]
    )
    [job] = [j for j in scrapyd.jobs["a"].values() if j["source"] == "alpha"]
    assert ("_version", "1") in job["fields"]  # the egg this run deployed, whatever else comes
    assert job_fields(
        "alpha", "[sources]", {"mirrors": "alpha=http://127.0.0.1:8001"}, ["DOWNLOAD_DELAY=0"]
    ) == [f for f in job["fields"] if f[0] not in ("spider", "jobid", "_version")]


def test_a_node_down_at_the_start_gets_no_job_and_the_report_says_so(tmp_path):
    scrapyd = FakeScrapyd(down={"b"})
    report = run(tmp_path, scrapyd)
    assert report["ok"] is True  # every job ended healthy, on the node that was there
    assert report["nodes_reached"] == ["a"]
    assert report["nodes_not_reached"] == ["b"]
    assert {job["node"] for job in report["jobs"]} == {"a"}
    assert scrapyd.deployed == [("a", "1")]
    assert "not reached: b (http://127.0.0.1:6802/: Connection refused)" in summary(report)[0]


def test_a_node_that_stops_answering_has_its_unfinished_jobs_moved_to_the_other(tmp_path):
    scrapyd = FakeScrapyd(dies_after={"b": 1})  # beta is pending on b when b goes
    report = run(tmp_path, scrapyd)
    assert report["ok"] is True
    assert report["nodes_lost"] == ["b"]
    beta = jobs_of(report)["beta"]
    assert beta["node"] == "a"
    assert beta["moved_from"] == ["b"]
    assert beta["job"] == f"{report['run']}-beta-2"
    [move] = report["moved"]
    assert (move["source"], move["from"], move["to"]) == ("beta", "b", "a")
    assert move["reason"].startswith("node b stopped answering")
    assert len((tmp_path / "spread" / "dataset.jsonl").read_text().splitlines()) == 9


def test_a_lost_nodes_finished_and_gathered_job_stays_where_it_ran(tmp_path):
    scrapyd = FakeScrapyd(dies_after={"b": 3}, slow={"delta"})  # b: beta gathered, delta still running
    report = run(tmp_path, scrapyd, sources=("alpha", "beta", "gamma", "delta"))
    jobs = jobs_of(report)
    assert (jobs["beta"]["node"], jobs["beta"]["moved_from"]) == ("b", [])
    assert (jobs["delta"]["node"], jobs["delta"]["moved_from"]) == ("a", ["b"])
    assert [move["source"] for move in report["moved"]] == ["delta"]
    assert report["ok"] is True


def test_with_no_node_left_the_lost_nodes_job_is_lost_and_the_run_unhealthy(tmp_path):
    scrapyd = FakeScrapyd(dies_after={"a": 1})
    report = run(tmp_path, scrapyd, targets=TARGETS[:1], sources=("alpha",))
    assert report["ok"] is False
    [job] = report["jobs"]
    assert job["state"] == "lost"
    assert job["problems"] == ["no node was left to run it"]
    assert report["moved"][0]["to"] is None


def test_jobs_still_running_at_the_deadline_are_cancelled(tmp_path):
    scrapyd = FakeScrapyd(never_finish=True)
    report = run(tmp_path, scrapyd, timeout_seconds=10, poll_seconds=1)
    assert report["ok"] is False
    assert {job["state"] for job in report["jobs"]} == {"timed_out"}
    assert sorted(job for _, job in scrapyd.cancelled) == sorted(job["job"] for job in report["jobs"])
    assert jobs_of(report)["alpha"]["problems"] == ["still running after 10 s: cancelled"]


def test_a_job_its_node_no_longer_lists_is_run_again_elsewhere(tmp_path):
    scrapyd = FakeScrapyd(forgets={"b"})
    report = run(tmp_path, scrapyd, sources=("alpha", "beta"))
    beta = jobs_of(report)["beta"]
    assert (beta["node"], beta["moved_from"], beta["state"]) == ("a", ["b"], "finished")
    assert report["moved"][0]["reason"] == "its node no longer lists it"


def test_a_refused_job_is_not_scheduled_and_says_why(tmp_path):
    report = run(tmp_path, FakeScrapyd(refuses={"a", "b"}), sources=("alpha",))
    [job] = report["jobs"]
    assert job["state"] == "not_scheduled"
    assert job["problems"] == ["schedule.json refused it: spider 'sources' not found"]
    assert report["ok"] is False


def test_a_failed_check_of_a_job_makes_the_run_unhealthy_and_is_named(tmp_path):
    report = run(tmp_path, FakeScrapyd(unhealthy={"beta"}))
    assert report["ok"] is False
    beta = jobs_of(report)["beta"]
    assert beta["healthy"] is False
    assert beta["records"] == 2  # its records are gathered all the same
    [line] = [line for line in summary(report) if line.strip().startswith("beta")]
    assert "NOT HEALTHY: source beta: title coverage is 0.2, expected >= 0.9" in line
    assert summary(report)[-1] == "not every job ended healthy: exit status 1"


def test_a_node_without_items_dir_is_a_problem_of_its_jobs(tmp_path):
    report = run(tmp_path, FakeScrapyd(no_items={"b"}), sources=("alpha", "beta"))
    assert jobs_of(report)["beta"]["problems"] == [
        "its node keeps no items: set items_dir in its scrapyd.conf"
    ]
    assert report["ok"] is False


def test_an_items_feed_shorter_than_the_crawl_is_a_problem(tmp_path):
    report = run(tmp_path, FakeScrapyd(scraped_more={"alpha"}), sources=("alpha",))
    assert jobs_of(report)["alpha"]["problems"] == ["its items feed holds 3 records, its crawl scraped 4"]


def test_a_log_without_a_run_report_is_a_problem(tmp_path):
    scrapyd = FakeScrapyd()
    original = scrapyd.download

    def cut_log(target, path, dest):
        size = original(target, path, dest)
        if path.endswith(".log"):
            dest.write_text(
                "2026-12-01 10:00:00 [scrapy.core.engine] INFO: Spider opened\n", encoding="utf-8"
            )
        return size

    scrapyd.download = cut_log  # type: ignore[method-assign]
    report = run(tmp_path, scrapyd, sources=("alpha",))
    [job] = report["jobs"]
    assert job["problems"] == ["its log holds no run report: the crawl did not close (see its log)"]
    assert job["healthy"] is None


def test_gathered_records_get_their_jobs_source_when_they_have_none(tmp_path):
    feed = tmp_path / "alpha.jl"
    lines = [
        '{"url": "https://a.invalid/1", "source": null}',
        "not json",
        '{"url": "https://a.invalid/2", "source": "alpha"}',
        '{"url": "https://a.invalid/3"',
    ]  # cut
    feed.write_text("\n".join(lines), encoding="utf-8")  # fmt: skip
    assert [(r["url"], r["source"]) for r in records_of(feed, "alpha")] == [
        ("https://a.invalid/1", "alpha"), ("https://a.invalid/2", "alpha"),
    ]  # fmt: skip


def test_with_every_node_down_no_job_runs_and_the_run_is_unhealthy(tmp_path):
    report = run(tmp_path, FakeScrapyd(down={"a", "b"}))
    assert report["ok"] is False
    assert report["nodes_not_reached"] == ["a", "b"]
    assert {job["state"] for job in report["jobs"]} == {"lost"}
    assert report["jobs"][0]["problems"] == ["no node was reached and took the egg"]
    assert report["records"] == 0


def test_a_node_that_refuses_the_egg_gets_no_job_and_says_why(tmp_path):
    report = run(tmp_path, FakeScrapyd(bad_egg={"b"}))
    assert {job["node"] for job in report["jobs"]} == {"a"}
    [b] = [node for node in report["nodes"] if node["name"] == "b"]
    assert (b["reached"], b["deployed"]) == (True, False)
    assert "node b refused the egg: ImportError: No module named 'feedparser'" in summary(report)


def test_a_node_lost_while_the_jobs_are_scheduled_gets_no_more_of_them(tmp_path):
    scrapyd = FakeScrapyd()
    original = scrapyd.schedule

    def b_goes_at_its_first_job(target, fields):
        if target.name == "b":
            scrapyd.down.add("b")
        return original(target, fields)

    scrapyd.schedule = b_goes_at_its_first_job  # type: ignore[method-assign]
    report = run(tmp_path, scrapyd, sources=("alpha", "beta", "gamma", "delta"))
    assert report["ok"] is True
    assert {job["node"] for job in report["jobs"]} == {"a"}
    assert report["nodes_lost"] == ["b"]
    assert report["moved"] == []  # no job had been scheduled on b


def test_the_run_file_holds_a_url_once_its_richer_duplicate_last(tmp_path):
    scrapyd = FakeScrapyd()
    original = scrapyd.download

    def feed_with_a_richer_duplicate(target, path, dest):
        size = original(target, path, dest)
        if path.endswith(".jl"):
            with dest.open("a", encoding="utf-8") as feed:
                feed.write(json.dumps({"url": "https://www.alpha.invalid/pubs/0", "title": "richer"}) + "\n")
        return size

    scrapyd.download = feed_with_a_richer_duplicate  # type: ignore[method-assign]
    scrapyd.scraped_more = {"alpha"}  # the crawl scraped the duplicate too
    report = run(tmp_path, scrapyd, sources=("alpha",))
    lines = [json.loads(line) for line in (tmp_path / "spread" / f"{report['run']}.jsonl").open()]
    assert [r["title"] for r in lines] == ["richer", "alpha 1", "alpha 2"]
    assert lines[0]["source"] == "alpha"
    assert report["records"] == 3
    assert jobs_of(report)["alpha"]["records"] == 4  # the feed's lines, as the crawl counted them


def test_old_egg_versions_are_deleted_on_idle_nodes_and_kept_where_jobs_wait(tmp_path):
    scrapyd = FakeScrapyd(busy={"b"})
    report = run(tmp_path, scrapyd, keep_versions=2)
    assert report["ok"] is True
    assert scrapyd.versions == {"a": ["0.3", "1"], "b": ["0.1", "0.2", "0.3", "1"]}
    nodes = {node["name"]: node for node in report["nodes"]}
    assert nodes["a"]["versions_deleted"] == ["0.1", "0.2"]
    assert (nodes["b"]["versions_deleted"], nodes["b"]["versions_kept_why"]) == (
        [], "jobs of the project are pending or running"
    )  # another run's job waits for its egg
    lines = summary(report)
    assert "node a: deleted 2 old egg version(s)" in lines
    assert "node b kept its old egg versions: jobs of the project are pending or running" in lines


def test_this_runs_egg_is_kept_whatever_keep_versions_says_and_0_deletes_none(tmp_path):
    scrapyd = FakeScrapyd()
    run(tmp_path / "first", scrapyd, keep_versions=0)
    assert scrapyd.versions["a"] == ["0.1", "0.2", "0.3", "1"]
    scrapyd.versions["a"].append("7")  # a newer one that someone else uploaded
    run(tmp_path / "second", scrapyd, keep_versions=1)  # the same "1" again
    assert scrapyd.versions["a"] == ["1", "7"]


def test_a_node_that_will_not_delete_old_eggs_is_noted_and_the_run_stays_healthy(tmp_path):
    scrapyd = FakeScrapyd(no_delete={"a"})
    report = run(tmp_path, scrapyd, keep_versions=1)
    assert report["ok"] is True
    nodes = {node["name"]: node for node in report["nodes"]}
    assert nodes["a"]["versions_kept_why"] == "listing or deleting them failed: Permission denied"
    assert nodes["b"]["versions_deleted"] == ["0.1", "0.2", "0.3"]
