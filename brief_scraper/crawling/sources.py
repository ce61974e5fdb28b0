"""The sources file: the think tanks a scheduled crawl follows, declared once (TOML).

Each ``[sources.<key>]`` table names a source: its hosts, how its publications are found
(feeds first, then sitemaps, then listing pages; URL patterns of publication pages), and,
optionally, its politeness and health thresholds. The file is checked when it is read, so
a crawl with a bad file stops before any request, with one line naming the source and the
key, never the file's content beyond them.

```toml
[sources.rand]
name = "RAND"
hosts = ["www.rand.org"]
feeds = ["https://www.rand.org/pubs/commentary.xml"]
sitemaps = ["https://www.rand.org/sitemap.xml"]
publication_paths = ["^/pubs/"]
delay_seconds = 5          # optional: else the site's robots.txt Crawl-delay, else the default
min_records = 1            # optional health thresholds of this source
min_coverage = { title = 1.0, posted_date = 0.8 }
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from brief_scraper.crawling.argument_files import read_argument_file
from brief_scraper.record import EXTRACTED_FIELDS

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_HOST_RE = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_KNOWN_KEYS = frozenset(
    {"name", "hosts", "feeds", "sitemaps", "listings", "publication_paths", "delay_seconds", "min_records",
     "min_coverage"}
)  # fmt: skip
_URL_LISTS = ("feeds", "sitemaps", "listings")


class SourcesError(ValueError):
    """The sources file cannot be used: the message names the source and the key."""


@dataclass(frozen=True, slots=True)
class Source:
    """One think tank a crawl follows."""

    key: str  # the record's ``source`` and the stats' ``brief/source/<key>/...``
    name: str
    hosts: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    publication_paths: tuple[str, ...] = ()  # regexes on a URL's path: which pages are publications
    delay_seconds: float | None = None  # None: robots.txt's Crawl-delay, else the project's default
    min_records: int | None = None
    min_coverage: dict[str, float] = field(default_factory=dict)

    def is_publication(self, url: str) -> bool:
        """Return whether *url* is one of this source's publication pages.

        >>> Source("rand", "RAND", ("www.rand.org",), publication_paths=("^/pubs/",)).is_publication(
        ...     "https://www.rand.org/pubs/research_reports/RRA1234-1.html")
        True
        """
        parts = urlsplit(url)
        if (parts.hostname or "") not in self.hosts:
            return False
        return not self.publication_paths or any(re.search(p, parts.path) for p in self.publication_paths)


def _fail(key: str, what: str, why: str) -> SourcesError:
    return SourcesError(f"sources: {key}: {what}: {why}")


def _strings(key: str, what: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(key, what, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _source(key: str, table: Any, extracted_fields: frozenset[str]) -> Source:
    if not _KEY_RE.match(key):
        raise SourcesError(f"sources: {key[:40]!r}: a source key is a lower-case slug (rand, wilson_center)")
    if not isinstance(table, dict):
        raise _fail(key, "table", "must be a table of keys ([sources.<key>])")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise _fail(key, unknown[0][:40], f"unknown key (known: {', '.join(sorted(_KNOWN_KEYS))})")
    name = table.get("name", key)
    if not isinstance(name, str) or not name.strip():
        raise _fail(key, "name", "must be a non-empty string")
    hosts = tuple(h.lower() for h in _strings(key, "hosts", table.get("hosts")))
    for host in hosts:
        if not _HOST_RE.match(host):
            raise _fail(key, "hosts", f"{host[:80]!r} is not a host name")
    urls: dict[str, tuple[str, ...]] = {}
    for what in _URL_LISTS:
        urls[what] = _strings(key, what, table.get(what, []))
        for url in urls[what]:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or (parts.hostname or "") not in hosts:
                raise _fail(key, what, f"{url[:120]!r} is not an http(s) URL on the source's hosts")
    if not any(urls.values()):
        raise _fail(key, "feeds", "a source needs feeds, sitemaps or listings to find its publications")
    paths = _strings(key, "publication_paths", table.get("publication_paths", []))
    for pattern in paths:
        try:
            re.compile(pattern)
        except re.error as error:
            raise _fail(
                key, "publication_paths", f"{pattern[:80]!r} is not a regular expression ({error})"
            ) from None
    delay = table.get("delay_seconds")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600
    ):
        raise _fail(key, "delay_seconds", "must be a number of seconds from 0 to 3600")
    least = table.get("min_records")
    if least is not None and (isinstance(least, bool) or not isinstance(least, int) or least < 0):
        raise _fail(key, "min_records", "must be a whole number, 0 or more")
    coverage = table.get("min_coverage", {})
    if not isinstance(coverage, dict):
        raise _fail(key, "min_coverage", "must be a table of field = share")
    for field_name, share in coverage.items():
        if field_name not in extracted_fields:
            raise _fail(key, "min_coverage", f"{field_name[:40]!r} is not an extracted field of the record")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise _fail(key, "min_coverage", f"{field_name}: must be a share from 0 to 1")
    return Source(
        key=key,
        name=name.strip(),
        hosts=hosts,
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        listings=urls["listings"],
        publication_paths=paths,
        delay_seconds=float(delay) if delay is not None else None,
        min_records=least,
        min_coverage={f: float(s) for f, s in coverage.items()},
    )


def parse_sources(text: str) -> tuple[Source, ...]:
    """Return the sources a sources file's TOML *text* declares, in file order.

    Raises :class:`SourcesError` with one line naming the source and the key at fault.

    >>> parse_sources('[sources.rand]\\nhosts = ["www.rand.org"]\\nfeeds = ["https://www.rand.org/feed.xml"]')[0].name
    'rand'
    >>> parse_sources('[sources.rand]\\nhosts = ["www.rand.org"]\\nfeeds = ["https://x.example/f"]')
    Traceback (most recent call last):
    ...
    brief_scraper.crawling.sources.SourcesError: sources: rand: feeds: 'https://x.example/f' is not an ...
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"sources: not TOML ({error})") from None
    tables = data.get("sources")
    if not isinstance(tables, dict) or not tables:
        raise SourcesError("sources: no [sources.<key>] table")
    if set(data) - {"sources"}:
        raise SourcesError(f"sources: unknown top-level key {sorted(set(data) - {'sources'})[0][:40]!r}")
    sources = tuple(_source(key, table, frozenset(EXTRACTED_FIELDS)) for key, table in tables.items())
    seen: dict[str, str] = {}
    for source in sources:
        for host in source.hosts:
            if host in seen:
                raise _fail(source.key, "hosts", f"{host!r} is also a host of source {seen[host]!r}")
            seen[host] = source.key
    return sources


def load_sources(path: Any) -> tuple[Source, ...]:
    """Return the sources of the file at *path* (read with a size limit, never echoed)."""
    return parse_sources(read_argument_file(path, "sources"))


def select_sources(sources: tuple[Source, ...], only: str | None) -> tuple[Source, ...]:
    """Return the sources *only* names (comma-separated keys), all when it is empty.

    >>> rand = Source("rand", "RAND", ("www.rand.org",), feeds=("https://www.rand.org/f",))
    >>> select_sources((rand,), "csis")
    Traceback (most recent call last):
    ...
    brief_scraper.crawling.sources.SourcesError: sources: only: 'csis' is no source of the file (rand)
    """
    if not only:
        return sources
    keys = [k.strip() for k in only.split(",") if k.strip()]
    known = {s.key for s in sources}
    for key in keys:
        if key not in known:
            raise SourcesError(
                f"sources: only: {key[:40]!r} is no source of the file ({', '.join(sorted(known))})"
            )
    return tuple(s for s in sources if s.key in keys)
