"""The page archive (brief_scraper/runs/archive.py) and its reader (brief_scraper/runs/warcpages.py)."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from warcio.archiveiterator import ArchiveIterator

from brief_scraper.runs.archive import Exchange, PageArchive, WarcFiles
from brief_scraper.runs.warcpages import ReadProgress, read_pages
from tests.pipeline_support import make_crawler

BODY = b"<html><head><title>A Brief</title></head><body>" + b"<p>text</p>" * 200 + b"</body></html>"


def exchange(n: int, is_page: bool = True) -> Exchange:
    return Exchange(
        url=f"https://www.wilsoncenter.org/publication/p{n}", method="GET",
        request_headers=[("User-Agent", "brief-scraper/0.1")], request_body=b"", status=200,
        protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                               ("Transfer-Encoding", "chunked")],
        body=BODY, ip_address="127.0.0.1", date=datetime(2026, 11, 28, 9, 0, tzinfo=UTC), is_page=is_page,
    )  # fmt: skip


def test_each_record_is_a_gzip_member_that_warcio_reads_with_its_request(tmp_path):
    files = WarcFiles(tmp_path, "20261128T090000Z", max_bytes=2**20)
    files.write(exchange(1))
    files.close()
    [path] = tmp_path.glob("*.warc.gz")
    assert path.name == "20261128T090000Z-00001.warc.gz"
    with path.open("rb") as raw:
        records = list(
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.http_headers)
            for r in ArchiveIterator(raw)
        )
    assert [kind for kind, _, _ in records] == ["warcinfo", "request", "response"]
    response_headers = records[2][2]
    assert response_headers.get_statuscode() == "200"
    assert response_headers.get_header("Transfer-Encoding") is None  # the body is stored de-chunked
    assert response_headers.get_header("Content-Length") == str(len(BODY))
    members = gzip.decompress(path.read_bytes())  # gzip readers read the members as one stream
    assert members.count(b"WARC/1.0\r\n") == 3
    [page] = read_pages([path])
    assert (page.url, page.status, page.body, page.is_page) == (exchange(1).url, 200, BODY, True)


def test_a_file_cut_inside_its_last_record_is_read_up_to_the_cut(tmp_path):
    files = WarcFiles(tmp_path, "20261128T090000Z", max_bytes=2**20)
    for n in range(3):
        files.write(exchange(n))
    files.close()
    [path] = tmp_path.glob("*.warc.gz")
    path.write_bytes(path.read_bytes()[:-100])  # a kill inside the last write
    progress = ReadProgress()
    pages = list(read_pages([path], progress))
    assert [p.url for p in pages] == [exchange(n).url for n in range(2)]
    with pytest.raises((EOFError, zlib.error, gzip.BadGzipFile)):
        gzip.decompress(path.read_bytes())  # only the last member is cut


def test_files_rotate_by_size_each_beginning_with_warcinfo(tmp_path):
    files = WarcFiles(tmp_path, "20261128T090000Z", max_bytes=1500)
    for n in range(4):
        files.write(exchange(n))
    files.close()
    paths = sorted(tmp_path.glob("*.warc.gz"))
    assert len(paths) == files.files >= 2
    for path in paths:
        with path.open("rb") as raw:
            assert next(iter(ArchiveIterator(raw))).rec_type == "warcinfo"
    assert [p.url for p in read_pages(paths)] == [exchange(n).url for n in range(4)]
    assert files.bytes == sum(p.stat().st_size for p in paths)


def test_cached_responses_are_counted_not_archived_and_pages_are_marked(tmp_path):
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(tmp_path), "BRIEF_ARCHIVE_ENABLED": True,
                            "BRIEF_ARCHIVE_MAX_FILE_MB": 1})  # fmt: skip
    archive = build_from_crawler(PageArchive, crawler)

    def parse_page(response):  # the name of the project spiders' page callback
        return None

    page = Request("https://www.wilsoncenter.org/publication/a", callback=parse_page)
    listing = Request("https://www.wilsoncenter.org/insight-analysis")
    for request, flags in ((page, []), (listing, []), (page, ["cached"])):
        response = HtmlResponse(request.url, body=BODY, request=request, flags=flags)
        archive.response_received(response, request)
    archive.spider_closed()
    assert crawler.stats.get_value("brief/archive/responses") == 2
    assert crawler.stats.get_value("brief/archive/cached") == 1
    assert crawler.stats.get_value("brief/archive/files") == 1
    pages = list(read_pages(sorted((tmp_path / "wilsoncenter" / "archive").glob("*.warc.gz"))))
    assert [(p.url, p.is_page) for p in pages] == [(page.url, True), (listing.url, False)]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"BRIEF_ARCHIVE_ENABLED": False}, "BRIEF_ARCHIVE_ENABLED"),
        ({"BRIEF_OUTPUT_DIR": ""}, "BRIEF_OUTPUT_DIR"),
    ],
)
def test_switched_off_says_which_setting(tmp_path, settings, message):
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(tmp_path), "BRIEF_ARCHIVE_ENABLED": True,
                            "BRIEF_ARCHIVE_MAX_FILE_MB": 100, **settings})  # fmt: skip
    with pytest.raises(NotConfigured, match=message):
        build_from_crawler(PageArchive, crawler)
