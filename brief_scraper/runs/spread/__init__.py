"""One sources file's crawl spread over Scrapyd nodes (``scrapy spread``): Scrapyd's own machinery.

:func:`spread` builds no scheduler of its own: it checks each ``[deploy:NAME]`` node
(``daemonstatus.json``), uploads the project's egg (``addversion.json``), schedules one job of
the ``sources`` spider per source (``schedule.json``: ``only=<key>``, the file's text as
``sources_toml``, the caller's spider arguments and settings), round robin over the nodes
reached, follows them through ``listjobs.json``, moves the jobs of a node that stops
answering, and gathers every job's log and items over HTTP into the spread folder, where it
writes the run file, the current dataset and one run report. Last, it deletes the project's
egg versions older than the newest *keep_versions* on each node that is idle.

=========================  =====================================================
``targets.py``             the nodes: ``[deploy:NAME]`` sections of ``scrapy.cfg``
``egg.py``                 the project's egg, from ``pyproject.toml``, stdlib only
``scrapyd.py``             the Scrapyd endpoints, over urllib
``jobs.py``                nodes, jobs, moves; round robin and least-loaded (pure)
``follow.py``              the run's life on the nodes: schedule, follow, move
``gather.py``              logs and items fetched; run file, dataset, report, summary
=========================  =====================================================
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from brief_scraper.runs.spread.follow import SPIDER, Spreader
from brief_scraper.runs.spread.gather import finish

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from brief_scraper.runs.spread.egg import Egg
    from brief_scraper.runs.spread.scrapyd import ScrapydClient
    from brief_scraper.runs.spread.targets import Target

logger = logging.getLogger(__name__)

RUN_NAME_FORMAT = "%Y%m%dT%H%M%SZ"  # as the crawl's run files: sorts by time, no ":" in names


def job_fields(
    source: str, sources_text: str, arguments: Mapping[str, str], settings: Sequence[str]
) -> list[tuple[str, str]]:
    """Return the ``schedule.json`` fields of one source's job, project and spider aside.

    >>> job_fields("rand", "[sources.rand]", {"since": "2026-11-01"}, ["DOWNLOAD_DELAY=0"])[2:]
    [('since', '2026-11-01'), ('setting', 'DOWNLOAD_DELAY=0')]
    """
    return [("only", source), ("sources_toml", sources_text), *arguments.items(),
            *(("setting", setting) for setting in settings)]  # fmt: skip


def new_run(folder: Path, now: datetime | None = None) -> str:
    """Make ``<folder>/<run>/`` for a new spread run, named for its start (UTC); return the name.

    Two runs in the same second get ``-2``, ``-3``... as crawl runs do.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(RUN_NAME_FORMAT)
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 100):
        name = stamp if attempt == 1 else f"{stamp}-{attempt}"
        try:
            (folder / name).mkdir()
        except FileExistsError:
            continue
        return name
    raise FileExistsError(f"no free run name for {stamp} in {folder}")


def spread(
    client: ScrapydClient,
    targets: Sequence[Target],
    sources: Sequence[str],
    sources_text: str,
    egg: Egg,
    version: str,
    folder: Path,
    *,
    arguments: Mapping[str, str] | None = None,
    settings: Sequence[str] = (),
    poll_seconds: float = 5.0,
    timeout_seconds: float = 86400.0,
    keep_versions: int = 0,
    facts: Mapping[str, Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Run one job per source of *sources* on the *targets* and gather them; return the report.

    *facts* go into the report as they are (the sources file's path, say); *clock* and
    *sleep* time the polls (the tests give their own). *keep_versions* 0 deletes no egg.
    """
    started = datetime.now(UTC)
    run = new_run(folder, started)
    spreader = Spreader(
        client, targets, sources, lambda key: job_fields(key, sources_text, arguments or {}, settings),
        folder, run, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds, clock=clock, sleep=sleep,
    )  # fmt: skip
    spreader.check_nodes()
    spreader.deploy(egg.data, version)
    spreader.schedule_all()
    spreader.follow()
    spreader.prune_versions(keep_versions)
    return finish(folder, run, started, spreader, **(facts or {}), spider=SPIDER, version=version,
                  egg_sha256=egg.sha256, sources=list(sources), timeout_seconds=timeout_seconds)  # fmt: skip
