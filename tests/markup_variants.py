"""Markup variants (issue 12): fixture pages rewritten as a redesign would, keeping what a reader sees.

Each transformation is a pure ``bytes -> bytes`` function named for what it does. A page is
decoded by the project's own rules (``decode_html``), parsed with ``lxml.html``, rewritten,
and written back as UTF-8 with its ``<meta charset>`` saying so: the text stays identical
whatever the page's original encoding, and no transformation tests decoding by accident.

What a reader sees is kept: the same text, links, images and (except for the two reorders a
redesign brings, ``reorder_hero`` and ``author_block_after_body``) the same order of text.
Classes that hide content (``sr-only``, ``visually-hidden``...) or that a third-party embed
script looks for (``twitter-tweet``...) are never renamed or removed: the stylesheet or the
script gives them meaning a reader sees. ``hidden``, ``aria-hidden`` and ``style`` stay too.

The rest of the module is the harness shared by ``tests/test_markup_variants.py`` and
``benchmarks/markup_variants.py``: publication cases, the floor, and each variant transformed
and extracted once.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterator
from functools import cache, wraps
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from brief_scraper import extract
from brief_scraper.parsing import decode_html
from brief_scraper.record import FIELDS
from tests.conftest import CASES, case_meta, expected, extracted

Transformation = Callable[[bytes], bytes]

# Classes a stylesheet hides content with, and classes embed scripts look for: renaming or
# removing them would change what a reader sees. "focusable" makes a hidden skip link show
# on focus, so it stays beside "visually-hidden".
HIDING_CLASSES = frozenset({"sr-only", "sr-text", "visually-hidden", "screen-reader-text", "hidden",
                            "element-invisible", "invisible"})  # fmt: skip
KEPT_CLASSES = HIDING_CLASSES | {"focusable", "element-focusable", "twitter-tweet", "instagram-media",
                                 "tiktok-embed"}  # fmt: skip

# lxml refuses most C0 control characters; parse_root drops them the same way.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PARSER = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
_WORD_RE = re.compile(r"\w+")


def parse_page(page: bytes) -> Any:
    """Return the ``lxml.html`` document of *page*, decoded as ``extract()`` decodes it."""
    text = _CONTROL_RE.sub("", decode_html(page)).strip()
    return lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)


def _declare_utf8(root: Any) -> None:
    """Make the page's encoding declaration say UTF-8, adding ``<meta charset>`` if it has none."""
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    declared = False
    for meta in head.iter("meta"):
        if meta.get("charset") is not None:
            meta.set("charset", "utf-8")
            declared = True
        elif (meta.get("http-equiv") or "").lower() == "content-type":
            meta.set("content", "text/html; charset=utf-8")
            declared = True
    if not declared:
        head.insert(0, etree.Element("meta", charset="utf-8"))


# libxml2's HTML output percent-escapes spaces and non-ASCII letters in these attributes: a
# raw space in a PDF's href (which the fixtures test) would not reach extract() as written.
_URI_ATTRIBUTES = ("href", "src", "action", "name")
_URI_SAFE_RE = re.compile(r"[\w\-.!~*'()@/:=?;#%&,+]*", re.ASCII)
_PLACEHOLDER_RE = re.compile(rb'="variant-uri-(\d+)"')


def write_page(root: Any) -> bytes:
    """Return the document as UTF-8 bytes: doctype kept, charset declared, links as written."""
    _declare_utf8(root)
    kept: list[tuple[Any, str, str]] = []
    for element in _elements(root):
        for attr in _URI_ATTRIBUTES:
            value = element.get(attr)
            if value is not None and not _URI_SAFE_RE.fullmatch(value):
                element.set(attr, f"variant-uri-{len(kept)}")
                kept.append((element, attr, value))
    page = etree.tostring(root.getroottree(), encoding="utf-8", method="html")
    for element, attr, value in kept:
        element.set(attr, value)
    return _PLACEHOLDER_RE.sub(lambda m: b'="%s"' % html.escape(kept[int(m[1])][2]).encode("utf-8"), page)


