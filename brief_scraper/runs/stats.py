"""Stat keys of brief-scraper: ``brief/<area>/<what>[/<key>]``, built from bounded values only.

The pipelines count with these keys (Scrapy's stats collector); this module decides their
names and which facts of a record are counted, so it stays free of Scrapy. No URL, title or
exception text ever goes into a key: those belong in the log.

=====================================  ==========================================================
``brief/records/written``              records in the run's output file (JsonlWriterPipeline)
``brief/records/found``                records the run found: written, or skipped as unchanged
                                       (StatsPipeline); what coverage is judged on
``brief/dropped/<reason>``             records not written, by reason: ``invalid`` (kept in the
                                       run's rejected file), ``duplicate``, ``replaced``; and
                                       pages asked for that gave no record (see
                                       ``brief_scraper/crawling/losses.py``): ``robots``,
                                       ``redirect_loop``, ``redirect_limit``, ``http_<status>``,
                                       ``not_html``, ``timeout``, ``extract_timeout``...
``brief/pages/requested``              requests the spider made (start URLs, listings, pages),
                                       once each, redirects and retries aside
``brief/pages/lost``                   of those, the ones that ended in a page-level drop
``brief/skipped/redirect_to_seen``     redirects to a page the crawl requested on its own
``brief/skipped/max_items``            pages not emitted: the spider's ``max_items`` was reached
``brief/skipped/document_in_sitemap``  sitemap URLs not requested: a PDF or other document
                                       (GenericSpider)
``brief/skipped/older_than_since``     records not emitted: posted before ``-a since``
                                       (WilsonCenterSpider)
``brief/skipped/listed_older_than_since``  listed items not requested: listed as posted before
                                       ``-a since`` (WilsonCenterSpider)
``brief/discovery/sitemaps``           sitemaps read; ``brief/discovery/not_a_sitemap``: URLs
                                       asked for as sitemaps that were not one
``brief/discovery/listing_pages``      listing pages read (WilsonCenterSpider)
``brief/discovery/item_links``         wanted items seen on listings and in sitemaps
``brief/discovery/paging_stopped_since``  listings whose paging stopped at ``-a since``
``brief/extract/worker_restarts``      extraction worker processes started again after one died
                                       (``brief_scraper/crawling/workers.py``)
``brief/capped/<field>[/<part>]``      cuts made to fit the schema's caps (CapPipeline): list
                                       entries beyond ``maxItems``, texts cut to ``maxLength``,
                                       URLs over it set to null (``authors/bio``: in entries)
``brief/duplicates``                   records whose canonical URL was already seen in the run
``brief/skipped/unchanged``            records not in the run's delta file: an earlier run wrote
                                       them as they are (SeenPipeline; feed exports still get
                                       them; ``-a refresh=1`` writes them again)
``brief/dataset/records``              records in the current dataset after the run (DatasetUpdate)
``brief/archive/responses``            responses kept in the run's WARC files (PageArchive)
``brief/archive/cached``               responses from the HTTP cache, not archived again
``brief/archive/files``                WARC files the run wrote; ``brief/archive/bytes``: their size
``brief/reextract/pages``              archived HTML pages re-extracted (``scrapy reextract``)
``brief/reextract/skipped/not_html``   archived responses not extracted: not a 200, not HTML
``brief/reextract/skipped/older``      archived pages not extracted: a newer file had their URL
``brief/reextract/cut_files``          WARC files that ended in a record cut short (read up to it)
``brief/health/checks``                health checks run when the spider closed (RunReport)
``brief/health/failed``                health checks that failed: the crawl exits with status 1
``brief/fields/<field>``               records with a non-empty value in an extracted field
``brief/provenance/<field>/<layer>``   records whose field came from that extraction layer
``brief/designs/<site>/<design>``      records of a profiled site read with that design
``brief/designs/none``                 records of a profiled site no design recognised: a
                                       redesign shows here first
``brief/dates/unparsed``               records with a posted_raw but no posted_date
``brief/dates/out_of_range``           posting dates set to null: before 1900 or in the future
``brief/pages/not_publication/<type>`` pages that are not publications (``program``, ``person``)
``brief/source/<key>/requested``      requests made for one source of a sources file (SourcesSpider)
``brief/source/<key>/records``        records found of that source; ``.../fields/<field>``: its
                                       coverage, as ``brief/fields/<field>`` is the run's
``brief/source/<key>/dropped/<reason>``  its pages and records lost, by reason, as above
``brief/source/<key>/errors``         of those, the errors: HTTP 5xx, timeouts, refused
                                       connections, failed extractions
``brief/source/<key>/found_by/<way>`` its publications requested, by the way first found:
                                       ``feed``, ``sitemap``, ``listing``
``brief/source/<key>/delay_ms``       the least delay its download slot keeps
                                       (``brief_scraper/crawling/politeness.py``)
``brief/discovery/feeds``              feeds read; ``brief/discovery/not_a_feed``: URLs asked
                                       for as feeds that were not one
=====================================  ==========================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args

from brief_scraper.record import EXTRACTED_FIELDS, Layer

RECORDS_WRITTEN = "brief/records/written"
RECORDS_FOUND = "brief/records/found"
DUPLICATES = "brief/duplicates"
SKIPPED_UNCHANGED = "brief/skipped/unchanged"
DATASET_RECORDS = "brief/dataset/records"
ARCHIVE_RESPONSES = "brief/archive/responses"
ARCHIVE_CACHED = "brief/archive/cached"
ARCHIVE_FILES = "brief/archive/files"
ARCHIVE_BYTES = "brief/archive/bytes"
REEXTRACT_PAGES = "brief/reextract/pages"
REEXTRACT_NOT_HTML = "brief/reextract/skipped/not_html"
REEXTRACT_OLDER = "brief/reextract/skipped/older"
REEXTRACT_CUT_FILES = "brief/reextract/cut_files"
HEALTH_CHECKS = "brief/health/checks"
HEALTH_FAILED = "brief/health/failed"
DATES_UNPARSED = "brief/dates/unparsed"
DATES_OUT_OF_RANGE = "brief/dates/out_of_range"
PAGES_REQUESTED = "brief/pages/requested"
PAGES_LOST = "brief/pages/lost"
SKIPPED_REDIRECT_TO_SEEN = "brief/skipped/redirect_to_seen"
SKIPPED_MAX_ITEMS = "brief/skipped/max_items"
SKIPPED_DOCUMENT_IN_SITEMAP = "brief/skipped/document_in_sitemap"
SKIPPED_OLDER_THAN_SINCE = "brief/skipped/older_than_since"
SKIPPED_LISTED_OLDER_THAN_SINCE = "brief/skipped/listed_older_than_since"
DISCOVERY_SITEMAPS = "brief/discovery/sitemaps"
DISCOVERY_FEEDS = "brief/discovery/feeds"
DISCOVERY_NOT_A_FEED = "brief/discovery/not_a_feed"
DISCOVERY_NOT_A_SITEMAP = "brief/discovery/not_a_sitemap"
DISCOVERY_LISTING_PAGES = "brief/discovery/listing_pages"
DISCOVERY_ITEM_LINKS = "brief/discovery/item_links"
DISCOVERY_PAGING_STOPPED_SINCE = "brief/discovery/paging_stopped_since"
EXTRACT_WORKER_RESTARTS = "brief/extract/worker_restarts"
DROPPED_PREFIX = "brief/dropped/"
SOURCE_PREFIX = "brief/source/"
# Loss reasons that are errors of the site or of the crawl, not choices (robots, offsite...).
ERROR_REASONS = frozenset(
    {"timeout", "dns_error", "connection_refused", "data_loss", "download_failed", "extract_failed",
     "extract_timeout", "http_error"}
)  # fmt: skip
"""What every ``brief/dropped/<reason>`` key starts with (:func:`dropped_key` builds them)."""

LAYERS: frozenset[str] = frozenset(get_args(Layer))
_DESIGN_RE = re.compile(r"^(?:none|[a-z0-9_-]+/[a-z0-9_-]+)$")  # as the schema's provenance.design
NOT_PUBLICATION_TYPES: frozenset[str] = frozenset({"program", "person"})
"""content_type values (case-folded) of pages that are not publications."""

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_SOURCE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # as a sources file's keys
_FIELDS = frozenset(EXTRACTED_FIELDS)


def is_empty(value: Any) -> bool:
    """Return whether a record value counts as missing: None, "", [] or {}.

    >>> is_empty(None), is_empty(""), is_empty([]), is_empty({}), is_empty(0), is_empty("x")
    (True, True, True, True, False, False)
    """
    return value is None or (isinstance(value, str | list | dict | tuple) and not value)


def slugify(value: str) -> str:
    """Return *value* as a lower-case snake_case slug ("Policy Brief" -> "policy_brief").

    >>> slugify("Policy Brief"), slugify("  Person "), slugify("—")
    ('policy_brief', 'person', 'other')
    """
    return re.sub(r"[^a-z0-9]+", "_", value.casefold()).strip("_") or "other"


def dropped_key(reason: str) -> str:
    """Return the stat key counting records dropped for *reason*, a fixed snake_case slug.

    >>> dropped_key("invalid")
    'brief/dropped/invalid'
    >>> dropped_key("Bad reason")
    Traceback (most recent call last):
    ...
    ValueError: drop reason must be a snake_case slug, got 'Bad reason'
    """
    if not _SLUG_RE.match(reason):
        raise ValueError(f"drop reason must be a snake_case slug, got {reason!r}")
    return f"{DROPPED_PREFIX}{reason}"


def fields_key(field: str) -> str:
    """Return the stat key counting records with a non-empty value in *field*: its coverage.

    >>> fields_key("title")
    'brief/fields/title'
    >>> fields_key("Title")
    Traceback (most recent call last):
    ...
    ValueError: field must be a snake_case slug, got 'Title'
    """
    if not _SLUG_RE.match(field):
        raise ValueError(f"field must be a snake_case slug, got {field!r}")
    return f"brief/fields/{field}"


def capped_key(field: str, part: str | None = None) -> str:
    """Return the stat key counting cuts made to a record *field* (or to a *part* of its entries).

    >>> capped_key("authors"), capped_key("authors", "bio")
    ('brief/capped/authors', 'brief/capped/authors/bio')
    >>> capped_key("Authors")
    Traceback (most recent call last):
    ...
    ValueError: field must be a snake_case slug, got 'Authors'
    """
    for name in (field, part):
        if name is not None and not _SLUG_RE.match(name):
            raise ValueError(f"field must be a snake_case slug, got {name!r}")
    return f"brief/capped/{field}" + (f"/{part}" if part else "")


def lost_keys(reason: str) -> tuple[str, str]:
    """Return the stat keys a page lost for *reason* adds 1 to: its drop reason, and the total.

    >>> lost_keys("redirect_loop")
    ('brief/dropped/redirect_loop', 'brief/pages/lost')
    """
    return dropped_key(reason), PAGES_LOST


def reason_counts(stats: Mapping[str, Any], area: str = "dropped") -> dict[str, int]:
    """Return ``brief/<area>/<reason>`` counts by reason, the most frequent first.

    >>> reason_counts({"brief/dropped/robots": 3, "brief/dropped/http_404": 5, "brief/records/written": 1})
    {'http_404': 5, 'robots': 3}
    """
    return _prefixed_counts(stats, f"brief/{area}/")


def describe_counts(counts: Mapping[str, int]) -> str:
    """Return reason counts as one line of text, "none" when there are none.

    >>> describe_counts({"redirect_loop": 2, "robots": 1}), describe_counts({})
    ('redirect_loop 2, robots 1', 'none')
    """
    return ", ".join(f"{reason} {count}" for reason, count in counts.items()) or "none"


def outcomes(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Return what became of a run's requests and records: the end-of-run summary's figures.

    >>> outcomes({"brief/pages/requested": 12, "brief/pages/lost": 3, "brief/dropped/robots": 3,
    ...           "brief/skipped/unchanged": 4})
    {'pages_requested': 12, 'pages_lost': 3, 'dropped': {'robots': 3}, 'skipped': {'unchanged': 4}}
    """
    return {
        "pages_requested": stats.get(PAGES_REQUESTED, 0), "pages_lost": stats.get(PAGES_LOST, 0),
        "dropped": reason_counts(stats, "dropped"), "skipped": reason_counts(stats, "skipped"),
    }  # fmt: skip


