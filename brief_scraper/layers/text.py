"""Text heuristics: labels and phrases a reader would go by, for pages no profile knows.

The finders (``brief_scraper.finders``) do the reading; this layer runs them on the page's
article with the conventions of sites in general (``GENERIC_RULES``), and only for the
fields the higher layers left empty: it is the costliest layer and the last resort.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from brief_scraper.finders.authors import authors_in_block, find_author_blocks, merge_authors
from brief_scraper.finders.bylines import find_byline_authors
from brief_scraper.finders.documents import find_offered_documents
from brief_scraper.finders.labels import find_programs, find_series, find_topics, find_type_label
from brief_scraper.finders.posted import find_date_near_headline, find_visible_date
from brief_scraper.finders.quotes import find_excerpt
from brief_scraper.finders.rules import GENERIC_RULES, SiteRules
from brief_scraper.layers import Evidence, LayerResult
from brief_scraper.layers.meta import site_names
from brief_scraper.page import Page
from brief_scraper.record import Author
from brief_scraper.text import clean_text

_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")


def main_region(page: Page) -> Any:
    """Return the page's main content region: ``<main>``, ``<article>``, else the whole page."""
    for tag in ("main", "article"):
        for element in page.elements(tag):
            return element
    return page.root


def headline_text(page: Page) -> str | None:
    """Return the visible text of the page's headline, or None."""
    headline = page.headline
    return clean_text(" ".join(_VISIBLE_TEXT(headline))) if headline is not None else None


def block_authors(page: Page, blocks: list[Any], rules: SiteRules) -> list[Author]:
    """Return the authors of the author *blocks* (find_author_blocks), merged, page order."""
    authors: list[Author] = []
    for block in blocks:
        authors = merge_authors(authors, authors_in_block(block, page, rules))
    return authors


def from_text(page: Page, wanted: frozenset[str] | None = None) -> LayerResult:
    """Return what the page's visible labels and phrases give (only *wanted* fields, if set)."""

    def want(*names: str) -> bool:
        return wanted is None or any(n in wanted for n in names)

    region = main_region(page)
    boilerplate = page.boilerplate
    found: dict[str, Any] = {}
    evidence = Evidence()
    series = find_series(region, page) if want("series") else None
    if series:
        found["series"] = series
    blocks = find_author_blocks(region, boilerplate) if want("authors", "programs") else []
    authors = block_authors(page, blocks, GENERIC_RULES) if want("authors") else []
    if not authors and want("authors"):
        names = {n.casefold() for n in site_names(page, page.meta_values)}
        authors = find_byline_authors(region, page, names)
    if authors:
        found["authors"] = authors
    if want("programs"):
        hero = page.hero
        regions = [r for r in (hero, *blocks) if r is not None]
        programs = find_programs(regions, page, GENERIC_RULES)
        if programs:
            found["programs"] = programs
    if want("topics"):
        topics = find_topics(page.article, page, GENERIC_RULES)
        if topics:
            found["topics"] = topics
    documents = (
        find_offered_documents([region], page, boilerplate) if want("download_url", "downloads") else []
    )
    if documents:
        found["download_url"], found["downloads"] = documents[0]["url"], documents
    title = headline_text(page) if want("title") else None
    if title:
        found["title"] = title
    if want("content_type"):
        label = find_type_label(page, GENERIC_RULES)
        if label:
            found["content_type"] = label
    if want("posted_date"):
        found.update(find_visible_date(region, page))
    elif want("title"):  # reconcile() weighs it against a metadata day
        evidence.headline_date = find_date_near_headline(page).get("posted_date")
    excerpt = find_excerpt(region, page.headline, boilerplate) if want("excerpt") else None
    if excerpt:
        found["excerpt"] = excerpt
    return LayerResult("text", found, evidence)
