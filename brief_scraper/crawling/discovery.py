r"""Discovery: read listing pages for the links a spider should follow.

Pure functions, no Scrapy: HTML (or XML), the page's URL and the site's
``ListingConventions`` (``brief_scraper/sites/``: its item types, listings and pager
parameters) in, links out. Spiders call them to decide which requests to make; field parsing
stays in ``extract()``. What is the same on every site stays here: an item link's shape, how
a teaser's date is found, what a "Next" link looks like.

A listing is any page that lists items: the Wilson Center's design B's
``div.faceted-search-results > a.teaser`` with ``.teaser-byline-text-date``, design C's
``div.node-publication.tile h3.tile__title a`` tiles, or plain ``<a>`` links with a
``<time>`` nearby. The rules read
URLs, not designs: an *item link* is a link on the site's own host whose path is
``/<type>/<slug>`` with one of the site's item types (``/publication/...``, ``/article/...``),
and its *date* is the first date element (``<time>``, ``class="...date..."``) of the smallest
teaser around it that holds no other item link.

>>> from brief_scraper.sites.wilsoncenter import WILSON_CENTER
>>> html = b'''<div class="faceted-search-results">
...   <a class="teaser" data-type="publication" href="/publication/a-brief">
...     <span class="teaser-title"><span>A Brief</span></span>
...     <span class="teaser-byline-text-date">March 17, 2025</span></a>
...   <a class="teaser" data-type="article" href="https://www.example.org/article/x">X</a>
... </div>
... <nav class="pager"><a rel="next" href="?_page=2">Next</a></nav>'''
>>> page = parse_listing(html, "https://www.wilsoncenter.org/insight-analysis",
...                      conventions=WILSON_CENTER.discovery)
>>> [(item.url, item.kind, item.posted_date) for item in page.items]
[('https://www.wilsoncenter.org/publication/a-brief', 'publication', '2025-03-17')]
>>> page.next_page
'https://www.wilsoncenter.org/insight-analysis?_page=2'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from brief_scraper.dates import parse_date_text, parse_iso
from brief_scraper.parsing import parse_html
from brief_scraper.urls import absolute_url, is_same_site

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping

    from lxml.html import HtmlElement
    from parsel import Selector

    from brief_scraper.sites.profile import ListingConventions

# ``/<type>/<slug>`` with an optional trailing slash; a slug has no further segment.
_ITEM_PATH_RE = re.compile(r"^/([a-z0-9][a-z0-9-]*)/([^/]+)/?$")
_NEXT_TEXTS = frozenset({"next", "next page", "next ›", "next »", "›", "»", "older", "older posts"})
_TEASER_LEVELS = 6  # how far up from a link a teaser's date is looked for


@dataclass(frozen=True, slots=True)
class ListedItem:
    """A link to one item on a listing: where it is, its type, and the date its teaser shows."""

    url: str
    kind: str
    posted_date: str | None = None


@dataclass(frozen=True, slots=True)
class ListingPage:
    """What a listing page offers a crawler: its items (in page order) and the next page."""

    items: tuple[ListedItem, ...]
    next_page: str | None

    def wanted(self, types: Collection[str]) -> list[ListedItem]:
        """Return the items whose type is one of *types*, in page order."""
        return [item for item in self.items if item.kind in types]

    def is_older_than(self, since: date) -> bool:
        """Return whether every item has a teaser date and all are before *since*.

        An empty page, or one with an undated item, is not "older": paging goes on.

        >>> old = ListingPage((ListedItem("https://x.org/article/a", "article", "2019-01-02"),), None)
        >>> old.is_older_than(date(2020, 1, 1)), old.is_older_than(date(2019, 1, 2))
        (True, False)
        >>> ListingPage((), None).is_older_than(date(2020, 1, 1))
        False
        """
        return bool(self.items) and all(
            item.posted_date is not None and item.posted_date < since.isoformat() for item in self.items
        )


def item_kind(url: str | None, site_url: str, types: Collection[str]) -> str | None:
    """Return the item type of *url* (``publication``) when it is an item on *site_url*'s host.

    *types* are the item types (``ListingConventions.item_types``, or the ones a crawl wants).
    Other hosts, other paths (``/program/...``, ``/person/...``, documents) give None.

    >>> types = {"publication", "article"}
    >>> item_kind("https://www.wilsoncenter.org/publication/a-b", "https://www.wilsoncenter.org", types)
    'publication'
    >>> item_kind("http://www.keia.org/publication/a-b", "https://www.wilsoncenter.org", types) is None
    True
    >>> item_kind("https://www.wilsoncenter.org/program/mexico", "https://www.wilsoncenter.org", types)
    >>> item_kind("http://127.0.0.1:8000/blog-post/x/", "http://127.0.0.1:8000", {"blog-post"})
    'blog-post'
    """
    if not url or not is_same_site(url, site_url):
        return None
    match = _ITEM_PATH_RE.match(urlsplit(url).path)
    if not match or match.group(1) not in types:
        return None
    return match.group(1)


def item_url(href: str | None, base: str, site_url: str | None = None) -> str | None:
    """Return the item link *href* absolute, without query, fragment or trailing slash.

    With *site_url*, a link to the same site under another spelling of its host
    (``wilsoncenter.org`` for ``www.wilsoncenter.org``, http for https) gets the site's own,
    so that each item is requested once.

    >>> item_url("/publication/a/?utm_source=x#top", "https://www.wilsoncenter.org/research")
    'https://www.wilsoncenter.org/publication/a'
    >>> item_url("http://wilsoncenter.org/article/b", "https://x.org/", "https://www.wilsoncenter.org")
    'https://www.wilsoncenter.org/article/b'
    >>> item_url("javascript:void(0)", "https://www.wilsoncenter.org/") is None
    True
    """
    url = absolute_url(href, base)
    if url is None:
        return None
    parts = urlsplit(url)
    scheme, netloc = parts.scheme, parts.netloc
    if site_url and is_same_site(url, site_url):
        site = urlsplit(site_url)
        scheme, netloc = site.scheme, site.netloc
    return urlunsplit((scheme, netloc, parts.path.rstrip("/") or "/", "", ""))


def parse_listing(
    html: str | bytes | Selector,
    url: str,
    site_url: str | None = None,
    types: Collection[str] = (),
    *,
    conventions: ListingConventions,
) -> ListingPage:
    """Return the items (with teaser dates) and the next page of the listing at *url*.

    *site_url* names the site's own host (default: *url*'s); links elsewhere are never
    items. *conventions* are the site's: its item types and pager parameters; *types* adds
    item types to them. Each item appears once, at its first link, with the first date found
    for it.
    """
    sel = html if not isinstance(html, str | bytes) else parse_html(html)
    site = site_url or url
    kinds = conventions.item_types | frozenset(types)
    base = _base_url(sel, url)
    hrefs: dict[str | None, tuple[str, str] | None] = {}

    def item_of(href: str | None) -> tuple[str, str] | None:
        if href not in hrefs:  # a listing repeats its links: resolve each href once
            link = item_url(href, base, site)
            kind = item_kind(link, site, kinds)
            hrefs[href] = (link, kind) if link and kind else None
        return hrefs[href]

    seen: dict[str, ListedItem] = {}
    teasers: _Teasers = {}
    for anchor in sel.root.iterfind(".//a[@href]"):
        found = item_of(anchor.get("href"))
        if found is None:
            continue
        link, kind = found
        known = seen.get(link)
        if known is not None and known.posted_date is not None:
            continue
        posted = _teaser_date(anchor, item_of, teasers)
        if known is None or posted is not None:
            seen[link] = ListedItem(link, kind, posted)
    return ListingPage(tuple(seen.values()), find_next_page(sel, url, site, conventions=conventions))


def _base_url(sel: Selector, url: str) -> str:
    base = sel.xpath("//head/base/@href").get()
    return (absolute_url(base, url) or url) if base else url


# Per element of a page: the item URLs below it (keys keep the lxml proxies, so ids stay put).
_Teasers = dict["HtmlElement", frozenset[str]]


def _teaser_date(
    anchor: HtmlElement, item_of: Callable[[str | None], tuple[str, str] | None], teasers: _Teasers
) -> str | None:
    """Return the date of the smallest teaser around *anchor* holding only its item."""
    element: HtmlElement | None = anchor
    for _ in range(_TEASER_LEVELS):
        if element is None or not isinstance(element.tag, str) or element.tag in ("body", "html"):
            return None
        if element not in teasers:
            found = (item_of(a.get("href")) for a in element.iter("a"))
            teasers[element] = frozenset(f[0] for f in found if f)
        if len(teasers[element]) > 1:
            return None
        posted = _date_in(element)
        if posted is not None:
            return posted
        element = element.getparent()
    return None


# A teaser's date: <time> (machine value first) or an element whose class says "date".
_DATE_XPATH = etree.XPath("descendant-or-self::time | descendant-or-self::*[contains(@class, 'date')]")
_NEXT_CLASS_RE = re.compile(r"(?<![a-z])next(?![a-z])")  # pager__item--next, -next; not "context"


def _date_in(element: HtmlElement) -> str | None:
    for node in _DATE_XPATH(element):
        day, _ = parse_iso(node.get("datetime"))
        day = day or parse_date_text(" ".join(node.itertext()))
        if day:
            return day
    return None


def find_next_page(
    sel: Selector, url: str, site_url: str | None = None, *, conventions: ListingConventions
) -> str | None:
    r"""Return the URL of the listing page after *url*, or None on the last page.

    A ``rel="next"`` link wins, then a pager link that says "next"; else the link to the
    same listing whose pager parameter (one of the *conventions*' ``page_params``: the
    Wilson Center's ``?_page=``/``?page=``) is the smallest above the current one (only the
    next page, so that a crawler can stop paging when pages get too old).

    >>> from parsel import Selector
    >>> from brief_scraper.sites.profile import ListingConventions
    >>> drupal = ListingConventions(page_params={"page": 0})
    >>> pager = Selector(text='<a href="?page=3">3</a><a href="?page=1">2</a><a href="/x?page=9">9</a>')
    >>> find_next_page(pager, "https://wc.org/research", conventions=drupal)
    'https://wc.org/research?page=1'
    >>> find_next_page(pager, "https://wc.org/research?page=1", conventions=drupal)
    'https://wc.org/research?page=3'
    >>> find_next_page(pager, "https://wc.org/research?page=3", conventions=drupal) is None
    True
    >>> find_next_page(pager, "https://wc.org/research", conventions=ListingConventions()) is None
    True
    >>> find_next_page(Selector(text='<li class="pager__item--next"><a href="/r?_page=2">Next ›</a></li>'),
    ...                "https://wc.org/r", conventions=ListingConventions())
    'https://wc.org/r?_page=2'
    """
    site = site_url or url
    base = _base_url(sel, url)
    marked = sel.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
        " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    ).getall()
    for anchor in sel.xpath("//*[contains(@class, 'pager') or contains(@class, 'pagination')]//a[@href]"):
        text = " ".join(" ".join(anchor.xpath(".//text()").getall()).split()).lower()
        classes = " ".join(anchor.xpath("ancestor-or-self::*[position() <= 2]/@class").getall()).lower()
        if text in _NEXT_TEXTS or _NEXT_CLASS_RE.search(classes):
            marked.append(anchor.attrib["href"])
    for href in marked:
        link = absolute_url(href, base)
        if link and is_same_site(link, site) and link != absolute_url(url, url):
            return link
    return _numbered_next(sel, url, base, site, conventions.page_params)


def _page_number(url: str, params: Mapping[str, int]) -> tuple[str, int] | None:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    for name in params:
        if name in query:
            return (name, int(query[name])) if query[name].isdigit() else None
    return None


def _listing_key(url: str, params: Mapping[str, int]) -> tuple[str, str, str]:
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params)
    return parts.netloc, parts.path.rstrip("/"), urlencode(query)


def _numbered_next(sel: Selector, url: str, base: str, site: str, params: Mapping[str, int]) -> str | None:
    if not params:
        return None
    here = absolute_url(url, url) or url
    current = _page_number(here, params)
    here_key = _listing_key(here, params)
    best: tuple[int, str] | None = None
    for href in sel.xpath("//a/@href").getall():
        link = absolute_url(href, base)
        if not link or not is_same_site(link, site) or _listing_key(link, params) != here_key:
            continue
        numbered = _page_number(link, params)
        if numbered is None:
            continue
        name, number = numbered
        now = current[1] if current and current[0] == name else params[name]
        if number > now and (best is None or number < best[0]):
            best = (number, link)
    return best[1] if best else None


def find_program_listings(
    html: str | bytes | Selector, url: str, program: str, *, conventions: ListingConventions
) -> list[str]:
    """Return the listings a program page links to: its own listing pages and filtered lists.

    Only the program's listing sub-pages (the *conventions*' ``program_listings`` below
    ``program_path``: ``/program/<program>/insight-analysis``; not its experts or events) and
    site listings (``listing_paths``: ``/insight-analysis``...) filtered by one of the
    ``program_filters`` (``programs=``) and nothing but ``neutral_params`` and pager
    parameters count: not the site-wide navigation, nor a subset of the program's items
    (``?topics=165&programs=109``). Without a ``program_path`` there are none.

    >>> from brief_scraper.sites.wilsoncenter import WILSON_CENTER
    >>> html = '''<a href="/insight-analysis?programs=109">All</a> <a href="/insight-analysis">Nav</a>
    ...           <a href="/program/mexico-institute/insight-analysis">Ours</a> <a href="/search/?q=x">S</a>
    ...           <a href="/program/mexico-institute/experts">Experts</a>
    ...           <a href="/research?topics=1&programs=109">Topic</a>'''
    >>> find_program_listings(html, "https://wc.org/program/mexico-institute", "mexico-institute",
    ...                       conventions=WILSON_CENTER.discovery)
    ['https://wc.org/insight-analysis?programs=109', 'https://wc.org/program/mexico-institute/insight-analysis']
    """
    if conventions.program_path is None:
        return []
    sel = html if not isinstance(html, str | bytes) else parse_html(html)
    base = _base_url(sel, url)
    own_path = f"{conventions.program_path.rstrip('/')}/{program}/"
    filters = conventions.program_filters
    not_filters = filters | conventions.neutral_params | frozenset(conventions.page_params)
    found: list[str] = []
    for href in sel.xpath("//a/@href").getall():
        link = absolute_url(href, base)
        if not link or not is_same_site(link, url) or link in found:
            continue
        parts = urlsplit(link)
        params = {k for k, v in parse_qsl(parts.query) if v}
        own, _, rest = parts.path.rstrip("/").partition(own_path)
        if (not own and rest in conventions.program_listings) or (
            parts.path.rstrip("/") in conventions.listing_paths and params & filters and params <= not_filters
        ):
            found.append(link)
    return found


def same_site_urls(urls: Iterable[str], site_url: str) -> list[str]:
    """Return the http(s) *urls* on *site_url*'s host, in order, each once.

    >>> same_site_urls(["https://wc.org/a", "https://x.org/b", "https://wc.org/a"], "https://wc.org")
    ['https://wc.org/a']
    """
    found: list[str] = []
    for url in urls:
        link = absolute_url(url, site_url)
        if link and is_same_site(link, site_url) and link not in found:
            found.append(link)
    return found


def publication_links(sel: Selector, url: str, is_publication: Callable[[str], bool]) -> list[str]:
    """Return the links of a listing page that *is_publication* accepts: absolute, each once,
    in page order, without fragments. For sites no profile knows, whose publication URLs
    have no ``/<type>/<slug>`` shape: the sources file's ``publication_paths`` say which.

    >>> from parsel import Selector
    >>> page = Selector(text='<a href="/pubs/a.html#top">A</a><a href="/about">About</a>'
    ...                      '<a href="https://x.org/pubs/a.html">again</a>')
    >>> publication_links(page, "https://x.org/list", lambda u: "/pubs/" in u)
    ['https://x.org/pubs/a.html']
    """
    base = _base_url(sel, url)
    found: dict[str, None] = {}
    for anchor in sel.root.iterfind(".//a[@href]"):
        link = absolute_url(anchor.get("href"), base)
        if link and link not in found and is_publication(link):
            found[link] = None
    return list(found)
