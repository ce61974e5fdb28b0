"""What the pipelines and run extensions hand one another: the one interface between them.

Each component (``pipelines/*``, ``brief_scraper/runs/{archive,datasetupdate,runreport}.py``)
does one job and reads its own settings in ``from_crawler``; none imports another's module.
What one gives another goes through this module, and only through it:

=========================  ==========================  ======================================
what                       given by                    taken by
=========================  ==========================  ======================================
:class:`RunFiles`          JsonlWriterPipeline, when   ValidatePipeline (the rejected file);
(:func:`run_files`)        it opens the run            anyone else who needs the run's paths
:data:`run_opened`         JsonlWriterPipeline         RunReport, DatasetUpdate, PageArchive
:data:`record_replaced`    DedupePipeline              JsonlWriterPipeline
:data:`record_removed`     JsonlWriterPipeline         StatsPipeline
:class:`UnchangedRecords`  SeenPipeline (marks)        JsonlWriterPipeline (leaves them out)
(:func:`unchanged_records`)
=========================  ==========================  ======================================

Signals are sent with ``crawler.signals.send_catch_log`` and connected with
``crawler.signals.connect``; the other two are per crawler, made on first use and gone with
the crawler. Spider folders are named with :func:`spider_folder`.

Order. Each record goes through ``ITEM_PIPELINES`` (``brief_scraper/settings.py``) in order:
normalize (100) -> cap (150) -> validate (200) -> dedupe (300) -> seen (350) -> stats (400)
-> write (900). Each pipeline says which others must come before it (``after``) or after it
(``before``), by import path, and ``tests/test_contracts.py`` checks the configured order
against them (:func:`order_problems`). On close, pipelines' ``spider_closed`` handlers run
first (signal handlers run in the order they were connected, and pipelines connect theirs when
they are built); the run extensions connect theirs when the spider opens, so they see the run
closed: its ``.part`` renamed and superseded records taken back out of the counts.

Pure: no Scrapy import (the order check is given a loader).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from scrapy.crawler import Crawler

# --- signals ----------------------------------------------------------------------------

run_opened = object()
"""Sent by the component writing the run file (JsonlWriterPipeline) when it opens the run.

Argument: ``path``, the run's final path (``output/<spider>/<run>.jsonl``); the report goes
beside it as ``<run>.stats.json``. :func:`run_files` gives the rest of the run's paths.
"""

record_replaced = object()
"""Sent by DedupePipeline before it passes on a richer duplicate. Argument: ``url``.

The record passed on earlier for that URL is superseded by the one that follows. A record
that a later, richer duplicate replaces has already been written (output is streamed), so the
components involved tell each other rather than hold records back.
"""

record_removed = object()
"""Sent by JsonlWriterPipeline for each superseded record it removes on close. Argument: ``record``.

Counters of records (StatsPipeline) take the record back out of their counts.
"""

# --- the run's identity and paths -------------------------------------------------------

# A name given to a folder or file: no separator, no leading dot, so never "..", "/x" or "a/b".
_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
REJECTED_SUFFIX = ".rejected.jsonl"


def check_name(name: object, what: str) -> str:
    """Return *name* when it can name one folder or file below the output dir, else raise.

    Raises ValueError for anything that could leave the folder or hide in it: ``..``, an
    absolute path, a separator, a leading dot, an empty or over-long name.

    >>> check_name("wilsoncenter", "spider name")
    'wilsoncenter'
    >>> check_name("../x", "spider name")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: spider name '../x' cannot name a folder or file below BRIEF_OUTPUT_DIR: ...
    """
    if not isinstance(name, str) or not _SAFE_NAME_RE.match(name) or ".." in name:
        raise ValueError(
            f"{what} {name!r} cannot name a folder or file below BRIEF_OUTPUT_DIR: use 1-100 letters,"
            " digits, '_', '-' and '.', not starting with '.' or '-' and without '..' or '/'"
        )
    return name


def spider_folder(out_dir: Path, spider: object) -> Path:
    """Return the folder of *spider*'s runs below *out_dir* (its name checked, nothing made).

    >>> spider_folder(Path("output"), "wilsoncenter").as_posix()
    'output/wilsoncenter'
    """
    return out_dir / check_name(spider, "spider name")


@dataclass(frozen=True, slots=True)
class RunFiles:
    """Where one run is written: ``<out_dir>/<spider>/<name><suffix>`` and files beside it.

    >>> run = RunFiles(Path("output"), "wilsoncenter", "20261128T090000Z", ".jsonl.gz")
    >>> run.path.as_posix()
    'output/wilsoncenter/20261128T090000Z.jsonl.gz'
    >>> run.part.name, run.rejected.name
    ('20261128T090000Z.jsonl.gz.part', '20261128T090000Z.rejected.jsonl')
    """

    out_dir: Path  # BRIEF_OUTPUT_DIR
    spider: str  # the spider's name, checked: the folder of its runs
    name: str  # the run's name, its UTC start time: 20261128T090000Z (-2, -3... on a clash)
    suffix: str  # ".jsonl" or ".jsonl.gz"

    @property
    def folder(self) -> Path:
        """The spider's folder, which holds its runs."""
        return spider_folder(self.out_dir, self.spider)

    @property
    def path(self) -> Path:
        """The run file once the run is closed."""
        return self.folder / f"{self.name}{self.suffix}"

    @property
    def part(self) -> Path:
        """The run file while the run is written (and for good when the crawl is killed)."""
        return part_of(self.path)

    @property
    def rejected(self) -> Path:
        """The run's records that failed validation, with their errors (plain JSON lines)."""
        return self.folder / f"{self.name}{REJECTED_SUFFIX}"


