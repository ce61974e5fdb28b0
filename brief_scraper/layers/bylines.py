"""Bylines: the author names a page shows near its headline, for pages without metadata.

Sites mark bylines in a few recurring ways: ``rel="author"`` links, schema.org microdata
(``itemprop="author"``), and class names with "author" or "byline" in them. Names are read
from the innermost such element, cleaned of "By", dates and job titles, and checked to look
like names (no URLs, no e-mail, not the site's own name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from brief_scraper.page import Marked, Page
from brief_scraper.record import Author
from brief_scraper.text import clean_text

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


def is_comment_or_form(element: Any) -> bool:
    """Return whether *element* sits in a comment thread or a form (comment forms' "Name *")."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("form", "label", "input", "textarea", "footer", "nav", "aside"):
            return True
        if "comment" in (node.get("class") or "").lower() or "comment" in (node.get("id") or "").lower():
            return True
    return False


def _has_ancestor_itemprop(element: Any, itemprop: str) -> bool:
    return any(a.get("itemprop") == itemprop for a in element.iterancestors())


def _has_ancestor_class(element: Any, name: str) -> bool:
    return any(name in (a.get("class") or "").split() for a in element.iterancestors())


_PREFIX_RE = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|story|text|photos?|recipe|eingestellt|geschrieben|verfasst"
    r"|erstellt|publié|publicado|escrito)\s+)?(?:by\s*:?\s*(?=(?-i:[A-ZÀ-Þ]))|(?:von|par|por|de|door|af|av)\s*:?\s+)"
    r"|^\s*(?:author|autor|autorin|auteur|autora)\s*:\s*",
    re.I,
)
_CUT_RE = re.compile(
    r"\s*(?:\||•|·|—|–|\bon\s+\w+\s+\d|\bam\s+(?:mo|di|mi|do|fr|sa|so)[a-z]*\b|\bpublished\b|\bupdated\b|\bposted\b|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d).*$",
    re.I,
)
_SPLIT_RE = re.compile(r"\s*(?:,\s*and\s+|\s+and\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s*&\s*|;|,)\s*", re.I)
_NOT_A_NAME_RE = re.compile(
    r"https?:|www\.|@|\.(?:com|de|org|net|fr|co|uk|info|ch|at)\b|\d|^(?:admin|administrator|author|autor"
    r"|auteur|autora|editor|staff|guest|anonymous|unknown|no author|comments?|share|follow|about|more|by"
    r"|datum|date|quelle|source|text|fotos?|photos?|bild|nachricht|red|agencies)$",
    re.I,
)
_UI_WORDS_RE = re.compile(
    r"\b(?:share|facebook|twitter|linkedin|instagram|whatsapp|follow|comments?|e-?mail|print|subscribe"
    r"|posts?|view|read|profile|contact|newsletter|articles?|beiträge|artikel|archive|search|menu|login"
    r"|sign|home|news|updated|published|veröffentlicht|erstellt|min|minutes?|©)\b",
    re.I,
)
_MAX_AUTHORS = 6


def looks_like_name(text: str, site_names: set[str]) -> bool:
    """Return whether *text* can be a person's or an organization's name in a byline.

    >>> looks_like_name("Jane Doe", set()), looks_like_name("Follow", set())
    (True, False)
    >>> looks_like_name("Read the full story at example.com", set())
    False
    """
    words = text.split()
    if not 1 <= len(words) <= 5 or len(text) > 60 or _NOT_A_NAME_RE.search(text) or _UI_WORDS_RE.search(text):
        return False
    if text.casefold() in site_names:
        return False
    return any(w[:1].isupper() for w in words) or len(words) == 1


def split_names(value: str) -> list[str]:
    """Return the names in a byline or an author field, without "By" and empty parts.

    Splits on ; , & and the words for "and" ("Anderson" stays whole); checks nothing else,
    so metadata that names an organization keeps it.

    >>> split_names("By Jane Doe and John Roe")
    ['Jane Doe', 'John Roe']
    >>> split_names("Duncan Wood; Andrew Selee & Carlos Heredia")
    ['Duncan Wood', 'Andrew Selee', 'Carlos Heredia']
    >>> split_names("Andrea Anderson")
    ['Andrea Anderson']
    """
    text = _PREFIX_RE.sub("", clean_text(value) or "")
    names = (clean_text(part.strip(" ,:-")) for part in _SPLIT_RE.split(text))
    return list(dict.fromkeys(n for n in names if n))


def names_in_byline(text: str | None, site_names: set[str]) -> list[str]:
    """Return the names a byline's text gives, without "By", dates and titles.

    >>> names_in_byline("By Jane Doe and John Roe | March 3, 2024", set())
    ['Jane Doe', 'John Roe']
    >>> names_in_byline("Von Max Mustermann, 12.03.2021", set())
    ['Max Mustermann']
    >>> names_in_byline("Share on Facebook", set())
    []
    """
    cleaned = clean_text(text)
    if not cleaned or len(cleaned) > 200:
        return []
    cleaned = _CUT_RE.sub("", _PREFIX_RE.sub("", cleaned)).strip(" ,:-")
    return [n for n in split_names(cleaned) if looks_like_name(n, site_names)][:_MAX_AUTHORS]


