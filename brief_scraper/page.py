"""The parsed page that every extraction layer reads: one lxml tree plus URL context."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import cssselect
from cssselect.xpath import GenericTranslator
from lxml import etree
from parsel import css2xpath

from brief_scraper.text import clean_text, decode_markup
from brief_scraper.urls import absolute_url, host_of

if TYPE_CHECKING:
    from collections.abc import Iterator

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
_HIDDEN_CLASS_RE = re.compile(r"sr-only|visually-hidden|\bhidden\b|screen-reader")


def _outside_quotes(xpath: str) -> Iterator[tuple[int, str, int]]:
    """Yield (index, character, bracket depth before it) of each character outside quotes."""
    depth, quote = 0, ""
    for index, char in enumerate(xpath):
        if quote:
            quote = "" if char == quote else quote
            continue
        if char in "'\"":
            quote = char
            continue
        yield index, char, depth
        depth += 1 if char in "[(" else -1 if char in "])" else 0


def _top_level_parts(expression: str, separator: str) -> list[str]:
    """Split *expression* (XPath or CSS) on *separator* where it is outside brackets and quotes."""
    parts, start = [], 0
    for index, _, depth in _outside_quotes(expression):
        if depth == 0 and index >= start and expression.startswith(separator, index):
            parts.append(expression[start:index])
            start = index + len(separator)
    return [*parts, expression[start:]]


def _is_one_predicate(text: str) -> bool:
    """Return whether *text* is one ``[...]`` group: its first bracket closes at its end."""
    closing = [index for index, char, depth in _outside_quotes(text) if char == "]" and depth == 1]
    return closing[:1] == [len(text) - 1]


_ONE_STEP_RE = re.compile(r"descendant-or-self::([\w*-]+)(\[.*\])?", re.S)


def merge_union(xpath: str) -> str:
    """Return a union of one-step paths on the same tag as one path with an ``or`` predicate.

    libxml2 walks the tree once for each member of a union; the merged path, once. Both
    select the same elements in the same (document) order.

    >>> merge_union("descendant-or-self::*[@a] | descendant-or-self::*[@b]")
    'descendant-or-self::*[(@a) or (@b)]'
    >>> merge_union("descendant-or-self::img[@alt = 'x'] | descendant-or-self::img")
    'descendant-or-self::img'
    >>> merge_union("descendant-or-self::a[@x] | descendant-or-self::b")
    'descendant-or-self::a[@x] | descendant-or-self::b'
    >>> merge_union("descendant-or-self::*[@x]/descendant::t | descendant-or-self::*[@y]")
    'descendant-or-self::*[@x]/descendant::t | descendant-or-self::*[@y]'
    """
    parts = [part.strip() for part in _top_level_parts(xpath, " | ")]
    steps = [_ONE_STEP_RE.fullmatch(part) for part in parts]
    if len(parts) < 2 or not all(steps) or len({step[1] for step in steps if step}) != 1:
        return xpath
    predicates = [step[2] for step in steps if step]
    if not all(_is_one_predicate(p) for p in predicates if p):  # e.g. a[@x]/descendant::b[@y]
        return xpath
    tag = steps[0][1] if steps[0] else "*"
    if not all(predicates):  # a member without a predicate selects every such element
        return f"descendant-or-self::{tag}"
    return f"descendant-or-self::{tag}[{' or '.join(f'({p[1:-1]})' for p in predicates)}]"


@lru_cache(maxsize=512)
def _compiled_css(query: str) -> etree.XPath:
    """Return CSS *query* as a compiled XPath that, as parsel's css(), matches the region
    itself too: tags and classes only as class_xpath(), else a union of one-step paths
    merged into one walk (merge_union)."""
    compounds = class_compounds(query)
    return etree.XPath(class_xpath(compounds) if compounds else merge_union(css2xpath(query)))


@lru_cache(maxsize=128)
def css_members(css: str) -> tuple[str, ...]:
    """Return the members of CSS selector list *css*, in order.

    >>> css_members("img[alt='a, b'], img")
    ("img[alt='a, b']", 'img')
    """
    return tuple(member.strip() for member in _top_level_parts(css, ",") if member.strip())


@lru_cache(maxsize=512)
def class_compounds(query: str) -> tuple[tuple[str | None, tuple[str, ...]], ...] | None:
    """Return CSS *query* as (tag or None, classes) per member when each member is only a
    tag and classes (``div.a.b, .c``); None for any other CSS.

    >>> class_compounds("DIV.text-block.wysiwyg-content, .text-block-inner")
    (('div', ('text-block', 'wysiwyg-content')), (None, ('text-block-inner',)))
    >>> class_compounds("a[href*='/person/']") is None
    True
    >>> class_compounds("ul.hero__info a") is None
    True
    """
    try:
        members = cssselect.parse(query)
    except cssselect.SelectorError:
        return None
    compounds = []
    for member in members:
        node, classes = member.parsed_tree, []
        while isinstance(node, cssselect.parser.Class):
            classes.append(node.class_name)
            node = node.selector
        if (
            member.pseudo_element
            or not classes
            or not isinstance(node, cssselect.parser.Element)
            or node.namespace
        ):
            return None
        tag = node.element.lower() if node.element and node.element != "*" else None
        compounds.append((tag, tuple(reversed(classes))))
    return tuple(compounds)


_xpath_literal = GenericTranslator.xpath_literal  # a string as an XPath literal, quotes and all


def class_xpath(compounds: tuple[tuple[str | None, tuple[str, ...]], ...]) -> str:
    r"""Return the XPath of class_compounds() that tests class attributes, not elements.

    libxml2 evaluates ``@class`` in an element predicate as a node-set of its own, three
    times in the translated test; on the attribute axis the value is at hand, and a plain
    contains() rules out most values before the whole-word test. Members on the same tag
    share one walk.

    >>> print(class_xpath((("a", ("tag",)),)).replace(" and ", "\n    and "))
    descendant-or-self::a/@class[(contains(., 'tag')
        and contains(concat(' ', normalize-space(.), ' '), ' tag '))]/..
    """
    by_tag: dict[str, list[str]] = {}
    for tag, classes in compounds:
        test = " and ".join(
            f"contains(., {_xpath_literal(name)}) and "
            f"contains(concat(' ', normalize-space(.), ' '), {_xpath_literal(f' {name} ')})"
            for name in classes
        )
        by_tag.setdefault(tag or "*", []).append(f"({test})")
    return " | ".join(
        f"descendant-or-self::{tag}/@class[{' or '.join(tests)}]/.." for tag, tests in by_tag.items()
    )


def select(region: Any, query: str | None) -> list[Any]:
    """Return the lxml elements CSS *query* selects in lxml element *region*, in page order."""
    if region is None or not query:
        return []
    return _compiled_css(query)(region)


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


def _marked_in(root: Any) -> list[Marked]:
    """Return Page.marked()'s elements below lxml element *root*.

    The class values that name a marker are found among the page's distinct ones, and their
    elements from the values; one XPath union puts them in page order with the other
    markers. A walk of every element in Python cost twice as much.
    """
    values = _CLASS_VALUES_XPATH(root)
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
        return _marked_in(self.root) if hasattr(self.root, "xpath") else []

    @cached_property
    def headline(self) -> Any | None:
        """The ``<h1>`` that heads the publication, an lxml element, or None.

        Pages often have several: the site's logo, a hidden banner, the story's own. The one
        chosen is visible and shares the most words with the page's ``<title>`` and
        og:title; with no overlap anywhere, the first visible one inside main/article, else
        the first visible one.
        """
        visible = [h for h in self.elements("h1") if not is_hidden(h)]
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
    def meta_values(self) -> dict[str, list[str]]:
        """Every ``<meta>`` value by its lower-case name/property/itemprop, in page order.

        Read once per page: the metadata layer and the text layer's site names both use it.
        """
        values: dict[str, list[str]] = {}
        for meta in self.elements("meta"):
            content = meta.get("content") or ""
            if not content.strip():
                continue
            value = decode_markup(content)  # some CMSs escape twice or more, or put HTML in it
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
    def memo(self) -> dict[str, Any]:
        """Per-page caches of helpers that read the tree, each under its helper's name."""
        return {}

    def css(self, query: str | None) -> list[Any]:
        """Return what CSS *query* selects in the whole page; cached, since a page-wide query
        walks the whole tree (a site's design marker is often also its hero)."""
        cache: dict[str | None, list[Any]] = self.memo.setdefault("css", {})
        if query not in cache:
            cache[query] = select(self.root, query)
        return cache[query]

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
        cache: dict[str, str | None] = self.memo.setdefault("absolute", {})
        if href not in cache:
            cache[href] = absolute_url(href, self.base_url)
        return cache[href]

    def is_own(self, url: str | None) -> bool:
        """Return whether *url* is on the page's own site."""
        return bool(url) and host_of(url) in self.own_hosts
