"""brief_scraper.crawling.discovery: item links (with teaser dates), next pages, program listings."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from brief_scraper.crawling.discovery import find_next_page, find_program_listings, item_kind, parse_listing
from brief_scraper.finders.rules import GENERIC_RULES
from brief_scraper.parsing import parse_html
from brief_scraper.sites.profile import ListingConventions, SiteProfile
from brief_scraper.sites.wilsoncenter import WILSON_CENTER

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"
REAL_LISTING = REAL_PAGES / "wilsoncenter-research-listing-2019-01.html"
REAL_URL = "https://www.wilsoncenter.org/research"
SITE = "https://www.wilsoncenter.org"
WC = WILSON_CENTER.discovery

needs_real_listing = pytest.mark.skipif(not REAL_LISTING.exists(), reason="no shared/realpages here")


@cache
def real_html() -> bytes:
    return REAL_LISTING.read_bytes()


def hrefs_by_regex(kind: str) -> tuple[set[str], set[str]]:
    """Own-host and other-host ``/<kind>/`` links of the real listing, read with a plain regex."""
    hrefs = set(re.findall(rb'href="([^"]*/' + kind.encode() + rb'/[^"]*)"', real_html()))
    own, other = set(), set()
    for href in (h.decode() for h in hrefs):
        match = re.fullmatch(r"(?:https?://(?:www\.)?wilsoncenter\.org)?(/[^?#]*)", href)
        if match:
            own.add(SITE + match.group(1))
        else:
            other.add(href)
    return own, other


@needs_real_listing
def test_real_listing_gives_exactly_its_own_publication_links() -> None:
    own, other = hrefs_by_regex("publication")
    # 302 distinct /publication/ links: 301 on the site, 1 on keia.org (a tile of an external item).
    assert (len(own), len(other)) == (301, 1)
    page = parse_listing(real_html(), REAL_URL, conventions=WC)
    found = {item.url for item in page.wanted({"publication"})}
    assert found == own
    assert not any("keia.org" in url for url in found)
    assert all(url.startswith(SITE + "/publication/") for url in found)


@needs_real_listing
def test_real_listing_with_articles_adds_exactly_its_article_links() -> None:
    own_publications, _ = hrefs_by_regex("publication")
    own_articles, _ = hrefs_by_regex("article")
    tiles = len(re.findall(rb'class="node node-', real_html()))
    assert tiles > 1000
    page = parse_listing(real_html(), REAL_URL, conventions=WC)
    found = {item.url for item in page.wanted({"publication", "article"})}
    assert found == own_publications | own_articles
    assert len(own_articles) == 576


@needs_real_listing
def test_real_listing_never_yields_another_host() -> None:
    page = parse_listing(real_html(), REAL_URL, conventions=WC)
    external = set(re.findall(rb'href="(https?://[^"/]+)', real_html())) - {b"https://www.wilsoncenter.org"}
    assert len(external) > 20
    assert all(item.url.startswith(SITE + "/") for item in page.items)
    assert page.next_page is None  # the 2019 listing loads more with JavaScript, it has no pager


DESIGN_B = """<div class="faceted-search-results">
  <a class="teaser" data-type="publication" href="/publication/b-one?utm_source=x">
    <div class="teaser-image"><img src="/x.jpg"></div><div class="teaser-topic">Mexico Institute</div>
    <div class="teaser-title"><span>One</span></div>
    <div class="teaser-byline"><span class="teaser-byline-text-author">A. Author</span>
      <span class="teaser-byline-text-date">December 10, 2020</span></div></a>
  <a class="teaser" data-type="article" href="https://wilsoncenter.org/article/b-two">
    <div class="teaser-title"><span>Two</span></div>
    <div class="teaser-byline"><span class="teaser-byline-text-date">November 9, 2020</span></div></a>
  <a class="teaser" data-type="event" href="/event/b-three">
    <span class="teaser-byline-text-date">Nov 1, 2020</span></a>
</div>
<nav class="pager"><ul><li><a href="?_page=1">1</a></li><li><a href="?_page=2">2</a></li>
  <li class="pager-item -next"><a href="?_page=2">Next</a></li></ul></nav>"""

DESIGN_C = """<div class="wc-masonry-grid">
 <div class="wc-masonry-grid__item"><div class="node node-publication tile" about="/publication/c-one">
  <div class="tile__tags"><a class="tag" href="/issue-term/history">History</a>
   <a class="tag" href="/program/cold-war-international-history-project">CWIHP</a></div>
  <h3 class="tile__title"><a href="/publication/c-one">C one</a></h3>
  <div class="tile__image"><a href="/publication/c-one"><img src="/i.jpg"></a></div>
  <div class="tile__author--publication">By: Someone</div></div></div>
 <div class="wc-masonry-grid__item"><div class="node node-external-link tile">
  <h3 class="tile__title"><a href="http://www.keia.org/publication/elsewhere">Elsewhere</a></h3></div></div>
