"""Sitemaps: read a sitemap or sitemap index (gzipped or not) into its locations.

Pure and safe on any bytes: no external entities, no network, a size cap.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from lxml import etree

from brief_scraper.dates import parse_iso

SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed sitemap


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: ``sitemapindex`` (locations are sitemaps) or ``urlset`` (pages)."""

    kind: str
    entries: tuple[tuple[str, str | None], ...]  # (loc, lastmod as YYYY-MM-DD or None)


def parse_sitemap(body: bytes) -> Sitemap:
    """Return the kind and the ``(loc, lastmod day)`` entries of a sitemap, gzipped or not.

    Anything that is not a sitemap gives kind ``""`` and no entries. External entities and
    network access are off, and the size is capped at :data:`SITEMAP_MAX_BYTES`.

    >>> xml = b'''<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    ...   <sitemap><loc> https://wc.org/sitemap.xml?page=1 </loc>
    ...            <lastmod>2025-03-17T10:00Z</lastmod></sitemap>
    ... </sitemapindex>'''
    >>> parse_sitemap(xml)
    Sitemap(kind='sitemapindex', entries=(('https://wc.org/sitemap.xml?page=1', '2025-03-17'),))
    >>> import gzip
    >>> parse_sitemap(gzip.compress(xml.replace(b"sitemapindex", b"urlset").replace(b"<sitemap>", b"<url>")
    ...                             .replace(b"</sitemap>", b"</url>"))).kind
    'urlset'
    >>> parse_sitemap(b"<html><body>not a sitemap</body></html>")
    Sitemap(kind='', entries=())
    """
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except (OSError, EOFError, zlib.error, ValueError):
            return Sitemap("", ())
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return Sitemap("", ())
    if root is None or not isinstance(root.tag, str):
        return Sitemap("", ())
    kind = etree.QName(root).localname
    if kind not in ("sitemapindex", "urlset"):
        return Sitemap("", ())
    entries = []
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        loc = entry.findtext("{*}loc") or entry.findtext("loc")
        if loc and loc.strip():
            lastmod = entry.findtext("{*}lastmod") or entry.findtext("lastmod")
            entries.append((loc.strip(), parse_iso(lastmod)[0] if lastmod else None))
    return Sitemap(kind, tuple(entries))


def _gunzip(body: bytes) -> bytes:
    out = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = out.decompress(body, SITEMAP_MAX_BYTES)
    if out.unconsumed_tail:
        raise ValueError(f"sitemap larger than {SITEMAP_MAX_BYTES} bytes uncompressed")
    return data
