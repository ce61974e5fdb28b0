"""Documents a page offers: its Download button, and its own document links.

The button is the publication's document, wherever it is hosted (a CSIS PDF on S3); other
document links count only on the page's own site and outside chrome and cards, so a media
kit in the footer or another report's card never becomes the download.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from brief_scraper.finders.nodes import node_text
from brief_scraper.text import clean_text
from brief_scraper.urls import guess_media_type, is_document_url

if TYPE_CHECKING:
    from brief_scraper.finders.regions import Boilerplate
    from brief_scraper.page import Page
    from brief_scraper.record import Download

# The words of a Download button, first (most languages) or last (German) in its label.
DOWNLOAD_WORDS = ("download", "descargar", "télécharger", "telecharger", "baixar", "scarica",
                  "herunterladen", "downloaden")  # fmt: skip
DOWNLOAD_LABEL_RE = re.compile(
    rf"^\s*(?:{'|'.join(DOWNLOAD_WORDS)})\b|\b(?:herunterladen|downloaden)\s*$", re.I
)
# "Download the app", "Download citations": buttons that offer something other than the piece.
_OTHER_DOWNLOAD_RE = re.compile(r"\b(?:apps?|application|citations?|software|extension|player|game)\b", re.I)
# A button to a page rather than a file offers a document only when it says so.
_DOCUMENT_WORD_RE = re.compile(
    r"\b(?:pdf|report|brief|paper|publication|document|full text|study|e-?book|white ?paper"
    r"|informe|documento|publicación|estudio|rapport|étude|bericht|studie|relatório|estudo)\b",
    re.I,
)


# The prefilter of find_download_button: one look for any DOWNLOAD_WORDS word in all the
# region's link texts and labels, joined and lower-cased (substring tests in C; a regex with
# IGNORECASE over them cost twice as much), before a label test per link: most regions offer
# none. tests/test_finders_documents.py pins it to the per-link test.
_LOWER_DOWNLOAD_WORDS = tuple(word.lower() for word in DOWNLOAD_WORDS)
# From the text nodes up: ".//a[@href]//text()" merges one node-set per link, which libxml2
# does in time quadratic in the links (50,000 links: seconds).
_LINK_TEXTS = etree.XPath(".//text()[ancestor::a[@href]]", smart_strings=False)
_LINK_LABELS = etree.XPath(".//a/@aria-label | .//a/@title", smart_strings=False)
_LINKS = etree.XPath(".//a[@href]")


def may_offer_download(region: Any) -> bool:
    """Return whether any link of *region* may be a Download button (the fast test)."""
    words = ("".join(_LINK_TEXTS(region)) + "".join(_LINK_LABELS(region))).lower()
    return any(word in words for word in _LOWER_DOWNLOAD_WORDS)


_DOCUMENT_HREF_RE = re.compile(r"\.(?:pdf|docx?|epub|pptx?|xlsx?|csv|zip)(?:[?#]|$)", re.I)
_DOCUMENT_HREF_LINE_RE = re.compile(_DOCUMENT_HREF_RE.pattern, re.I | re.M)  # links one a line
_HREFS = etree.XPath(".//a/@href")
_PLAIN_HREFS = etree.XPath(".//a/@href", smart_strings=False)  # without a way back to the link
MAX_DOCUMENTS = 50  # a page offering more is a file listing, not a publication


def is_download_label(label: str | None) -> bool:
    """Return whether a link's label offers the piece's document ("Download", "Descargar el
    informe", "PDF herunterladen"), not an app or citations.

    >>> is_download_label("Télécharger le rapport"), is_download_label("Download the app")
    (True, False)
    """
    if not label:
        return False
    return bool(DOWNLOAD_LABEL_RE.search(label)) and not _OTHER_DOWNLOAD_RE.search(label)


def find_download_button(region: Any, page: Page, boilerplate: Boilerplate | None = None) -> Download | None:
    """Return the document behind a Download button in *region*: a document file, or an
    own-site page whose label names a document ("Download PDF"); never a chrome button."""
    if not may_offer_download(region):
        return None
    for link in _LINKS(region):
        label = node_text(link) or link.get("aria-label", "") or link.get("title", "")
        if not is_download_label(label) or (boilerplate is not None and link in boilerplate):
            continue
        url = page.absolute(link.get("href"))
        if url and (is_document_url(url) or (page.is_own(url) and _DOCUMENT_WORD_RE.search(label))):
            return {"url": url, "label": clean_text(label), "media_type": guess_media_type(url)}
    return None


def find_documents(region: Any, page: Page, boilerplate: Boilerplate | None = None) -> list[Download]:
    """Return the documents on the page's own site linked from *region*, each once."""
    found: dict[str, Download] = {}
    # Most regions link no document: one search over all their links says so, at a fraction
    # of a search per link (a line per link: re.M's $ is each link's end).
    if not _DOCUMENT_HREF_LINE_RE.search("\n".join(href.strip() for href in _PLAIN_HREFS(region))):
        return []
    for href in _HREFS(region):  # lxml strings: the link is only read for a document
        if len(found) >= MAX_DOCUMENTS:
            break
        if not _DOCUMENT_HREF_RE.search(href.strip()):
            continue
        link = href.getparent()
        if boilerplate is not None and link in boilerplate:
            continue
        url = page.absolute(href)
        if url and url not in found and is_document_url(url) and page.is_own(url):
            label = node_text(link) or url.rsplit("/", 1)[-1]
            found[url] = {"url": url, "label": label, "media_type": guess_media_type(url)}
    return list(found.values())


def find_offered_documents(
    regions: list[Any], page: Page, boilerplate: Boilerplate | None = None
) -> list[Download]:
    """Return the documents the page offers in *regions*: the Download button's first.

    The button is the first region's that has one; the other documents are the own-site
    document links of all regions, each once.
    """
    button = next((b for b in (find_download_button(r, page, boilerplate) for r in regions) if b), None)
    documents: list[Download] = [button] if button else []
    seen = {d["url"] for d in documents}
    for region in regions:
        for document in find_documents(region, page, boilerplate):
            if document["url"] not in seen and len(documents) < MAX_DOCUMENTS:
                seen.add(document["url"])
                documents.append(document)
    return documents
