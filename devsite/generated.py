"""A generated copy of the site for the crawl benchmarks: N publication pages, made from the fixtures.

Pages are the fixtures' publication pages (designs A, B and C) with a new title, slug and
date, rewritten by ``devsite.snapshot.rewrite_page`` once per fixture with placeholder
tokens; each page is then the template with its tokens replaced, rendered when it is asked
for (a few microseconds), so 10,000 pages cost the server no memory. Page *n* is the same
in every run: its fixture, title and date follow from *n* alone.

Routes: ``/robots.txt`` (allows all but ``/search/``), ``/sitemap.xml`` (an index of
``/sitemap.xml?page=N``, ``SITEMAP_PAGE_SIZE`` pages each) and ``/publication/<slug>``.
Pages carry ``Last-Modified`` and ``ETag``, as a CMS sends them, so a project that caches
responses (``HTTPCACHE_ENABLED``) stores them as it would on the live site. It is content
only: ``devsite.server`` serves it (``benchmarks/localsite.py serve`` in a process of its own).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

from devsite.server import Response
from devsite.snapshot import display_date, load_fixtures, rewrite_page, slugify

KIND = "publication"
SITEMAP_PAGE_SIZE = 100
# Placeholders written into each template once; plain ASCII, so no escaping differs by context.
SLUG_TOKEN, TITLE_TOKEN, DAY_TOKEN = "zzbenchslugzz", "Zzbenchtitlezz", "1904-02-29"
RAW_TOKEN = display_date(DAY_TOKEN)
FIRST_DAY = date(2008, 1, 1)
DAYS = 6000  # page dates spread over 2008-2024: all in range for NormalizePipeline
_WORDS = (
    ("Energy", "Trade", "Water", "Migration", "Security", "Health", "Climate", "Border", "Tech", "Food"),
    ("Policy", "Cooperation", "Markets", "Risks", "Governance", "Diplomacy", "Supply Chains", "Reform"),
    ("North America", "the Arctic", "Central Asia", "the Andes", "East Africa", "the Indo-Pacific",
     "Central Europe", "Mexico", "Brazil", "the Caribbean", "the Sahel"),
    ("What Comes Next", "Options for Congress", "A Data Brief", "Lessons Learned", "The Road Ahead",
     "A Field Report", "Ten Questions"),
)  # fmt: skip
HTML = "text/html; charset=utf-8"
XML = "application/xml"
NOT_FOUND = b"<!DOCTYPE html><html><head><title>Not found</title></head><body></body></html>"


@dataclass(frozen=True, slots=True)
class Template:
    """A fixture page with placeholder tokens, and the encoding its bytes are in."""

    name: str
    body: bytes


def load_templates() -> list[Template]:
    """Return the fixtures' publication pages that rewrite cleanly, with placeholder tokens."""
    templates = []
    for fixture in load_fixtures():
        if fixture.kind != KIND:
            continue
        body = rewrite_page(fixture, f"/{KIND}/{SLUG_TOKEN}", TITLE_TOKEN, DAY_TOKEN)
        if body is not None:
            templates.append(Template(fixture.design, body))
    if not templates:
        raise SystemExit("no fixture publication page can be rewritten: see tests/fixtures/wilsoncenter")
    return templates


def page_facts(n: int) -> tuple[str, str, str]:
    """Return the title, slug and day of page *n* (deterministic).

    >>> page_facts(0)  # doctest: +NORMALIZE_WHITESPACE
    ('Energy Policy in North America: What Comes Next',
     'energy-policy-north-america-what-comes-next-0', '2008-01-01')
    """
    words = []
    rest = n
    for group in _WORDS:
        words.append(group[rest % len(group)])
        rest = rest // len(group) + n  # every group moves with n, so neighbours differ everywhere
    title = f"{words[0]} {words[1]} in {words[2]}: {words[3]}"
    day = (FIRST_DAY + timedelta(days=(n * 7919) % DAYS)).isoformat()
    return title, f"{slugify(title)}-{n}", day


class GeneratedSite:
    """*pages* publication pages, their sitemaps and robots.txt, answered from memory."""

    def __init__(self, pages: int, templates: list[Template] | None = None) -> None:
        self.pages = pages
        self.templates = templates or load_templates()
        self.slugs = {page_facts(n)[1]: n for n in range(pages)}

    def paths(self) -> list[str]:
        """Return every page's path, in page order."""
        return [f"/{KIND}/{page_facts(n)[1]}" for n in range(self.pages)]

    def page(self, n: int) -> bytes:
        """Return page *n*: its template with its title, slug and date."""
        title, slug, day = page_facts(n)
        body = self.templates[n % len(self.templates)].body
        values = {SLUG_TOKEN: slug, TITLE_TOKEN: html.escape(title), DAY_TOKEN: day}
        for token, value in (*values.items(), (RAW_TOKEN, display_date(day))):
            body = body.replace(token.encode(), value.encode())
        return body

    def respond(self, host: str, target: str) -> Response:
        """Return status, headers and body for a GET of *target* (path and query) on *host*."""
        parts = urlsplit(target)
        origin = f"http://{host}"
        if parts.path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /search/\n\nSitemap: {origin}/sitemap.xml\n"
            return 200, {"Content-Type": "text/plain"}, robots.encode()
        if parts.path == "/sitemap.xml":
            return self.sitemap(parts.query, origin)
        prefix = f"/{KIND}/"
        if parts.path.startswith(prefix) and parts.path[len(prefix) :] in self.slugs:
            n = self.slugs[parts.path[len(prefix) :]]
            day = datetime.fromisoformat(page_facts(n)[2]).replace(tzinfo=UTC)
            modified = format_datetime(day, usegmt=True)
            headers = {"Content-Type": HTML, "Last-Modified": modified, "ETag": f'"page-{n}"'}
            return 200, headers, self.page(n)
        return 404, {"Content-Type": HTML}, NOT_FOUND

    def sitemap(self, query: str, origin: str) -> Response:
        """Return the sitemap index (no *query*) or the sitemap ``page=N`` of *query*."""
        count = max(1, -(-self.pages // SITEMAP_PAGE_SIZE))
        xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if not query:
            locs = (f"{origin}/sitemap.xml?page={n}" for n in range(1, count + 1))
            body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {xmlns}>{body}</sitemapindex>\n'
            return 200, {"Content-Type": XML}, xml.encode()
        number = int(query.removeprefix("page=")) if query.removeprefix("page=").isdigit() else 0
        if not 1 <= number <= count:
            return 404, {"Content-Type": XML}, b""
        urls = []
        for n in range((number - 1) * SITEMAP_PAGE_SIZE, min(self.pages, number * SITEMAP_PAGE_SIZE)):
            _, slug, day = page_facts(n)
            urls.append(f"<url><loc>{origin}/{KIND}/{slug}</loc><lastmod>{day}</lastmod></url>")
        xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {xmlns}>{"".join(urls)}</urlset>\n'
        return 200, {"Content-Type": XML}, xml.encode()
