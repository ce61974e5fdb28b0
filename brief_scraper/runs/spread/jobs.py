"""The nodes and jobs of a spread run, and where each job goes: pure planning, no I/O.

One job per source, spread round robin over the nodes that were reached and took the egg
(:func:`plan`). A job of a node that stops answering moves to the reachable node with the
fewest unfinished jobs of this run (:func:`least_loaded`), so the work left is shared by
those with the most room.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from brief_scraper.runs.spread.targets import Target

# A job's state: Scrapyd's own words while it lives, then how it ended for this run.
PLANNED, PENDING, RUNNING, FINISHED = "planned", "pending", "running", "finished"
TIMED_OUT = "timed_out"  # still pending or running at the deadline: cancelled
LOST = "lost"  # its node stopped answering and no other node could take it
NOT_SCHEDULED = "not_scheduled"  # schedule.json said no (its message is in the job's problems)
UNFINISHED = frozenset({PLANNED, PENDING, RUNNING})


@dataclass
class Node:
    """A Scrapyd node of the run: whether it was reached, took the egg, and is still answering."""

    target: Target
    reached: bool = False  # daemonstatus.json answered at the start
    deployed: bool = False  # addversion.json took the egg
    lost: bool = False  # stopped answering while the jobs were followed
    error: str | None = None  # why it was not reached, refused the egg, or was lost
    failures: int = 0  # polls in a row it did not answer
    versions_deleted: list[str] = field(default_factory=list)  # old eggs removed after the run
    versions_kept_why: str | None = None  # why old eggs were left, when they were

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def usable(self) -> bool:
        """Whether the node can take jobs now."""
        return self.reached and self.deployed and not self.lost

    def as_dict(self) -> dict[str, Any]:
        """Return the node as the run report lists it."""
        return {"name": self.name, "url": self.target.url, "project": self.target.project,
                "reached": self.reached, "deployed": self.deployed, "lost": self.lost,
                "error": self.error, "versions_deleted": self.versions_deleted,
                "versions_kept_why": self.versions_kept_why}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Move:
    """A job scheduled again on another node, and why."""

    source: str
    from_node: str
    from_job: str | None
    to_node: str | None  # None: no node was left to take it
    to_job: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Return the move as the run report lists it."""
        return {"source": self.source, "from": self.from_node, "from_job": self.from_job,
                "to": self.to_node, "to_job": self.to_job, "reason": self.reason}  # fmt: skip


@dataclass
class Job:
    """One source's crawl: where it runs, its Scrapyd job, and, once gathered, its outcome."""

    source: str
    node: str | None = None
    job_id: str | None = None
    state: str = PLANNED
    missing_polls: int = 0  # polls in a row its node's listjobs.json did not list it
    log_url: str | None = None
    items_url: str | None = None
    items_file: str | None = None  # where its items were saved, relative to the spread folder
    log_file: str | None = None
    records: int = 0
    finish_reason: str | None = None
    healthy: bool | None = None  # the job's own run report's verdict (None: checks off)
    checks: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)  # its source's requests, records, errors, drops
    problems: list[str] = field(default_factory=list)  # what kept its output or verdict from us
    moved_from: list[str] = field(default_factory=list)

    def forget_outcome(self) -> None:
        """Drop what an attempt that is run again had gathered: the next attempt's output counts."""
        self.log_url = self.items_url = self.items_file = self.log_file = None
        self.records, self.finish_reason, self.healthy = 0, None, None
        self.checks, self.figures, self.problems = [], {}, []

    @property
    def ok(self) -> bool:
        """Whether the job ended healthy: finished, gathered whole, and no failed check."""
        return self.state == FINISHED and not self.problems and self.healthy is not False

    def as_dict(self) -> dict[str, Any]:
        """Return the job as the run report lists it."""
        return {"source": self.source, "node": self.node, "job": self.job_id, "state": self.state,
                "ok": self.ok, "records": self.records, "finish_reason": self.finish_reason,
                "healthy": self.healthy, "figures": self.figures, "checks": self.checks,
                "problems": self.problems, "moved_from": self.moved_from, "items_file": self.items_file,
                "log_file": self.log_file, "log_url": self.log_url, "items_url": self.items_url}  # fmt: skip


def plan(sources: Sequence[str], nodes: Sequence[str]) -> list[tuple[str, str]]:
    """Return (source, node) for each source, round robin over *nodes* in their order.

    >>> plan(["wilsoncenter", "rand", "csis"], ["a", "b"])
    [('wilsoncenter', 'a'), ('rand', 'b'), ('csis', 'a')]
    >>> plan(["rand"], [])
    Traceback (most recent call last):
    ...
    ValueError: no node to run the jobs on
    """
    if not nodes:
        raise ValueError("no node to run the jobs on")
    return [(source, nodes[index % len(nodes)]) for index, source in enumerate(sources)]


def least_loaded(jobs: Sequence[Job], nodes: Sequence[str]) -> str | None:
    """Return the node of *nodes* with the fewest unfinished jobs (the first of equals), or None.

    >>> jobs = [Job("rand", "a", state=RUNNING), Job("csis", "a", state=PENDING),
    ...         Job("x", "b", state=FINISHED)]
    >>> least_loaded(jobs, ["a", "b"]), least_loaded(jobs, ["a"]), least_loaded(jobs, [])
    ('b', 'a', None)
    """
    load = {node: 0 for node in nodes}
    for job in jobs:
        if job.node in load and job.state in UNFINISHED:
            load[job.node] += 1
    return min(load, key=lambda node: load[node]) if load else None


def versions_to_delete(versions: Sequence[str], keep: int, current: str) -> list[str]:
    """Return the egg versions older than the newest *keep* (*versions* oldest first, as
    Scrapyd lists them), never *current*, the one this run's jobs ran; none when *keep* is 0.

    >>> versions_to_delete(["1", "2", "3", "4", "5"], 2, "5")
    ['1', '2', '3']
    >>> versions_to_delete(["1", "2", "3"], 1, "2"), versions_to_delete(["1", "2"], 0, "2")
    (['1'], [])
    """
    if keep <= 0:
        return []
    kept = {*versions[-keep:], current}
    return [version for version in versions if version not in kept]


def jobs_to_move(jobs: Sequence[Job], node: str) -> list[Job]:
    """Return the jobs of *node* whose output this run does not have yet (unfinished ones).

    >>> jobs = [Job("rand", "a", state=RUNNING), Job("csis", "a", state=FINISHED),
    ...         Job("x", "b", state=PENDING)]
    >>> [job.source for job in jobs_to_move(jobs, "a")]
    ['rand']
    """
    return [job for job in jobs if job.node == node and job.state in UNFINISHED]
