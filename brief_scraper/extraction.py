"""``extract()``: decode, parse once, run the layers, merge them field by field."""

from __future__ import annotations

import logging
from typing import Any

from brief_scraper.layers.jsonld import from_jsonld
from brief_scraper.layers.meta import from_meta
from brief_scraper.layers.text import from_text
from brief_scraper.page import Page
from brief_scraper.parsing import parse_root
from brief_scraper.reconcile import clean_layer_authors, reconcile
from brief_scraper.record import EXTRACTED_FIELDS, empty_record
from brief_scraper.sites import SiteProfile, from_site
from brief_scraper.sites.wilsoncenter import WILSON_CENTER
from brief_scraper.urls import absolute_url, host_of

logger = logging.getLogger(__name__)

PROFILES: tuple[SiteProfile, ...] = (WILSON_CENTER,)
POSTED_FIELDS = ("posted_date", "posted_at", "posted_raw")
# Where a site design matched, the text heuristics may only add what no design selects:
# they read the whole page, related cards included, and a design knows better.
TEXT_FIELDS_BESIDE_A_DESIGN = frozenset({"series"})
# What a page that is not a publication may still say about itself.
NON_PUBLICATION_FIELDS = frozenset({"title", "content_type", "summary", "image_url", "language"})


def profile_for(page: Page) -> SiteProfile | None:
    """Return the profile of the page's site, or None for a site no profile knows."""
    return next((p for p in PROFILES if p.matches(page)), None)


def text_fields_wanted(layers: list[tuple[str, dict[str, Any]]], has_design: bool) -> frozenset[str]:
    """Return the fields the text layer must look for: those no higher layer gave.

    Text heuristics are the costliest layer and the last resort, so they only run for what
    is missing; the headline (the page's h1) is always read, since reconcile() checks
    metadata titles against it.
    """
    if has_design:
        return TEXT_FIELDS_BESIDE_A_DESIGN
    given = {name for _, found in layers for name, value in found.items() if value}
    return frozenset(EXTRACTED_FIELDS) - given | {"title"}


def merge(record: dict[str, Any], layers: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Fill *record* field by field from *layers* (first layer with a value wins).

    The posted_* fields move together, from the first layer with a day; a later layer may
    only add the time (posted_at) when it names the same day.
    """
    provenance: dict[str, str] = record["provenance"]
    for name in EXTRACTED_FIELDS:
        if name in POSTED_FIELDS:
            continue
        for layer, found in layers:
            if found.get(name):
                record[name] = found[name]
                provenance[name] = layer
                break
    dated = [(layer, found) for layer, found in layers if found.get("posted_date")]
    raw_only = [(layer, found) for layer, found in layers if found.get("posted_raw")]
    if dated or raw_only:
        layer, found = (dated or raw_only)[0]
        for name in POSTED_FIELDS:
            if found.get(name):
                record[name], provenance[name] = found[name], layer
        if record["posted_date"] and not record["posted_at"]:
            for other_layer, other in dated[1:]:
                if other.get("posted_at") and other["posted_date"] == record["posted_date"]:
                    record["posted_at"], provenance["posted_at"] = other["posted_at"], other_layer
                    break
    return record


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Return the schema-v1 record of the page; never raise.

    Per field: site profile > JSON-LD > other metadata > text heuristics. A field nothing
    gives is null (or []); ``provenance`` says which layer gave each value.
    """
    try:
        return _extract(html, url)
    except Exception:  # a bug on one odd page must cost that page's fields, not the crawl
        logger.exception("extraction failed on %(url)s", {"url": url})
        return empty_record(url, host_of(url) or "unknown")


def _extract(html: str | bytes, url: str) -> dict[str, Any]:
    page = Page(parse_root(html or b""), absolute_url(url, url) or url)
    profile = profile_for(page)
    if profile is not None:
        page.add_own_hosts(profile.hosts)
    record = empty_record(
        page.canonical_url or page.url, profile.key if profile else host_of(page.url) or "unknown"
    )
    layers: list[tuple[str, dict[str, Any]]] = []
    design = None
    if profile is not None:
        design, site_fields = from_site(page, profile)
        layers.append(("site", site_fields))
    layers += [("jsonld", from_jsonld(page)), ("meta", from_meta(page))]
    site_names = [n for _, found in layers for n in found.get("site_names", ())]
    if design is None:  # a layer whose authors are all the site's own name yields to the next
        layers = [(name, clean_layer_authors(found, site_names)) for name, found in layers]
    text_fields = from_text(page, text_fields_wanted(layers, design is not None))
    layers.append(("text", clean_layer_authors(text_fields, site_names) if design is None else text_fields))
    if design is not None and not design.is_publication:
        layers = [
            (name, {k: v for k, v in found.items() if k in NON_PUBLICATION_FIELDS}) for name, found in layers
        ]
    record = merge(record, layers)
    if design is None:
        record = reconcile(record, dict(layers), page.url)
    return record