</div>"""

PLAIN = """<main><ul>
  <li><a href="/publication/p-one">P one</a>
      <time datetime="2025-03-17T16:46:12-04:00">March 17, 2025</time></li>
  <li><a href="/publication/p-two">P two</a> <span class="date">Jan 5, 2024</span></li>
  <li><a href="/publication/p-three">P three (no date)</a></li>
 </ul><p>See <a href="/publication/p-one#top">P one again</a>, <a href="/person/someone">a person</a>,
 <a href="/sites/default/files/brief.pdf">a PDF</a>, <a href="mailto:x@example.org">mail</a>.</p></main>"""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (DESIGN_B, [("publication", "b-one", "2020-12-10"), ("article", "b-two", "2020-11-09"),
                    ("event", "b-three", "2020-11-01")]),
        (DESIGN_C, [("publication", "c-one", None)]),
        (PLAIN, [("publication", "p-one", "2025-03-17"), ("publication", "p-two", "2024-01-05"),
                 ("publication", "p-three", None)]),
    ],
    ids=["design-b-teasers", "design-c-tiles", "plain-links"],
)  # fmt: skip
def test_listing_items_with_teaser_dates(html: str, expected: list[tuple[str, str, str | None]]) -> None:
    page = parse_listing(html, f"{SITE}/insight-analysis", conventions=WC)
    assert [(i.kind, i.url.rsplit("/", 1)[1], i.posted_date) for i in page.items] == expected
    assert all(i.url.startswith(SITE + "/") and "?" not in i.url for i in page.items)


def test_a_shared_container_lends_no_date_to_its_links() -> None:
    html = '<div><span class="date">May 1, 2020</span><a href="/publication/a">A</a><a href="/book/b">B</a>'
    assert [i.posted_date for i in parse_listing(html, SITE, conventions=WC).items] == [None, None]


def test_items_on_a_local_mirror_follow_its_host() -> None:
    html = b'<a href="/publication/x">x</a><a href="https://www.wilsoncenter.org/publication/y">y</a>'
    local = "http://127.0.0.1:8000"
    page = parse_listing(html, f"{local}/insight-analysis", local, conventions=WC)
    assert [i.url for i in page.items] == ["http://127.0.0.1:8000/publication/x"]


@pytest.mark.parametrize(
    ("html", "url", "expected"),
    [
        ('<link rel="next" href="/r?page=2"><a href="/r?page=5">5</a>', "/r?page=1", "/r?page=2"),
        ('<a rel="nofollow next" href="?_page=3">more</a>', "/r?_page=2", "/r?_page=3"),
        ('<ul class="pagination"><li class="next"><a href="/r?p=x">›</a></li></ul>', "/r", "/r?p=x"),
        ('<nav class="pager"><a href="?_page=2&p=9">Next ›</a></nav>', "/r?p=9", "/r?_page=2&p=9"),
        ('<a href="?page=2">3</a><a href="?page=1">2</a>', "/r", "/r?page=1"),  # Drupal: page=0 is the first
        ('<a href="?_page=1">1</a><a href="?_page=2">2</a>', "/r", "/r?_page=2"),  # _page=1 is the first
        ('<a href="?_page=2&type=article">2</a>', "/r?type=publication", None),  # another listing
        ('<a rel="next" href="https://example.org/r?page=2">next</a>', "/r", None),  # another host
        ('<a href="?page=1">1</a><a href="?page=2">2</a>', "/r?page=2", None),  # the last page
    ],
)  # fmt: skip
def test_next_page(html: str, url: str, expected: str | None) -> None:
    found = find_next_page(parse_html(html), SITE + url, conventions=WC)
    assert found == (SITE + expected if expected else None)


def test_program_listings_are_its_filtered_lists_and_listing_sub_pages() -> None:
    mexico = "/program/mexico-institute"
    html = f"""<nav><a href="/insight-analysis">All</a><a href="/search?keywords=x">Search</a></nav>
      <a href="/insight-analysis?programs=109">All analysis</a> <a href="{mexico}/publications/">Ours</a>
      <a href="/program/canada-institute">Canada</a> <a href="{mexico}/experts">Experts</a>
      <a href="{mexico}/about">About</a> <a href="https://example.org/insight-analysis?programs=1">x</a>
      <a href="/insight-analysis?topics=165&amp;programs=109">Topic</a>"""
    found = find_program_listings(html, f"{SITE}{mexico}", "mexico-institute", conventions=WC)
    assert found == [f"{SITE}/insight-analysis?programs=109", f"{SITE}{mexico}/publications/"]


@pytest.mark.parametrize(
    ("url", "types", "expected"),
    [
        ("https://www.wilsoncenter.org/publication/a", {"publication"}, "publication"),
        ("https://wilsoncenter.org/article/a/", {"article"}, "article"),
        ("https://www.wilsoncenter.org/article/a", {"publication"}, None),
        ("https://www.wilsoncenter.org/publication/a/comments", {"publication"}, None),
        ("https://www.wilsoncenter.org/publications", {"publication"}, None),
        ("https://cdn.wilsoncenter.org/publication/a", {"publication"}, None),
    ],
)
def test_item_kind(url: str, types: set[str], expected: str | None) -> None:
    assert item_kind(url, SITE, types) == expected


def test_page_is_older_only_when_every_item_is_dated_and_older() -> None:
    page = parse_listing(PLAIN, SITE, conventions=WC)
    assert not page.is_older_than(date(2030, 1, 1))  # p-three has no date
    undated = '<li><a href="/publication/p-three">P three (no date)</a></li>'
    dated = parse_listing(PLAIN.replace(undated, ""), SITE, conventions=WC)
    assert dated.is_older_than(date(2025, 3, 18))
    assert not dated.is_older_than(date(2025, 3, 17))


# A made-up second site whose listings work otherwise: its items are reports and commentary,
# its listing is /research paged by ?pg=N from 1, and its centers filter it with ?center=.
HARBOR = SiteProfile(
    key="harbor",
    hosts=frozenset({"harbor.example"}),
    rules=GENERIC_RULES,
    designs=(),
    discovery=ListingConventions(
        item_types=frozenset({"report", "commentary"}),
        start_listing="/research",
        listing_paths=frozenset({"/research"}),
        program_path="/centers/",
        program_listings=frozenset({"reports"}),
        program_filters=frozenset({"center"}),
        neutral_params=frozenset({"sort"}),
        page_params={"pg": 1},
    ),
)
HARBOR_SITE = "https://harbor.example"
HARBOR_LISTING = """<section class="results">
  <article class="card"><a href="/report/tides">Tides</a><time datetime="2024-06-01">June 1</time></article>
  <article class="card"><a href="/commentary/ports/">Ports</a><p class="card-date">May 2, 2024</p></article>
  <article class="card"><a href="/publication/not-here">A path that is no item here</a></article>
  <a href="/expert/someone">Someone</a> <a href="/centers/energy">Energy</a>
