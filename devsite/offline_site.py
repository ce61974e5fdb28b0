"""The offline site: a snapshot of wilsoncenter.org served on 127.0.0.1 for tests and the demo.

``devsite.snapshot`` builds the content from the fixture pages found at start; this
module answers requests from it (``SnapshotSite``), and ``OfflineSite`` serves it with
``devsite.server.SiteServer``, in a thread, logging every request (host, path, status) so a
test can say what a crawl did and did not ask for::

    with OfflineSite() as site:              # port 0: any free port
        crawl(f"-a base_url={site.base_url}")
        assert "/publication/draft-embargoed-brief-on-migration" not in site.paths()

Routes: ``/robots.txt`` (``Disallow: /search/``, ``/publication/draft-``), ``/sitemap.xml``
(an index of ``/sitemap.xml?page=N``), ``/program/<slug>`` (the fixture's program page, else
a generated one), the listing ``/insight-analysis?_page=N[&programs=<id>]`` and the program's
``/program/<slug>/insight-analysis?_page=N`` (design B teasers, newest first, dated),
``/rss.xml`` (RSS 2.0, the newest ``FEED_SIZE`` listed pages, sources.toml's wilsoncenter feed),
every page of the snapshot, a 301 from an old URL, a 404, a 500 and a PDF. Each 200 carries
an ``ETag`` (a digest of the body, added by the server); a request naming it in
``If-None-Match`` gets ``304 Not Modified``, as the crawl's HTTP cache asks on the next run.
Run it alone with ``python -m devsite.offline_site [--port 8000]``.
"""

from __future__ import annotations

import argparse
import html
import logging
import math
import threading
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from xml.sax.saxutils import escape as xml_escape

from devsite.server import SiteServer
from devsite.snapshot import FIXTURES_DIR, SITE_DIR, Entry, Snapshot, build_snapshot, display_date

if TYPE_CHECKING:
    from devsite.server import Response

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
FEATURED_COUNT = 3  # teasers on the program page
FEED_SIZE = 10  # pages in /rss.xml, newest first
FEED_TIME = time(10, 0, tzinfo=timezone(timedelta(hours=-4)))  # the feed's time of day, Washington's offset


class SnapshotSite:
    """The snapshot as content: each request answered from it as it is now (tests may edit its pages)."""

    def __init__(self, snapshot: Snapshot, site_dir: Path = SITE_DIR) -> None:
        self.snapshot, self.site_dir = snapshot, site_dir

    def respond(self, host: str, target: str) -> Response:
        """Return status, headers and body for a GET of *target* (path and query) on *host*."""
        return _Router(self.snapshot, self.site_dir, f"http://{host}").route(target)


class OfflineSite(SiteServer):
    """The snapshot served on 127.0.0.1 in a background thread; a context manager."""

    def __init__(self, port: int = 0, fixtures_dir: Path = FIXTURES_DIR, site_dir: Path = SITE_DIR) -> None:
        super().__init__(port=port)
        self.fixtures_dir, self.site_dir = fixtures_dir, site_dir
        self.snapshot: Snapshot | None = None

    def start(self) -> Self:
        """Build the snapshot from the fixtures on disk now and start serving it."""
        self.snapshot = build_snapshot(self.fixtures_dir, self.site_dir)
        self.site = SnapshotSite(self.snapshot, self.site_dir)
        return super().start()

    def respond(self, host: str, target: str) -> Response:
        """Return status, headers and body for a GET of *target* (path and query) on *host*."""
        assert self.site is not None, "start() the site first"
        return self.site.respond(host, target)


