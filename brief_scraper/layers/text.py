"""Text heuristics: labels and phrases a reader would go by, for pages no profile knows.

Every finder here takes a region (an lxml element) so a site profile can reuse it on the
part of the page it trusts; ``from_text`` runs them on the page's main region. XPaths are
compiled once and run on lxml elements: parsel would wrap every result in a Selector and
build an XPath evaluator per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from brief_scraper.dates import parse_posted
from brief_scraper.layers.bylines import find_byline_authors, is_comment_or_form
from brief_scraper.layers.meta import site_names
from brief_scraper.page import Marked, Page
from brief_scraper.record import Author, Download, Link
from brief_scraper.text import clean_text, join_paragraphs, strip_outer_quotes
from brief_scraper.urls import guess_media_type, is_document_url

_READ_MORE_RE = re.compile(r"\s*(?:read\s+more|leer\s+m[aá]s|more)\s*[»›>→]*\s*$", re.I)
_SERIES_RE = re.compile(
    r"part of (?:our|the|a|this|an?)\s+(?:[\w-]+\s+){0,3}?series,?\s*:?\s*"
    r"[\"“”«']\s*(?P<name>.+?)\s*[,.;:]?\s*[\"”“»']"
    r"|part of (?:our|the|a|this)\s+series,?\s*(?P<bare>[A-Z][^.\"“”]{3,120}?)(?:,|\.|$)",
    re.I,
)
AUTHOR_HEADINGS = frozenset({"author", "authors", "about the author", "about the authors",
                             "about the author(s)", "contributors", "written by", "autor",
                             "autora", "autores", "autoras", "sobre el autor", "sobre la autora",
                             "sobre los autores"})  # fmt: skip
PROFILE_PATH_RE = re.compile(r"/(?:person|people|experts?|staff|authors?|program|programs)/[^/?#]+")
ORGANIZATION_PATH_RE = re.compile(r"/(?:program|programs|institute|center|organization)s?/")


# Plain contains() tests: translate() on every link's text or href costs milliseconds a page.
_DOWNLOAD_LINKS = etree.XPath(
    ".//a[@href][contains(., 'ownload') or contains(., 'OWNLOAD') or contains(., 'escargar')"
    " or contains(., 'ESCARGAR') or contains(@aria-label, 'ownload') or contains(@title, 'ownload')]"
)
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
_INVISIBLE_TAGS = frozenset({"script", "style", "noscript"})
_DOCUMENT_HREF_RE = re.compile(r"\.(?:pdf|docx?|epub|pptx?|xlsx?|csv|zip)(?:[?#]|$)", re.I)
_DOCUMENT_HREF_LINE_RE = re.compile(_DOCUMENT_HREF_RE.pattern, re.I | re.M)  # links one a line
_LINKS = etree.XPath(".//a[@href]")
_HREFS = etree.XPath(".//a/@href")
_PLAIN_HREFS = etree.XPath(".//a/@href", smart_strings=False)  # without a way back to the link
_PARAGRAPHS = etree.XPath(".//p")
# From the text nodes up: a contains() on each paragraph's string value copies all its text.
_SERIES_PARAGRAPHS = etree.XPath(
    "descendant::p/descendant::text()[contains(., 'series') or contains(., 'Series')]/ancestor::p[1]"
)
_ROLES = etree.XPath(
    ".//*[contains(@class, 'position') or contains(@class, 'role') or contains(@class, 'job')"
    " or contains(@class, 'affiliation') or contains(@class, 'subtitle')]"
)
_BIOS = etree.XPath(
    ".//*[contains(@class, 'bio') or contains(@class, 'description') or contains(@class, 'blurb')]"
)
# Class attributes are tested on the attribute axis, then their elements: a predicate on
# every element costs twice as much.
_QUOTES = etree.XPath(
    ".//blockquote | descendant::*/@class[contains(., 'quote')]/parent::*[not(ancestor::blockquote)"
    " and not(ancestor::*[contains(@class, 'quote')])]"
)
_UNQUOTED_PARAGRAPHS = etree.XPath(
    ".//p[not(ancestor::blockquote) and not(ancestor::*[contains(@class, 'quote')])]"
)


def node_text(node: Any) -> str | None:
    """Return the visible text of lxml element *node*, cleaned (scripts and styles left out)."""
    if node is None or not isinstance(node.tag, str):
        return None
    if len(node) == 0:  # no children (most links and labels): no XPath needed
        return None if node.tag in _INVISIBLE_TAGS else clean_text(node.text)
    return clean_text(" ".join(_VISIBLE_TEXT(node)))


def all_text(element: Any) -> str:
    """Return all the text in lxml *element*, as lxml.html's text_content() does."""
    return "".join(element.itertext())


