"""extract() never raises and never guesses: odd input gives an empty or partial record."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brief_scraper import FIELDS, extract

URL = "https://www.wilsoncenter.org/publication/x"
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 40


def assert_whole_record(record: dict) -> None:
    assert list(record) == list(FIELDS)
    assert record["schema_version"] == 1


@pytest.mark.parametrize(
    "html",
    [
        b"",
        "",
        b"\x00\x00\x00",
        PDF_BYTES,
        gzip.compress(b"<html><h1>zipped</h1></html>"),
        b"<html><head><title>Cut off",
        b"<p>no html element, only a paragraph</p>",
        b"<div>" * 20000 + b"deep" + b"</div>" * 20000,
        b"<html><body>" + b"<p>filler text</p>" * 600_000 + b"</body></html>",  # about 10 MB
        b'<meta charset="no-such-charset"><h1>x</h1>',
        "<h1>\ud800 lone surrogate</h1>",
    ],
    ids=[
        "empty-bytes",
        "empty-str",
        "nul",
        "pdf",
        "gzip",
        "truncated",
        "no-html",
        "deep",
        "10mb",
        "bad-charset",
        "surrogate",
    ],
)
def test_odd_input_gives_a_whole_record(html: bytes | str) -> None:
    record = extract(html, URL)
    assert_whole_record(record)
    assert record["authors"] == []
    assert record["download_url"] is None


def test_bad_url_still_gives_a_record() -> None:
    assert_whole_record(extract(b"<h1>x</h1>", "not a url"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096) | st.text(max_size=4096))
def test_extract_never_raises_on_arbitrary_input(html: bytes | str) -> None:
    assert_whole_record(extract(html, URL))


HTML_PIECES = st.sampled_from(
    [
        "<html>",
        "<head>",
        "<title>T | Wilson Center",
        "</title>",
        '<h1 class="h2">',
        "</h1>",
        "<p>",
        '<header class="hero-article">',
        '<time datetime="2020-13-45T99:00">',
        "</time>",
        "<a href='/x.pdf'>",
        "Download",
        "</a>",
        '<script type="application/ld+json">{"@type": "Article", "author": [',
        "</script>",
        "<blockquote>“",
        "part of our series “",
        "<h2>Authors</h2>",
        "<!--",
        "<![CDATA[",
        "&#0;",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(HTML_PIECES | st.text(max_size=20), max_size=60))
def test_extract_never_raises_on_shuffled_page_pieces(pieces: list[str]) -> None:
    assert_whole_record(extract("".join(pieces), URL))


def test_metadata_escaped_twice_or_holding_html_gives_plain_values() -> None:
    # Seen on evaluation pages: a description in <p> tags, entities escaped twice, and a
    # JSON-LD image whose query escaped its "&".
    page = """<html><head>
    <meta name="description" content="&lt;p&gt;Der Konzern ist nach &lt;em&gt;NDR&lt;/em&gt;-Recherchen
      betroffen, sagt Alfa Romeo: enth&amp;uuml;llt.&lt;/p&gt;">
    <script type="application/ld+json">{"@type": "NewsArticle",
      "headline": "AT&amp;amp;T &amp; she&amp;#39;s",
      "image": "https://i0.wp.com/x.org/a.jpeg?fit=1200%2C900&amp;ssl=1",
      "keywords": "B&amp;Q, Q&notes"}</script>
    </head><body><h1>AT&amp;T &amp; she's</h1></body></html>"""
    record = extract(page.encode(), "https://x.org/a")
    assert record["summary"] == "Der Konzern ist nach NDR-Recherchen betroffen, sagt Alfa Romeo: enthüllt."
    assert record["title"] == "AT&T & she's"
    assert record["image_url"] == "https://i0.wp.com/x.org/a.jpeg?fit=1200%2C900&ssl=1"
    assert record["topics"] == ["B&Q", "Q&notes"]  # "&not" without its ";" is no entity


@pytest.mark.parametrize(
    ("button", "download_url"),
    [
        ('<a href="/app-download">Download the Example News app</a>', None),
        ('<a href="/action/showCitFormats?doi=1">Download Citations</a>', None),
        ('<a href="/resources/index/">Download Now</a>', None),
        ('<a href="/doi/epdf/10.1/x">Download PDF</a>', "https://x.org/doi/epdf/10.1/x"),
        ('<a href="/files/report.pdf">Download</a>', "https://x.org/files/report.pdf"),
    ],
)
def test_a_download_button_counts_only_when_it_offers_a_document(button: str, download_url: str | None):
    page = f"<html><body><main><h1>A piece</h1><p>{button}</p></main></body></html>"
    assert extract(page.encode(), "https://x.org/a")["download_url"] == download_url


def test_a_keyword_vocabulary_is_no_topics_and_the_next_layer_gives_them() -> None:
    # pcworld.com's JSON-LD lists 6,761 keywords, a syndication network's 172 papers.
    vocabulary = ", ".join(f"Paper {n}" for n in range(150))
    tags = "Higher education,Academics,Lecturers' pay,Gig economy,Students,Trade unions,Office for Students"
    page = f"""<html><head>
    <meta property="article:tag" content="{tags}">
    <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "A piece",
      "keywords": "{vocabulary}"}}</script>
    </head><body><h1>A piece</h1></body></html>"""
    record = extract(page.encode(), "https://x.org/a")
    assert record["topics"] == tags.split(",")  # one tag holding a list is that list
    assert record["provenance"]["topics"] == "meta"
