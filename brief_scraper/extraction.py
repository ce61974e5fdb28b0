"""``extract()``: decode, parse once, run the layers, merge them field by field."""

from __future__ import annotations

import logging
from typing import Any

from brief_scraper.caps import cap_record
from brief_scraper.layers import LayerResult
from brief_scraper.layers.jsonld import from_jsonld
from brief_scraper.layers.meta import from_meta
from brief_scraper.layers.text import from_text
from brief_scraper.names import clean_authors
from brief_scraper.page import Page
from brief_scraper.parsing import parse_root
from brief_scraper.reconcile import reconcile
from brief_scraper.record import EXTRACTED_FIELDS, empty_record
from brief_scraper.sites import profile_for
from brief_scraper.sites.engine import run_site
from brief_scraper.urls import absolute_url, host_of

logger = logging.getLogger(__name__)

POSTED_FIELDS = ("posted_date", "posted_at", "posted_raw")
# On a site with a profile the site's rules read the page as the site means it; the text
# heuristics, which read any page, only look for a date the rules and metadata missed.
TEXT_FIELDS_ON_PROFILED_SITES = frozenset({"posted_date"})
# What a page that is not a publication may still say about itself.
NON_PUBLICATION_FIELDS = frozenset({"title", "content_type", "summary", "image_url", "language"})


def text_fields_wanted(results: list[LayerResult], profiled: bool) -> frozenset[str]:
    """Return the fields the text layer must look for: those no higher layer gave.

    Text heuristics are the costliest layer and the last resort, so they only run for what
    is missing; on other sites the headline (the page's h1) is always read, since
    reconcile() checks metadata titles against it.
    """
    given = {name for result in results for name, value in result.fields.items() if value}
    if profiled:
        return TEXT_FIELDS_ON_PROFILED_SITES - given
    return frozenset(EXTRACTED_FIELDS) - given | {"title"}


def merge(record: dict[str, Any], results: list[LayerResult]) -> dict[str, Any]:
    """Fill *record* field by field from *results* (first layer with a value wins).

    The posted_* fields move together, from the first layer with a day; a later layer may
    only add the time (posted_at) when it names the same day.
    """
    provenance: dict[str, str] = record["provenance"]
    for name in EXTRACTED_FIELDS:
        if name in POSTED_FIELDS:
            continue
        for result in results:
            if result.get(name):
                record[name] = result.fields[name]
                provenance[name] = result.layer
                break
    dated = [r for r in results if r.get("posted_date")]
    raw_only = [r for r in results if r.get("posted_raw")]
    if dated or raw_only:
        first = (dated or raw_only)[0]
        for name in POSTED_FIELDS:
            if first.get(name):
                record[name], provenance[name] = first.fields[name], first.layer
        if record["posted_date"] and not record["posted_at"]:
            for other in dated[1:]:
                if other.get("posted_at") and other.get("posted_date") == record["posted_date"]:
                    record["posted_at"], provenance["posted_at"] = other.fields["posted_at"], other.layer
                    break
    return record


def extract(html: str | bytes, url: str, content_type: str | None = None) -> dict[str, Any]:
    """Return the schema-v1 record of the page; never raise.

    *content_type* is the HTTP ``Content-Type`` the page came with, if any: its charset
    decides how the bytes are read. Per field: site profile > JSON-LD > other metadata >
    text heuristics. A field nothing gives is null (or []); ``provenance`` says which layer
    gave each value and, on a site with a profile, which of its designs matched.
    """
    try:
        return _extract(html, url, content_type)
    except Exception:  # a bug on one odd page must cost that page's fields, not the crawl
        logger.exception("extraction failed on %(url)s", {"url": url})
        return empty_record(url, host_of(url) or "unknown")


def _without_site_authors(result: LayerResult, site_names: list[str]) -> LayerResult:
    """Return *result* with its authors cleaned: the site's own name is no author."""
    if not result.get("authors"):
        return result
    return LayerResult(
        result.layer,
        {**result.fields, "authors": clean_authors(result.fields["authors"], site_names)},
        result.evidence,
    )


def _extract(html: str | bytes, url: str, content_type: str | None) -> dict[str, Any]:
    page = Page(parse_root(html or b"", content_type), absolute_url(url, url) or url)
    profile = profile_for(page)
    if profile is not None:
        page.add_own_hosts(profile.hosts)
    record_url = page.canonical_url or page.url
    record = empty_record(record_url, profile.key if profile else host_of(record_url) or "unknown")
    results: list[LayerResult] = [run_site(page, profile)] if profile is not None else []
    results += [from_jsonld(page), from_meta(page)]
    site_names = [n for result in results for n in result.evidence.site_names]
    results = [r if r.layer == "site" else _without_site_authors(r, site_names) for r in results]
    wanted = text_fields_wanted(results, profile is not None)
    if wanted:
        results.append(_without_site_authors(from_text(page, wanted), site_names))
    site = results[0].evidence if profile is not None else None
    if site is not None and not site.is_publication:
        results = [
            LayerResult(
                r.layer, {k: v for k, v in r.fields.items() if k in NON_PUBLICATION_FIELDS}, r.evidence
            )
            for r in results
        ]
    record = merge(record, results)
    if profile is None:
        record = reconcile(record, results, page.url)
    else:
        record["provenance"]["design"] = site.design if site and site.design else "none"
    cuts = cap_record(record)  # a hostile page's 50,000 authors: the record keeps the first
    if cuts:
        record["provenance"]["capped"] = cuts
    return record
