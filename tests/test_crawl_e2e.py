"""End to end: real ``scrapy crawl`` runs against the offline site, checked against its content.

Every crawl is a subprocess on 127.0.0.1 with delays off (``tests/crawl_support.py``). What a
crawl should find is computed from the site's snapshot (``OfflineSite.snapshot``), which is
built from the fixture pages present when the session starts, so the tests hold as fixtures
are added.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from brief_scraper.page import Page
from brief_scraper.parsing import parse_root
from brief_scraper.runs.files import run_files
from tests.crawl_support import CrawlRun, run_crawl

if TYPE_CHECKING:
    from devsite.offline_site import OfflineSite
    from devsite.snapshot import Entry, Snapshot

OWN_ITEM_ROLES = ("page", "redirect", "disallowed", "missing", "error")  # links on the site's host


def snap_of(site: OfflineSite) -> Snapshot:
    assert site.snapshot is not None
    return site.snapshot


def listing_pages(snap: Snapshot, program_only: bool = False) -> list[list[Entry]]:
    """The listing's pages as the site serves them: chunks of page_size, newest first."""
    entries, size = snap.listed(program_only), int(snap.config["page_size"])
    return [entries[i : i + size] for i in range(0, len(entries), size)]


def listing_path(snap: Snapshot, number: int, program_only: bool = False) -> str:
    """The path of listing page *number* as the spider reaches it (page 1: as linked)."""
    path, programs = snap.config["listing_path"], snap.program["id"]
    if program_only and f"/program/{snap.program['slug']}" in snap.pages:  # the fixture's program page
        path = f"/program/{snap.program['slug']}/insight-analysis"  # links the program's own listing
    elif program_only:  # the generated program page links the filtered site listing
        return f"{path}?programs={programs}" if number == 1 else f"{path}?_page={number}&programs={programs}"
    return path if number == 1 else f"{path}?_page={number}"


def paths_of(entries: list[Entry], role: str) -> list[str]:
    return [quote(e.path) for e in entries if e.role == role]