def round_trip(page: bytes) -> bytes:
    """Return *page* parsed and written back unchanged: what a transformation is compared to."""
    return write_page(parse_page(page))


def _transformation(rewrite: Callable[[Any], None]) -> Transformation:
    """Turn an in-place rewrite of a parsed page into a ``bytes -> bytes`` transformation."""

    @wraps(rewrite)
    def transform(page: bytes) -> bytes:
        root = parse_page(page)
        rewrite(root)
        return write_page(root)

    return transform


# ---------------------------------------------------------------------------------------
# Reading a parsed page


def _elements(root: Any) -> Iterator[Any]:
    """Yield the elements of *root* (comments and processing instructions left out)."""
    return root.iter(etree.Element)


def _classes(element: Any) -> list[str]:
    return (element.get("class") or "").split()


def is_hidden(element: Any) -> bool:
    """Return whether *element* or an ancestor is hidden from sighted readers."""
    for node in (element, *element.iterancestors()):
        style = (node.get("style") or "").replace(" ", "").lower()
        if (
            node.get("hidden") is not None
            or node.get("aria-hidden") == "true"
            or "display:none" in style
            or HIDING_CLASSES.intersection(_classes(node))
        ):
            return True
    return False


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def headline(root: Any) -> Any | None:
    """Return the page's visible ``<h1>`` that shares the most words with ``<title>``, or None.

    A logo h1 or a hidden search banner comes before the story's own on some pages.
    """
    visible = [h for h in root.iter("h1") if not is_hidden(h)]
    if not visible:
        return None
    title_words = set(_WORD_RE.findall(" ".join(_text(t) for t in root.iter("title")).casefold()))
    return max(visible, key=lambda h: len(set(_WORD_RE.findall(_text(h).casefold())) & title_words))


def main_content(root: Any) -> Any:
    """Return the element that holds the page's content: ``<main>``, ``[role=main]``,
    ``#main-content``, else ``<body>``."""
    for xpath in ("//main", "//*[@role='main']", "//*[@id='main-content']"):
        found = root.xpath(xpath)
        if found:
            return found[0]
    return root.body


AUTHOR_HEADINGS = frozenset(
    {"author", "authors", "about the author", "about the authors", "about the author(s)", "written by",
     "contributors", "hosted by", "autor", "autora", "autores", "autoras", "sobre el autor",
     "sobre la autora", "sobre los autores", "auteur", "auteurs", "à propos de l'auteur"}
)  # fmt: skip


def author_block(root: Any) -> Any | None:
    """Return the block of the page's first visible author heading ("Authors", "About the
    Author"...): the heading's container, widened while it is its parent's only element."""
    stop = main_content(root)
    for heading in root.body.iter("h2", "h3", "h4", "h5", "h6"):
        if _text(heading).casefold().rstrip(":").strip() not in AUTHOR_HEADINGS or is_hidden(heading):
            continue
        block = heading.getparent()
        while block.getparent() is not None and block.getparent() is not stop and _sole_child(block):
            block = block.getparent()
        return block
    return None


def _sole_child(element: Any) -> bool:
    """Return whether *element* is its parent's only element child, with no text beside it."""
    parent = element.getparent()
    if len([c for c in parent if isinstance(c.tag, str)]) != 1 or (parent.text or "").strip():
        return False
    return not any((c.tail or "").strip() for c in parent)


def pull_quotes(root: Any) -> list[Any]:
    """Return the body's pull quotes: ``<blockquote>`` and blocks with a quote class, outermost only."""
    found = [
        e for e in _elements(root.body)
        if e.tag == "blockquote" or any("quote" in c for c in _classes(e))
    ]  # fmt: skip
    return [e for e in found if not any(a in found for a in e.iterancestors())]


