"""A think tank's offline site: its pages, feed, sitemap and robots.txt, for ``SiteServer``.

:class:`ThinkTankSite` answers ``respond(host, target)`` from ``devsite.thinktanks``'s data
(``ThinkTankSite(RAND)``, ``ThinkTankSite(CSIS)``), so sources.toml's ``rand`` and ``csis``
can be crawled on 127.0.0.1 through their feed and their sitemap. Routes:

- every publication page (12), and ``/`` (a ``<link rel=alternate>`` to the feed, links to
  ``/about`` and the newest pages), ``/about`` (no publication); 404 for anything else;
- the feed sources.toml declares (rand ``/pubs/commentary.xml``, RSS 2.0; csis
  ``/analysis/rss``, Atom 1.0): the newest :data:`FEED_SIZE` publications, and one entry on
  another host (``localhost``: a crawler must not follow it; if it does, the request log
  shows that host, and nothing leaves the machine). Older pages are in the sitemap only;
- ``/sitemap.xml``: every publication with ``<lastmod>``, and ``/about``;
- ``/robots.txt``: ``Crawl-delay``, one ``Disallow:`` of a publication the sitemap lists,
  ``Sitemap:`` (csis declares no sitemap in sources.toml: robots.txt is how it is found).

rand writes its links with the address serving it (``http://127.0.0.1:<port>/pubs/...``), as
the Wilson Center snapshot's sitemap does; csis writes the live URLs
(``https://www.csis.org/analysis/...``), as a verbatim copy would: a mirror crawl maps them.
``break_template()`` serves every publication as the redesign with no date, for the test of
one source's coverage check failing; ``publications()`` says what a crawl should find, so
tests compare a crawl with the site, not with numbers.
"""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from devsite.thinktanks import GENERIC_FIXTURES, build_variants

if TYPE_CHECKING:
    from pathlib import Path

    from devsite.server import Response
    from devsite.thinktanks import Publication, ThinkTank

FEED_SIZE = 5  # newest publications in a feed; the others are found through the sitemap only
# Feeds say when a post went out in the site's own offset, late in the evening: the UTC day
# is the next one, so a crawler reading feed dates in UTC would be a day off.
POSTED_AT = time(21, 30, tzinfo=timezone(timedelta(hours=-5)))
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
XML = "application/xml; charset=utf-8"


def _posted_at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), POSTED_AT)


