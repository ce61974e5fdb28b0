"""devsite.offline_site and .snapshot: the site a crawl runs against, built from the fixtures."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from brief_scraper import extract
from brief_scraper.crawling.discovery import parse_listing
from brief_scraper.crawling.feeds import parse_feed
from brief_scraper.crawling.sitemaps import parse_sitemap
from brief_scraper.sites.wilsoncenter import WILSON_CENTER
from devsite.offline_site import OfflineSite
from devsite.snapshot import FIXTURES_DIR, build_snapshot, load_fixtures, rewrite_page

if TYPE_CHECKING:
    from devsite.snapshot import Snapshot

ROOT = Path(__file__).resolve().parent.parent
WC = WILSON_CENTER.discovery  # the offline site mirrors the Wilson Center's listings
# RSS 2.0's dates: RFC 822, "Thu, 11 Jun 2026 10:00:00 -0400"
RFC_822 = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [-+]\d{4}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def get(site: OfflineSite, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET a path of the offline site (127.0.0.1 only), redirects not followed."""
    try:
        with OPENER.open(site.base_url + path, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def snap_of(site: OfflineSite) -> Snapshot:
    assert site.snapshot is not None
    return site.snapshot


def test_site_has_at_least_30_publication_and_article_pages(offline_site: OfflineSite) -> None:
    snap = snap_of(offline_site)
    pages = [e for e in snap.items.values() if e.role == "page" and e.kind in ("publication", "article")]
    assert len(pages) >= 30
    for entry in pages:
        status, headers, body = get(offline_site, quote(entry.path))
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        assert body == snap.pages[entry.path].body


def test_every_fixture_page_is_served_at_its_url_path_with_its_own_bytes(offline_site: OfflineSite) -> None:
    fixtures = load_fixtures()
    assert fixtures, "tests/fixtures/wilsoncenter has pages"
    for fixture in fixtures:
        if fixture.path == f"/program/{snap_of(offline_site).program['slug']}":
            continue  # the site's own program page takes that path
        status, _, body = get(offline_site, quote(fixture.path))
        assert status == 200
        assert body == fixture.body


def test_site_is_built_from_whatever_fixtures_exist(tmp_path: Path) -> None:
    empty = build_snapshot(tmp_path / "no-fixtures")
    assert {e.origin for e in empty.items.values() if e.role == "page"} == {"template"}
    assert len([e for e in empty.entries if e.role == "page"]) >= 30
    cases = sorted(p.parent for p in FIXTURES_DIR.glob("*/page.html") if (p.parent / "meta.json").exists())
    case = cases[0]
    shutil.copytree(case, tmp_path / "one" / case.name)
    grown = build_snapshot(tmp_path / "one")
    path = load_fixtures(tmp_path / "one")[0].path
    assert grown.items[path].origin == "fixture"
    assert len(grown.items) == len(empty.items) + 1


def test_variants_say_their_new_title_date_and_url_only() -> None:
    fixture = next(f for f in load_fixtures() if f.design == "wilsoncenter/a" and f.kind == "publication")
    body = rewrite_page(fixture, "/publication/a-new-slug", "A New Title", "2026-01-02")
    assert body is not None
    record = extract(body, "http://127.0.0.1:1/publication/a-new-slug")
    assert record["title"] == "A New Title"
    assert record["posted_date"] == "2026-01-02"
    assert record["posted_raw"] == "January 2, 2026"
    assert record["url"].endswith("/publication/a-new-slug")
    assert fixture.title.encode() not in body
    assert fixture.path.encode() not in body


def test_robots_txt_disallows_a_path_the_listing_links_to(offline_site: OfflineSite) -> None:
    status, _, body = get(offline_site, "/robots.txt")
    assert status == 200
    rules = re.findall(r"^Disallow: (\S+)$", body.decode(), re.M)
    assert {"/search/", "/publication/draft-"} <= set(rules)
    assert f"Sitemap: {offline_site.base_url}/sitemap.xml" in body.decode()
    drafts = [e for e in snap_of(offline_site).listed() if e.path.startswith("/publication/draft-")]
    assert [e.role for e in drafts] == ["disallowed"]
    assert get(offline_site, drafts[0].path)[0] == 200  # served: a crawl ignoring robots.txt would show


def test_listing_is_date_ordered_paged_and_filters_the_program(offline_site: OfflineSite) -> None:
    snap = snap_of(offline_site)
    url, dates, seen = f"{offline_site.base_url}/insight-analysis", [], []
    while url:
        path = url.removeprefix(offline_site.base_url)
        status, _, body = get(offline_site, path)
        assert status == 200
        page = parse_listing(body, url, conventions=WC)
        dates += [i.posted_date for i in page.items if i.posted_date]
        seen += [i.url for i in page.items]
        url = page.next_page
    assert dates == sorted(dates, reverse=True)
    assert len(seen) == len([e for e in snap.listed() if e.role not in ("external", "document")])
    _, _, body = get(offline_site, f"/insight-analysis?programs={snap.program['id']}")
    program_items = parse_listing(body, offline_site.base_url, conventions=WC).items
    assert program_items
    program_slugs = {e.path.rsplit("/", 1)[1] for e in snap.listed(program_only=True)}
    assert {i.url.rsplit("/", 1)[1] for i in program_items} <= program_slugs
    assert len(program_slugs) < len(snap.listed())


def test_program_page_links_a_listing_of_the_program(offline_site: OfflineSite) -> None:
    snap = snap_of(offline_site)
    slug, program_id = snap.program["slug"], snap.program["id"]
    status, _, body = get(offline_site, f"/program/{slug}")
    assert status == 200
    if f"/program/{slug}" in snap.pages:  # the fixture's program page (design A) is served as it is
        assert body == snap.pages[f"/program/{slug}"].body
    own = {f'href="/insight-analysis?programs={program_id}"', f'href="/program/{slug}/insight-analysis"'}
    assert any(link.encode() in body for link in own)
    listings = [get(offline_site, p)[2] for p in (f"/insight-analysis?programs={program_id}",
                                                   f"/program/{slug}/insight-analysis")]  # fmt: skip
    items = [{i.url for i in parse_listing(b, offline_site.base_url, conventions=WC).items} for b in listings]
    assert items[0] == items[1]
    assert items[0]


def test_sitemap_index_has_paged_sitemaps_of_every_page(offline_site: OfflineSite) -> None:
    index = parse_sitemap(get(offline_site, "/sitemap.xml")[2])
    assert index.kind == "sitemapindex"
    assert len(index.entries) >= 2
    locs = []
    for loc, _ in index.entries:
        sitemap = parse_sitemap(get(offline_site, loc.removeprefix(offline_site.base_url))[2])
        assert sitemap.kind == "urlset"
        locs += [loc for loc, _ in sitemap.entries]
    pages = [e for e in snap_of(offline_site).items.values() if e.role == "page"]
    assert {f"{offline_site.base_url}{quote(e.path)}" for e in pages} <= set(locs)


def test_rss_feed_lists_the_ten_newest_listed_pages_with_rfc_822_dates(offline_site: OfflineSite) -> None:
    status, headers, body = get(offline_site, "/rss.xml")
    assert (status, headers["Content-Type"]) == (200, "application/rss+xml; charset=utf-8")
    feed = parse_feed(body, f"{offline_site.base_url}/rss.xml")
    assert feed.kind == "rss20"
    pages = [e for e in snap_of(offline_site).listed() if e.role == "page" and e.posted_date]
    newest = sorted(pages, key=lambda e: e.posted_date or "", reverse=True)[:10]
    assert len(newest) == 10
    assert [(f.url, f.posted_date) for f in feed.entries] == [
        (f"{offline_site.base_url}{quote(e.path)}", e.posted_date) for e in newest
    ]
    pub_dates = re.findall(r"<pubDate>([^<]+)</pubDate>", body.decode())
    assert [parsedate_to_datetime(d).date().isoformat() for d in pub_dates] == [e.posted_date for e in newest]
    assert all(RFC_822.fullmatch(d) for d in pub_dates), pub_dates
    for entry in feed.entries:  # every one a page the site serves
        assert get(offline_site, entry.url.removeprefix(offline_site.base_url))[0] == 200


def test_redirect_404_500_and_pdf(offline_site: OfflineSite) -> None:
    snap = snap_of(offline_site)
    [(old, new)] = snap.redirects.items()
    status, headers, _ = get(offline_site, old)
    assert (status, headers["Location"]) == (301, f"{offline_site.base_url}{new}")
    assert get(offline_site, new)[0] == 200
    by_role = {e.role: e for e in snap.listed()}
    assert get(offline_site, by_role["missing"].path)[0] == 404
    assert get(offline_site, by_role["error"].path)[0] == 500
    assert get(offline_site, "/no/such/page")[0] == 404
    status, headers, body = get(offline_site, quote(by_role["document"].path))
    assert (status, headers["Content-Type"]) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")


def test_every_request_is_logged_with_host_path_and_status(offline_site: OfflineSite) -> None:
    mark = offline_site.mark()
    get(offline_site, "/robots.txt")
    get(offline_site, "/no/such/page?x=1")
    requested = offline_site.requested(mark)
    assert [(r.method, r.path, r.status) for r in requested] == [
        ("GET", "/robots.txt", 200), ("GET", "/no/such/page?x=1", 404),
    ]  # fmt: skip
    assert {r.host for r in requested} == {f"127.0.0.1:{offline_site.port}"}
    assert offline_site.paths(mark) == ["/robots.txt", "/no/such/page?x=1"]


def test_pages_carry_an_etag_and_answer_304_when_it_still_matches(offline_site: OfflineSite) -> None:
    path = next(p for p in snap_of(offline_site).pages if p.startswith("/publication/"))
    status, headers, body = get(offline_site, quote(path))
    assert status == 200
    etag = headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]+"', etag)
    request = urllib.request.Request(offline_site.base_url + quote(path), headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:  # urllib reports a 304 as an error
        OPENER.open(request, timeout=10)
    assert not_modified.value.code == 304
    assert not_modified.value.read() == b""
    assert offline_site.requests[-1].status == 304
    other = urllib.request.Request(offline_site.base_url + quote(path), headers={"If-None-Match": '"stale"'})
    with OPENER.open(other, timeout=10) as response:
        assert response.status == 200
        assert response.read() == body


def test_binds_127_0_0_1_on_a_free_port_and_stops() -> None:
    with OfflineSite() as site:
        assert site.base_url.startswith("http://127.0.0.1:")
        assert site.port > 0
        assert get(site, "/")[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(site.base_url + "/", timeout=2)


def test_runs_standalone() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "devsite.offline_site", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        line = process.stdout.readline()
        process.terminate()
    match = re.match(r"Offline site at (http://127\.0\.0\.1:\d+) \((\d+) listed items\)", line)
    assert match, line
    assert int(match.group(2)) >= 30


def test_site_config_is_valid_json_with_enough_variants() -> None:
    path = ROOT / "tests" / "fixtures" / "offline_site" / "site.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    assert len([v for v in config["variants"] if v["kind"] in ("publication", "article")]) >= 30
    roles = {s["role"] for s in config["special"]}
    assert roles >= {"redirect", "disallowed", "missing", "error", "document", "external"}