def _language(element: Any) -> str:
    """Return the primary language subtag in force at *element* (``lang`` on it or an ancestor)."""
    for node in (element, *element.iterancestors()):
        lang = node.get("lang")
        if lang:
            return lang.split("-")[0].strip().lower()
    return ""


# ---------------------------------------------------------------------------------------
# Transformations


def _renamed(name: str) -> str:
    return "c" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]  # a short stable name, not a digest


@_transformation
def rename_classes(root: Any) -> None:
    """Rename every class (hiding and embed classes kept) to a meaningless token, the same per class."""
    for element in _elements(root):
        if element.get("class") is not None:
            element.set("class", " ".join(c if c in KEPT_CLASSES else _renamed(c) for c in _classes(element)))


# Attributes that point to an id: an id they name stays, or the label or control breaks.
_ID_REFERENCES = ("for", "aria-controls", "aria-labelledby", "aria-describedby", "aria-owns", "headers")


@_transformation
def remove_classes(root: Any) -> None:
    """Remove every class (hiding and embed classes kept) and every id nothing on the page points to."""
    referenced = {href[1:] for href in root.xpath("//@href") if href.startswith("#")}
    for element in _elements(root):
        for attr in _ID_REFERENCES:
            referenced.update((element.get(attr) or "").split())
    for element in _elements(root):
        if element.get("class") is not None:
            kept = [c for c in _classes(element) if c in KEPT_CLASSES]
            if kept:
                element.set("class", " ".join(kept))
            else:
                del element.attrib["class"]
        if element.get("id") is not None and element.get("id") not in referenced:
            del element.attrib["id"]


# nav and footer stay: they are the site's chrome and its landmarks, which a redesign of the
# publication template keeps; what is turned to div is what holds the publication.
SEMANTIC_TAGS = frozenset({"header", "section", "article", "aside", "main", "figure", "figcaption", "hgroup"})


@_transformation
def semantic_to_div(root: Any) -> None:
    """Turn header, section, article, aside, main and figure (and figcaption) into div, attributes kept."""
    for element in _elements(root.body):
        if element.tag in SEMANTIC_TAGS:
            element.tag = "div"


