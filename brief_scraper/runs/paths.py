"""The folders a crawl writes, checked before it starts: inside the project, and folders.

The ``crawl`` command (``brief_scraper/commands/crawl.py``) calls :func:`check_output_folders`
on the crawler's settings, so that a folder the run would write outside the project, or could
not make, stops it with one line and exit status 2 instead of writing anywhere or failing
midway with tracebacks. Each setting names a folder, resolved as the component that uses it
does, and must resolve inside its root (symbolic links followed, so a root that is a link to
another disk is fine):

=====================  ==========================================  =====================
setting                a relative value is taken from              root it stays inside
=====================  ==========================================  =====================
``BRIEF_OUTPUT_DIR``   the folder the crawl runs in                ``output/``
``JOBDIR``             the folder the crawl runs in                ``output/``
``BRIEF_ARCHIVE_DIR``  the folder the crawl runs in                ``output/``
``HTTPCACHE_DIR``      Scrapy's project data folder (``.scrapy/``)  ``.scrapy/``
=====================  ==========================================  =====================

``LOG_FILE`` is opened by Scrapy before any command runs, and a missing folder ends it in a
traceback: :func:`prepare_log_file` (each command's ``process_options``) makes the folder when
it lies inside ``output/`` (``-s LOG_FILE=output/sources/cron.log`` on a first run), and
otherwise stops with one line. It may lie anywhere, since Scrapyd gives each job one of its
own.

``BRIEF_OUTPUT_ALLOW_OUTSIDE`` (default False) lets an *absolute* path lie anywhere: Scrapyd
starts each job in a folder of its own, so there the output needs an absolute root
(``-d setting=BRIEF_OUTPUT_DIR=/srv/brief-scraper/output``). A relative path that climbs out
of its root with ``..`` is refused either way: it is a typo, or worse. An empty
``BRIEF_OUTPUT_DIR`` turns the writer off, and is not checked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.project import data_path

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

OUTPUT_ROOT = "output"  # below the folder the crawl runs in: where runs, archives and jobs go
ALLOW_OUTSIDE = "BRIEF_OUTPUT_ALLOW_OUTSIDE"
_OUTPUT_SETTINGS = ("BRIEF_OUTPUT_DIR", "JOBDIR", "BRIEF_ARCHIVE_DIR")


def check_output_folders(
    settings: BaseSettings, spider_name: str | None = None, cwd: Path | None = None
) -> None:
    """Raise ValueError (one line naming the setting) for a folder the crawl must not or cannot write.

    *spider_name*: the run folder ``<BRIEF_OUTPUT_DIR>/<spider>`` is checked too. *cwd* is
    the folder the crawl runs in (default: the current one).
    """
    here = Path.cwd() if cwd is None else cwd
    allow_outside = settings.getbool(ALLOW_OUTSIDE)
    output_root = here / OUTPUT_ROOT
    for setting in _OUTPUT_SETTINGS:
        value = settings.get(setting)
        if not value:
            continue
        path = here / Path(value)
        check_inside(setting, str(value), path, output_root, allow_outside)
        check_folder(setting, str(value), path)
        if setting == "BRIEF_OUTPUT_DIR" and spider_name:
            check_folder(setting, str(value), path / spider_name)
    if settings.getbool("HTTPCACHE_ENABLED") and settings.get("HTTPCACHE_DIR"):
        value = str(settings.get("HTTPCACHE_DIR"))
        try:
            path, cache_root = Path(data_path(value)), Path(data_path("."))
        except NotConfigured:  # no scrapy.cfg (Scrapyd): only an absolute cache folder can work
            path, cache_root = here / ".scrapy" / value, here / ".scrapy"
        check_inside("HTTPCACHE_DIR", value, here / path, here / cache_root, allow_outside)
        check_folder("HTTPCACHE_DIR", value, here / path)


def prepare_log_file(settings: BaseSettings, cwd: Path | None = None) -> None:
    """Make the folder of ``LOG_FILE`` when it is missing and inside ``output/``; raise
    ValueError (one line naming the setting) when it is missing elsewhere or is a file.

    >>> import tempfile
    >>> from scrapy.settings import Settings
    >>> here = Path(tempfile.mkdtemp())
    >>> prepare_log_file(Settings({"LOG_FILE": "output/sources/cron.log"}), here)
    >>> (here / "output" / "sources").is_dir()
    True
    >>> prepare_log_file(Settings({"LOG_FILE": "logs/cron.log"}), here)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: LOG_FILE 'logs/cron.log': no folder .../logs: make it, or log inside output/
    """
    value = settings.get("LOG_FILE")
    if not value:
        return
    here = Path.cwd() if cwd is None else cwd
    path = here / Path(str(value))
    if path.is_dir():
        raise ValueError(f"LOG_FILE {str(value)!r} is a folder: give a file's name")
    if path.parent.is_dir():
        return
    check_folder("LOG_FILE", str(value), path.parent)  # a file where a folder must be
    if not path.parent.resolve().is_relative_to((here / OUTPUT_ROOT).resolve()):
        raise ValueError(
            f"LOG_FILE {str(value)!r}: no folder {path.parent}: make it, or log inside {OUTPUT_ROOT}/"
        )
    path.parent.mkdir(parents=True, exist_ok=True)


def check_inside(setting: str, value: str, path: Path, root: Path, allow_outside: bool) -> None:
    """Raise ValueError unless *path* resolves inside *root* (or is absolute, with *allow_outside*).

    >>> root = Path("/srv/project/output")
    >>> check_inside("BRIEF_OUTPUT_DIR", "output/x", Path("/srv/project/output/x"), root, False)
    >>> check_inside("BRIEF_OUTPUT_DIR", "../escaped", Path("/srv/project/../escaped"), root, True)
    Traceback (most recent call last):
    ...
    ValueError: BRIEF_OUTPUT_DIR '../escaped' is outside /srv/project/output: give a folder inside it
    >>> check_inside("BRIEF_OUTPUT_DIR", "/tmp/x", Path("/tmp/x"), root, True)
    >>> check_inside("BRIEF_OUTPUT_DIR", "/tmp/x", Path("/tmp/x"), root, False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: BRIEF_OUTPUT_DIR '/tmp/x' is outside ...: ..., or set BRIEF_OUTPUT_ALLOW_OUTSIDE=1 ...
    """
    if path.resolve().is_relative_to(root.resolve()):
        return
    if not Path(value).is_absolute():
        raise ValueError(f"{setting} {value!r} is outside {root}: give a folder inside it")
    if not allow_outside:
        raise ValueError(
            f"{setting} {value!r} is outside {root}: give a folder inside it,"
            f" or set {ALLOW_OUTSIDE}=1 to write there (Scrapyd)"
        )


def check_folder(setting: str, value: str, path: Path) -> None:
    """Raise ValueError unless *path* is a folder, or one that can be made where it is.

    >>> check_folder("BRIEF_OUTPUT_DIR", "x", Path(__file__) / "x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: BRIEF_OUTPUT_DIR 'x': .../paths.py is a file, not a folder
    """
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{setting} {value!r}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{setting} {value!r}: {existing} is not writable")