class _Router:
    """Answers one request from the snapshot; *origin* is ``http://<Host header>``."""

    def __init__(self, snap: Snapshot, site_dir: Path, origin: str) -> None:
        self.snap, self.site_dir, self.origin = snap, site_dir, origin
        self.program = snap.program
        self.port = int(origin.rsplit(":", 1)[1]) if origin.count(":") == 2 else 80

    def route(self, target: str) -> Response:
        parts = urlsplit(target)
        path, query = unquote(parts.path), parse_qs(parts.query)  # pages are keyed by decoded path
        if path == "/robots.txt":
            lines = [*self.snap.config["robots"], "", f"Sitemap: {self.origin}/sitemap.xml", ""]
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, "\n".join(lines).encode()
        if path == "/sitemap.xml":
            return self.sitemap(query.get("page", [None])[0])
        if path == "/rss.xml":
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, self.feed().encode("utf-8")
        if path == "/":
            return self.page(self.home())
        if path.rstrip("/") in (self.snap.config["listing_path"], self.program_listing_path):
            return self.page(self.listing(path.rstrip("/"), query))
        if path == f"/program/{self.program['slug']}" and path not in self.snap.pages:
            return self.page(self.program_page())  # the fixture's program page, when there is one
        if path in self.snap.redirects:
            return 301, {"Location": f"{self.origin}{self.snap.redirects[path]}"}, b""
        if path in self.snap.errors:
            status = self.snap.errors[path]
            name = "not-found.html" if status == 404 else "server-error.html"
            return self.page(self.template(name), status)
        served = self.snap.pages.get(path)
        if served is not None:
            return served.status, {"Content-Type": served.content_type}, served.body
        return self.page(self.template("not-found.html"), 404)

    def page(self, body: str | bytes, status: int = 200) -> Response:
        return status, {"Content-Type": HTML}, body.encode("utf-8") if isinstance(body, str) else body

    def template(self, name: str, **values: Any) -> str:
        text = (self.site_dir / "templates" / name).read_text(encoding="utf-8")
        program = {f"program_{k}": v for k, v in self.program.items()}
        return Template(text).substitute(program, **values)

    def home(self) -> str:
        listing = self.snap.config["listing_path"]
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Wilson Center (offline)"
            f"</title></head><body><h1>Wilson Center (offline snapshot)</h1><ul>"
            f"<li><a href='{listing}'>Insight &amp; Analysis</a></li>"
            f"<li><a href='/program/{self.program['slug']}'>{html.escape(self.program['name'])}</a></li>"
            "<li><a href='/sitemap.xml'>Sitemap</a></li></ul></body></html>"
        )

    @property
    def program_listing_path(self) -> str:
        """The program's own listing, as program pages of design A link it."""
        return f"/program/{self.program['slug']}/insight-analysis"

    def listing(self, path: str, query: dict[str, list[str]]) -> str:
        size = int(self.snap.config["page_size"])
        programs = query.get("programs", [None])[0]
        if path == self.program_listing_path:
            programs = None
        program_only = programs is not None or path == self.program_listing_path
        entries = self.snap.listed(program_only=program_only)
        if programs is not None and programs != self.program["id"]:
            entries = []
        pages = max(1, math.ceil(len(entries) / size))
        raw_page = query.get("_page", ["1"])[0]
        number = int(raw_page) if raw_page.isdigit() and int(raw_page) >= 1 else 1
        shown = entries[(number - 1) * size : number * size]
        params = {"programs": programs} if programs is not None else {}

        def page_url(n: int) -> str:
            return f"{path}?{urlencode({'_page': n, **params})}"

        indent = " " * 12
        pager = [
            f'{indent}<li class="pager-item"><a href="{html.escape(page_url(n))}">{n}</a></li>'
            for n in range(1, pages + 1)
        ]
        if number < pages:
            href = html.escape(page_url(number + 1))
            pager.append(f'{indent}<li class="pager-item -next"><a rel="next" href="{href}">Next</a></li>')
        heading = f"{self.program['name']} analysis" if program_only else "Insight & Analysis"
        return self.template(
            "listing.html", heading=html.escape(heading), teasers="\n".join(map(self.teaser, shown)),
            pager="\n".join(pager),
        )  # fmt: skip

    def teaser(self, entry: Entry) -> str:
        date = (
            f'<span class="teaser-byline-text-date">{display_date(entry.posted_date)}</span>'
            if entry.posted_date else ""
        )  # fmt: skip
        author = html.escape(self.program["name"] if entry.program else "Wilson Center")
        href = html.escape(entry.href(self.port))
        return (
            f'          <a class="teaser" data-type="{entry.kind}" href="{href}">\n'
            f'            <div class="teaser-topic">{author}</div>\n'
            f'            <div class="teaser-title"><span>{html.escape(entry.title)}</span></div>\n'
            f'            <div class="teaser-byline"><span class="teaser-byline-text-author">{author}</span>'
            f" {date}</div>\n          </a>"
        )

    def program_page(self) -> str:
        pages = [e for e in self.snap.listed(program_only=True) if e.role == "page" and e.posted_date]
        cards = [
            f'        <article class="card"><a class="card-link" href="{html.escape(e.href(self.port))}">'
            f"<h3>{html.escape(e.title)}</h3></a>"
            f'<time datetime="{e.posted_date}">{display_date(e.posted_date or "")}</time></article>'
            for e in pages[:FEATURED_COUNT]
        ]
        return self.template("program.html", featured="\n".join(cards))

    def feed_entries(self) -> list[Entry]:
        """The pages /rss.xml lists: the newest dated ones of the listings."""
        return [e for e in self.snap.listed() if e.role == "page" and e.posted_date][:FEED_SIZE]

    def feed(self) -> str:
        items = []
        for entry in self.feed_entries():
            link = xml_escape(f"{self.origin}{entry.href(self.port)}")
            posted = datetime.combine(date.fromisoformat(entry.posted_date or ""), FEED_TIME)
            items.append(
                f"<item><title>{xml_escape(entry.title)}</title><link>{link}</link>"
                f'<guid isPermaLink="true">{link}</guid><pubDate>{format_datetime(posted)}</pubDate></item>\n'
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
            f"<title>Wilson Center (offline)</title><link>{self.origin}/</link>"
            f"<description>The newest publications and articles</description>\n"
            f"{''.join(items)}</channel></rss>\n"
        )

    def sitemap(self, page: str | None) -> Response:
        locs = self.sitemap_entries()
        size = int(self.snap.config["sitemap_page_size"])
        count = max(1, math.ceil(len(locs) / size))
        xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if page is None:
            pages = range(1, count + 1)
            body = "".join(f"<sitemap><loc>{self.origin}/sitemap.xml?page={n}</loc></sitemap>" for n in pages)
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {xmlns}>{body}</sitemapindex>\n'
        elif page.isdigit() and 1 <= int(page) <= count:
            chunk = locs[(int(page) - 1) * size : int(page) * size]
            body = "".join(
                f"<url><loc>{xml_escape(loc)}</loc>{f'<lastmod>{day}</lastmod>' if day else ''}</url>"
                for loc, day in chunk
            )
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {xmlns}>{body}</urlset>\n'
        else:
            return self.page(self.template("not-found.html"), 404)
        return 200, {"Content-Type": "application/xml; charset=utf-8"}, xml.encode("utf-8")

    def sitemap_entries(self) -> list[tuple[str, str | None]]:
        """Every page of the site, newest first, then the program page and the 404's stale URL."""
        entries = [e for e in self.snap.items.values() if e.role in ("page", "disallowed")]
        entries.sort(key=lambda e: (e.posted_date or "", e.path), reverse=True)
        locs = [(f"{self.origin}{e.href(self.port)}", e.posted_date) for e in entries]
        locs += [(f"{self.origin}/program/{self.program['slug']}", None)]
        for entry in self.snap.entries:
            if entry.role in ("missing", "document"):
                locs.append((f"{self.origin}{entry.href(self.port)}", entry.posted_date))
            elif entry.role == "external" and "{port}" in entry.path:
                locs.append((entry.href(self.port), entry.posted_date))
        return locs


def main(argv: list[str] | None = None) -> None:
    """Serve the offline site until interrupted, printing each request."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with OfflineSite(port=args.port) as site:
        assert site.snapshot is not None
        items = len(site.snapshot.entries)
        print(f"Offline site at {site.base_url} ({items} listed items); Ctrl-C stops it.")
        print(
            f"Crawl it: scrapy crawl wilsoncenter -a base_url={site.base_url} -s DOWNLOAD_DELAY=0 "
            "-s AUTOTHROTTLE_ENABLED=0 -O output/wilsoncenter/offline.jsonl"
        )
        shown = 0
        try:
            while True:
                threading.Event().wait(0.5)
                for request in site.requested(shown):
                    print(f"{request.status} {request.method} {request.host}{request.path}")
                shown = len(site.requests)
        except KeyboardInterrupt:
            print("Stopped.")


if __name__ == "__main__":
    main()