# Wrappers go only around block-level children of block containers: a div around an inline
# element (a link in a tag list) would put it on a line of its own.
_CONTAINERS = frozenset({"body", "main", "article", "section", "header", "footer", "aside", "nav", "div"})
_BLOCKS = frozenset(
    {"div", "section", "article", "header", "footer", "aside", "nav", "main", "p", "ul", "ol", "dl",
     "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "table", "form", "address", "pre"}
)  # fmt: skip


def _wrap(element: Any, depth: int) -> None:
    """Put *element* inside *depth* new class-less divs, at its place; its tail stays outside."""
    outer = inner = etree.Element("div")
    for _ in range(depth - 1):
        inner = etree.SubElement(inner, "div")
    outer.tail, element.tail = element.tail, None
    element.addprevious(outer)
    inner.append(element)


@_transformation
def extra_wrappers(root: Any) -> None:
    """Wrap each block child of the body's block containers in one or two extra divs (alternately)."""
    containers = [e for e in _elements(root.body) if e.tag in _CONTAINERS]
    for container in containers:
        blocks = [c for c in container if c.tag in _BLOCKS]
        for index, block in enumerate(blocks):
            _wrap(block, 1 + index % 2)


def _is_body_text(element: Any) -> bool:
    """Return whether *element* holds article text: a paragraph of ten words or more."""
    return any(len(_text(p).split()) >= 10 for p in element.iter("p"))


def hero_of(title: Any) -> Any | None:
    """Return the block holding *title* and what is shown after it: its nearest ancestor with
    an element after the title's branch.

    Not "the nearest with three children": design C's hero is an h1 and one list, and markup
    closed early leaves the h1 last in a block of its own, the byline and date beside it.
    """
    branch = title
    for ancestor in title.iterancestors():
        if any(isinstance(e.tag, str) for e in branch.itersiblings()):
            return ancestor
        branch = ancestor
    return None


def hero_blocks_after_title(root: Any) -> list[Any]:
    """Return the hero's blocks after the title up to the article text (byline, date, buttons):
    what reorder_hero moves; [] on a page whose title is followed by its text at once."""
    title = headline(root)
    hero = hero_of(title) if title is not None else None
    if hero is None:
        return []
    children = [c for c in hero if isinstance(c.tag, str)]
    at = next(i for i, c in enumerate(children) if c is title or title in c.iterdescendants())
    meta = []
    for block in children[at + 1 :]:  # the hero's own blocks end where the article text starts
        if _is_body_text(block):
            break
        meta.append(block)
    return meta


@_transformation
def reorder_hero(root: Any) -> None:
    """Move the hero's blocks after the title (byline, date, buttons; not article text) above it."""
    meta = hero_blocks_after_title(root)
    if not meta:
        return
    title = headline(root)
    hero = hero_of(title)
    children = [c for c in hero if isinstance(c.tag, str)]
    at = next(i for i, c in enumerate(children) if c is title or title in c.iterdescendants())
    before, after = children[:at], children[at + 1 :]
    order = [*meta, *before, children[at], *after[len(meta) :]]  # the title closes the hero
    if order == children:
        return
    for child in order:  # append() moves an element (and its tail) to the end
        hero.append(child)


@_transformation
def drop_datetime(root: Any) -> None:
    """Remove every ``datetime`` attribute; time elements keep their text."""
    for element in root.xpath("//*[@datetime]"):
        del element.attrib["datetime"]


@_transformation
def author_block_after_body(root: Any) -> None:
    """Move the author block ("Authors", "About the Author"...) to the end of the main content."""
    block = author_block(root)
    if block is not None:
        main_content(root).append(block)


_OPENING = "\"“«„"
_CLOSING = "\"”»“"


def _text_slots(element: Any) -> list[tuple[Any, str]]:
    """Return (node, "text" or "tail") of every non-blank piece of text inside *element*, in page order."""
    slots: list[tuple[Any, str]] = []

    def walk(node: Any) -> None:
        slots.append((node, "text"))
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            slots.append((child, "tail"))

    walk(element)
    return [(node, attr) for node, attr in slots if (getattr(node, attr) or "").strip()]


def _swap_outer_quotes(quote: Any) -> None:
    """Swap straight marks around *quote* for typographic ones (« » in French or Spanish), or
    typographic ones for straight marks: the other style a redesign's editor brings."""
    slots = _text_slots(quote)
    if not slots:
        return
    (first, first_attr), (last, last_attr) = slots[0], slots[-1]
    opening, closing = getattr(first, first_attr).lstrip()[0], getattr(last, last_attr).rstrip()[-1]
    one_mark = slots[0] == slots[-1] and len(getattr(first, first_attr).strip()) < 2
    if opening not in _OPENING or closing not in _CLOSING or one_mark:
        return
    if opening == closing == '"':
        marks = ("«", "»") if _language(quote) in {"fr", "es"} else ("“", "”")
    else:
        marks = ('"', '"')
    value = getattr(first, first_attr)
    at = len(value) - len(value.lstrip())
    setattr(first, first_attr, value[:at] + marks[0] + value[at + 1 :])
    value = getattr(last, last_attr)  # read again: it may be the same piece of text
    at = len(value.rstrip()) - 1
    setattr(last, last_attr, value[:at] + marks[1] + value[at + 1 :])


@_transformation
def quote_styles(root: Any) -> None:
    """Turn blockquotes into divs (paragraphs kept) and swap the quotation marks around pull quotes."""
    for quote in pull_quotes(root):
        _swap_outer_quotes(quote)
        if quote.tag == "blockquote":
            quote.tag = "div"


# The Wilson Center designs' markers and title classes (brief_scraper/sites/wilsoncenter.py):
# (tag or None for any, class). Fixed here, not read from there: a redesign drops what the
# site had, whatever the extractor reads today.
DESIGN_MARKERS = (
    ("header", "hero-article"),  # design A: marker and hero
    ("h1", "h2"),  # design A: title
    (None, "insight-detail-hero-title"),  # design B: marker and title
    ("h1", "hero__title"),  # design C: marker and title
    (None, "expert-hero-name"),  # person pages: marker
)


def has_design_marker(element: Any) -> bool:
    """Return whether *element* carries one of DESIGN_MARKERS."""
    classes = _classes(element)
    return any(cls in classes and tag in (None, element.tag) for tag, cls in DESIGN_MARKERS)


@_transformation
def remove_design_markers(root: Any) -> None:
    """Strip the Wilson Center design marker and title classes, keeping every other class."""
    for element in _elements(root):
        if has_design_marker(element):
            markers = {cls for tag, cls in DESIGN_MARKERS if tag in (None, element.tag)}
            kept = [c for c in _classes(element) if c not in markers]
            if kept:
                element.set("class", " ".join(kept))
            else:
                del element.attrib["class"]


TRANSFORMATIONS: dict[str, Transformation] = {
    t.__name__: t
    for t in (
        rename_classes,
        remove_classes,
        semantic_to_div,
        extra_wrappers,
        reorder_hero,
        drop_datetime,
        author_block_after_body,
        quote_styles,
        remove_design_markers,
    )
}
"""Every transformation by name, in the order reports list them."""

REORDERS = frozenset({"reorder_hero", "author_block_after_body"})
"""Transformations that move visible text: the rest keep its order too."""


# ---------------------------------------------------------------------------------------
# Harness: cases, fields, the floor, each variant transformed and extracted once

PUBLICATION_CASES: tuple[Path, ...] = tuple(
    c for c in CASES if expected(c)["content_type"] not in {"Person", "Program"}
)
"""Fixture cases whose record is a publication (person and program pages left out)."""

# Not compared: the URL and source come from the URL, downloads and provenance are how a
# value was found (issue 12 measures whether it survives), the rest are constants.
NOT_COMPARED = frozenset({"url", "source", "downloads", "provenance", "scraped_at", "schema_version"})
COMPARED_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f not in NOT_COMPARED)