def part_of(path: Path) -> Path:
    """Return where *path* is written until it is whole: ``<path>.part``."""
    return path.with_name(path.name + ".part")


_RUNS: WeakKeyDictionary[Crawler, RunFiles] = WeakKeyDictionary()


def set_run_files(crawler: Crawler, run: RunFiles) -> None:
    """Say where *crawler*'s run is written (the writer, when it opens the run)."""
    _RUNS[crawler] = run


def run_files(crawler: Crawler) -> RunFiles | None:
    """Return where *crawler*'s run is written; None before the run is opened, or with no writer."""
    return _RUNS.get(crawler)


# --- records unchanged since an earlier run ----------------------------------------------


class UnchangedRecords:
    """The records of one crawl found unchanged since an earlier run, until they leave the pipelines.

    An unchanged record is not dropped: Scrapy's feed exports (``-O``, ``FEEDS``) get every
    record the crawl found, and the health checks count it. It only stays out of the run's own
    delta file. The mark lives here, outside the record, so that the record reaching the feeds
    is the record as extracted, with no key added.

    - ``SeenPipeline`` calls :meth:`mark` for a record it found unchanged, and :meth:`forget`
      once the record has left the pipelines (``item_scraped`` or ``item_dropped``), so marks
      never pile up;
    - ``JsonlWriterPipeline`` asks :meth:`is_marked` and writes no line for it.

    Marks hold the record object itself, so that an ``id()`` is never reused for another
    record while its mark is alive.

    >>> marks = UnchangedRecords()
    >>> record, other = {"url": "https://x.org/p"}, {"url": "https://x.org/p"}
    >>> marks.mark(record)
    >>> marks.is_marked(record), marks.is_marked(other)  # the same object, not an equal one
    (True, False)
    >>> marks.forget(record), marks.forget(record), len(marks)
    (True, False, 0)
    """

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}

    def mark(self, item: Any) -> None:
        """Mark *item* as unchanged since an earlier run."""
        self._items[id(item)] = item

    def is_marked(self, item: Any) -> bool:
        """Return whether *item* (this very object) is marked unchanged."""
        return self._items.get(id(item)) is item

    def forget(self, item: Any) -> bool:
        """Drop *item*'s mark; return whether it had one."""
        if self.is_marked(item):
            del self._items[id(item)]
            return True
        return False

    def __len__(self) -> int:
        return len(self._items)


_MARKS: WeakKeyDictionary[Crawler, UnchangedRecords] = WeakKeyDictionary()


def unchanged_records(crawler: Crawler) -> UnchangedRecords:
    """Return the marks of *crawler*'s records (made on first use, gone with the crawler)."""
    marks = _MARKS.get(crawler)
    if marks is None:
        marks = _MARKS[crawler] = UnchangedRecords()
    return marks


# --- pipeline order ---------------------------------------------------------------------


def order_problems(pipelines: Mapping[str, int | None], load: Callable[[str], Any]) -> list[str]:
    """Return what is wrong with the order of *pipelines* (``ITEM_PIPELINES``); [] when nothing.

    Each pipeline class may declare ``after`` and ``before``: tuples of the import paths of
    pipelines that must run before it, or after it, when they are configured too. A pipeline
    set to None is off, and not judged.

    >>> class A:
    ...     before = ("b.B",)
    >>> class B:
    ...     after = ("a.A",)
    >>> load = {"a.A": A, "b.B": B}.get
    >>> order_problems({"a.A": 100, "b.B": 200}, load)
    []
    >>> order_problems({"a.A": 300, "b.B": 200}, load)
    ['b.B (200) must run after a.A (300)', 'a.A (300) must run before b.B (200)']
    """
    on = {path: order for path, order in pipelines.items() if order is not None}
    problems = []
    for path, order in sorted(on.items(), key=lambda item: (item[1], item[0])):
        cls = load(path)
        for other in getattr(cls, "before", ()):
            if other in on and not order < on[other]:
                problems.append(f"{path} ({order}) must run before {other} ({on[other]})")
        for other in getattr(cls, "after", ()):
            if other in on and not on[other] < order:
                problems.append(f"{path} ({order}) must run after {other} ({on[other]})")
    return problems


# --- sources ----------------------------------------------------------------------------


def declared_sources(spider: Any) -> frozenset[str]:
    """Return the source keys the crawl's spider follows (a sources file's), else none.

    Per-source stats (``brief/source/<key>/...``) and health checks are kept for these keys
    only: a record's ``source`` is a host on other spiders, and host keys would not be bounded.
    A spider declares them as its ``source_keys`` attribute.
    """
    return frozenset(getattr(spider, "source_keys", ()) or ())
