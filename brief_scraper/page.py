"""The parsed page that every extraction layer reads: one lxml tree plus URL context."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from lxml import etree

from brief_scraper.finders.authors import find_author_blocks
from brief_scraper.finders.regions import Boilerplate, find_article, find_hero, prose_by_block
from brief_scraper.text import clean_text, decode_markup
from brief_scraper.urls import absolute_url, host_of

# libxml2 walks attribute axes fast but tests predicates slowly (a node-set per attribute
# test), so candidates are gathered without predicates.
# Class values as strings that know their element (getparent()): a second walk for the
# elements cost more than the strings' back-references.
_CLASS_VALUES_XPATH = etree.XPath("descendant-or-self::*/@class")
# $classed: the elements with a marker class, merged in page order with the other markers.
# rel only counts on links (the one test that reads it wants an <a>).
_MARKED_XPATH = etree.XPath(
    "$classed | descendant-or-self::*/@itemprop/.. | descendant-or-self::a/@rel/.."
    " | descendant-or-self::*/@property/.. | descendant-or-self::time | descendant-or-self::abbr"
    " | descendant-or-self::byline"
)
# Tested on lower-cased classes: an IGNORECASE regex tried at every position of every class
# attribute cost more than the rest of the byline and date finders. The hint has no \b, so
# the regex engine can skip ahead to the letters its words start with; few classes pass it.
_MARKER_CLASS_HINT_RE = re.compile(r"author|byline|auteur|autor|date|publi|posted|datum|time|meta|fn")
_MARKER_CLASS_RE = re.compile(r"author|byline|auteur|autor|date|publi|posted|datum|time|meta|\bfn\b")

_WORD_RE = re.compile(r"\w+")
# The text nodes just around the headline, read once for every finder that looks there
# (dates, bylines, type labels). The position limit comes first: libxml2 then stops walking.
_AFTER_HEADLINE = etree.XPath("following::text()[position() <= 100]")
_BEFORE_HEADLINE = etree.XPath("preceding::text()[position() <= 20]")
_INVISIBLE_TEXT_PARENTS = frozenset({"script", "style"})
_MAX_HEADLINE_CANDIDATES = 50
_HIDDEN_CLASS_RE = re.compile(r"sr-only|visually-hidden|\bhidden\b|screen-reader")


def _is_shown(text: Any) -> bool:
    parent = text.getparent()
    return parent is None or parent.tag not in _INVISIBLE_TEXT_PARENTS


def is_hidden(element: Any) -> bool:
    """Return whether an lxml *element* or an ancestor is hidden from readers."""
    for node in (element, *element.iterancestors()):
        style = (node.get("style") or "").replace(" ", "").lower()
        if (
            node.get("hidden") is not None
            or node.get("aria-hidden") == "true"
            or _HIDDEN_CLASS_RE.search(node.get("class") or "")
            or "display:none" in style
        ):
            return True
    return False


# Tags that page-level lookups need, gathered in one walk: each ``//tag`` XPath is a walk of
# its own over the whole tree, and lxml's iter() over a tag set is several times cheaper.
INDEXED_TAGS = ("meta", "link", "base", "script", "title", "main", "article", "h1", "time")


class Marked(NamedTuple):
    """An element with the attributes finders test, read once."""

    element: Any
    cls: str  # class attribute, lower-case
    itemprop: str
    rel: str  # rel attribute, lower-case


def _marked_in(root: Any, values: list[Any] | None = None) -> list[Marked]:
    """Return Page.marked()'s elements below lxml element *root*.

    The class values that name a marker are found among the page's distinct ones, and their
    elements from the values; one XPath union puts them in page order with the other
    markers. A walk of every element in Python cost twice as much.
    """
    values = _CLASS_VALUES_XPATH(root) if values is None else values
    wanted = {
        cls
        for cls in set(values)
        if _MARKER_CLASS_HINT_RE.search(low := cls.lower()) and _MARKER_CLASS_RE.search(low)
    }
    classed = [value.getparent() for value in values if value in wanted] if wanted else []
    candidates = _MARKED_XPATH(root, classed=classed)
    return [
        Marked(
            element,
            (element.get("class") or "").lower(),
            element.get("itemprop") or "",
            (element.get("rel") or "").lower(),
        )
        for element in candidates
    ]


@dataclass
class Page:
    """A page parsed once: layers share this instead of parsing again."""

    root: Any  # the lxml root element (brief_scraper.parsing.parse_root)
    url: str
    extra_hosts: frozenset[str] = frozenset()

    @cached_property
    def _tag_index(self) -> dict[str, list[Any]]:
        index: dict[str, list[Any]] = {tag: [] for tag in INDEXED_TAGS}
        root = self.root
        if hasattr(root, "iter"):
            for element in root.iter(*INDEXED_TAGS):
                index[element.tag].append(element)
        return index

    def marked(self, scope: Any = None) -> list[Marked]:
        """Elements in *scope* (an lxml element of the page; the page by default) that byline
        and date finders may want, in page order, attributes read once.

        Those are elements with microdata, RDFa, links with rel, a time/abbr/byline tag, or a
        class that names an author, a byline or a date. The page's are found once; a scope's
        are those of the page inside it.
        """
        if scope is None or scope is self.root:
            return self._page_marked
        if not hasattr(scope, "iterancestors") or scope.getroottree().getroot() is not self.root:
            return _marked_in(scope)
        return [m for m in self._page_marked if m.element is scope or scope in m.element.iterancestors()]

    @cached_property
    def _page_marked(self) -> list[Marked]:
        return _marked_in(self.root, self._class_values) if hasattr(self.root, "xpath") else []

    @cached_property
    def _class_values(self) -> list[Any]:
        return _CLASS_VALUES_XPATH(self.root) if hasattr(self.root, "xpath") else []

    @cached_property
    def class_names(self) -> frozenset[str]:
        """Every class name used on the page (a design is recognised by some of them)."""
        return frozenset(name for value in set(self._class_values) for name in value.split())

    @cached_property
    def headline(self) -> Any | None:
        """The ``<h1>`` that heads the publication, an lxml element, or None.

        Pages often have several: the site's logo, a hidden banner, the story's own. The one
        chosen is visible and shares the most words with the page's ``<title>`` and
        og:title; with no overlap anywhere, the first visible one inside main/article, else
        the first visible one.
        """
        # The headline is among a page's first h1s: a page of 10,000 costs no more.
        visible = [h for h in self.elements("h1")[:_MAX_HEADLINE_CANDIDATES] if not is_hidden(h)]
        if not visible:
            return None
        titles = ["".join(t.itertext()) for t in self.elements("title")]
        titles += [m.get("content") or "" for m in self.elements("meta") if m.get("property") == "og:title"]
        title_words = set(_WORD_RE.findall(" ".join(titles).casefold()))

        def overlap(h1: Any) -> float:
            # Shared words weighted by the share of the h1 they make up: a logo h1 ("Site
            # Name") also sits in the title, but the story's headline shares more of it.
            words = set(_WORD_RE.findall("".join(h1.itertext()).casefold()))
            shared = len(words & title_words)
            return shared * shared / len(words) if words else 0.0

        best = max(visible, key=overlap)
        if overlap(best) > 0:
            return best
        mains = [*self.elements("main"), *self.elements("article")]
        return next((h for h in visible if any(m in h.iterancestors() for m in mains)), visible[0])

    @cached_property
    def _after_headline(self) -> list[Any]:
        return _AFTER_HEADLINE(self.headline) if self.headline is not None else []

    @cached_property
    def _before_headline(self) -> list[Any]:
        return list(reversed(_BEFORE_HEADLINE(self.headline))) if self.headline is not None else []

    def text_after_headline(self, within: int) -> list[Any]:
        """Return the non-blank text nodes (lxml strings) among the first *within* (at most
        100) after the headline, scripts and styles left out, page order."""
        return [t for t in self._after_headline[:within] if t.strip() and _is_shown(t)]

    def text_before_headline(self, within: int) -> list[Any]:
        """Return the non-blank text nodes among the *within* (at most 20) just before the
        headline, scripts and styles left out, nearest first."""
        return [t for t in self._before_headline[:within] if t.strip() and _is_shown(t)]

    @cached_property
    def boilerplate(self) -> Boilerplate:
        """The page's chrome and cards: ``element in page.boilerplate`` says whether it is there."""
        return Boilerplate(self.root, self.headline, self.article, self._prose)

    @cached_property
    def author_blocks(self) -> list[Any]:
        """The page's author blocks ("Authors", "About the author", "Hosted By"), outside
        chrome and cards, page order (see ``finders.authors.find_author_blocks``)."""
        return find_author_blocks(self.root, self.boilerplate) if hasattr(self.root, "iter") else []

    @cached_property
    def _prose(self) -> dict[Any, int]:
        return prose_by_block(self.root)

    @cached_property
    def article(self) -> Any:
        """The article a reader reads: the block around the headline with most of the prose
        (see ``finders.regions.find_article``), an lxml element."""
        return find_article(self.root, self.headline, self._prose)

    @cached_property
    def hero(self) -> Any | None:
        """The block around the headline before the body (type label, byline, date, buttons),
        an lxml element, or None without a headline."""
        return find_hero(self.headline, self.article, self._prose)

    @cached_property
    def meta_values(self) -> dict[str, list[str]]:
        """Every ``<meta>`` value by its lower-case name/property/itemprop, in page order.

        Read once per page: the metadata layer and the text layer's site names both use it.
        """
        values: dict[str, list[str]] = {}
        for meta in self.elements("meta"):
            content = meta.get("content") or ""
            if not content.strip():
                continue
            value = decode_markup(content) or ""  # some CMSs escape twice or more, or put HTML in it
            for attr in ("property", "name", "itemprop", "http-equiv"):  # RDFa, HTML, microdata
                key = meta.get(attr)
                if key:
                    values.setdefault(key.strip().lower(), []).append(value)
        return values

    def add_own_hosts(self, hosts: frozenset[str]) -> None:
        """Count *hosts* (a site profile's) as the page's own from now on."""
        self.extra_hosts = self.extra_hosts | hosts
        self.__dict__.pop("own_hosts", None)  # drop a cached value computed without them

    @cached_property
    def _absolute_urls(self) -> dict[str, str | None]:
        return {}

    def elements(self, tag: str) -> list[Any]:
        """Return the page's lxml elements of *tag* (one of INDEXED_TAGS), in page order."""
        return self._tag_index[tag]

    @cached_property
    def base_url(self) -> str:
        """URL that relative links resolve against: ``<base href>``, else the page URL."""
        base = next((b.get("href") for b in self.elements("base") if b.get("href")), None)
        return absolute_url(base, self.url) or self.url if base else self.url

    @cached_property
    def canonical_url(self) -> str | None:
        """The page's ``<link rel=canonical>`` as an absolute http(s) URL, or None."""
        for link in self.elements("link"):
            if "canonical" in (link.get("rel") or "").lower().split():
                url = absolute_url(link.get("href"), self.base_url)
                if url:
                    return url
        return None

    @cached_property
    def own_hosts(self) -> frozenset[str]:
        """Hosts that count as the page's own site (fetched, canonical, profile's)."""
        hosts = {host_of(self.url), host_of(self.canonical_url)} | set(self.extra_hosts)
        return frozenset(h for h in hosts if h)

    @cached_property
    def html_language(self) -> str | None:
        """The language the page declares on ``<html lang>`` (raw), or None."""
        root = self.root
        if not hasattr(root, "get"):
            return None
        return clean_text(
            root.get("lang") or root.get("xml:lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
        )

    def absolute(self, href: str | None) -> str | None:
        """Return *href* absolute against the page's base URL (http(s) only).

        Memoised per page: a page resolves the same nav and profile links many times.
        """
        if href is None:
            return None
        cache = self._absolute_urls
        if href not in cache:
            cache[href] = absolute_url(href, self.base_url)
        return cache[href]

    def is_own(self, url: str | None) -> bool:
        """Return whether *url* is on the page's own site."""
        return bool(url) and host_of(url) in self.own_hosts