@pytest.fixture(scope="module")
def full_crawl(offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    """The default discovery: page through /insight-analysis, publications only."""
    return run_crawl(offline_site, tmp_path_factory.mktemp("full"))


def test_full_crawl_emits_exactly_the_listed_publications(
    full_crawl: CrawlRun, offline_site: OfflineSite
) -> None:
    snap = snap_of(offline_site)
    expected = snap.records(snap.listed(), ("publication",), offline_site.base_url)
    assert len(expected) >= 20
    assert set(full_crawl.urls) == expected
    assert len(full_crawl.urls) == len(expected), "a page was emitted twice"


def test_full_crawl_finishes_and_counts_404_and_500(full_crawl: CrawlRun) -> None:
    assert full_crawl.returncode == 0, full_crawl.stderr[-2000:]
    assert full_crawl.stat("finish_reason") == "finished"
    assert full_crawl.stat("downloader/response_status_count/404") == 1
    assert full_crawl.stat("httperror/response_ignored_status_count/404") == 1
    assert full_crawl.stat("downloader/response_status_count/500") == 2  # one retry (RETRY_TIMES=1)
    assert full_crawl.stat("httperror/response_ignored_status_count/500") == 1
    assert full_crawl.stat("downloader/response_status_count/301") == 1


def test_full_crawl_never_requests_disallowed_external_or_documents(
    full_crawl: CrawlRun, offline_site: OfflineSite
) -> None:
    snap = snap_of(offline_site)
    requested = set(full_crawl.paths())
    disallowed = paths_of(snap.listed(), "disallowed")
    assert disallowed, "the site lists a robots-disallowed page"
    assert not requested & set(disallowed)
    assert full_crawl.stat("robotstxt/forbidden") == len(disallowed)
    assert not requested & set(paths_of(snap.listed(), "document"))
    assert full_crawl.other_hosts() == set()  # http://localhost:<port>/... links were not followed
    assert full_crawl.stat("test/refused_host") == 0  # nor https://external.invalid/...


def test_full_crawl_requests_each_page_once_and_pages_through_the_listing(
    full_crawl: CrawlRun, offline_site: OfflineSite
) -> None:
    snap = snap_of(offline_site)
    counts = full_crawl.path_counts()
    pages = [p for p in paths_of(snap.listed(), "page") if p.startswith("/publication/")]
    assert all(counts[p] == 1 for p in pages), {p: counts[p] for p in pages if counts[p] != 1}
    redirect = next(e for e in snap.listed() if e.role == "redirect")
    assert counts[redirect.path] == 1
    assert counts[redirect.target] == 1
    listing = [listing_path(snap, n) for n in range(1, len(listing_pages(snap)) + 1)]
    assert [p for p in full_crawl.paths() if p.startswith(snap.config["listing_path"])] == listing
    assert counts["/robots.txt"] == 1


def test_since_stops_paging_and_skips_older_items(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    snap = snap_of(offline_site)
    pages = listing_pages(snap)
    dated = [e for e in pages[1] if e.posted_date]
    since = dated[len(dated) // 2].posted_date  # a cut in the middle of page 2
    assert since is not None
    run = run_crawl(offline_site, tmp_path_factory.mktemp("since"), args={"since": since})

    newer = [e for e in snap.listed() if e.posted_date and e.posted_date >= since]
    assert set(run.urls) == snap.records(newer, ("publication",), offline_site.base_url)
    stop = next(
        n for n, page in enumerate(pages, 1)
        if (own := [e for e in page if e.role in OWN_ITEM_ROLES])
        and all(e.posted_date and e.posted_date < since for e in own)
    )  # fmt: skip
    listing = [p for p in run.paths() if p.startswith(snap.config["listing_path"])]
    assert listing == [listing_path(snap, n) for n in range(1, stop + 1)]
    assert run.stat("brief/discovery/paging_stopped_since") == 1
    older = [quote(e.path) for e in snap.listed() if e.posted_date and e.posted_date < since]
    assert not set(run.paths()) & set(older)
    assert run.stat("brief/skipped/listed_older_than_since") >= 1
    assert run.stat("finish_reason") == "finished"


def test_max_items_stops_after_that_many_records(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run = run_crawl(offline_site, tmp_path_factory.mktemp("max"), args={"max_items": "5"})
    snap = snap_of(offline_site)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records) == 5
    assert set(run.urls) <= snap.records(snap.listed(), ("publication",), offline_site.base_url)
    assert run.stat("finish_reason") == "max_items"
    assert run.stat("item_scraped_count") == 5


def test_program_crawl_follows_only_the_program_listing(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    snap = snap_of(offline_site)
    program_path = f"/program/{snap.program['slug']}"
    with urllib.request.urlopen(offline_site.base_url + program_path, timeout=10) as response:
        featured = set(re.findall(r'href="(/(?:publication|article)/[^"?#]+)"', response.read().decode()))
    run = run_crawl(
        offline_site, tmp_path_factory.mktemp("program"),
        args={"program": snap.program["slug"], "types": "publication,article"},
    )  # fmt: skip
    types, base = ("publication", "article"), offline_site.base_url
    listed = snap.records(snap.listed(program_only=True), types, base)
    teasers = {snap.record_url(snap.items[p], base) for p in featured if p in snap.items}
    assert set(run.urls) == listed | teasers
    pages = len(listing_pages(snap, program_only=True))
    listing = [listing_path(snap, n, program_only=True) for n in range(1, pages + 1)]
    assert [p for p in run.paths() if "insight-analysis" in p] == listing
    assert not [p for p in run.paths() if p.startswith(("/search", "/person/", f"{program_path}/experts"))]
    assert run.paths()[:2] == ["/robots.txt", program_path]


def test_sitemap_crawl_finds_every_page_of_the_wanted_types(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    snap = snap_of(offline_site)
    args = {"sitemap": "1", "types": "article"}
    run = run_crawl(offline_site, tmp_path_factory.mktemp("sitemap"), args=args)
    articles = [e for e in snap.items.values() if e.role == "page" and e.kind == "article"]
    assert len(articles) >= 5
    assert set(run.urls) == {snap.record_url(e, offline_site.base_url) for e in articles}
    sitemaps = [p for p in run.paths() if p.startswith("/sitemap.xml")]
    assert sitemaps[0] == "/sitemap.xml"
    assert len(sitemaps) == run.stat("brief/discovery/sitemaps") > 2
    assert not [p for p in run.paths() if p.startswith(("/publication/", "/program/", "/sites/"))]
    assert run.other_hosts() == set()


def test_feed_export_and_project_pipelines_agree(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """-O (Scrapy's feed export) works with the project's pipelines, which write the same records."""
    run = run_crawl(offline_site, tmp_path_factory.mktemp("pipelines"), pipelines=True)
    assert run.returncode == 0, run.stderr[-2000:]
    written = run_files(run.output_dir / "wilsoncenter")
    assert len(written) == 1
    lines = [json.loads(line) for line in written[0].read_text(encoding="utf-8").splitlines()]
    assert len(run.records) == len(lines) == run.stat("item_scraped_count") > 0
    assert [r["url"] for r in run.records] == [r["url"] for r in lines]


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("since", "yesterday", "since: 'yesterday' is not a date"),
        ("base_url", "ftp://127.0.0.1", "base_url: 'ftp://127.0.0.1' is not an http(s) URL"),
        ("max_items", "-1", "max_items: '-1' is not a whole number"),
    ],
)
def test_bad_argument_fails_at_start_with_one_line(
    offline_site: OfflineSite,
    tmp_path_factory: pytest.TempPathFactory,
    argument: str,
    value: str,
    message: str,
) -> None:
    args = {"base_url": offline_site.base_url, argument: value}
    run = run_crawl(offline_site, tmp_path_factory.mktemp("bad"), args=args, base_url=False)
    assert run.returncode != 0
    errors = [line for line in run.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, run.stderr[-2000:]
    assert message in errors[0]
    assert "Traceback" not in run.stderr
    assert run.requests == []


def test_generic_spider_without_urls_fails_at_start(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run = run_crawl(offline_site, tmp_path_factory.mktemp("bad-generic"), spider="generic", base_url=False)
    assert run.returncode != 0
    assert "error: generic: give start_urls, urls_file or sitemap_url" in run.stderr
    assert "Traceback" not in run.stderr


def test_generic_spider_extracts_given_urls_and_sitemap(
    offline_site: OfflineSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    snap = snap_of(offline_site)
    base = offline_site.base_url
    pages = [e for e in snap.items.values() if e.role == "page"]
    tmp = tmp_path_factory.mktemp("generic")
    urls_file = tmp / "urls.txt"
    urls_file.write_text(f"# two pages\n{base}{pages[0].path}\n\n{base}/program/{snap.program['slug']}\n")
    run = run_crawl(
        offline_site, tmp, spider="generic", base_url=False,
        args={"start_urls": f"{base}{pages[1].path}", "urls_file": str(urls_file),
              "sitemap_url": f"{base}/sitemap.xml"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    served = f"{base}/program/{snap.program['slug']}"
    with urllib.request.urlopen(served, timeout=10) as response:
        program_url = Page(parse_root(response.read()), served).canonical_url or served
    assert set(run.urls) == {snap.record_url(e, base) for e in pages} | {program_url}
    assert len(run.urls) == len(set(run.urls))
    for record in run.records:  # source: the site key for Wilson Center pages, else the host
        assert record["source"] == ("wilsoncenter" if "wilsoncenter.org" in record["url"] else "127.0.0.1")
    requested = set(run.paths())
    assert not requested & set(paths_of(snap.listed(), "disallowed"))
    assert not [p for p in requested if p.endswith(".pdf")]
    assert run.stat("brief/skipped/document_in_sitemap") == 1
    assert run.stat("downloader/response_status_count/404") == 1
    assert run.other_hosts() == set()
