"""Bylines: the author names a page shows near its headline, for pages without metadata.

Sites mark bylines in a few recurring ways: ``rel="author"`` links, schema.org microdata
(``itemprop="author"``), and class names with "author" or "byline" in them. Names are read
from the innermost such element, cleaned of "By", dates and job titles, and checked to look
like names (no URLs, no e-mail, not the site's own name): see ``brief_scraper.names``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import zip_longest
from typing import Any

from brief_scraper.finders.nodes import is_comment_or_form, node_text
from brief_scraper.names import MAX_BYLINE_NAMES, make_author, names_in_byline
from brief_scraper.page import Marked, Page
from brief_scraper.record import Author

# Byline markers, most specific first: a name element inside a byline beats the byline's whole
# text. Each tests one Marked element (class lower-cased); see Page.marked.
_AUTHOR_NAME_CLASSES = (
    "author-name",
    "author__name",
    "authorname",
    "byline__name",
    "byline-name",
    "author_name",
)
_NOT_BYLINE_CLASSES = ("authors-block", "author-bio", "author-image", "author-avatar", "author-box")
_BYLINE_TESTS: tuple[Callable[[Marked], bool], ...] = (
    lambda m: m.itemprop == "name" and _has_ancestor_itemprop(m.element, "author"),
    lambda m: "author" in m.rel.split() and m.element.tag == "a",
    lambda m: any(c in m.cls for c in _AUTHOR_NAME_CLASSES),
    lambda m: "fn" in m.cls.split() and _has_ancestor_class(m.element, "vcard"),
    lambda m: m.itemprop == "author",
    lambda m: "byline" in m.cls or m.element.tag == "byline",
    lambda m: (
        any(w in m.cls for w in ("author", "auteur", "autor"))
        and not any(c in m.cls for c in _NOT_BYLINE_CLASSES)
    ),
)


def _has_ancestor_itemprop(element: Any, itemprop: str) -> bool:
    return any(a.get("itemprop") == itemprop for a in element.iterancestors())


def _has_ancestor_class(element: Any, name: str) -> bool:
    return any(name in (a.get("class") or "").split() for a in element.iterancestors())


_BY_WORDS = ("by", "von", "par", "por")
_BY_WORD_RE = re.compile(r"\b(?:by|von|par|por)\b", re.I)
_BY_LINE_RE = re.compile(r"^\s*(?:written\s+)?(?:by|von|par|por|door|af|av)\s*:?\s+\S", re.I)


def find_by_line(page: Page, site_names: set[str]) -> list[Author]:
    """Return the names of a "By ..." / "Von ..." line just after the headline, for bare bylines."""
    headline = page.headline
    if headline is None:
        return []
    boilerplate = page.boilerplate
    # The nearest line on either side: a byline may sit above the headline too.
    after, before = page.text_after_headline(60), page.text_before_headline(12)
    nearest = [t for pair in zip_longest(after[: len(before)], before) for t in pair if t is not None]
    for text in [*nearest, *after[len(before) :]]:
        if text.getparent() in boilerplate:
            continue
        if len(text) < 120 and _BY_LINE_RE.match(text):
            parent = text.getparent()
            line = " ".join(parent.itertext()) if parent is not None and not text.is_tail else text
            names = names_in_byline(line if len(line) < 160 else text, site_names)
            if names:
                return _with_links(names, [parent] if parent is not None else [], page)
        if text.strip().lower() in _BY_WORDS:  # "By" alone, the name in the next node
            parent = text.getparent()
            container = parent.getparent() if text.is_tail and parent is not None else parent
            line = " ".join(container.itertext()) if container is not None else ""
            rest = _BY_WORD_RE.split(line, maxsplit=1)[-1]  # "Post author By Jane Doe"
            names = names_in_byline(rest, site_names) if len(rest) < 160 else []
            if names:
                return _with_links(names, [container], page)
    return []


def find_byline_authors(main: Any, page: Page, site_names: set[str]) -> list[Author]:
    """Return the authors of the first byline found, most specific markup first.

    The main region (*main*, an lxml element) is searched first, the whole page after it.
    """
    page_root = page.root
    for scope in (main,) if main is page_root else (main, page_root):
        authors = _byline_in(page.marked(scope), site_names, page)
        if authors:
            return authors
    return find_by_line(page, site_names)


def _may_be_byline(m: Marked) -> bool:
    """Return whether any of _BYLINE_TESTS may pass *m*: each needs one of these markers."""
    return (
        m.itemprop in ("name", "author")
        or "author" in m.rel
        or m.element.tag == "byline"
        or any(word in m.cls for word in ("author", "byline", "auteur", "autor", "fn"))
    )


def _with_links(names: list[str], elements: list[Any], page: Page) -> list[Author]:
    """Return *names* as authors, each with the profile link the byline gives its name."""
    links: dict[str, str] = {}
    for element in elements:
        for link in element.iter("a"):
            text, url = node_text(link), page.absolute(link.get("href"))
            if text and url and page.is_own(url):
                links.setdefault(text.casefold(), url)
    return [make_author(n, url=links.get(n.casefold())) for n in names]


def _byline_in(marked: list[Marked], site_names: set[str], page: Page) -> list[Author]:
    # Most marked elements are there for the date finders: the tests run on the rest only.
    # A byline in a card credits another page; one in chrome only when no other is found.
    boilerplate = page.boilerplate
    candidates = [m for m in marked if _may_be_byline(m)]
    outside = [m for m in candidates if m.element not in boilerplate]
    authors = _first_byline(outside, site_names, page)
    if authors or len(outside) == len(candidates):
        return authors
    chrome = [m for m in candidates if m.element in boilerplate and not boilerplate.in_card(m.element)]
    return _first_byline(chrome, site_names, page)


def _first_byline(marked: list[Marked], site_names: set[str], page: Page) -> list[Author]:
    for test in _BYLINE_TESTS:
        found = [m.element for m in marked if test(m) and not is_comment_or_form(m.element)]
        names: list[str] = []
        for element in found[: MAX_BYLINE_NAMES * 2]:
            for name in names_in_byline(" ".join(element.itertext()), site_names):
                if name not in names:
                    names.append(name)
        if names:
            return _with_links(names[:MAX_BYLINE_NAMES], found[: MAX_BYLINE_NAMES * 2], page)
    return []
