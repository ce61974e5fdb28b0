"""Site profiles as data: a site's hosts and rules, and its page designs.

Two tiers. The site's rules (``SiteRules``: what its program, person and topic links look
like) apply to every page of its hosts, whatever the markup; a design adds selectors for one
known template, recognised from several pieces of evidence, so a redesign loses the design
tier only, and one renamed class does not switch a design off.

A third part, ``ListingConventions``, says how a crawler finds the site's pages: which URL
paths are items, where the listings are and how they page. ``crawling/discovery.py`` reads
it, so a new site adds these values, not a copy of the discovery code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from brief_scraper.urls import host_of

if TYPE_CHECKING:
    from brief_scraper.finders.rules import SiteRules
    from brief_scraper.page import Page

Reader = Literal["text", "label", "posted", "links", "names", "profile_links", "image"]
Scope = Literal["hero", "body", "page"]


@dataclass(frozen=True, slots=True)
class Select:
    """Where a design shows a field: CSS in one of its regions, and how to read it.

    Readers: ``text`` (the first element's text), ``label`` (its text without bullets),
    ``posted`` (``@datetime`` and the shown date), ``links`` (named links), ``names`` (their
    names only), ``profile_links`` (authors), ``image`` (the first image's source; selector
    list members in order of preference).
    """

    css: str
    read: Reader = "text"
    scope: Scope = "hero"


@dataclass(frozen=True, slots=True)
class Design:
    """One template of a site: how to recognise it, and where its fields are."""

    name: str  # "wilsoncenter/a": used in fixtures' meta.json and in stats
    hero: str  # CSS of the region holding title, type, date, byline, Download button
    body: str  # CSS of the article body: quote, summary, series sentence, documents
    # record field -> where it is; a tuple's lists are joined, its scalars taken from the first
    fields: Mapping[str, Select | tuple[Select, ...]] = field(default_factory=dict)
    evidence: frozenset[str] = frozenset()  # class names this template's pages carry
    min_evidence: int = 2  # how many of them a page must carry
    url_pattern: str | None = None  # regex on the URL path that alone identifies the design
    content_type: str | None = None  # fixed label, for pages that are not publications
    is_publication: bool = True  # False: a program or person page; invent no article fields
    # True: the body is the article itself, and only a publication's quote + summary layout
    # (a paragraph after the excerpt) has a summary; otherwise the meta description serves.
    summary_needs_excerpt: bool = False

    def selects(self) -> tuple[Select, ...]:
        """Return every Select of the design's fields, in field order."""
        return tuple(
            s for spec in self.fields.values() for s in (spec if isinstance(spec, tuple) else (spec,))
        )

    def selectors(self) -> tuple[str, ...]:
        """Return every CSS selector the design uses (regions and fields)."""
        return (self.hero, self.body, *(s.css for s in self.selects()))

    def recognises(self, path: str, class_names: frozenset[str]) -> bool:
        """Return whether a page at *path* carrying *class_names* is of this design."""
        if self.url_pattern and re.search(self.url_pattern, path):
            return True
        return bool(self.evidence) and len(self.evidence & class_names) >= self.min_evidence


@dataclass(frozen=True, slots=True)
class ListingConventions:
    """How a site lists its items: item paths, listings, program filters and pagers, as data.

    The default knows nothing of any site: no item types (callers name the ones they want),
    no listings, and no numbered pager, so only ``rel="next"`` and "Next" links page on.
    """

    # First path segments of an item's URL (``/<type>/<slug>``): what a listing's links lead to.
    item_types: frozenset[str] = frozenset()
    # The listing a crawl pages through when it is told nothing else (a path, or None).
    start_listing: str | None = None
    # Site-wide listings that a query parameter can filter to one program.
    listing_paths: frozenset[str] = frozenset()
    # A program's own page: ``{program_path}{slug}`` (``/program/`` + ``mexico-institute``).
    program_path: str | None = None
    # The program's listing sub-pages, one path segment below its page (``insight-analysis``).
    program_listings: frozenset[str] = frozenset()
    # Query parameters that filter a site-wide listing to a program (``programs=109``).
    program_filters: frozenset[str] = frozenset()
    # Query parameters that shape a filtered listing without narrowing it to a subset.
    neutral_params: frozenset[str] = frozenset()
    # Pager parameter -> the number of the first page, in the order they are looked for.
    page_params: Mapping[str, int] = field(default_factory=dict)
    # The sitemap (or sitemap index) a crawl starts from, as a path.
    sitemap_path: str | None = None


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """A site the project knows: its key, hosts, rules, designs (tried in order) and listings."""

    key: str
    hosts: frozenset[str]
    rules: SiteRules
    designs: tuple[Design, ...]
    discovery: ListingConventions = ListingConventions()

    def matches(self, page: Page) -> bool:
        """Return whether *page* is on one of this site's hosts (canonical or fetched)."""
        return any(host_of(u) in self.hosts for u in (page.canonical_url, page.url) if u)

    def design_for(self, page: Page) -> Design | None:
        """Return the first design that recognises the page (URL pattern or enough of its
        class names), or None: a redesign, read with the site's rules alone."""
        path = re.sub(r"^https?://[^/]+", "", page.canonical_url or page.url)
        classes = page.class_names
        return next((d for d in self.designs if d.recognises(path, classes)), None)
