"""Many generated think-tank sites at once, each on a socket of its own: the world of
``benchmarks/many_sources.py``, where one crawl follows many polite sources.

Source *k* is ``www.sourceKK.example``, a name that never resolves: its records carry it,
its requests go to its mirror on 127.0.0.1. Each site has what the ``sources`` spider
discovers a generic think tank by:

- ``/robots.txt``: no ``Crawl-delay`` (the sources file's ``delay_seconds`` governs), and a
  ``Sitemap:`` line, the same sitemap the sources file names (requested once);
- ``/``: a home page whose ``<link rel=alternate>`` names the feed;
- ``/feed.xml``: RSS 2.0, the newest ``FEED_SIZE`` pages;
- ``/sitemap.xml``: every page, with its lastmod;
- ``/publication/<slug>``: pages ``k * pages`` to ``(k + 1) * pages - 1`` of
  ``devsite.generated`` (no two sources share a title), with the source's live origin in
  their canonical links instead of the Wilson Center's, so no site profile claims them.

``python -m devsite.many_sites --sources 20 --pages 100`` serves them all from one process,
a thread and a listening socket per site (``devsite.server.serve``), prints ``READY`` and the
ports in source order, answers each ``log`` line on stdin with a JSON line of the requests
each site answered since the last ``log`` (so a benchmark sees per-site spacing), and exits
when stdin closes (the benchmark that started it has ended, even if it was killed).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from devsite.generated import HTML, KIND, NOT_FOUND, XML, GeneratedSite, Template, page_facts
from devsite.server import HOST, Response, listening_socket, serve

FEED_SIZE = 10
DISCOVERY_PATHS = ("/robots.txt", "/", "/feed.xml", "/sitemap.xml")
_TEMPLATE_ORIGIN = b"https://www.wilsoncenter.org"  # what devsite.generated's pages name as live


def source_key(index: int) -> str:
    """Return the sources file key of source *index*.

    >>> source_key(7)
    'source07'
    """
    return f"source{index:02d}"


def sources_toml(count: int, delay_seconds: float) -> str:
    """Return a sources file of *count* generated sources, each with *delay_seconds*.

    >>> print(sources_toml(1, 0.5))  # doctest: +NORMALIZE_WHITESPACE
    [sources.source00]
    name = "Generated source 00"
    hosts = ["www.source00.example"]
    sitemaps = ["https://www.source00.example/sitemap.xml"]
    publication_paths = ["^/publication/"]
    delay_seconds = 0.5
    """
    tables = []
    for index in range(count):
        key = source_key(index)
        host = f"www.{key}.example"
        tables.append(
            f'[sources.{key}]\nname = "Generated source {index:02d}"\nhosts = ["{host}"]\n'
            f'sitemaps = ["https://{host}/sitemap.xml"]\npublication_paths = ["^/{KIND}/"]\n'
            f"delay_seconds = {delay_seconds!r}\n"
        )
    return "\n".join(tables)


class GeneratedSource:
    """One generated source: robots.txt, home page, feed, sitemap and its publication pages.

    It logs when each request came (``time.monotonic()``, the same clock in every process),
    so that a benchmark can see how far apart a crawl spaced them.
    """

    def __init__(self, index: int, pages: int, templates: list[Template] | None = None) -> None:
        self.key = source_key(index)
        self.host = f"www.{self.key}.example"
        self.origin = f"https://{self.host}"
        self.numbers = range(index * pages, (index + 1) * pages)
        self.slugs = {page_facts(n)[1]: n for n in self.numbers}
        self._templates = templates
        self._generated: GeneratedSite | None = None
        self._lock = threading.Lock()
        self._requests: list[tuple[float, str]] = []

    def page_urls(self) -> list[str]:
        """Return the live URL of every publication page, in page order."""
        return [f"{self.origin}/{KIND}/{page_facts(n)[1]}" for n in self.numbers]

    def newest(self) -> list[int]:
        """Return the page numbers of the feed: the newest FEED_SIZE, newest first."""
        return sorted(self.numbers, key=lambda n: (page_facts(n)[2], n), reverse=True)[:FEED_SIZE]

    def take_log(self) -> list[tuple[float, str]]:
        """Return the requests answered since the last call, (monotonic time, target), and forget them."""
        with self._lock:
            taken, self._requests = self._requests, []
        return taken

    def respond(self, host: str, target: str) -> Response:
        """Return status, headers and body for a GET of *target* (path and query)."""
        with self._lock:
            self._requests.append((time.monotonic(), target))
        path = urlsplit(target).path
        if path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /search/\n\nSitemap: {self.origin}/sitemap.xml\n"
            return 200, {"Content-Type": "text/plain"}, robots.encode()
        if path == "/":
            return 200, {"Content-Type": HTML}, self.home()
        if path == "/feed.xml":
            return 200, {"Content-Type": "application/rss+xml"}, self.feed()
        if path == "/sitemap.xml":
            return 200, {"Content-Type": XML}, self.sitemap()
        prefix = f"/{KIND}/"
        n = self.slugs.get(path[len(prefix) :]) if path.startswith(prefix) else None
        if n is None:
            return 404, {"Content-Type": HTML}, NOT_FOUND
        day = datetime.fromisoformat(page_facts(n)[2]).replace(tzinfo=UTC)
        headers = {"Content-Type": HTML, "Last-Modified": format_datetime(day, usegmt=True),
                   "ETag": f'"{self.key}-{n}"'}  # fmt: skip
        return 200, headers, self.page(n)

    def page(self, n: int) -> bytes:
        """Return page *n*, its canonical links naming this source's live origin."""
        if self._generated is None:
            self._generated = GeneratedSite(0, self._templates)
        return self._generated.page(n).replace(_TEMPLATE_ORIGIN, self.origin.encode())

    def home(self) -> bytes:
        """The home page: its feed named by ``<link rel=alternate>``, as a CMS writes it."""
        name = html.escape(f"Generated source {self.key.removeprefix('source')}")
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
            f'<link rel="alternate" type="application/rss+xml" title="{name}" href="/feed.xml">'
            f"</head><body><h1>{name}</h1></body></html>"
        ).encode()

    def feed(self) -> bytes:
        """RSS 2.0 of the newest pages, with their dates."""
        items = []
        for n in self.newest():
            title, slug, day = page_facts(n)
            posted = format_datetime(datetime.fromisoformat(day).replace(tzinfo=UTC), usegmt=True)
            link = f"{self.origin}/{KIND}/{slug}"
            items.append(
                f"<item><title>{html.escape(title)}</title><link>{link}</link>"
                f"<guid>{link}</guid><pubDate>{posted}</pubDate></item>"
            )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{self.key}</title>'
            f"<link>{self.origin}/</link><description>Publications</description>{''.join(items)}"
            "</channel></rss>\n"
        ).encode()

    def sitemap(self) -> bytes:
        """A sitemap of every page, with its lastmod."""
        urls = "".join(
            f"<url><loc>{self.origin}/{KIND}/{slug}</loc><lastmod>{day}</lastmod></url>"
            for _, slug, day in map(page_facts, self.numbers)
        )
        xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {xmlns}>{urls}</urlset>\n'.encode()


def many_sites(count: int, pages: int) -> list[GeneratedSource]:
    """Return *count* sources of *pages* pages each, sharing one set of templates."""
    templates = GeneratedSite(0).templates
    return [GeneratedSource(index, pages, templates) for index in range(count)]


def main() -> None:
    """Serve every site until stdin closes; print ``READY <port> ...`` first, a log on each ``log``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--pages", type=int, default=100, help="publication pages a source")
    args = parser.parse_args()
    sites = many_sites(args.sources, args.pages)
    ports = []
    for site in sites:
        sock = listening_socket()
        ports.append(sock.getsockname()[1])
        threading.Thread(target=serve, args=(site, sock), name=site.key, daemon=True).start()
    print("READY", *ports, f"on {HOST}", flush=True)
    for line in sys.stdin:
        if line.strip() == "log":
            print(json.dumps({site.key: site.take_log() for site in sites}), flush=True)
    os._exit(0)  # daemon threads in asyncio loops: no clean way out is needed


if __name__ == "__main__":
    main()
