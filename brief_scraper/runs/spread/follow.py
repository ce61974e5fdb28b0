"""A spread run's life on the nodes: check them, deploy, schedule, follow, gather, move.

:class:`Spreader` drives Scrapyd's own machinery and keeps no queue of its own: each node's
``listjobs.json`` says where each job is. It is given a client (``ScrapydClient``, or a fake
one in the tests), a clock and a sleep, so that the whole life of a run, a node lost midway
included, is tested without a Scrapyd or a wait.

- A node that does not answer ``daemonstatus.json`` at the start is not reached and gets no
  jobs; one that refuses the egg gets none either.
- A node that stops answering while its jobs are followed (:data:`NODE_LOST_AFTER_POLLS`
  polls in a row) is lost: its jobs whose output this run does not have yet are scheduled on
  the others, the least loaded first. So is a job a node stops listing (Scrapyd restarted).
- A finished job's log and items are fetched at once (Scrapyd removes a spider's oldest logs
  and feeds past ``jobs_to_keep``).
- At the deadline, the jobs still pending or running are cancelled (``cancel.json``).
- At the end, each node that runs no job of the project any more loses the egg versions older
  than the newest few (``delversion.json``), so that a daily spread does not pile up an egg a
  day; a node with a job pending or running keeps them all this time (a job scheduled with an
  old ``_version`` needs its egg when it starts, and Scrapyd reads a running job's egg in place).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from brief_scraper.runs.spread.gather import fetch_output
from brief_scraper.runs.spread.jobs import (
    FINISHED,
    LOST,
    NOT_SCHEDULED,
    PENDING,
    RUNNING,
    TIMED_OUT,
    UNFINISHED,
    Job,
    Move,
    Node,
    jobs_to_move,
    least_loaded,
    plan,
    versions_to_delete,
)  # fmt: skip
from brief_scraper.runs.spread.scrapyd import NodeUnreachable, ScrapydRefused

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from brief_scraper.runs.spread.scrapyd import ScrapydClient
    from brief_scraper.runs.spread.targets import Target

logger = logging.getLogger(__name__)

NODE_LOST_AFTER_POLLS = 3  # a node is lost after this many unanswered polls in a row: not one hiccup
VANISHED_AFTER_POLLS = 3  # a job its node no longer lists, this many polls in a row, is run again
SPIDER = "sources"


class Spreader:
    """One spread run's nodes and jobs, and the calls that move them along."""

    def __init__(
        self,
        client: ScrapydClient,
        targets: Sequence[Target],
        sources: Sequence[str],
        fields: Callable[[str], list[tuple[str, str]]],
        folder: Path,
        run: str,
        *,
        poll_seconds: float = 5.0,
        timeout_seconds: float = 86400.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.nodes = {target.name: Node(target) for target in targets}
        self.sources = list(sources)
        self.fields = fields  # source -> schedule.json fields of its job (spider arguments, settings)
        self.folder, self.run = folder, run
        self.poll_seconds, self.timeout_seconds = poll_seconds, timeout_seconds
        self.clock, self.sleep = clock, sleep
        self.jobs: list[Job] = []
        self.moves: list[Move] = []
        self.version: str | None = None

    def usable(self) -> list[str]:
        """The nodes that can take jobs now, in scrapy.cfg's order."""
        return [name for name, node in self.nodes.items() if node.usable]

    # --- start ----------------------------------------------------------------------------

    def check_nodes(self) -> None:
        """Ask each node's ``daemonstatus.json``; one that does not answer is not reached."""
        for node in self.nodes.values():
            try:
                self.client.daemon_status(node.target)
            except (NodeUnreachable, ScrapydRefused) as error:
                node.error = str(error)
                logger.warning("Node %(node)s (%(url)s) not reached: %(error)s",
                               {"node": node.name, "url": node.target.url, "error": node.error})  # fmt: skip
            else:
                node.reached = True

    def deploy(self, egg: bytes, version: str) -> None:
        """Upload the egg to every reached node (``addversion.json``) as *version*."""
        self.version = version
        for node in self.nodes.values():
            if not node.reached:
                continue
            try:
                self.client.add_version(node.target, version, egg)
            except NodeUnreachable as error:
                node.reached, node.error = False, str(error)
                logger.warning("Node %(node)s not reached: %(error)s", {"node": node.name, "error": error})
            except ScrapydRefused as error:
                node.error = f"refused the egg: {error}"
                logger.error("Node %(node)s refused the egg: %(error)s", {"node": node.name, "error": error})
            else:
                node.deployed = True

    def schedule_all(self) -> None:
        """Schedule one job per source, round robin over the usable nodes."""
        usable = self.usable()
        if not usable:
            self.jobs = [Job(source, state=LOST, problems=["no node was reached and took the egg"])
                         for source in self.sources]  # fmt: skip
            return
        for source, node in plan(self.sources, usable):
            job = Job(source)
            self.jobs.append(job)
            self._place(job, node)

    # --- follow ---------------------------------------------------------------------------

    def follow(self) -> None:
        """Poll the nodes until every job has ended or the deadline; gather each finished job."""
        deadline = self.clock() + self.timeout_seconds
        while any(job.state in UNFINISHED for job in self.jobs):
            if self.clock() >= deadline:
                self._time_out()
                return
            for name in list(self.nodes):
                if self.nodes[name].usable and any(
                    j.node == name and j.state in UNFINISHED for j in self.jobs
                ):
                    self._poll(self.nodes[name])
            if any(job.state in UNFINISHED for job in self.jobs):
                self.sleep(self.poll_seconds)

    def _poll(self, node: Node) -> None:
        try:
            listing = self.client.list_jobs(node.target)
        except (NodeUnreachable, ScrapydRefused) as error:
            node.failures += 1
            logger.warning("Node %(node)s did not answer listjobs.json (%(error)s), %(n)d time(s) in a row",
                           {"node": node.name, "error": error, "n": node.failures})  # fmt: skip
            if node.failures >= NODE_LOST_AFTER_POLLS:
                self._lose(node, f"stopped answering: {error}")
            return
        node.failures = 0
        states: dict[str, tuple[str, dict[str, Any]]] = {}
        for state in (PENDING, RUNNING, FINISHED):
            for entry in listing.get(state) or []:
                if isinstance(entry, dict) and entry.get("id"):
                    states[entry["id"]] = (state, entry)
        for job in [j for j in self.jobs if j.node == node.name and j.state in UNFINISHED]:
            found = states.get(job.job_id or "")
            if found is None:
                job.missing_polls += 1
                if job.missing_polls >= VANISHED_AFTER_POLLS:
                    self._move(job, node, "its node no longer lists it")
                continue
            job.missing_polls = 0
            state, entry = found
            if state != FINISHED:
                job.state = state
                continue
            job.log_url, job.items_url = entry.get("log_url"), entry.get("items_url")
            try:
                fetch_output(self.client, node.target, job, self.folder, self.run)
            except NodeUnreachable as error:
                self._lose(node, f"stopped answering while its output was fetched: {error}")
                return
            job.state = FINISHED
            logger.info("Job %(job)s (%(source)s) finished on %(node)s: %(records)d records, %(verdict)s",
                        {"job": job.job_id, "source": job.source, "node": node.name, "records": job.records,
                         "verdict": "healthy" if job.ok else "not healthy"})  # fmt: skip

    def prune_versions(self, keep: int) -> None:
        """Delete the egg versions older than the newest *keep* on every node now idle.

        Never the version this run deployed; nothing when *keep* is 0. A node that fails to
        answer here is noted in the report, and the run's verdict does not change.
        """
        if keep <= 0 or self.version is None:
            return
        for node in self.nodes.values():
            if not node.usable:
                continue
            try:
                listing = self.client.list_jobs(node.target)
                if listing.get(PENDING) or listing.get(RUNNING):
                    node.versions_kept_why = "jobs of the project are pending or running"
                    continue
                for version in versions_to_delete(self.client.list_versions(node.target), keep, self.version):
                    self.client.delete_version(node.target, version)
                    node.versions_deleted.append(version)
            except (NodeUnreachable, ScrapydRefused) as error:
                node.versions_kept_why = f"listing or deleting them failed: {error}"
                logger.warning("Node %(node)s: old egg versions not deleted: %(error)s",
                               {"node": node.name, "error": error})  # fmt: skip
            if node.versions_deleted:
                logger.info(
                    "Node %(node)s: deleted %(count)d old egg version(s), kept the newest %(keep)d",
                    {"node": node.name, "count": len(node.versions_deleted), "keep": keep},
                )

    # --- placing and moving ---------------------------------------------------------------

    def _job_id(self, job: Job) -> str:
        attempt = len(job.moved_from) + 1
        return f"{self.run}-{job.source}" + (f"-{attempt}" if attempt > 1 else "")

    def _place(self, job: Job, node_name: str | None) -> None:
        """Schedule *job* on *node_name*, else on the least loaded usable node; LOST if none can."""
        while node_name is not None:
            node = self.nodes[node_name]
            if not node.usable:  # lost since the plan was made
                node_name = least_loaded(self.jobs, self.usable())
                continue
            job_id = self._job_id(job)
            fields = [("spider", SPIDER), ("jobid", job_id), *self.fields(job.source)]
            if self.version is not None:
                fields.append(("_version", self.version))
            try:
                job.job_id = self.client.schedule(node.target, fields)
            except NodeUnreachable as error:
                self._lose(node, f"stopped answering schedule.json: {error}")
                node_name = least_loaded(self.jobs, self.usable())
                continue
            except ScrapydRefused as error:
                job.node, job.state = node.name, NOT_SCHEDULED
                job.problems.append(f"schedule.json refused it: {error}")
                logger.error("Node %(node)s refused the job of %(source)s: %(error)s",
                             {"node": node.name, "source": job.source, "error": error})  # fmt: skip
                return
            job.node, job.state, job.missing_polls = node.name, PENDING, 0
            logger.info("Scheduled %(source)s on %(node)s: job %(job)s",
                        {"source": job.source, "node": node.name, "job": job.job_id})  # fmt: skip
            return
        job.state = LOST
        job.problems.append("no node was left to run it")

    def _lose(self, node: Node, why: str) -> None:
        """Mark *node* lost, and schedule its unfinished jobs on the others."""
        if node.lost:
            return
        node.lost, node.error = True, why
        logger.warning("Node %(node)s is lost: %(why)s", {"node": node.name, "why": why})
        for job in jobs_to_move(self.jobs, node.name):
            self._move(job, node, f"node {node.name} {why}")

    def _move(self, job: Job, node: Node, reason: str) -> None:
        from_job = job.job_id
        job.forget_outcome()
        job.moved_from.append(node.name)
        job.node, job.job_id, job.state = None, None, LOST  # not counted as load while placed
        self._place(job, least_loaded(self.jobs, [n for n in self.usable() if n != node.name]))
        self.moves.append(Move(job.source, node.name, from_job, job.node, job.job_id, reason))
        logger.warning(
            "Moved %(source)s from %(from)s to %(to)s: %(why)s",
            {"source": job.source, "from": node.name, "to": job.node or "no node", "why": reason},
        )

    def _time_out(self) -> None:
        for job in self.jobs:
            if job.state not in UNFINISHED:
                continue
            job.problems.append(f"still {job.state} after {self.timeout_seconds:g} s: cancelled")
            job.state = TIMED_OUT
            node = self.nodes.get(job.node or "")
            if node is not None and job.job_id and not node.lost:
                try:
                    self.client.cancel(node.target, job.job_id)
                except (NodeUnreachable, ScrapydRefused) as error:
                    job.problems.append(f"cancel.json failed: {error}")
