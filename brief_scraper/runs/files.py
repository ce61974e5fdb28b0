"""The run files of a spider's output folder: their names, their order, which are runs.

A run is named for its start time in UTC (``20261128T090000Z``), with ``-2``, ``-3``... when
two runs start in the same second. Its files sit side by side in ``<BRIEF_OUTPUT_DIR>/<spider>/``:
the delta ``<run>.jsonl`` (``.jsonl.gz``; ``.part`` while it is written, or for good when the
crawl was killed), ``<run>.rejected.jsonl``, the report ``<run>.stats.json``, and the archive
``archive/<run>-00001.warc.gz``. Pure: no Scrapy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_RUN_RE = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<attempt>\d{1,3}))?")
RUN_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.part", ".jsonl.gz.part")
REPORT_SUFFIX = ".stats.json"


def run_name(filename: str, suffixes: tuple[str, ...] = RUN_SUFFIXES) -> str | None:
    """Return the run a file of the output folder belongs to, if it has one of *suffixes*.

    >>> run_name("20261128T090000Z.jsonl"), run_name("20261128T090000Z-2.jsonl.gz.part")
    ('20261128T090000Z', '20261128T090000Z-2')
    >>> run_name("20261128T090000Z.rejected.jsonl"), run_name("latest.jsonl"), run_name("dataset.jsonl")
    (None, None, None)
    >>> run_name("20261128T090000Z.stats.json", (".stats.json",))
    '20261128T090000Z'
    """
    for suffix in suffixes:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            match = _RUN_RE.match(stem)
            return stem if match and match.end() == len(stem) else None
    return None


def run_key(name: str) -> tuple[str, int]:
    """Return a key that sorts run names in the order the runs started.

    >>> sorted(["20261128T090000Z-2", "20261128T090000Z", "20261127T230000Z"], key=run_key)
    ['20261127T230000Z', '20261128T090000Z', '20261128T090000Z-2']
    """
    match = _RUN_RE.match(name)
    if match is None:
        return (name, 0)
    return (match["stamp"], int(match["attempt"] or 1))


def run_files(folder: Path) -> list[Path]:
    """Return the record files of every run in *folder*, oldest run first.

    A killed run's ``.part`` counts (its lines are whole; see ``pipelines/jsonl.py``). When a
    run has both a finished file and a ``.part`` (a crash between the writer's rename steps),
    the finished file is taken. Symlinks (``latest.jsonl``) are not runs.
    """
    chosen: dict[str, Path] = {}
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        name = run_name(path.name)
        if name is None or path.is_symlink() or not path.is_file():
            continue
        if name not in chosen or chosen[name].name.endswith(".part"):
            chosen[name] = path
    return [chosen[name] for name in sorted(chosen, key=run_key)]