def record_stat_keys(record: Mapping[str, Any]) -> list[str]:
    """Return the stat keys one record adds 1 to: coverage, provenance, dates, page kind.

    Only extracted fields (title ... language) and the four layers are counted, whatever
    else a record holds, so the set of keys stays bounded.

    >>> from brief_scraper.record import empty_record
    >>> rec = empty_record("https://example.org/p", "example.org")
    >>> rec.update(title="T", posted_raw="Spring 2020", content_type="Program")
    >>> rec["provenance"] = {"title": "site", "posted_raw": "text", "bogus": "site",
    ...                      "design": "wilsoncenter/program"}
    >>> record_stat_keys(rec)  # doctest: +NORMALIZE_WHITESPACE
    ['brief/fields/title', 'brief/fields/content_type', 'brief/fields/posted_raw',
     'brief/provenance/title/site', 'brief/provenance/posted_raw/text',
     'brief/designs/wilsoncenter/program',
     'brief/dates/unparsed', 'brief/pages/not_publication/program']
    """
    keys = [f"brief/fields/{field}" for field in EXTRACTED_FIELDS if not is_empty(record.get(field))]
    provenance = record.get("provenance")
    if isinstance(provenance, Mapping):
        keys += [
            f"brief/provenance/{field}/{layer}"
            for field, layer in provenance.items()
            if field in _FIELDS and layer in LAYERS
        ]
        design = provenance.get("design")
        if isinstance(design, str) and _DESIGN_RE.match(design):
            keys.append(f"brief/designs/{design}")
    if not is_empty(record.get("posted_raw")) and is_empty(record.get("posted_date")):
        keys.append(DATES_UNPARSED)
    content_type = record.get("content_type")
    if isinstance(content_type, str) and content_type.strip().casefold() in NOT_PUBLICATION_TYPES:
        keys.append(f"brief/pages/not_publication/{slugify(content_type)}")
    return keys