def paragraphs_text(node: Any) -> str | None:
    """Return *node*'s text with its ``<p>`` (or block) children kept as paragraphs."""
    paragraphs = _PARAGRAPHS(node)
    if not paragraphs:
        return node_text(node)
    return join_paragraphs(node_text(p) for p in paragraphs)


def find_series(region: Any, page: Page) -> Link | None:
    """Return the series that a sentence like 'part of our series "..."' names, with its link.

    The link is the one inside the sentence whose text is the series name, if any.
    """
    for paragraph in _SERIES_PARAGRAPHS(region):
        text = node_text(paragraph) or ""
        match = _SERIES_RE.search(text)
        if not match:
            continue
        name = clean_text((match.group("name") or match.group("bare") or "").rstrip(" ,.;:"))
        if not name:
            continue
        url = None
        for link in _LINKS(paragraph):
            link_text = node_text(link) or ""
            if link_text and (link_text.strip('"“”,. ') in name or name in link_text):
                url = page.absolute(link.get("href"))
                break
        return {"name": name, "url": url}
    return None


def is_series_sentence(text: str | None) -> bool:
    """Return whether *text* is a series sentence (so it is no summary)."""
    return bool(text and _SERIES_RE.search(text))


_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "div", "p", "dt", "label")


def find_author_block(region: Any) -> Any | None:
    """Return the container (an lxml element) of the first short heading that is one of
    AUTHOR_HEADINGS ("Authors", "About the author", "Autores"...), or None.

    Elements are walked in Python with lxml's tag filter (in C): an XPath that tests each
    element's text costs ten times as much, as libxml2 copies the text for every test.
    """
    for heading in region.iter(*_HEADING_TAGS):
        text = heading.text
        if not text or len(text) > 80:
            continue
        label = " ".join(text.split())
        if label.lower().rstrip(":").strip() not in AUTHOR_HEADINGS:
            continue
        container = heading.getparent()
        # The heading's own wrapper may hold only the heading: climb to the block.
        while container is not None and len(" ".join(all_text(container).split())) <= len(label) + 2:
            container = container.getparent()
        return container
    return None


def _profile_links(region: Any, page: Page) -> list[tuple[Any, str | None]]:
    """Return (link, absolute URL) of the profile links in *region*, in page order."""
    return [
        (a, page.absolute(a.get("href"))) for a in _LINKS(region) if PROFILE_PATH_RE.search(a.get("href"))
    ]


def authors_in_block(block: Any, page: Page) -> list[Author]:
    """Return the authors of an author block: name, kind, role, bio and profile link each.

    An entry is the largest element around a profile link that holds no other profile.
    """
    links = _profile_links(block, page)
    # Each link's ancestors, once: an entry's test is which profiles an ancestor holds.
    ancestry = [(url, set(a.iterancestors())) for a, url in links]
    authors: list[Author] = []
    for href in dict.fromkeys(url for _, url in links):
        if not href:
            continue
        same = [a for a, url in links if url == href]
        name = next(
            (t for t in map(node_text, same) if t and not _READ_MORE_RE.fullmatch(t) and len(t) < 120),
            None,
        )
        if not name:
            continue
        entry = same[0]
        for ancestor in same[0].iterancestors():  # innermost first
            if ancestor is block or any(url != href and ancestor in above for url, above in ancestry):
                break
            entry = ancestor
        authors.append(_author_from_entry(entry, name, href))
    return authors


