"""The ``wilsoncenter`` spider: find Wilson Center publication pages, extract each one.

Arguments (``-a name=value``, all optional) say what to crawl:

``base_url``
    Site root every URL is built from (default ``https://www.wilsoncenter.org``); aim it at
    a mirror such as the offline site (``http://127.0.0.1:8000``). ``allowed_domains``
    follows it, so links to any other host are never requested.
``start_urls``
    Comma-separated listing or detail URLs (absolute, or paths under ``base_url``) to start
    from instead of discovery.
``program``
    A program slug (``mexico-institute``): start at ``/program/<slug>``, take its teasers and
    follow the program's own listings (``/program/<slug>/insight-analysis``,
    ``/insight-analysis?programs=<id>``).
``sitemap``
    ``1``: discover pages through ``/sitemap.xml`` (an index of paged sitemaps).
``types``
    Comma-separated item types to follow, matched on the URL path (default
    ``publication``; also ``article``, ``blog-post``...).
``since``
    ``YYYY-MM-DD``: records posted before this day are not emitted
    (``brief/skipped/older_than_since``); listed items dated before it are not requested
    (``brief/skipped/listed_older_than_since``), and paging through a listing stops after a
    page whose items are all older (``brief/discovery/paging_stopped_since``).
``max_items``
    Stop after emitting this many records: the crawl closes with finish_reason
    ``max_items``.
``refresh``
    ``1``: write every record, even those an earlier run wrote unchanged (the seen-store of
    ``pipelines/seen.py`` skips them otherwise, counted in ``brief/skipped/unchanged``).

Without ``start_urls``, ``program`` or ``sitemap`` the spider pages through
``/insight-analysis``, the site's newest-first list of all analysis. Politeness: 10 s
between requests with AutoThrottle (``custom_settings``); for a local mirror turn delays off
with ``-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0``. Health checks: the spider's field
coverage rules (``BRIEF_MIN_COVERAGE``) are in ``custom_settings`` too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy import Request
from scrapy.exceptions import CloseSpider

from brief_scraper.crawling.arguments import (
    check_known,
    parse_base_url,
    parse_count,
    parse_day,
    parse_flag,
    parse_slug,
    parse_slugs,
    parse_urls,
)
from brief_scraper.crawling.discovery import (
    find_program_listings,
    item_kind,
    item_url,
    parse_listing,
    same_site_urls,
)
from brief_scraper.runs import stats as stat_keys
from brief_scraper.sites.wilsoncenter import WILSON_CENTER
from brief_scraper.urls import host_of, is_same_site
from spiders.base import PublicationSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from datetime import date

    from scrapy.http import Response, TextResponse

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.wilsoncenter.org"
DISCOVERY = WILSON_CENTER.discovery  # the site's item types, listings, pagers and sitemap
DEFAULT_TYPES = ("publication",)
DETAIL_PRIORITY = 1  # detail pages before further listing pages: records come early

# Stats this spider sets (bounded keys, named in brief_scraper.runs.stats; the URLs go to the log).
STAT_LISTING_PAGES = stat_keys.DISCOVERY_LISTING_PAGES
STAT_ITEM_LINKS = stat_keys.DISCOVERY_ITEM_LINKS
STAT_PAGING_STOPPED = stat_keys.DISCOVERY_PAGING_STOPPED_SINCE
STAT_OLDER = stat_keys.SKIPPED_OLDER_THAN_SINCE
STAT_LISTED_OLDER = stat_keys.SKIPPED_LISTED_OLDER_THAN_SINCE


@dataclass(frozen=True, slots=True)
class WilsonCenterArguments:
    """The spider's arguments, checked: what to crawl."""

    base_url: str = DEFAULT_BASE_URL
    start_urls: tuple[str, ...] = ()
    program: str | None = None
    sitemap: bool = False
    types: tuple[str, ...] = DEFAULT_TYPES
    since: date | None = None
    max_items: int | None = None
    refresh: bool = False

    NAMES: ClassVar[tuple[str, ...]] = (
        "base_url", "start_urls", "program", "sitemap", "types", "since", "max_items", "refresh",
    )  # fmt: skip

    @classmethod
    def parse(cls, **arguments: Any) -> Self:
        """Return the checked arguments; raise ValueError with one clear message on the first bad one."""
        check_known(arguments, cls.NAMES)
        base_url = parse_base_url(arguments.get("base_url") or DEFAULT_BASE_URL)
        start_urls = parse_urls(arguments.get("start_urls"), base_url)
        for url in start_urls:
            if not is_same_site(url, base_url):
                raise ValueError(f"start_urls: {url!r} is not on base_url's host ({host_of(base_url)})")
        parsed = cls(
            base_url=base_url,
            start_urls=start_urls,
            program=parse_slug(arguments.get("program"), "program"),
            sitemap=parse_flag(arguments.get("sitemap"), "sitemap"),
            types=parse_slugs(arguments.get("types"), "types") or DEFAULT_TYPES,
            since=parse_day(arguments.get("since"), "since"),
            max_items=parse_count(arguments.get("max_items"), "max_items"),
            refresh=parse_flag(arguments.get("refresh"), "refresh"),
        )
        modes = [n for n in ("start_urls", "program", "sitemap") if getattr(parsed, n)]
        if len(modes) > 1:
            raise ValueError(f"give one of start_urls, program or sitemap, not {' and '.join(modes)}")
        return parsed


