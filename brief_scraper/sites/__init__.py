"""Site profiles: a site's hosts and page designs, as data, and the engine that runs them.

A design is recognised by a marker only its pages match; its selectors are scoped to the
page's hero (title, date, byline, Download button) and body (quote, summary, documents), so
related-content cards further down can never lend a value. Logic that a selector cannot
express (the author block, the series sentence) comes from the text layer's finders, run on
the design's regions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from brief_scraper.dates import parse_posted
from brief_scraper.layers import text as finders
from brief_scraper.page import Page, css_members, select
from brief_scraper.record import Author, Link
from brief_scraper.text import clean_text
from brief_scraper.urls import host_of

_BULLETS = " •·|-–—:"


@dataclass(frozen=True, slots=True)
class Design:
    """One template of a site: how to recognise it, and where its fields are."""

    name: str  # "wilsoncenter/a": used in fixtures' meta.json and in stats
    marker: str  # CSS that only this design's pages match
    hero: str  # CSS of the region holding title, type, date, byline, Download button
    body: str  # CSS of the article body: quote, summary, series sentence, documents
    fields: Mapping[str, str] = field(default_factory=dict)  # field -> CSS, see run_design
    url_pattern: str | None = None  # regex on the URL path that also identifies the design
    content_type: str | None = None  # fixed label, for pages that are not publications
    is_publication: bool = True  # False: a program or person page; invent no article fields
    # True: the body is the article itself, and only a publication's quote + summary layout
    # (a paragraph after the excerpt) has a summary; otherwise the meta description serves.
    summary_needs_excerpt: bool = False


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """A site the project knows: its key, hosts and designs (tried in order)."""

    key: str
    hosts: frozenset[str]
    designs: tuple[Design, ...]

    def matches(self, page: Page) -> bool:
        """Return whether *page* is on one of this site's hosts (canonical or fetched)."""
        return any(host_of(u) in self.hosts for u in (page.canonical_url, page.url) if u)

    def design_for(self, page: Page) -> Design | None:
        """Return the design whose URL pattern the page's path matches, else the first whose
        marker the page has (designs are tried in order: the commonest first)."""
        path = re.sub(r"^https?://[^/]+", "", page.canonical_url or page.url)
        # URL patterns first: a regex on the path is free, a marker is a walk of the page.
        for design in self.designs:
            if design.url_pattern and re.search(design.url_pattern, path):
                return design
        for design in self.designs:
            if design.marker and page.css(design.marker):
                return design
        return None


def _first(region: Any, css: str | None) -> Any | None:
    found = select(region, css)
    return found[0] if found else None


def _first_preferred(region: Any, css: str | None) -> Any | None:
    """Return the first element of the first member of selector list *css* that matches in
    *region*: members in order of preference, where a plain selector list is page order."""
    for member in css_members(css or ""):
        found = _first(region, member)
        if found is not None:
            return found
    return None


def _first_on_page(page: Page, css: str | None) -> Any | None:
    found = page.css(css)
    return found[0] if found else None


def _image_src(img: Any | None, page: Page) -> str | None:
    if img is None:
        return None
    for attr in ("src", "data-src", "data-lazy-src"):
        url = page.absolute(img.get(attr))
        if url:
            return url
    srcset = img.get("srcset") or img.get("data-srcset")
    return page.absolute(srcset.split(",")[0].split()[0]) if srcset and srcset.strip() else None


# Related-content cards, tiles and teasers: page-wide selectors never read inside them.
_CARD_CLASS_RE = re.compile(r"related|card|tile|teaser")


def _in_card(element: Any, page: Page) -> bool:
    """Return whether *element* sits inside a related-content card.

    Checked in Python (an ``ancestor::`` XPath per link cost more than the rest of the site
    profile), and remembered per page for every ancestor on the way: a list of topic links
    shares them.
    """
    memo: dict[Any, bool] = page.memo.setdefault("in_card", {})
    path = []
    node = element.getparent()
    found = False
    while node is not None:
        if node in memo:
            found = memo[node]
            break
        path.append(node)
        if _CARD_CLASS_RE.search(node.get("class") or ""):
            found = True
            break
        node = node.getparent()
    for visited in path:  # each is a card, inside one, or (found False) in none
        memo[visited] = found
    return found


def _links(region: Any, css: str | None, page: Page) -> list[Link]:
    """Return the named links *css* selects in *region*, each name once, none from a card."""
    found: dict[str, Link] = {}
    for link in select(region, css):
        if _in_card(link, page):
            continue
        name = finders.node_text(link)
        if name and name.lower() not in found:
            found[name.lower()] = {"name": name, "url": page.absolute(link.get("href"))}
    return list(found.values())


