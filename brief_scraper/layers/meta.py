"""Structured metadata in ``<head>``: OpenGraph, ``article:*``, Highwire ``citation_*``,
Dublin Core, ``<title>`` and the declared language."""

from __future__ import annotations

import re
from typing import Any

from brief_scraper.dates import parse_posted
from brief_scraper.layers import Evidence, LayerResult
from brief_scraper.names import author_kind, is_site_name, make_author, split_names, squash, turn_family_first
from brief_scraper.page import Page
from brief_scraper.record import Author
from brief_scraper.text import clean_paragraphs, clean_text, keyword_topics, normalize_language
from brief_scraper.urls import guess_media_type, host_of

TITLE_KEYS = ("citation_title", "og:title", "twitter:title", "dc.title", "dcterms.title")
DATE_KEYS = (
    "citation_publication_date", "citation_date", "citation_online_date",
    "article:published_time", "og:article:published_time", "article.published",
    "shareaholic:article_published_time", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "date", "pubdate", "publishdate", "publish-date",
    "parsely-pub-date", "sailthru.date", "datepublished", "originalpublicationdate",
    "schema:datepublished", "datecreated", "schema:datecreated", "uploaddate",
)  # fmt: skip
MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "dateModified", "datemodified",
                 "last-modified", "dc.date.modified", "dcterms.modified")  # fmt: skip
AUTHOR_KEYS = ("citation_author", "dc.creator", "dcterms.creator", "author", "parsely-author",
               "sailthru.author", "article:author", "byl")  # fmt: skip
SUMMARY_KEYS = ("description", "og:description", "twitter:description", "dc.description",
                "citation_abstract")  # fmt: skip
IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
SITE_NAME_KEYS = ("og:site_name", "application-name", "twitter:site", "citation_publisher",
                  "dc.publisher")  # fmt: skip
# Separators that sites put between a title and their own name.
_TITLE_SEPARATORS_RE = re.compile(r"\s+(?:[|•·»:~/\\]|[-–—]{1,2}|::)\s+")


def first_meta(meta: dict[str, list[str]], keys: tuple[str, ...]) -> str | None:
    """Return the first non-empty value among *keys*, cleaned."""
    for key in keys:
        for value in meta.get(key, ()):
            text = clean_text(value)
            if text:
                return text
    return None


# Section labels that sites put before a title: "Opinion | ...", "Analysis - ...".
_SECTION_LABEL_RE = re.compile(
    r"^(?:opinion|op-?ed|analysis|commentary|editorial|blog|news|podcast|video|review|interview|explainer"
    r"|opini[oó]n|an[aá]lisis|tribune|point de vue|meinung|kommentar|analyse|gastbeitrag)$",
    re.I,
)


def strip_site_suffix(title: str | None, site_names: list[str]) -> str | None:
    """Return *title* without the site's name put before or after it.

    >>> strip_site_suffix("A Reset in US-Mexico Relations | Wilson Center", ["Wilson Center"])
    'A Reset in US-Mexico Relations'
    >>> strip_site_suffix("Brookings - Why tariffs fail", ["brookings.edu"])
    'Why tariffs fail'
    >>> strip_site_suffix("Mexico: A Reset", ["Wilson Center"])
    'Mexico: A Reset'
    >>> strip_site_suffix("Opinion | Why Tariffs Fail", [])
    'Why Tariffs Fail'
    """
    if not title:
        return None
    parts = _TITLE_SEPARATORS_RE.split(title)
    if len(parts) < 2:
        return title
    names = {squash(n) for n in site_names if n}
    names |= {squash(n.rsplit(".", 1)[0]) for n in site_names if "." in n}
    names.discard("")

    def is_site(part: str) -> bool:
        squashed = squash(part)
        return bool(squashed) and any(
            squashed == n or (len(n) > 3 and n in squashed and len(squashed) < len(n) + 8) for n in names
        )

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and (is_site(parts[0]) or _SECTION_LABEL_RE.match(parts[0].strip())):
        parts.pop(0)
    if len(parts) == len(_TITLE_SEPARATORS_RE.split(title)):
        return title
    # Rejoin what is left with the separators it had.
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return clean_text(title[start:end]) if start >= 0 and end > start else clean_text(parts[0])


def site_names(page: Page, meta: dict[str, list[str]]) -> list[str]:
    """Return the names a page's site goes by: og:site_name and the like, and its host."""
    names = [clean_text(v) or "" for k in SITE_NAME_KEYS for v in meta.get(k, ())]
    names.append(host_of(page.canonical_url or page.url))
    return [n.lstrip("@") for n in names if n]


def _authors(meta: dict[str, list[str]], site: list[str]) -> list[Author]:
    for key in AUTHOR_KEYS:
        names = []
        for value in meta.get(key, ()):
            text = clean_text(value)
            if not text or text.startswith(("http://", "https://", "@")) or is_site_name(text, site):
                continue
            if key == "citation_author":  # Highwire: one author a tag, often "Family, Given"
                names.append(turn_family_first(text))
            elif key != "author" or author_kind(text) == "person":
                # A page's <meta name=author> naming an organization is the site's owner or
                # maker (a web agency), not the piece's byline.
                names.extend(split_names(text))
        if names:
            return [make_author(n) for n in dict.fromkeys(names)]
    return []


def from_meta(page: Page) -> LayerResult:
    """Return the fields the page's metadata gives, and the site's names and modified day."""
    meta = page.meta_values
    found: dict[str, Any] = {}
    names = site_names(page, meta)
    evidence = Evidence(site_names=names)
    title = first_meta(meta, TITLE_KEYS) or next(
        (clean_text("".join(t.itertext())) for t in page.elements("title")), None
    )
    title = strip_site_suffix(title, names)
    if title:
        found["title"] = title
    for key in DATE_KEYS:
        value = first_meta(meta, (key,))
        posted = parse_posted(value, None, page.html_language) if value else None
        if posted is None or not posted.date:
            continue
        found.update(posted_date=posted.date, posted_at=posted.at, posted_raw=posted.raw)
        break
    modified = first_meta(meta, MODIFIED_KEYS)
    if modified:
        evidence.modified_date = parse_posted(modified, None, page.html_language).date
    authors = _authors(meta, names)
    if authors:
        found["authors"] = authors
    summary = clean_paragraphs(first_meta(meta, SUMMARY_KEYS))
    if summary:
        found["summary"] = summary
    image = page.absolute(first_meta(meta, IMAGE_KEYS))
    if image:
        found["image_url"] = image
    pdf = page.absolute(first_meta(meta, ("citation_pdf_url",)))
    if pdf:
        found["download_url"] = pdf
        found["downloads"] = [
            {"url": pdf, "label": None, "media_type": guess_media_type(pdf) or "application/pdf"}
        ]
    tags = keyword_topics(meta.get("article:tag", ()))
    if tags:
        found["topics"] = tags
    language = normalize_language(page.html_language) or normalize_language(
        first_meta(meta, ("content-language", "og:locale", "dc.language", "citation_language"))
    )
    if language:
        found["language"] = language
    return LayerResult("meta", found, evidence)
