"""Mirrors: a source fetched from another address, its records keeping the live site's URLs.

A mirror is any server holding a copy of a source's site: the offline snapshot on
127.0.0.1, a staging copy, a cache. ``-a mirrors=rand=http://127.0.0.1:8001`` says that every
URL on the source's hosts is fetched from that origin instead; what a page is, its ``url``,
its ``source`` and the documents on its own host, is the live site's, because the page is
read as if fetched from its live URL. The mapping is the origin only (scheme, host, port):
paths and queries are the site's own on both sides.

Pure: URLs in, URLs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from brief_scraper.crawling.arguments import parse_base_url


@dataclass(frozen=True, slots=True)
class Mirror:
    """Where one source's live origin is fetched from."""

    live_origin: str  # https://www.rand.org: the source's first host, as its URLs name it
    fetch_origin: str  # http://127.0.0.1:8001
    live_hosts: tuple[str, ...]

    def to_fetch(self, url: str) -> str:
        """Return the address to fetch a live URL from (other URLs unchanged).

        >>> m = Mirror("https://www.rand.org", "http://127.0.0.1:8001", ("www.rand.org", "rand.org"))
        >>> m.to_fetch("https://rand.org/pubs/a.html?x=1")
        'http://127.0.0.1:8001/pubs/a.html?x=1'
        >>> m.to_fetch("https://www.csis.org/analysis/b")
        'https://www.csis.org/analysis/b'
        """
        parts = urlsplit(url)
        if (parts.hostname or "") not in self.live_hosts:
            return url
        fetch = urlsplit(self.fetch_origin)
        return urlunsplit((fetch.scheme, fetch.netloc, parts.path, parts.query, parts.fragment))

    def to_live(self, url: str) -> str:
        """Return the live URL of an address on the mirror (other URLs unchanged).

        >>> m = Mirror("https://www.rand.org", "http://127.0.0.1:8001", ("www.rand.org",))
        >>> m.to_live("http://127.0.0.1:8001/pubs/a.html"), m.to_live("http://127.0.0.1:9/pubs/a.html")
        ('https://www.rand.org/pubs/a.html', 'http://127.0.0.1:9/pubs/a.html')
        """
        parts, fetch = urlsplit(url), urlsplit(self.fetch_origin)
        if parts.scheme != fetch.scheme or parts.netloc != fetch.netloc:
            return url
        live = urlsplit(self.live_origin)
        return urlunsplit((live.scheme, live.netloc, parts.path, parts.query, parts.fragment))


def parse_pairs(value: str | None, name: str) -> dict[str, str]:
    """Return ``key=value,key=value`` as a dict; ValueError with one line on a bad pair.

    >>> parse_pairs("rand=http://127.0.0.1:1, csis=http://127.0.0.1:2", "mirrors")
    {'rand': 'http://127.0.0.1:1', 'csis': 'http://127.0.0.1:2'}
    >>> parse_pairs("rand", "mirrors")
    Traceback (most recent call last):
    ...
    ValueError: mirrors: 'rand' is not key=value
    """
    pairs: dict[str, str] = {}
    for part in (value or "").split(","):
        if not part.strip():
            continue
        key, sep, given = part.partition("=")
        if not sep or not key.strip() or not given.strip():
            raise ValueError(f"{name}: {part.strip()[:80]!r} is not key=value")
        if key.strip() in pairs:
            raise ValueError(f"{name}: {key.strip()[:40]!r} is given twice")
        pairs[key.strip()] = given.strip()
    return pairs


def mirror_of(live_hosts: tuple[str, ...], fetch_origin: str, name: str = "mirrors") -> Mirror:
    """Return the mirror of a source with *live_hosts*, fetched from *fetch_origin* (checked:
    an http(s) origin with no path, else ValueError naming *name*).

    >>> mirror_of(("www.rand.org",), "http://127.0.0.1:8001/").fetch_origin
    'http://127.0.0.1:8001'
    >>> mirror_of(("www.rand.org",), "http://127.0.0.1:8001/pubs/")
    Traceback (most recent call last):
    ...
    ValueError: mirrors: 'http://127.0.0.1:8001/pubs/' must be an origin (scheme, host, port), no path
    """
    origin = parse_base_url(fetch_origin, name)
    if urlsplit(origin).path not in ("", "/"):
        raise ValueError(f"{name}: {fetch_origin[:120]!r} must be an origin (scheme, host, port), no path")
    return Mirror(f"https://{live_hosts[0]}", origin.rstrip("/"), live_hosts)
