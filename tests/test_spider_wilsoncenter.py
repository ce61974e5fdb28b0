"""spiders/wilsoncenter.py: arguments, politeness, and each callback on hand-made responses."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from spiders.wilsoncenter import WilsonCenterSpider
from tests.spider_support import IN_PROCESS, drain

LOCAL = "http://127.0.0.1:8000"


def make_spider(**arguments: Any) -> WilsonCenterSpider:
    crawler = get_crawler(WilsonCenterSpider, IN_PROCESS)
    spider = WilsonCenterSpider.from_crawler(crawler, **arguments)
    crawler.spider = spider
    return spider


def first_requests(spider: WilsonCenterSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", headers={"Content-Type": "text/html"})


def stats(spider: WilsonCenterSpider) -> dict[str, Any]:
    assert spider.crawler.stats is not None
    return spider.crawler.stats.get_stats()


def test_defaults_crawl_the_live_listing_of_publications() -> None:
    spider = make_spider()
    assert spider.arguments.types == ("publication",)
    assert spider.allowed_domains == ["wilsoncenter.org"]
    [request] = first_requests(spider)
    assert request.url == "https://www.wilsoncenter.org/insight-analysis"
    assert request.callback == spider.parse_listing


@pytest.mark.parametrize(
    ("arguments", "url", "callback"),
    [
        ({"program": "mexico-institute"}, f"{LOCAL}/program/mexico-institute", "parse_program"),
        ({"sitemap": "1"}, f"{LOCAL}/sitemap.xml", "parse_sitemap"),
        ({"start_urls": "/insight-analysis?p=1"}, f"{LOCAL}/insight-analysis?p=1", "parse_listing"),
        ({"start_urls": f"{LOCAL}/publication/a?x=1"}, f"{LOCAL}/publication/a", "parse_page"),
    ],
)
def test_start_follows_the_discovery_mode(arguments: dict[str, str], url: str, callback: str) -> None:
    spider = make_spider(base_url=LOCAL + "/", **arguments)
    [request] = first_requests(spider)
    assert (request.url, request.callback) == (url, getattr(spider, callback))
    assert spider.allowed_domains == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"since": "2025-13-01"}, "since: '2025-13-01' is not a date (use YYYY-MM-DD"),
        ({"since": "last week"}, "since: 'last week' is not a date"),
        ({"base_url": "www.wilsoncenter.org"}, "base_url: 'www.wilsoncenter.org' is not an http(s) URL"),
        ({"base_url": "ftp://127.0.0.1"}, "base_url: 'ftp://127.0.0.1' is not an http(s) URL"),
        ({"max_items": "-1"}, "max_items: '-1' is not a whole number of at least 1"),
        ({"max_items": "ten"}, "max_items: 'ten' is not a whole number"),
        ({"sitemap": "maybe"}, "sitemap: 'maybe' is not a yes/no value"),
        ({"types": "publication,Blog Post"}, "types: 'Blog Post' is not a slug"),
        ({"program": "/program/x"}, "program: '/program/x' is not a slug"),
        ({"start_urls": "https://example.org/publication/a"}, "is not on base_url's host (wilsoncenter.org)"),
        ({"program": "x", "sitemap": "yes"}, "give one of start_urls, program or sitemap, not program and"),
        ({"max_item": "5"}, "unknown argument 'max_item' (known: base_url, max_items, program"),
    ],
)
def test_bad_arguments_raise_one_clear_error(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        make_spider(**arguments)
    assert "\n" not in str(error.value)


def test_scrapyd_job_argument_is_accepted() -> None:
    spider = make_spider(_job="abc123", since="2025-01-31", max_items="3", types="publication, article")
    assert (spider.arguments.since.isoformat(), spider.arguments.max_items) == ("2025-01-31", 3)
    assert spider.arguments.types == ("publication", "article")


def test_politeness_is_per_site_and_can_be_turned_off_from_the_command_line() -> None:
    crawler = get_crawler(WilsonCenterSpider)
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 10
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED")
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    settings = Settings({"DOWNLOAD_DELAY": 2})
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    WilsonCenterSpider.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")


def test_project_settings_are_polite_and_open_no_console() -> None:
    settings = get_project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings["BRIEF_CONTACT_URL"] in settings["USER_AGENT"]
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert 0 < settings.getint("DOWNLOAD_MAXSIZE") <= 64 * 1024 * 1024
    assert settings.getbool("RETRY_ENABLED")
    assert {500, 502, 503, 504} <= set(settings.getlist("RETRY_HTTP_CODES"))
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings["COMMANDS_MODULE"] == "brief_scraper.commands"


LISTING = """<div class="faceted-search-results">
  <a class="teaser" href="/publication/new"><span class="teaser-byline-text-date">March 3, 2025</span></a>
  <a class="teaser" href="/article/new-article"><span class="teaser-byline-text-date">March 2, 2025</span></a>
  <a class="teaser" href="http://localhost:8000/publication/elsewhere"><span class="teaser-byline-text-date">
    March 2, 2025</span></a>
  <a class="teaser" href="/sites/default/files/report.pdf">
    <span class="teaser-byline-text-date">March 1, 2025</span></a>
  <a class="teaser" href="/publication/old"><span class="teaser-byline-text-date">January 5, 2020</span></a>