def source_key(source: str, what: str) -> str:
    """Return the stat key of *what* (``records``, ``fields/title``...) for one source of a
    sources file: ``brief/source/<key>/<what>``.

    >>> source_key("rand", "records"), source_key("rand", "dropped/robots")
    ('brief/source/rand/records', 'brief/source/rand/dropped/robots')
    >>> source_key("www.rand.org", "records")
    Traceback (most recent call last):
    ...
    ValueError: source must be a sources file key, got 'www.rand.org'
    """
    if not _SOURCE_KEY_RE.match(source):
        raise ValueError(f"source must be a sources file key, got {source!r}")
    return f"{SOURCE_PREFIX}{source}/{what}"


def source_loss_keys(source: str, reason: str) -> list[str]:
    """Return the stat keys a page of *source* lost for *reason* adds 1 to.

    >>> source_loss_keys("rand", "http_503")
    ['brief/source/rand/dropped/http_503', 'brief/source/rand/errors']
    >>> source_loss_keys("rand", "robots")
    ['brief/source/rand/dropped/robots']
    """
    keys = [source_key(source, dropped_key(reason).removeprefix("brief/"))]
    if reason in ERROR_REASONS or reason.startswith("http_5"):
        keys.append(source_key(source, "errors"))
    return keys


def source_record_keys(source: str, record: Mapping[str, Any]) -> list[str]:
    """Return the per-source stat keys one record adds 1 to: found, and its coverage.

    >>> source_record_keys("rand", {"title": "T", "posted_date": None})
    ['brief/source/rand/records', 'brief/source/rand/fields/title']
    """
    covered = [source_key(source, f"fields/{field}") for field in EXTRACTED_FIELDS
               if not is_empty(record.get(field))]  # fmt: skip
    return [source_key(source, "records"), *covered]


def source_counts(stats: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Return one source's figures from a run's stats: records, errors, dropped by reason.

    >>> source_counts({"brief/source/rand/records": 4, "brief/source/rand/dropped/robots": 1}, "rand")
    {'requested': 0, 'records': 4, 'errors': 0, 'dropped': {'robots': 1}}
    """
    prefix = source_key(source, "")
    return {
        "requested": stats.get(f"{prefix}requested", 0), "records": stats.get(f"{prefix}records", 0),
        "errors": stats.get(f"{prefix}errors", 0),
        "dropped": _prefixed_counts(stats, f"{prefix}dropped/"),
    }  # fmt: skip


def _prefixed_counts(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    counts = {key[len(prefix) :]: value for key, value in stats.items() if key.startswith(prefix) and value}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
