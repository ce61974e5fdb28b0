"""The piece's cover or lead image, as the page shows it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from brief_scraper.page import Page

# A cover says so in its alt text or class, in the languages the text layer reads.
_COVER_RE = re.compile(r"\b(?:cover|portada|couverture|capa|titelbild|umschlag)\b", re.I)
_MICRODATA_IMAGES = etree.XPath(".//*[@itemprop = 'image']")
_IMAGES = etree.XPath(".//img")


def image_source(img: Any, page: Page) -> str | None:
    """Return the absolute URL an ``<img>`` shows (src, lazy-loading attributes, srcset)."""
    for attr in ("src", "data-src", "data-lazy-src"):
        url = page.absolute(img.get(attr))
        if url and not url.startswith("data:"):
            return url
    srcset = img.get("srcset") or img.get("data-srcset")
    return page.absolute(srcset.split(",")[0].split()[0]) if srcset and srcset.strip() else None


def find_lead_image(page: Page) -> str | None:
    """Return the image the piece leads with: its schema.org ``image`` (microdata), else an
    image in the hero or article that calls itself a cover; None otherwise (the page's
    og:image then serves)."""
    article = page.article
    for node in _MICRODATA_IMAGES(article):
        img = node if node.tag == "img" else next(iter(_IMAGES(node)), None)
        url = (
            image_source(img, page)
            if img is not None
            else page.absolute(node.get("content") or node.get("href"))
        )
        if url:
            return url
    for region in (page.hero, article):
        if region is None:
            continue
        for img in _IMAGES(region):
            if (
                _COVER_RE.search(f"{img.get('alt') or ''} {img.get('class') or ''}")
                and img not in page.boilerplate
            ):
                url = image_source(img, page)
                if url:
                    return url
    return None