</div><nav class="pager"><a rel="next" href="?_page=2">Next</a></nav>"""


def test_listing_requests_own_items_of_the_wanted_types_then_the_next_page() -> None:
    spider = make_spider(base_url=LOCAL)
    requests = list(spider.parse_listing(html(f"{LOCAL}/insight-analysis", LISTING)))
    assert [r.url for r in requests] == [
        f"{LOCAL}/publication/new", f"{LOCAL}/publication/old", f"{LOCAL}/insight-analysis?_page=2",
    ]  # fmt: skip
    assert [r.callback for r in requests] == [spider.parse_page, spider.parse_page, spider.parse_listing]
    assert requests[0].cb_kwargs == {"listed_date": "2025-03-03"}
    assert requests[0].priority > requests[-1].priority  # records before more listing pages


def test_since_skips_older_listed_items_and_stops_after_an_older_page() -> None:
    spider = make_spider(base_url=LOCAL, since="2024-01-01", types="publication,article")
    requests = list(spider.parse_listing(html(f"{LOCAL}/insight-analysis", LISTING)))
    assert [r.url.rsplit("/", 1)[1] for r in requests] == ["new", "new-article", "insight-analysis?_page=2"]
    assert stats(spider)["brief/skipped/listed_older_than_since"] == 1
    old_page = LISTING.replace("2025", "2019").replace("_page=2", "_page=3")
    requests = list(spider.parse_listing(html(f"{LOCAL}/insight-analysis?_page=2", old_page)))
    assert requests == []
    assert stats(spider)["brief/discovery/paging_stopped_since"] == 1


PAGE = """<html lang="en"><head><link rel="canonical" href="https://www.wilsoncenter.org/publication/{slug}">
<title>{title} | Wilson Center</title></head><body><header class="hero-article"><h1 class="h2">{title}</h1>
<div class="published-info"><time datetime="{day}T10:00:00-05:00">{day}</time></div></header></body></html>"""


def page(slug: str, day: str) -> HtmlResponse:
    return html(f"{LOCAL}/publication/{slug}", PAGE.format(slug=slug, title=slug.title(), day=day))


def test_page_yields_the_extracted_record() -> None:
    spider = make_spider(base_url=LOCAL)
    [record] = drain(spider.parse_page(page("a-brief", "2025-03-17")))
    assert record["url"] == "https://www.wilsoncenter.org/publication/a-brief"
    assert record["posted_date"] == "2025-03-17"


def test_page_older_than_since_is_not_emitted_but_counted() -> None:
    spider = make_spider(base_url=LOCAL, since="2025-01-01")
    assert drain(spider.parse_page(page("old", "2024-12-31"))) == []
    assert drain(spider.parse_page(page("new", "2025-01-01")))
    undated = html(f"{LOCAL}/publication/undated", "<h1>Undated</h1>")
    assert drain(spider.parse_page(undated, listed_date="2020-05-05")) == []  # the listing's date decides
    assert drain(spider.parse_page(undated))  # no date anywhere: not known to be older
    assert stats(spider)["brief/skipped/older_than_since"] == 2


def test_max_items_closes_the_spider_after_that_many_records() -> None:
    spider = make_spider(base_url=LOCAL, max_items="2")
    assert len(drain(spider.parse_page(page("one", "2025-01-01")))) == 1
    emitted = []
    with pytest.raises(CloseSpider) as closed:
        drain(spider.parse_page(page("two", "2025-01-02")), emitted)
    assert closed.value.reason == "max_items"
    assert len(emitted) == 1
    assert drain(spider.parse_page(page("three", "2025-01-03"))) == []
    assert stats(spider)["brief/skipped/max_items"] == 1
    assert list(spider.parse_listing(html(f"{LOCAL}/insight-analysis", LISTING))) == []  # nor more pages


def test_a_document_is_not_extracted() -> None:
    spider = make_spider(base_url=LOCAL)
    pdf = Response(f"{LOCAL}/publication/file", body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert drain(spider.parse_page(pdf)) == []
    assert stats(spider)["brief/dropped/not_html"] == 1
    assert stats(spider)["brief/pages/lost"] == 1


def test_program_page_gives_its_teasers_and_its_filtered_listing() -> None:
    spider = make_spider(base_url=LOCAL, program="mexico-institute")
    body = """<nav><a href="/insight-analysis">All</a> <a href="/search/?keywords=mexico">Search</a></nav>
      <article><a href="/publication/featured">F</a><time datetime="2025-01-02">Jan 2</time></article>
      <a href="/insight-analysis?programs=109">All Mexico Institute analysis</a>"""
    requests = list(spider.parse_program(html(f"{LOCAL}/program/mexico-institute", body)))
    assert [(r.url, r.callback) for r in requests] == [
        (f"{LOCAL}/publication/featured", spider.parse_page),
        (f"{LOCAL}/insight-analysis?programs=109", spider.parse_listing),
    ]


def test_sitemap_index_and_pages() -> None:
    spider = make_spider(base_url=LOCAL, sitemap="1", since="2025-01-01")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    index = (f"<sitemapindex {ns}><sitemap><loc>{LOCAL}/sitemap.xml?page=1</loc></sitemap>"
             f"<sitemap><loc>https://example.org/sitemap.xml</loc></sitemap></sitemapindex>")  # fmt: skip
    [follow] = spider.parse_sitemap(XmlResponse(f"{LOCAL}/sitemap.xml", body=index.encode()))
    assert (follow.url, follow.callback) == (f"{LOCAL}/sitemap.xml?page=1", spider.parse_sitemap)
    urlset = (f"<urlset {ns}><url><loc>{LOCAL}/publication/new</loc><lastmod>2025-02-01</lastmod></url>"
              f"<url><loc>{LOCAL}/publication/old</loc><lastmod>2024-02-01</lastmod></url>"
              f"<url><loc>{LOCAL}/article/new</loc></url><url><loc>{LOCAL}/program/x</loc></url>"
              f"<url><loc>http://localhost:8000/publication/other-host</loc></url></urlset>")  # fmt: skip
    requests = list(spider.parse_sitemap(XmlResponse(f"{LOCAL}/sitemap.xml?page=1", body=urlset.encode())))
    assert [(r.url, r.callback) for r in requests] == [(f"{LOCAL}/publication/new", spider.parse_page)]
    assert stats(spider)["brief/skipped/listed_older_than_since"] == 1
    assert list(spider.parse_sitemap(html(f"{LOCAL}/sitemap.xml", "<p>moved</p>"))) == []
    assert stats(spider)["brief/discovery/not_a_sitemap"] == 1
