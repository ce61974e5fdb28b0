"""devsite.thinktank_site and .thinktanks: RAND and CSIS on 127.0.0.1, as sources.toml declares them."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from protego import Protego

from brief_scraper import extract
from brief_scraper.crawling.feeds import find_feed_links, parse_feed
from brief_scraper.crawling.sitemaps import parse_sitemap
from brief_scraper.crawling.sources import load_sources
from brief_scraper.parsing import parse_root
from devsite.server import SiteServer
from devsite.thinktank_site import ThinkTankSite
from devsite.thinktanks import GENERIC_FIXTURES, THINK_TANKS, ThinkTank, tokenize

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {source.key: source for source in load_sources(ROOT / "sources.toml")}
CRAWL_DELAYS = {"rand": 0.25, "csis": 0.5}  # small, so the demo stays quick
FEED_KINDS = {"rand": ("rss20", "application/rss+xml"), "csis": ("atom10", "application/atom+xml")}
EXTRACTED = ("url", "title", "posted_date")  # what each publication says of itself, field by field
# A day as pages write it: "Nov 18, 2025", "November 18, 2025", "2025/11/18", "2025-11-18", <time>.
ANY_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}\b"
    r"|\b\d{4}/\d{1,2}/\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b|<time\b|publication_date|datePublished"
)


def get(base_url: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET *path* of a site on 127.0.0.1."""
    try:
        with urllib.request.urlopen(base_url + path, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module", params=THINK_TANKS, ids=lambda tank: tank.key)
def served(request: pytest.FixtureRequest) -> Iterator[SiteServer]:
    """Each think tank's site on 127.0.0.1 (any free port), once per module."""
    with SiteServer(ThinkTankSite(request.param)) as server:
        yield server


def site_of(server: SiteServer) -> ThinkTankSite:
    assert isinstance(server.site, ThinkTankSite)
    return server.site


def feed_url(server: SiteServer) -> str:
    """Where the site's feed is fetched from: sources.toml's feed, on the mirror."""
    tank = site_of(server).tank
    [declared] = SOURCES[tank.key].feeds
    return server.base_url + urlsplit(declared).path


def test_sources_toml_declares_each_site_with_its_live_host() -> None:
    for tank in THINK_TANKS:
        source = SOURCES[tank.key]
        assert source.hosts == (urlsplit(tank.live_origin).hostname,)
        assert [urlsplit(url).path for url in source.feeds] == [tank.feed_path]
    assert [urlsplit(url).path for url in SOURCES["rand"].sitemaps] == ["/sitemap.xml"]
    assert SOURCES["csis"].sitemaps == ()  # csis's sitemap is found through robots.txt only


def test_feed_lists_the_newest_publications_and_one_entry_on_another_host(served: SiteServer) -> None:
    site = site_of(served)
    status, headers, body = get(served.base_url, site.tank.feed_path)
    assert status == 200
    kind, media_type = FEED_KINDS[site.tank.key]
    assert headers["Content-Type"] == f"{media_type}; charset=utf-8"
    feed = parse_feed(body, feed_url(served))
    assert feed.kind == kind
    newest = sorted(site.publications(), key=lambda p: p.posted_date, reverse=True)[:5]
    origin = site.tank.live_origin if site.tank.key == "csis" else served.base_url  # rand links the mirror
    own = [e for e in feed.entries if e.url.startswith(origin + "/")]
    assert [(e.url, e.posted_date) for e in own] == [(origin + p.path, p.posted_date) for p in newest]
    others = [e.url for e in feed.entries if e not in own]
    assert others == [f"http://localhost:{served.port}{site.tank.external_path}"]
    assert len(feed.entries) == 5 + 1
    assert all(p.path != site.disallowed_path for p in newest)  # robots.txt's page is in the sitemap only


def test_feed_dates_are_the_days_in_the_sites_own_offset(served: SiteServer) -> None:
    # 21:30 at -05:00 is the next day in UTC: the feed's day must be the page's own day.
    body = get(served.base_url, site_of(served).tank.feed_path)[2]
    first = site_of(served).in_feed()[0]
    assert b"21:30:00 -0500" in body or b"T21:30:00-05:00" in body
    assert parse_feed(body, feed_url(served)).entries[0].posted_date == first.posted_date


def test_home_page_links_its_feed_and_a_page_that_is_no_publication(served: SiteServer) -> None:
    site = site_of(served)
    status, _, body = get(served.base_url, "/")
    assert status == 200
    root = parse_root(body)
    [link] = find_feed_links(root, served.base_url + "/")
    assert urlsplit(link).path == site.tank.feed_path
    expected_origin = site.tank.live_origin if site.tank.key == "csis" else served.base_url
    assert link == expected_origin + site.tank.feed_path
    hrefs = [urlsplit(href).path for href in root.xpath("//a/@href")]
    assert "/about" in hrefs
    assert set(hrefs) - {"/about"} <= {p.path for p in site.publications()}
    assert get(served.base_url, "/about")[0] == 200
    source = SOURCES[site.tank.key]
    assert not source.is_publication(site.tank.live_origin + "/about")
    assert all(source.is_publication(p.url) for p in site.publications())


def test_sitemap_lists_every_publication_with_its_day_and_the_about_page(served: SiteServer) -> None:
    site = site_of(served)
    status, headers, body = get(served.base_url, "/sitemap.xml")
    assert (status, headers["Content-Type"]) == (200, "application/xml; charset=utf-8")
    sitemap = parse_sitemap(body)
    assert sitemap.kind == "urlset"
    origin = site.tank.live_origin if site.tank.key == "csis" else served.base_url
    expected = {origin + p.path: p.posted_date for p in site.publications()} | {origin + "/about": None}
    assert dict(sitemap.entries) == expected
    assert len(sitemap.entries) == len(expected) == 13
    assert origin + site.disallowed_path in expected


def test_robots_txt_gives_the_crawl_delay_one_disallowed_publication_and_the_sitemap(
    served: SiteServer,
) -> None:
    site = site_of(served)
    status, _, body = get(served.base_url, "/robots.txt")
    assert status == 200
    robots = Protego.parse(body.decode())
    assert robots.crawl_delay("*") == CRAWL_DELAYS[site.tank.key]
    assert list(robots.sitemaps) == [f"{served.base_url}/sitemap.xml"]
    forbidden = [p.path for p in site.publications() if not robots.can_fetch(served.base_url + p.path, "*")]
    assert forbidden == [site.disallowed_path]
    assert [p.path for p in site.publications() if p.disallowed] == forbidden
    assert {p.path for p in site.crawlable()} == {p.path for p in site.publications()} - set(forbidden)
    assert get(served.base_url, forbidden[0])[0] == 200  # served: a crawl ignoring robots.txt would show


@pytest.mark.parametrize("field", EXTRACTED)
def test_every_publication_extracts_to_its_own_value(served: SiteServer, field: str) -> None:
    site = site_of(served)
    got, want = {}, {}
    for publication in site.publications():
        status, headers, body = get(served.base_url, publication.path)
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
        got[publication.path] = extract(body, publication.url)[field]
        want[publication.path] = getattr(publication, field)
    assert got == want
    assert len(set(want.values())) == len(want) == 12  # each says something of its own


def test_served_pages_keep_nothing_of_the_fixture_title_path_or_date(served: SiteServer) -> None:
    site = site_of(served)
    for publication in site.publications():
        body = get(served.base_url, publication.path)[2].decode("utf-8")
        assert [old for old in site.tank.stale if old in body] == []
        assert publication.url in body  # the canonical URL is the live one


@pytest.mark.parametrize("tank", THINK_TANKS, ids=lambda tank: tank.key)
def test_broken_template_pages_show_no_date_but_keep_their_title(tank: ThinkTank) -> None:
    site = ThinkTankSite(tank)  # a site of its own: the module's stays unbroken
    with SiteServer(site) as server:

        def records() -> dict[str, dict[str, object]]:
            return {p.path: extract(get(server.base_url, p.path)[2], p.url) for p in site.publications()}

        before = records()
        site.break_template()
        broken = records()
        dates_left = {
            p.path: ANY_DATE.findall(get(server.base_url, p.path)[2].decode()) for p in site.publications()
        }
        site.mend_template()
        mended = records()
    days = {p.path: p.posted_date for p in site.publications()}
    assert {path: r["posted_date"] for path, r in before.items()} == days
    assert {path: (r["posted_date"], r["posted_raw"]) for path, r in broken.items()} == dict.fromkeys(
        days, (None, None)
    )
    assert {path: r["title"] for path, r in broken.items()} == {p.path: p.title for p in site.publications()}
    assert dates_left == {path: [] for path in days}  # no date anywhere, the related products' included
    assert all(ANY_DATE.search(site.page(path).decode()) for path in days)  # mended: dates again
    assert mended == before


def test_anything_else_is_a_404(served: SiteServer) -> None:
    site = site_of(served)
    for path in ("/no/such/page", site.tank.external_path, "/pubs/", "/analysis", site.tank.feed_path + "x"):
        status, headers, _ = get(served.base_url, path)
        assert (path, status, headers["Content-Type"]) == (path, 404, "text/html; charset=utf-8")


def test_a_request_on_another_host_shows_in_the_log(served: SiteServer) -> None:
    mark = served.mark()
    get(served.base_url, "/robots.txt")
    get(served.base_url.replace("127.0.0.1", "localhost"), "/")
    assert [(r.host, r.path, r.status) for r in served.requested(mark)] == [
        (f"127.0.0.1:{served.port}", "/robots.txt", 200), (f"localhost:{served.port}", "/", 200),
    ]  # fmt: skip


@pytest.mark.parametrize("tank", THINK_TANKS, ids=lambda tank: tank.key)
def test_a_changed_fixture_is_refused_not_served_half_rewritten(tank: ThinkTank) -> None:
    text = (GENERIC_FIXTURES / tank.fixture / "page.html").read_text(encoding="utf-8")
    assert "{{title}}" in tokenize(text, tank)
    old_title = tank.tokens[0][0]
    with pytest.raises(ValueError, match="is not on the page"):
        tokenize(text.replace(old_title, "A Retitled Page"), tank)
    old_day = tank.stale[-1]  # the ISO day: no token writes it, so it must not be there at all
    with pytest.raises(ValueError, match="still on the page"):
        tokenize(text.replace("</body>", f"<time datetime='{old_day}'></time></body>"), tank)
