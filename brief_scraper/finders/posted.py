"""Posted dates a page shows: microdata, ``<time>``, date-classed text, the line under the
headline, a date beside a label ("Posted date/time:", "Datum:").

Dates in chrome, cards, comments and forms belong to other pages and replies: they are
never read. The date shown with the headline comes before any loose ``<time>`` elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import zip_longest
from typing import Any

from lxml import etree

from brief_scraper.dates import parse_posted
from brief_scraper.finders.nodes import is_comment_or_form
from brief_scraper.page import Marked, Page
from brief_scraper.text import clean_text

# Where pages show their date, most specific first; each test takes one Marked element.
_PUBLISHED_CLASSES = ("entry-date", "post-date", "published", "pubdate", "article-date", "posted-on",
                      "date-published", "publish-date", "publishdate")  # fmt: skip
_DATE_TESTS: tuple[Callable[[Marked], bool], ...] = (
    lambda m: m.itemprop == "datePublished" or "datePublished" in (m.element.get("property") or ""),
    lambda m: (
        m.itemprop in ("dateCreated", "uploadDate") or "dateCreated" in (m.element.get("property") or "")
    ),
    lambda m: (
        m.element.tag == "time"
        and (
            m.element.get("pubdate") is not None
            or "publish" in m.cls
            or "entry-date" in m.cls
            or "post-date" in m.cls
        )
    ),
    lambda m: m.element.tag == "abbr" and "published" in m.cls and bool(m.element.get("title")),
    lambda m: m.element.tag == "time" and bool(m.element.get("datetime")),
    lambda m: any(c in m.cls for c in _PUBLISHED_CLASSES),
    lambda m: m.element.tag == "time",
    lambda m: "date" in m.cls or "datum" in m.cls,
    lambda m: "time" in m.cls or "meta" in m.cls or "publication" in m.cls,
)
_NEAR_HEADLINE_STEP = 5  # before the loose tests: any <time>, any class with "date"


# Days a web page can be from: "28.09.1912:44" is a day and a time run together.
_EARLIEST_WEB_DAY = "1991"
_HAS_YEAR_RE = re.compile(r"(?:199|20\d)\d")


def _in_chrome(text: Any) -> bool:
    """Return whether a text node sits in comments, forms, nav, footer or asides: dates there
    belong to replies, cookie notices and other pages, not to the publication."""
    parent = text.getparent()
    return parent is not None and is_comment_or_form(parent)


def find_date_near_headline(page: Page) -> dict[str, Any]:
    """Return posted_* from the first full date in the text just after the page's headline."""
    headline = page.headline
    if headline is None:
        return {}
    boilerplate = page.boilerplate
    # The nearest date on either side: a byline's just after, a kicker's just before; after
    # comes first at the same distance.
    after, before = page.text_after_headline(100), page.text_before_headline(20)
    nearest = [t for pair in zip_longest(after[: len(before)], before) for t in pair if t is not None]
    for text in [*nearest, *after[len(before) :]]:
        if len(text) <= 160 and _HAS_YEAR_RE.search(text) and text.getparent() not in boilerplate:
            found = _posted_in_text(text, page)
            if found:
                return found
    return {}


def _posted_in_text(text: Any, page: Page) -> dict[str, Any]:
    """Return posted_* of the day written in a text node, or {}; a ``<time datetime>``
    around it gives the time too, when it names the same day."""
    parent = text.getparent()
    machine = (
        parent.get("datetime") if parent is not None and parent.tag == "time" and not text.is_tail else None
    )
    posted = parse_posted(None, text, page.html_language)
    if not posted.date:
        return {}
    at = parse_posted(machine, None).at if machine else None
    return {"posted_date": posted.date, "posted_at": at if at and at[:10] == posted.date else None,
            "posted_raw": clean_text(text)}  # fmt: skip


_DATE_LABEL_RE = re.compile(
    r"\b(?:date|datum|published|posted|updated|last (?:edited|modified|revision|updated)|stand|"
    r"veröffentlicht|erstellt|aktualisiert|zuletzt|publié|publicado|pubblicato|fecha|data)\b",
    re.I,
)
_YEAR_TEXT_XPATH = etree.XPath(
    "//body//text()[contains(., '19') or contains(., '20')][not(ancestor::script or ancestor::style"
    " or ancestor::noscript or ancestor::option)]"
)


def find_labelled_date(page: Page) -> dict[str, Any]:
    """Return posted_* from a date next to a label ("Datum:", "Published", "last edited")."""
    root = page.root
    if not hasattr(root, "xpath"):
        return {}
    texts = _YEAR_TEXT_XPATH(root)
    for text in texts:
        if len(text) > 200 or not _HAS_YEAR_RE.search(text) or _in_chrome(text):
            continue
        if not _DATE_LABEL_RE.search(text):
            # The label may be the element just before: <h5>Datum:</h5>03.11.2021 (a tail
            # text follows its element) or <span>Date</span><span>03.11.2021</span>.
            parent = text.getparent()
            before = parent if text.is_tail else (parent.getprevious() if parent is not None else None)
            if before is None or not isinstance(before.tag, str):
                continue
            label = "".join(before.itertext())
            if len(label) > 40 or not _DATE_LABEL_RE.search(label):
                continue
        found = _posted_in_text(text, page)
        if found:
            return found
    return {}


def find_visible_date(main: Any, page: Page) -> dict[str, Any]:
    """Return posted_* from the date a page shows: microdata, ``<time>``, date-classed text.

    The main region (*main*, an lxml element) is searched first, the whole page after it;
    text near the headline and labelled dates come last.
    """
    page_root = page.root
    for scope in (main,) if main is page_root else (main, page_root):
        found = _marked_date(page, page.marked(scope))
        if found:
            return found
    return find_labelled_date(page)


def _marked_date(page: Page, marked: list[Marked]) -> dict[str, Any]:
    """Return posted_* of the first marked element a date test passes, most specific test
    first; dates in chrome and cards only when the page shows no other."""
    boilerplate = page.boilerplate
    outside = [m for m in marked if m.element not in boilerplate]
    found = _first_marked_date(page, outside, with_headline=True)
    if found or len(outside) == len(marked):
        return found
    return _first_marked_date(page, [m for m in marked if m.element in boilerplate], with_headline=False)


def _first_marked_date(page: Page, marked: list[Marked], with_headline: bool) -> dict[str, Any]:
    for index, test in enumerate(_DATE_TESTS):
        if index == _NEAR_HEADLINE_STEP and with_headline:
            near = find_date_near_headline(page)
            if near:
                return near
        for element in [m.element for m in marked if test(m)][:5]:
            text = "".join(element.itertext())
            if len(text) > 120 or is_comment_or_form(element):
                continue
            machine = element.get("datetime") or element.get("content") or element.get("title")
            posted = parse_posted(machine, text, page.html_language)
            if posted.date and posted.date >= _EARLIEST_WEB_DAY:
                return {"posted_date": posted.date, "posted_at": posted.at, "posted_raw": posted.raw}
    return {}