class ThinkTankSite:
    """One think tank's offline site: pages, feed, sitemap, robots.txt (``respond``)."""

    def __init__(self, tank: ThinkTank, broken: bool = False, fixtures_dir: Path = GENERIC_FIXTURES) -> None:
        self.tank = tank
        self.broken = broken
        variants = build_variants(tank, fixtures_dir)
        self._publications = [v.publication for v in variants]  # newest first
        self._pages = {v.publication.path: (v.page, v.redesigned) for v in variants}

    def break_template(self) -> None:
        """Serve every publication as the redesign that shows no date (``mend_template`` undoes it)."""
        self.broken = True

    def mend_template(self) -> None:
        """Serve the publications as the fixture's design again."""
        self.broken = False

    def publications(self) -> list[Publication]:
        """Return every publication the site serves, newest first, the disallowed one included."""
        return list(self._publications)

    def crawlable(self) -> list[Publication]:
        """Return the publications a crawl that obeys robots.txt can reach (through feed or sitemap)."""
        return [p for p in self._publications if not p.disallowed]

    def in_feed(self) -> list[Publication]:
        """Return the publications the feed lists: the newest :data:`FEED_SIZE`."""
        return self._publications[:FEED_SIZE]

    @property
    def disallowed_path(self) -> str:
        """The publication robots.txt forbids."""
        return next(p.path for p in self._publications if p.disallowed)

    def page(self, path: str) -> bytes:
        """Return the publication page at *path*, as served now (broken or not)."""
        normal, broken = self._pages[path]
        return broken if self.broken else normal

    def link(self, origin: str, path: str) -> str:
        """Return how the feed and the sitemap link *path*: the live URL, or on the serving *origin*."""
        return (self.tank.live_origin if self.tank.live_links else origin) + path

    def href(self, path: str) -> str:
        """Return how the home page links *path*: the live URL, or the path alone (on the mirror)."""
        return self.tank.live_origin + path if self.tank.live_links else path

    def external_url(self, port: int) -> str:
        """Return the feed's entry on another host (``localhost``, so a stray request stays local)."""
        return f"http://localhost:{port}{self.tank.external_path}"

    def respond(self, host: str, target: str) -> Response:
        """Return status, headers and body for a GET of *target* (path and query) on *host*."""
        origin = f"http://{host}"
        path = urlsplit(target).path
        if path in self._pages:
            return 200, {"Content-Type": HTML}, self.page(path)
        if path == "/":
            return 200, {"Content-Type": HTML}, self.home().encode("utf-8")
        if path == "/about":
            return 200, {"Content-Type": HTML}, self.about().encode("utf-8")
        if path == "/robots.txt":
            return 200, {"Content-Type": TEXT}, self.robots(origin).encode("utf-8")
        if path == "/sitemap.xml":
            return 200, {"Content-Type": XML}, self.sitemap(origin).encode("utf-8")
        if path == self.tank.feed_path:
            feed = self.rss(origin) if self.tank.feed_kind == "rss20" else self.atom(origin)
            return 200, {"Content-Type": f"{self.tank.feed_media_type}; charset=utf-8"}, feed.encode("utf-8")
        return 404, {"Content-Type": HTML}, self.not_found().encode("utf-8")

    def _port(self, origin: str) -> int:
        return urlsplit(origin).port or 80

    def _html(self, title: str, path: str, body: str, head: str = "") -> str:
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>"
            f"<link rel='canonical' href='{self.tank.live_origin}{path}'>{head}</head>"
            f"<body><main>{body}</main></body></html>\n"
        )

    def home(self) -> str:
        name, feed = html.escape(self.tank.name), html.escape(self.href(self.tank.feed_path))
        head = f"<link rel='alternate' type='{self.tank.feed_media_type}' title='{name}' href='{feed}'>"
        items = "".join(
            f"<li><a href='{html.escape(self.href(p.path))}'>{html.escape(p.title)}</a></li>"
            for p in self._publications[:3]
        )
        about = html.escape(self.href("/about"))
        body = f"<h1>{name}</h1><ul>{items}</ul><p><a href='{about}'>About us</a></p>"
        return self._html(f"{self.tank.name} (offline)", "/", body, head)

    def about(self) -> str:
        name = html.escape(self.tank.name)
        body = f"<h1>About {name}</h1><p>An independent, nonpartisan research organization.</p>"
        return self._html(f"About | {self.tank.name}", "/about", body)

    def not_found(self) -> str:
        body = "<h1>Page not found</h1><a href='/'>Home</a>"
        return self._html(f"Page not found | {self.tank.name}", "/404", body)

    def robots(self, origin: str) -> str:
        return (
            f"User-agent: *\nCrawl-delay: {self.tank.crawl_delay}\nDisallow: {self.disallowed_path}\n\n"
            f"Sitemap: {origin}/sitemap.xml\n"
        )

    def sitemap(self, origin: str) -> str:
        urls = [
            f"<url><loc>{xml_escape(self.link(origin, p.path))}</loc><lastmod>{p.posted_date}</lastmod></url>"
            for p in self._publications
        ]
        urls.append(f"<url><loc>{xml_escape(self.link(origin, '/about'))}</loc></url>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(urls) + "\n</urlset>\n"
        )  # fmt: skip

    def _feed_items(self, origin: str) -> list[tuple[str, str, datetime]]:
        """The feed's (title, link, posted) entries: the newest pages, and one on another host."""
        items = [(p.title, self.link(origin, p.path), _posted_at(p.posted_date)) for p in self.in_feed()]
        posted = items[0][2] - timedelta(days=1)  # second: a crawler must skip it and read on
        items.insert(1, ("A Partner's Copy on Another Host", self.external_url(self._port(origin)), posted))
        return items

    def rss(self, origin: str) -> str:
        items = "".join(
            f"<item><title>{xml_escape(title)}</title><link>{xml_escape(link)}</link>"
            f'<guid isPermaLink="true">{xml_escape(link)}</guid>'
            f"<pubDate>{format_datetime(posted)}</pubDate></item>\n"
            for title, link, posted in self._feed_items(origin)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
            f"<title>{xml_escape(self.tank.name)}: Commentary</title><link>{self.link(origin, '/')}</link>"
            f"<description>New publications of {xml_escape(self.tank.name)}</description>\n"
            f"{items}</channel></rss>\n"
        )

    def atom(self, origin: str) -> str:
        entries = "".join(
            f'<entry><title>{xml_escape(title)}</title><link rel="alternate" href="{xml_escape(link)}"/>'
            f"<id>{xml_escape(link)}</id><published>{posted.isoformat()}</published>"
            f"<updated>{posted.isoformat()}</updated></entry>\n"
            for title, link, posted in self._feed_items(origin)
        )
        newest = _posted_at(self._publications[0].posted_date)
        feed = self.link(origin, self.tank.feed_path)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<title>{xml_escape(self.tank.name)}: Analysis</title><id>{xml_escape(feed)}</id>"
            f'<link rel="self" href="{xml_escape(feed)}"/><updated>{newest.isoformat()}</updated>'
            f"<author><name>{xml_escape(self.tank.name)}</name></author>\n{entries}</feed>\n"
        )
