"""brief_scraper.crawling.sitemaps: sitemaps and sitemap indexes, gzipped or not, safely."""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING

import pytest

from brief_scraper.crawling.sitemaps import parse_sitemap

if TYPE_CHECKING:
    from pathlib import Path

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.wilsoncenter.org/publication/a</loc><lastmod>2025-03-17T16:46:12-04:00</lastmod></url>
  <url><loc>https://www.wilsoncenter.org/article/b</loc></url>
</urlset>"""


def test_sitemap_pages_with_lastmod_days() -> None:
    sitemap = parse_sitemap(SITEMAP)
    assert sitemap.kind == "urlset"
    assert sitemap.entries == (
        ("https://www.wilsoncenter.org/publication/a", "2025-03-17"),
        ("https://www.wilsoncenter.org/article/b", None),
    )
    assert parse_sitemap(gzip.compress(SITEMAP)) == sitemap


def test_sitemap_resolves_no_external_entity(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/&x;</loc></url></urlset>'
    ).encode()
    assert "TOP SECRET" not in repr(parse_sitemap(xml))


@pytest.mark.parametrize("body", [b"", b"not xml", b"<html><body>hi</body></html>", b"\x1f\x8bbroken gzip"])
def test_not_a_sitemap(body: bytes) -> None:
    assert parse_sitemap(body).kind == ""