def author_from_link(name: str, url: str | None) -> Author:
    """Return an author known only by a profile link: a program's is an organization."""
    kind = "organization" if url and ORGANIZATION_PATH_RE.search(url) else "person"
    return {"name": name, "kind": kind, "role": None, "bio": None, "url": url}  # type: ignore[typeddict-item]


def _author_from_entry(entry: Any, name: str, href: str) -> Author:
    role = next((t for t in map(node_text, _ROLES(entry)) if t and t != name), None)
    bio_nodes = _BIOS(entry) or _PARAGRAPHS(entry)
    bio_parts = []
    for node in bio_nodes:
        text = paragraphs_text(node)
        if not text or text in (name, role):
            continue
        text = _READ_MORE_RE.sub("", text).strip()
        if text and text not in bio_parts:
            bio_parts.append(text)
    author = author_from_link(name, href)
    author.update(role=role, bio="\n\n".join(bio_parts) or None)
    return author


_DOWNLOAD_LABEL_RE = re.compile(r"^\s*(download|descargar|télécharger|baixar)\b", re.I)
# "Download the app", "Download citations": buttons that offer something other than the piece.
_OTHER_DOWNLOAD_RE = re.compile(r"\b(?:apps?|application|citations?|software|extension|player|game)\b", re.I)
# A button to a page rather than a file offers a document only when it says so.
_DOCUMENT_WORD_RE = re.compile(
    r"\b(?:pdf|report|brief|paper|publication|document|full text|study|e-?book|white ?paper"
    r"|informe|documento|publicación|estudio|rapport|étude|bericht|studie)\b",
    re.I,
)


def find_download_button(region: Any, page: Page) -> Download | None:
    """Return the document behind a link labelled "Download" (or "Descargar") in *region*:
    a document file, or an own-site page whose label names a document ("Download PDF");
    never an app's or a citation's download."""
    for link in _DOWNLOAD_LINKS(region):
        label = node_text(link) or link.get("aria-label", "") or link.get("title", "")
        if _DOWNLOAD_LABEL_RE.match(label) and not _OTHER_DOWNLOAD_RE.search(label):
            url = page.absolute(link.get("href"))
            if url and (is_document_url(url) or (page.is_own(url) and _DOCUMENT_WORD_RE.search(label))):
                return {"url": url, "label": clean_text(label), "media_type": guess_media_type(url)}
    return None


def find_documents(region: Any, page: Page) -> list[Download]:
    """Return the documents on the page's own site linked from *region*, each once."""
    found: dict[str, Download] = {}
    # Most regions link no document: one search over all their links says so, at a fraction
    # of a search per link (a line per link: re.M's $ is each link's end).
    if not _DOCUMENT_HREF_LINE_RE.search("\n".join(href.strip() for href in _PLAIN_HREFS(region))):
        return []
    for href in _HREFS(region):  # lxml strings: the link is only read for a document
        if not _DOCUMENT_HREF_RE.search(href.strip()):
            continue
        url = page.absolute(href)
        if url and url not in found and is_document_url(url) and page.is_own(url):
            label = node_text(href.getparent()) or url.rsplit("/", 1)[-1]
            found[url] = {"url": url, "label": label, "media_type": guess_media_type(url)}
    return list(found.values())


def find_offered_documents(regions: list[Any], page: Page) -> list[Download]:
    """Return the documents the page offers in *regions*: the Download button's first.

    The button is the first region's that has one; the other documents are the own-site
    document links of all regions, each once.
    """
    button = next((b for b in (find_download_button(r, page) for r in regions) if b), None)
    documents: list[Download] = [button] if button else []
    for region in regions:
        documents += [
            d for d in find_documents(region, page) if d["url"] not in {x["url"] for x in documents}
        ]
    return documents