# Transformations that only rename, drop or wrap markup: every floor field must survive them.
STRUCTURAL = frozenset(
    {"rename_classes", "remove_classes", "semantic_to_div", "extra_wrappers", "remove_design_markers"}
)
FLOOR_EVERYWHERE = ("title", "posted_date", "authors", "download_url", "language")
FLOOR_STRUCTURAL = ("excerpt", "series", "programs", "content_type")


def floor_fields(name: str) -> tuple[str, ...]:
    """Return the fields that must survive transformation *name* (issue 12's floor)."""
    return FLOOR_EVERYWHERE + (FLOOR_STRUCTURAL if name in STRUCTURAL else ())


def comparable(field: str, value: Any) -> Any:
    """Return *value* as variants compare it: authors as (name, kind) pairs, the rest as is."""
    if field == "authors":
        return [(a["name"], a["kind"]) for a in value]
    return value


def is_right_originally(case: Path, field: str) -> bool:
    """Return whether the untransformed page extracts *field* right (tests/test_extract_fixtures.py):
    only then does a variant measure the field's survival rather than the extractor's accuracy."""
    return extracted(case)[field] == expected(case)[field]


@cache
def variant_page(name: str, case: Path) -> bytes:
    """Return the case's page rewritten by transformation *name* (once per pair)."""
    return TRANSFORMATIONS[name]((case / "page.html").read_bytes())


@cache
def variant_record(name: str, case: Path) -> dict[str, Any]:
    """Return what ``extract()`` gives on the case's page rewritten by *name* (once per pair)."""
    return extract(variant_page(name, case), case_meta(case)["url"])


def survives(name: str, case: Path, field: str) -> bool:
    """Return whether *field* extracts as expected from the case's page rewritten by *name*."""
    return comparable(field, variant_record(name, case)[field]) == comparable(field, expected(case)[field])
