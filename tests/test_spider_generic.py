"""spiders/generic.py: URL lists, a URLs file, a sitemap; records of any site."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.utils.test import get_crawler

from spiders.generic import GenericSpider
from tests.spider_support import IN_PROCESS, drain

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy import Request

RAND_PAGE = """<html lang="en"><head><title>A Report</title>
<meta name="citation_title" content="A Report on Things">
<meta name="citation_publication_date" content="2021/6/4"></head>
<body><h1>A Report on Things</h1></body></html>"""


def make_spider(**arguments: Any) -> GenericSpider:
    crawler = get_crawler(GenericSpider, IN_PROCESS)
    spider = GenericSpider.from_crawler(crawler, **arguments)
    crawler.spider = spider
    return spider


def first_requests(spider: GenericSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_start_urls_and_urls_file_are_merged_in_order(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(
        "# RAND\nhttps://www.rand.org/pubs/a.html\n\nhttps://example.org/b\nhttps://www.rand.org/pubs/a.html\n"
    )
    spider = make_spider(start_urls="https://example.org/c", urls_file=str(urls))
    requests = first_requests(spider)
    assert [r.url for r in requests] == [
        "https://example.org/c", "https://www.rand.org/pubs/a.html", "https://example.org/b",
    ]  # fmt: skip
    assert {r.callback for r in requests} == {spider.parse_page}
    assert spider.allowed_domains == ["example.org", "rand.org"]


def test_sitemap_url_is_requested_after_the_pages() -> None:
    spider = make_spider(start_urls="https://example.org/a", sitemap_url="https://example.org/sitemap.xml")
    requests = first_requests(spider)
    assert [(r.url, r.callback) for r in requests] == [
        ("https://example.org/a", spider.parse_page),
        ("https://example.org/sitemap.xml", spider.parse_sitemap),
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "give start_urls, urls_file or sitemap_url"),
        ({"start_urls": "example.org/a"}, "start_urls: 'example.org/a' is not an http(s) URL"),
        ({"urls_file": "/nonexistent/urls.txt"}, "urls_file: cannot read '/nonexistent/urls.txt'"),
        ({"sitemap_url": "https://x.org/a.xml,https://x.org/b.xml"}, "sitemap_url: give one sitemap URL"),
        ({"start_urls": "https://x.org/a", "max_items": "0"}, "max_items: '0' is not a whole number"),
        ({"start_url": "https://x.org/a"}, "unknown argument 'start_url'"),
    ],
)
def test_bad_arguments_raise_one_clear_error(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make_spider(**arguments)


def test_page_of_an_unknown_site_gives_a_record_whose_source_is_the_host() -> None:
    spider = make_spider(start_urls="https://www.rand.org/pubs/a.html")
    response = HtmlResponse("https://www.rand.org/pubs/a.html", body=RAND_PAGE.encode(), encoding="utf-8")
    [record] = drain(spider.parse_page(response))
    assert record["source"] == "rand.org"
    assert record["url"] == "https://www.rand.org/pubs/a.html"
    assert record["title"] == "A Report on Things"


def test_sitemap_pages_on_its_host_are_requested_documents_are_not() -> None:
    spider = make_spider(sitemap_url="https://example.org/sitemap.xml")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    body = (f"<urlset {ns}><url><loc>https://example.org/a</loc></url><url><loc>/b</loc></url>"
            "<url><loc>https://example.org/files/c.pdf</loc></url>"
            "<url><loc>https://other.example/d</loc></url></urlset>")  # fmt: skip
    requests = list(spider.parse_sitemap(XmlResponse("https://example.org/sitemap.xml", body=body.encode())))
    assert [r.url for r in requests] == ["https://example.org/a", "https://example.org/b"]
    assert spider.crawler.stats.get_value("brief/skipped/document_in_sitemap") == 1
    index = f"<sitemapindex {ns}><sitemap><loc>https://example.org/s2.xml</loc></sitemap></sitemapindex>"
    [follow] = spider.parse_sitemap(XmlResponse("https://example.org/sitemap.xml", body=index.encode()))
    assert (follow.url, follow.callback) == ("https://example.org/s2.xml", spider.parse_sitemap)


def test_documents_are_not_extracted_and_max_items_stops() -> None:
    spider = make_spider(start_urls="https://example.org/a", max_items="1")
    pdf = Response("https://example.org/a.pdf", body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert drain(spider.parse_page(pdf)) == []
    response = HtmlResponse("https://example.org/a", body=RAND_PAGE.encode(), encoding="utf-8")
    records = []
    with pytest.raises(CloseSpider) as closed:
        drain(spider.parse_page(response), records)
    assert (len(records), closed.value.reason) == (1, "max_items")
    assert drain(spider.parse_page(response)) == []