</section>
<div class="paging"><a href="/research?pg=1">1</a><a href="/research?pg=2">2</a><a href="/research?pg=3">3</a>
  <a href="/research?pg=2&amp;center=energy">2 (energy)</a></div>"""


def test_a_second_site_is_discovered_with_its_own_conventions() -> None:
    page = parse_listing(HARBOR_LISTING, f"{HARBOR_SITE}/research", conventions=HARBOR.discovery)
    assert [(i.kind, i.url, i.posted_date) for i in page.items] == [
        ("report", f"{HARBOR_SITE}/report/tides", "2024-06-01"),
        ("commentary", f"{HARBOR_SITE}/commentary/ports", "2024-05-02"),
    ]
    assert page.next_page == f"{HARBOR_SITE}/research?pg=2"  # pg counts from 1: page 1 is this one
    second = f"{HARBOR_SITE}/research?pg=2"
    later = find_next_page(parse_html(HARBOR_LISTING), second, conventions=HARBOR.discovery)
    assert later == f"{HARBOR_SITE}/research?pg=3"


def test_a_second_sites_listing_read_with_the_wilson_centers_conventions_finds_other_things() -> None:
    page = parse_listing(HARBOR_LISTING, f"{HARBOR_SITE}/research", conventions=WC)
    assert [i.kind for i in page.items] == ["publication"]
    assert page.next_page is None  # ?pg= is no pager of the Wilson Center's


def test_a_second_sites_center_listings_follow_its_conventions() -> None:
    energy = "/centers/energy"
    html = f"""<a href="/research">All research</a> <a href="/research?center=energy">Energy research</a>
      <a href="/research?center=energy&amp;sort=date">By date</a> <a href="{energy}/reports">Reports</a>
      <a href="/research?center=energy&amp;topic=oil">Oil only</a> <a href="{energy}/people">People</a>
      <a href="/insight-analysis?programs=energy">Not a listing here</a>"""
    found = find_program_listings(html, f"{HARBOR_SITE}{energy}", "energy", conventions=HARBOR.discovery)
    assert found == [
        f"{HARBOR_SITE}/research?center=energy",
        f"{HARBOR_SITE}/research?center=energy&sort=date",
        f"{HARBOR_SITE}{energy}/reports",
    ]


def test_conventions_that_know_no_site_find_only_the_items_asked_for() -> None:
    none = ListingConventions()
    page = parse_listing(HARBOR_LISTING, f"{HARBOR_SITE}/research", types={"report"}, conventions=none)
    assert [i.kind for i in page.items] == ["report"]
    assert page.next_page is None  # no pager parameter and no "Next" link
    center = f"{HARBOR_SITE}/centers/energy"
    assert find_program_listings(HARBOR_LISTING, center, "energy", conventions=none) == []