def find_excerpt(region: Any) -> str | None:
    """Return the first pull quote of *region* (a blockquote or a ``*quote*`` block) as text."""
    for node in _QUOTES(region):
        text = strip_outer_quotes(paragraphs_text(node))
        if text and len(text) > 20:
            return text
    return None


def find_summary(region: Any, skip: set[str | None]) -> str | None:
    """Return the first substantial body paragraph that is no quote and no series sentence."""
    for paragraph in _UNQUOTED_PARAGRAPHS(region):
        text = node_text(paragraph)
        if not text or len(text) < 40 or is_series_sentence(text):
            continue
        if any(text and s and (text in s or strip_outer_quotes(text) in s) for s in skip):
            continue
        return text
    return None


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


# Text right around the headline: where bylines put the date when no markup names it.
# The position limit comes first: libxml2 then stops walking there, instead of building the
# whole rest of the page before counting (half the cost of the finder).
_NEAR_HEADLINE_XPATH = etree.XPath(
    "following::text()[position() <= 100][normalize-space()][not(ancestor::script or ancestor::style)]"
)
_BEFORE_HEADLINE_XPATH = etree.XPath(
    "preceding::text()[position() <= 20][normalize-space()][not(ancestor::script or ancestor::style)]"
)
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
    # After the headline first (bylines), then just before it (kickers, dates over the title).
    for text in [*_NEAR_HEADLINE_XPATH(headline), *reversed(_BEFORE_HEADLINE_XPATH(headline))]:
        if len(text) <= 160 and _HAS_YEAR_RE.search(text):
            found = _posted_in_text(text, page)
            if found:
                return found
    return {}


def _posted_in_text(text: str, page: Page) -> dict[str, Any]:
    """Return posted_* of the day written in a text node (no machine value), or {}."""
    posted = parse_posted(None, text, page.html_language)
    if posted.date:
        return {"posted_date": posted.date, "posted_at": None, "posted_raw": clean_text(text)}
    return {}


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
    for index, test in enumerate(_DATE_TESTS):
        if index == _NEAR_HEADLINE_STEP:
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


def main_region(page: Page) -> Any:
    """Return the page's main content region: ``<main>``, ``<article>``, else the whole page."""
    for tag in ("main", "article"):
        for element in page.elements(tag):
            return element
    return page.root


def from_text(page: Page, wanted: frozenset[str] | None = None) -> dict[str, Any]:
    """Return what the page's visible labels and phrases give (only *wanted* fields, if set)."""

    def want(*names: str) -> bool:
        return wanted is None or any(n in wanted for n in names)

    region = main_region(page)
    found: dict[str, Any] = {}
    series = find_series(region, page) if want("series") else None
    if series:
        found["series"] = series
    block = find_author_block(region) if want("authors") else None
    authors = authors_in_block(block, page) if block is not None else []
    if not authors and want("authors"):
        names = {n.casefold() for n in site_names(page, page.meta_values)}
        authors = find_byline_authors(region, page, names)
    if authors:
        found["authors"] = authors
    documents = find_offered_documents([region], page) if want("download_url", "downloads") else []
    if documents:
        found["download_url"], found["downloads"] = documents[0]["url"], documents
    headline = page.headline if want("title") else None
    title = clean_text(" ".join(_VISIBLE_TEXT(headline))) if headline is not None else None
    if title:
        found["title"] = title
    if want("posted_date"):
        found.update(find_visible_date(region, page))
    elif want("title"):  # not a record field: reconcile() weighs it against a metadata day
        found["headline_date"] = find_date_near_headline(page).get("posted_date")
    excerpt = find_excerpt(region) if want("excerpt") else None
    if excerpt:
        found["excerpt"] = excerpt
    return found