_BY_LINE_RE = re.compile(r"^\s*(?:written\s+)?(?:by|von|par|por|door|af|av)\s*:?\s+\S", re.I)
_NEAR_HEADLINE = etree.XPath(
    "following::text()[position() <= 60][normalize-space()][not(ancestor::script or ancestor::style)]"
)


def find_by_line(page: Page, site_names: set[str]) -> list[Author]:
    """Return the names of a "By ..." / "Von ..." line just after the headline, for bare bylines."""
    headline = page.headline
    if headline is None:
        return []
    for text in _NEAR_HEADLINE(headline):
        if len(text) < 120 and _BY_LINE_RE.match(text):
            parent = text.getparent()
            line = " ".join(parent.itertext()) if parent is not None and not text.is_tail else text
            names = names_in_byline(line if len(line) < 160 else text, site_names)
            if names:
                return [{"name": n, "kind": "person", "role": None, "bio": None, "url": None} for n in names]
        if text.strip().lower() in ("by", "von", "par", "por"):  # "By" alone, the name in the next node
            parent = text.getparent()
            line = (
                " ".join(parent.getparent().itertext())
                if parent is not None and parent.getparent() is not None
                else ""
            )
            names = names_in_byline(line, site_names) if len(line) < 160 else []
            if names:
                return [{"name": n, "kind": "person", "role": None, "bio": None, "url": None} for n in names]
    return []


def find_byline_authors(main: Any, page: Page, site_names: set[str]) -> list[Author]:
    """Return the authors of the first byline found, most specific markup first.

    The main region (*main*, an lxml element) is searched first, the whole page after it.
    """
    page_root = page.root
    for scope in (main,) if main is page_root else (main, page_root):
        authors = _byline_in(page.marked(scope), site_names)
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


def _byline_in(marked: list[Marked], site_names: set[str]) -> list[Author]:
    # Most marked elements are there for the date finders: the tests run on the rest only.
    marked = [m for m in marked if _may_be_byline(m)]
    for test in _BYLINE_TESTS:
        found = [m.element for m in marked if test(m) and not is_comment_or_form(m.element)]
        names: list[str] = []
        for element in found[: _MAX_AUTHORS * 2]:
            for name in names_in_byline(" ".join(element.itertext()), site_names):
                if name not in names:
                    names.append(name)
        if names:
            return [
                {"name": n, "kind": "person", "role": None, "bio": None, "url": None}
                for n in names[:_MAX_AUTHORS]
            ]
    return []


# Words that make a byline the newsroom rather than a person: "TMZ Staff", "N-Land Redaktion".
_DESK_WORDS_RE = re.compile(
    r"\b(?:staff|team|redaktion|redazione|redacción|rédaction|editorial|editors?|newsroom|newsdesk"
    r"|desk|correspondent|reporters?|online|company|media|digital)\b",
    re.I,
)
_HANDLE_RE = re.compile(r"\s*@\w+\s*$")
_AFFILIATION_RE = re.compile(r"\s+(?:\||–|—|/)\s+.*$|\s*,\s*(?:USA TODAY|The [A-Z].*)$")


def _squash(text: str) -> str:
    return re.sub(r"[^\w]", "", text.casefold())


def clean_author_name(name: str, site_names: list[str], kind: str = "organization") -> str | None:
    """Return an author's name without "By", handles and affiliations; None for the site itself.

    >>> clean_author_name("Jeremy Schneider | NJ Advance Media For NJ.com", [])
    'Jeremy Schneider'
    >>> clean_author_name("Von FOCUS-Online-Experte Robin Tschöpe", [])
    'FOCUS-Online-Experte Robin Tschöpe'
    >>> clean_author_name("TMZ Staff", ["TMZ", "tmz.com"]) is None
    True
    >>> clean_author_name("Perez Hilton", ["PerezHilton", "perezhilton.com"]) is None
    True
    >>> clean_author_name(", USA TODAY", []) is None
    True
    """
    text = clean_text(_AFFILIATION_RE.sub("", _HANDLE_RE.sub("", _PREFIX_RE.sub("", name))))
    text = clean_text((text or "").strip(" ,;:-"))
    if not text or not any(ch.isalpha() for ch in text):
        return None
    sites = {_squash(n) for n in site_names} | {_squash(n.rsplit(".", 1)[0]) for n in site_names if "." in n}
    sites.discard("")
    desk = bool(_DESK_WORDS_RE.search(text))
    squashed = _squash(_DESK_WORDS_RE.sub("", text))
    if not squashed:
        return text  # "Redaktion", "Newsdesk": the newsroom signs, and that is the byline
    if squashed in sites and (kind == "organization" or desk or len(text.split()) < 2):
        # The site's own name, perhaps with "Staff": a publisher, not an author. A person's
        # name that is also the site's is kept: personal sites are signed by their owners.
        return None
    if desk and any(len(n) > 4 and (n in squashed or squashed in n) for n in sites):
        return None  # "Redaktion datev.de" on datev-magazin.de
    return text