def merge_authors(byline: list[Author], block: list[Author]) -> list[Author]:
    """Return byline authors enriched by the author block's entries, the block's extras after.

    The same author (same profile URL, or same name) is one entry, keeping the richest values.
    """
    merged: list[Author] = []
    for author in [*byline, *block]:
        twin = next(
            (m for m in merged if (m["url"] and m["url"] == author["url"])
             or m["name"].casefold() == author["name"].casefold()),
            None,
        )  # fmt: skip
        if twin is None:
            merged.append(dict(author))  # type: ignore[arg-type]
            continue
        for key in ("role", "bio", "url"):
            twin[key] = twin[key] or author[key]  # type: ignore[literal-required]
    return merged


def hero_region(design: Design, page: Page) -> tuple[Any | None, Any | None]:
    """Return the hero and its posted element (each None when missing).

    When broken markup closed the hero early, the region is the hero with what follows it:
    a stray ``</div>`` can end the hero right after the title, leaving the byline, date and
    Download button as its next siblings. Then the region is a copy of the hero and of those
    siblings up to the body (or a related-content block), so no card is ever inside it.
    """
    hero = _first_on_page(page, design.hero)
    posted_css = design.fields.get("posted")
    posted = _first(hero, posted_css)
    if hero is None or not posted_css or posted is not None:
        return hero, posted
    wrapper = etree.Element("div")
    wrapper.append(deepcopy(hero))
    for sibling in hero.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if select(sibling, design.body) or any(  # select() matches the sibling itself too
            _CARD_CLASS_RE.search(el.get("class") or "") for el in sibling.iter()
        ):
            break
        wrapper.append(deepcopy(sibling))
    return wrapper, _first(wrapper, posted_css)


def run_design(design: Design, page: Page) -> dict[str, Any]:
    """Return the fields *design*'s selectors and the scoped finders give on *page*.

    ``fields`` keys: ``title``, ``content_type``, ``posted`` (an element with ``@datetime``
    and/or date text), ``authors`` (profile links), ``programs``, ``image`` (its members in
    order of preference: a hero may show headshots before the cover), ``topics``.
    Selectors of ``title``/``content_type``/``posted``/``authors``/``programs``/``image``
    are relative to the hero, ``topics`` to the whole page.
    """
    hero, posted_node = hero_region(design, page)
    body = _first_on_page(page, design.body)
    css = design.fields
    found: dict[str, Any] = {}
    # _first() of a missing hero is None, and node_text(None) and _image_src(None) are None.
    title = finders.node_text(_first(hero, css.get("title")))
    if title:
        found["title"] = title
    label = finders.node_text(_first(hero, css.get("content_type")))
    label = clean_text((label or "").strip(_BULLETS)) or design.content_type
    if label:
        found["content_type"] = label
    image = _image_src(_first_preferred(hero, css.get("image")), page)
    if image:
        found["image_url"] = image
    if not design.is_publication:
        return found

    if posted_node is not None:
        posted = parse_posted(
            posted_node.get("datetime") or next(iter(_DATETIME_VALUES(posted_node)), None),
            _date_text(posted_node),
            page.html_language,
        )
        if posted.date or posted.raw:
            found.update(posted_date=posted.date, posted_at=posted.at, posted_raw=posted.raw)
    programs = _links(hero, css.get("programs"), page)  # select() of a missing region is []
    programs += [p for p in _links(page.root, css.get("page_programs"), page) if p not in programs]
    if programs:
        found["programs"] = programs

    byline = [finders.author_from_link(a["name"], a["url"]) for a in _links(hero, css.get("authors"), page)]
    block = finders.find_author_block(page.root)
    authors = merge_authors(byline, finders.authors_in_block(block, page) if block is not None else [])  # type: ignore[arg-type]
    if authors:
        found["authors"] = authors

    excerpt = finders.find_excerpt(body) if body is not None else None
    if excerpt:
        found["excerpt"] = excerpt
    summary = None
    if body is not None and (excerpt or not design.summary_needs_excerpt):
        summary = finders.find_summary(body, {excerpt})
    if summary:
        found["summary"] = summary

    documents = finders.find_offered_documents([r for r in (hero, body) if r is not None], page)
    if documents:
        found["download_url"], found["downloads"] = documents[0]["url"], documents

    topics = [t["name"] for t in _links(page.root, css.get("topics"), page)]
    if topics:
        found["topics"] = topics
    return found


_DATETIME_VALUES = etree.XPath(".//@datetime")
_SHOWN_TEXT = etree.XPath(
    ".//text()[not(ancestor::*[contains(@class, 'sr-text') or contains(@class, 'sr-only')"
    " or contains(@class, 'visually-hidden')])]"
)


def _date_text(node: Any) -> str | None:
    """Return the date as shown: the element's text without screen-reader labels."""
    return clean_text(" ".join(_SHOWN_TEXT(node)))


def from_site(page: Page, profile: SiteProfile) -> tuple[Design | None, dict[str, Any]]:
    """Return the design the page matched (None when none did) and the fields it gave."""
    design = profile.design_for(page)
    if design is None:
        return None, {}
    return design, run_design(design, page)
