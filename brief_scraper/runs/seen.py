"""The seen-store: what earlier runs of a spider wrote, so a run can skip what has not changed.

One SQLite file per spider (``<BRIEF_OUTPUT_DIR>/<spider>/seen.sqlite3``, stdlib ``sqlite3``),
one row per canonical URL: the fingerprint of the record last written for it and when. A
record whose URL has the same fingerprint is unchanged; any other record is new or changed.
``pipelines/seen.py`` uses it; this module knows nothing of Scrapy.

The fingerprint covers every field of the record except ``scraped_at`` (a new one every run)
and ``provenance`` (which extraction layer gave a value says nothing about the publication):
a new title, date, author or PDF makes the record changed.

Rows are committed one by one (WAL journal, no fsync per row): a crash loses at most the
rows of its last moments, and those records are written again by the next run, never lost.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from pathlib import Path

NOT_FINGERPRINTED = frozenset({"scraped_at", "provenance"})
BUSY_TIMEOUT_SECONDS = 30.0  # another run of the same spider holding the file


def fingerprint(record: Mapping[str, Any]) -> str:
    """Return a hex digest of *record*'s content: equal for records that say the same thing.

    Key order, ``scraped_at`` and ``provenance`` do not matter; any value does.

    >>> a = {"url": "https://x.org/p", "title": "T", "scraped_at": "2026-01-01T00:00:00+00:00"}
    >>> b = {"scraped_at": "2026-02-02T00:00:00+00:00", "title": "T", "url": "https://x.org/p"}
    >>> fingerprint(a) == fingerprint(b)
    True
    >>> fingerprint(a) == fingerprint({**a, "title": "T2"})
    False
    >>> len(fingerprint(a))
    32
    """
    content = {k: v for k, v in record.items() if k not in NOT_FINGERPRINTED}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class SeenStore:
    """URL -> fingerprint of the record last written for it, in one SQLite file.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "seen.sqlite3"
    >>> with SeenStore(path) as store:
    ...     store.is_unchanged("https://x.org/p", "f1")
    ...     store.remember("https://x.org/p", "f1", "2026-11-28T09:00:00+00:00")
    False
    >>> with SeenStore(path) as store:
    ...     [store.is_unchanged("https://x.org/p", f) for f in ("f1", "f2")], len(store)
    ([True, False], 1)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen ("
            " url TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, written_at TEXT NOT NULL)"
        )

    def is_unchanged(self, url: str, digest: str) -> bool:
        """Return whether the record last written for *url* had this fingerprint."""
        row = self._db.execute("SELECT fingerprint FROM seen WHERE url = ?", (url,)).fetchone()
        return row is not None and row[0] == digest

    def remember(self, url: str, digest: str, written_at: str) -> None:
        """Record that a record with fingerprint *digest* was written for *url* at *written_at*."""
        self._db.execute(
            "INSERT INTO seen (url, fingerprint, written_at) VALUES (?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " written_at = excluded.written_at",
            (url, digest, written_at),
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]

    def close(self) -> None:
        """Close the file (rows are already committed)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