class WilsonCenterSpider(PublicationSpider):
    """Find wilsoncenter.org publication pages through listings, a program or the sitemap."""

    name = "wilsoncenter"
    # Scrapy's Spider declares custom_settings a plain class attribute: as a ClassVar it
    # would be a type error, so ruff's rule for mutable class attributes gives way here.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012
        "DOWNLOAD_DELAY": 10.0,  # the site's robots.txt asks for Crawl-delay: 10
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 10.0,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # No more than two requests wait in the downloader: the backlog stays in the scheduler
        # (JOBDIR's disk queue), so a stop ends within about two delays, not eight (politeness.py).
        "SCHEDULER_PRIORITY_QUEUE": "brief_scraper.crawling.politeness.SlotBoundedPriorityQueue",
        # Health checks (brief_scraper/runs/monitors.py): share of records written with a value. On
        # the offline snapshot: title, posted_date 100%, content_type 97%, download_url 85% of
        # publications but 57% with articles, which seldom offer a PDF.
        "BRIEF_MIN_COVERAGE": {"title": 1.0, "posted_date": 0.95, "content_type": 0.9, "download_url": 0.5},
    }

    arguments_class = WilsonCenterArguments

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = self.arguments.base_url
        self.allowed_domains = [host_of(self.base_url)]

    async def start(self) -> AsyncIterator[Request]:
        """Yield the first requests: the start URLs, the program page, the sitemap or the listing."""
        args = self.arguments
        if args.start_urls:
            for url in args.start_urls:
                if item_kind(url, self.base_url, args.types):
                    yield self._detail_request(item_url(url, url, self.base_url) or url, None)
                else:
                    yield self.request(url, callback=self.parse_listing)
        elif args.program:
            program_page = f"{self.base_url}{DISCOVERY.program_path}{args.program}"
            yield self.request(program_page, callback=self.parse_program)
        elif args.sitemap:
            yield self.request(f"{self.base_url}{DISCOVERY.sitemap_path}", callback=self.parse_sitemap)
        else:
            yield self.request(f"{self.base_url}{DISCOVERY.start_listing}", callback=self.parse_listing)

    def parse_program(self, response: TextResponse) -> Iterator[Request]:
        """Follow a program page's teasers and the listings it filters to the program."""
        if not self._is_html(response):
            return
        yield from self.parse_listing(response, paged=False)
        program = self.arguments.program or ""
        for url in find_program_listings(response.selector, response.url, program, conventions=DISCOVERY):
            yield self.request(url, callback=self.parse_listing)

    def parse_listing(self, response: TextResponse, paged: bool = True) -> Iterator[Request]:
        """Request the page's wanted items, then the next page unless it is all older than since."""
        if not self._is_html(response) or self._is_full():
            return
        self.crawler.stats.inc_value(STAT_LISTING_PAGES)
        page = parse_listing(
            response.selector, response.url, self.base_url, self.arguments.types, conventions=DISCOVERY
        )
        for item in page.wanted(self.arguments.types):
            self.crawler.stats.inc_value(STAT_ITEM_LINKS)
            if self._listed_before_since(item.posted_date):
                continue
            yield self._detail_request(item.url, item.posted_date)
        if not paged or page.next_page is None:
            return
        since = self.arguments.since
        if since is not None and page.is_older_than(since):
            self.crawler.stats.inc_value(STAT_PAGING_STOPPED)
            logger.info(
                "Stopped paging at %(url)s: all its items are older than %(since)s",
                {"url": response.url, "since": since.isoformat()},
            )
            return
        yield self.request(page.next_page, callback=self.parse_listing)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Follow a sitemap index's sitemaps; request a sitemap's pages of the wanted types."""
        if self._is_full():
            return
        sitemap = self._read_sitemap(response)
        if sitemap is None:
            return
        if sitemap.kind == "sitemapindex":
            for sitemap_url in same_site_urls((loc for loc, _ in sitemap.entries), self.base_url):
                yield self.request(sitemap_url, callback=self.parse_sitemap)
            return
        for loc, lastmod in sitemap.entries:
            url = item_url(loc, response.url, self.base_url)
            if not item_kind(url, self.base_url, self.arguments.types):
                continue
            self.crawler.stats.inc_value(STAT_ITEM_LINKS)
            # A page last modified before `since` was posted before it too.
            if not self._listed_before_since(lastmod):
                yield self._detail_request(url, None)  # type: ignore[arg-type]

    async def parse_page(
        self, response: Response, listed_date: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the page's record, unless it is older than since or max_items is reached."""
        record = await self.extract_page(response)
        if record is None:
            return
        since = self.arguments.since
        posted = record.get("posted_date") or listed_date
        if since is not None and posted and posted < since.isoformat():
            self.crawler.stats.inc_value(STAT_OLDER)
            logger.debug("Older than since: %(url)s (%(posted)s)", {"url": response.url, "posted": posted})
            return
        self.emitted += 1
        yield record
        if self._is_full():
            raise CloseSpider("max_items")

    def _detail_request(self, url: str, listed_date: str | None) -> Request:
        return self.request(
            url, callback=self.parse_page, cb_kwargs={"listed_date": listed_date}, priority=DETAIL_PRIORITY
        )

    def _listed_before_since(self, day: str | None) -> bool:
        since = self.arguments.since
        if since is not None and day is not None and day < since.isoformat():
            self.crawler.stats.inc_value(STAT_LISTED_OLDER)
            return True
        return False
