"""Feeds: RSS 2.0 and Atom read with feedparser, and the feeds a home page points to.

Feeds are the most trusted way to find a think tank's new publications: each entry is a
page with its date. feedparser reads every dialect in use (RSS 0.9x-2.0, Atom 0.3/1.0, RDF)
and survives broken ones; it is given the bytes, never a URL, so it fetches nothing, and its
own date parsing is used only as a fallback to ours. Pure: bytes in, entries out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
from lxml import etree

from brief_scraper.dates import parse_iso
from brief_scraper.urls import absolute_url

FEED_MAX_BYTES = 10 * 1024 * 1024  # a feed larger than this is not a feed of new items
FEED_MEDIA_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}
)
_ALTERNATE_LINKS = etree.XPath(
    "//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: the page it links to, and the day it was published (if given)."""

    url: str
    posted_date: str | None  # YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed: its kind (``rss20``, ``atom10``..., "" when the bytes are no feed)."""

    kind: str
    entries: tuple[FeedEntry, ...]


def _entry_day(entry: Any) -> str | None:
    """Return the day an entry was published, in the feed's own offset (feedparser's parsed
    times are in UTC: a late-evening post would land on the next day)."""
    for key in ("published", "updated", "created"):
        raw = dict.get(entry, key)  # the plain dict: no fallback from one key to another
        if not isinstance(raw, str):
            continue
        day, _ = parse_iso(raw)
        if day:
            return day
        try:
            return parsedate_to_datetime(raw).date().isoformat()  # RSS's RFC 822 dates
        except (TypeError, ValueError, IndexError):
            continue
    for key in ("published_parsed", "updated_parsed"):
        parsed = dict.get(entry, key)
        if parsed:
            return time.strftime("%Y-%m-%d", parsed)
    return None


def parse_feed(body: bytes, url: str) -> Feed:
    """Return the entries of an RSS or Atom feed, links made absolute against *url*.

    Anything that is no feed (an HTML page, as some think tanks' feed URLs answer) gives
    kind "" and no entries; a feed over :data:`FEED_MAX_BYTES` is not read.

    >>> rss = b'''<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    ...   <item><link>/publication/a</link><pubDate>Mon, 17 Mar 2025 22:46:12 -0400</pubDate></item>
    ... </channel></rss>'''
    >>> parse_feed(rss, "https://www.wilsoncenter.org/rss.xml").entries
    (FeedEntry(url='https://www.wilsoncenter.org/publication/a', posted_date='2025-03-17'),)
    >>> parse_feed(b"<html><body>Not a feed</body></html>", "https://x.org/feed/")
    Feed(kind='', entries=())
    """
    if not body or len(body) > FEED_MAX_BYTES:
        return Feed("", ())
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    kind = parsed.get("version") or ""
    if not kind:
        return Feed("", ())
    entries = []
    for entry in parsed.entries:
        link = absolute_url(entry.get("link"), url)
        if link:
            entries.append(FeedEntry(link, _entry_day(entry)))
    return Feed(kind, tuple(entries))


def find_feed_links(root: Any, page_url: str) -> list[str]:
    """Return the feeds an HTML page (an lxml root) points to with ``<link rel=alternate>``,
    absolute, each once, page order.

    >>> from lxml import html
    >>> page = html.fromstring('<html><head><link rel="alternate" type="application/rss+xml"'
    ...     ' href="/feed/"><link rel="alternate" hreflang="es" href="/es/"></head></html>')
    >>> find_feed_links(page, "https://example.org/")
    ['https://example.org/feed/']
    """
    found: dict[str, None] = {}
    for link in _ALTERNATE_LINKS(root):
        media_type = (link.get("type") or "").split(";")[0].strip().lower()
        if media_type in FEED_MEDIA_TYPES:
            url = absolute_url(link.get("href"), page_url)
            if url:
                found.setdefault(url)
    return list(found)
