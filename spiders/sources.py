"""The ``sources`` spider: every think tank of a sources file in one crawl, each polite on its own.

Arguments (``-a name=value``, all optional):

``sources``
    The sources file (TOML, ``brief_scraper/crawling/sources.py``; default ``sources.toml``
    in the current folder). Read with a size limit and checked before any request: a bad
    file fails with one line naming the source and the key.
``sources_toml``
    The file's text itself, instead of a path: how a Scrapyd job gets it (``scrapy spread``).
``only``
    Comma-separated source keys to crawl (default: all of the file).
``mirrors``
    ``key=origin,...``: fetch that source from a mirror (``rand=http://127.0.0.1:8001``).
    Records keep the live site's URLs (``brief_scraper/crawling/mirrors.py``).
``delays``
    ``key=seconds,...``: the least delay of that source's requests in this run, over the
    file's ``delay_seconds`` and robots.txt's ``Crawl-delay``.
``since``
    ``YYYY-MM-DD``: feed entries and sitemap entries dated before it are not requested, paging
    through a listing stops at a page all older, records posted before it are not emitted.
``max_items``, ``refresh``
    As on the other spiders.

Per source, discovery goes in order of trust: its home page (for the feeds its
``<link rel=alternate>`` names, and, first, its robots.txt: the ``Crawl-delay`` and the
``Sitemap:`` lines), then its feeds, its sitemaps (the file's and robots.txt's), its listing
pages with their pagination. A publication is a page of the source's hosts matching its
``publication_paths``; each is requested once, and credited to the most trusted way that
found it (``brief/source/<key>/found_by/<way>``), whichever answered first. A source with a
site profile (the Wilson Center) reads its listings with the profile's conventions, and its
pages with the profile, as every page of its hosts is.

Each source has its own download slot (``brief_scraper/crawling/politeness.py``): its own
queue, concurrency and delay, so a slow site never slows the others. Records carry the
source's key as ``source``; stats and health checks are kept per source
(``brief/source/<key>/...``; ``brief_scraper/runs/monitors.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import CloseSpider
from scrapy.http import TextResponse
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.settings import SETTINGS_PRIORITIES
from w3lib.url import canonicalize_url

from brief_scraper.crawling.argument_files import ARGUMENT_FILE_MAX_BYTES
from brief_scraper.crawling.arguments import check_known, parse_count, parse_day, parse_flag
from brief_scraper.crawling.discovery import find_next_page, parse_listing, publication_links
from brief_scraper.crawling.feeds import find_feed_links, parse_feed
from brief_scraper.crawling.mirrors import Mirror, mirror_of, parse_pairs
from brief_scraper.crawling.politeness import choose_delay, keep_delay, slot_floors
from brief_scraper.crawling.sources import Source, SourcesError, load_sources, parse_sources, select_sources
from brief_scraper.runs import stats as stat_keys
from brief_scraper.sites import ListingConventions, SiteProfile, profile_of_hosts
from brief_scraper.urls import absolute_url, is_document_url
from spiders.base import PublicationSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping
    from datetime import date

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

DEFAULT_SOURCES_FILE = "sources.toml"
# Request priorities: records early, then discovery in order of trust.
PAGE_PRIORITY, FEED_PRIORITY, SITEMAP_PRIORITY, LISTING_PRIORITY = 4, 3, 2, 1
WAYS_BY_TRUST = ("feed", "sitemap", "listing")  # how a publication was found, most trusted first
NO_CONVENTIONS = ListingConventions()  # a site no profile knows: rel=next and "Next" links page on


@dataclass(frozen=True, slots=True)
class SourcesArguments:
    """The spider's arguments, checked: which sources, fetched from where, how politely."""

    sources: tuple[Source, ...]
    mirrors: Mapping[str, Mirror] = field(default_factory=dict)
    delays: Mapping[str, float] = field(default_factory=dict)
    since: date | None = None
    max_items: int | None = None
    refresh: bool = False

    NAMES: ClassVar[tuple[str, ...]] = (
        "sources", "sources_toml", "only", "mirrors", "delays", "since", "max_items", "refresh",
    )  # fmt: skip

    @classmethod
    def parse(cls, **arguments: Any) -> Self:
        """Return the checked arguments; raise ValueError with one clear message on the first bad one."""
        check_known(arguments, cls.NAMES)
        text = arguments.get("sources_toml")
        if text and arguments.get("sources"):
            raise ValueError("give sources (a file) or sources_toml (its text), not both")
        if text and len(str(text).encode("utf-8", "replace")) > ARGUMENT_FILE_MAX_BYTES:
            raise ValueError(f"sources_toml: larger than {ARGUMENT_FILE_MAX_BYTES} bytes")
        try:  # the crawl command says "sources: ..." (the spider's name) before the message
            every = (
                parse_sources(str(text))
                if text
                else load_sources(arguments.get("sources") or DEFAULT_SOURCES_FILE)
            )
            chosen = select_sources(every, arguments.get("only"))
        except SourcesError as error:
            raise ValueError(str(error).removeprefix("sources: ")) from None
        by_key = {s.key: s for s in every}
        mirrors = {
            key: mirror_of(by_key[key].hosts, origin, f"mirrors: {key}")
            for key, origin in _per_source(arguments.get("mirrors"), "mirrors", by_key).items()
        }
        delays = {
            key: _seconds(seconds, f"delays: {key}")
            for key, seconds in _per_source(arguments.get("delays"), "delays", by_key).items()
        }
        return cls(
            sources=chosen,
            mirrors=mirrors,
            delays=delays,
            since=parse_day(arguments.get("since"), "since"),
            max_items=parse_count(arguments.get("max_items"), "max_items"),
            refresh=parse_flag(arguments.get("refresh"), "refresh"),
        )


def _per_source(value: str | None, name: str, sources: Mapping[str, Source]) -> dict[str, str]:
    """Return ``key=value,...`` as a dict whose keys are sources of the file, else ValueError."""
    pairs = parse_pairs(value, name)
    for key in pairs:
        if key not in sources:
            raise ValueError(f"{name}: {key[:40]!r} is no source of the file ({', '.join(sorted(sources))})")
    return pairs


def _seconds(text: str, name: str) -> float:
    """Return *text* as a delay in seconds, from 0 to 3600, else ValueError naming *name*."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:  # NaN fails this too
        raise ValueError(f"{name}: {text[:20]!r} is not a number of seconds from 0 to 3600")
    return seconds


@dataclass(frozen=True, slots=True)
class SourceSite:
    """One source as this crawl reaches it: where from, with which profile."""

    source: Source
    mirror: Mirror | None
    profile: SiteProfile | None

    @property
    def key(self) -> str:
        return self.source.key

    @property
    def home(self) -> str:
        """The address of the site's home page (fetched from the mirror, if any)."""
        return self.to_fetch(f"https://{self.source.hosts[0]}/")

    def to_fetch(self, url: str) -> str:
        return self.mirror.to_fetch(url) if self.mirror else url

    def to_live(self, url: str) -> str:
        return self.mirror.to_live(url) if self.mirror else url

    def is_own(self, url: str) -> bool:
        """Return whether *url* (live or on the mirror) is on the source's hosts."""
        return (urlsplit(self.to_live(url)).hostname or "") in self.source.hosts

    def is_publication(self, url: str) -> bool:
        live = self.to_live(url)
        return self.source.is_publication(live) and not is_document_url(live)

    @property
    def fetch_hosts(self) -> list[str]:
        """The hosts this crawl sends the source's requests to: allowed_domains."""
        if self.mirror is not None:
            return [urlsplit(self.mirror.fetch_origin).hostname or ""]
        return list(self.source.hosts)


@dataclass(frozen=True, slots=True)
class RobotsFacts:
    """What a site's robots.txt says beyond allow and disallow."""

    crawl_delay: float | None
    sitemaps: tuple[str, ...]


class SourcesSpider(PublicationSpider):
    """Crawl every source of a sources file: feeds, sitemaps, listings; one slot per source."""

    name = "sources"
    # Scrapy's Spider declares custom_settings a plain class attribute: as a ClassVar it
    # would be a type error, so ruff's rule for mutable class attributes gives way here.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012
        # Requests are taken from the source whose slot is least busy, each source's backlog
        # kept in the scheduler: one slow site's queue never fills the crawl's concurrency.
        "SCHEDULER_PRIORITY_QUEUE": "brief_scraper.crawling.politeness.SlotBoundedPriorityQueue",
        # Health checks of the whole run; each source adds its own (sources file thresholds).
        "BRIEF_MIN_COVERAGE": {"title": 0.9},
    }

    arguments_class = SourcesArguments
    # Each source's coverage rules unless its file entry sets its own (as the generic spider's).
    DEFAULT_SOURCE_COVERAGE: ClassVar[dict[str, float]] = {"title": 0.9, "posted_date": 0.5}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        args_ = self.arguments
        self.sources = args_.sources  # read by the health checks (brief_scraper/runs/monitors.py)
        self.source_keys = frozenset(s.key for s in self.sources)  # brief_scraper.runs.contracts
        self.sites = {
            s.key: SourceSite(s, args_.mirrors.get(s.key), profile_of_hosts(s.hosts)) for s in self.sources
        }
        self.allowed_domains = sorted({h for c in self.sites.values() for h in c.fetch_hosts})
        self._robots: dict[str, RobotsFacts] = {}  # netloc -> its robots.txt's facts
        self._found_by: dict[str, str] = {}  # canonical live URL of a publication requested -> way

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        """Give each source its download slot before the settings freeze; listen for robots.txt."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for key in spider.sites:
            slot = {"concurrency": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), **slots.get(key, {})}
            known = spider.known_delay(key)
            if known is not None:
                slot.update(delay=known, jitter=0.0)
                slot_floors(crawler)[key] = known
            slots[key] = slot
        # At the command line's priority if it set DOWNLOAD_SLOTS (its entries are kept in
        # *slots*): at the spider's, a -s DOWNLOAD_SLOTS would drop every source's slot.
        given = settings.getpriority("DOWNLOAD_SLOTS") or 0
        settings.set("DOWNLOAD_SLOTS", slots, priority=max(given, SETTINGS_PRIORITIES["spider"]))
        # One request in flight per source, and room for every source at once.
        wanted = 2 * len(spider.sites)
        if settings.getint("CONCURRENT_REQUESTS") < wanted:
            settings.set("CONCURRENT_REQUESTS", wanted, priority="spider")
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    def known_delay(self, key: str) -> float | None:
        """Return the delay the run's argument or the sources file gives *key*, else None."""
        given = self.arguments.delays.get(key)
        return given if given is not None else self.sites[key].source.delay_seconds

    # --- requests ------------------------------------------------------------------------

    def source_request(
        self, site: SourceSite, url: str, callback: Any, priority: int, **kwargs: Any
    ) -> Request:
        """Return a request of *site*'s: fetched from its mirror, in its own download slot."""
        meta = {"source": site.key, "download_slot": site.key, **kwargs.pop("meta", {})}
        return self.request(site.to_fetch(url), callback=callback, priority=priority, meta=meta, **kwargs)

    async def start(self) -> AsyncIterator[Request]:
        """Yield each source's home page: robots.txt is read before it, then discovery follows."""
        for site in self.sites.values():
            yield Request(
                site.home, callback=self.parse_home, errback=self.home_failed,
                meta={"source": site.key, "download_slot": site.key}, priority=FEED_PRIORITY,
                dont_filter=True,
            )  # fmt: skip

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """Keep what a robots.txt says of delays and sitemaps (Scrapy's robots_parsed signal)."""
        user_agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or self.crawler.settings.get(
            "USER_AGENT"
        )
        try:
            delay = robotparser.crawl_delay(user_agent)
        except (TypeError, ValueError):  # a malformed Crawl-delay
            delay = None
        sitemaps: tuple[str, ...] = ()
        if isinstance(robotparser, ProtegoRobotParser):  # the project's parser; the others keep no sitemaps
            sitemaps = tuple(robotparser.rp.sitemaps)
        self._robots[urlsplit(request.url).netloc] = RobotsFacts(delay, sitemaps)

    def home_failed(self, failure: Failure) -> Iterator[Request]:
        """Count the lost home page; discover from the file's feeds, sitemaps and listings anyway."""
        self.request_failed(failure)
        request = getattr(failure, "request", None)
        if request is not None:
            yield from self.discover(self.sites[request.meta["source"]], None)

    def parse_home(self, response: Response) -> Iterator[Request]:
        """Read the home page's feed links, then start the source's discovery."""
        site = self.sites[response.meta["source"]]
        feeds: list[str] = []
        if (
            isinstance(response, TextResponse)
            and b"html" in (response.headers.get("Content-Type") or b"").lower()
        ):
            live = site.to_live(response.url)
            feeds = [f for f in find_feed_links(response.selector.root, live) if site.is_own(f)]
        yield from self.discover(site, feeds)

    def discover(self, site: SourceSite, home_feeds: list[str] | None) -> Iterator[Request]:
        """Set the source's delay from what is known now, and request its feeds, sitemaps and listings."""
        source = site.source
        robots = self._robots.get(urlsplit(site.home).netloc, RobotsFacts(None, ()))
        delay = choose_delay(
            self.arguments.delays.get(source.key), source.delay_seconds, robots.crawl_delay,
            self.crawler.settings.getfloat("DOWNLOAD_DELAY"),
        )  # fmt: skip
        if delay.why != "default":  # a delay asked for is a floor; the default AutoThrottle may adapt
            keep_delay(self.crawler, source.key, delay.seconds)
        self.crawler.stats.set_value(
            stat_keys.source_key(source.key, "delay_ms"), round(delay.seconds * 1000)
        )
        logger.info(
            "Source %(key)s: %(seconds)g s between requests (%(why)s)",
            {"key": source.key, "seconds": delay.seconds, "why": delay.why},
        )
        for url in dict.fromkeys([*source.feeds, *(home_feeds or [])]):
            yield self.source_request(site, url, self.parse_feed, FEED_PRIORITY)
        robots_sitemaps = [site.to_live(u) for u in robots.sitemaps]
        for url in dict.fromkeys([*source.sitemaps, *(u for u in robots_sitemaps if site.is_own(u))]):
            yield self.source_request(site, url, self.parse_sitemap, SITEMAP_PRIORITY)
        for url in source.listings:
            yield self.source_request(site, url, self.parse_listing, LISTING_PRIORITY)

    def publication_request(
        self, site: SourceSite, url: str, way: str, listed_date: str | None
    ) -> Request | None:
        """Return the request of a publication the first time any way finds it, else None.

        Entries dated before ``since`` are not requested (counted). A publication is credited
        to the most trusted way that found it, so the counts do not depend on which of a
        source's feed, sitemap and listings answered first.
        """
        live = site.to_live(url)
        if not site.is_publication(live):
            return None
        if self._listed_before_since(listed_date):
            return None
        seen = canonicalize_url(live)
        credited = self._found_by.get(seen)
        if credited is not None:
            if WAYS_BY_TRUST.index(way) < WAYS_BY_TRUST.index(credited):
                self._found_by[seen] = way
                self._credit(site, credited, -1)
                self._credit(site, way, 1)
            return None
        self._found_by[seen] = way
        self._credit(site, way, 1)
        self.crawler.stats.inc_value(stat_keys.DISCOVERY_ITEM_LINKS)
        return self.source_request(
            site, live, self.parse_page, PAGE_PRIORITY, cb_kwargs={"listed_date": listed_date}
        )

    def _credit(self, site: SourceSite, way: str, count: int) -> None:
        self.crawler.stats.inc_value(stat_keys.source_key(site.key, f"found_by/{way}"), count)

    # --- discovery documents ---------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Request the feed's publications (RSS or Atom), the newest a site has."""
        if self._is_full():
            return
        site = self.sites[response.meta["source"]]
        feed = parse_feed(response.body, site.to_live(response.url))
        if not feed.kind:
            self.crawler.stats.inc_value(stat_keys.DISCOVERY_NOT_A_FEED)
            logger.warning("Not a feed: %(url)s", {"url": response.url})
            return
        self.crawler.stats.inc_value(stat_keys.DISCOVERY_FEEDS)
        for entry in feed.entries:
            request = self.publication_request(site, entry.url, "feed", entry.posted_date)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Follow a sitemap index's sitemaps on the source's hosts; request a sitemap's publications.

        A page last modified before ``since`` was posted before it too, and a sitemap last
        modified before it lists no newer page.
        """
        if self._is_full():
            return
        site = self.sites[response.meta["source"]]
        sitemap = self._read_sitemap(response)
        if sitemap is None:
            return
        base = site.to_live(response.url)
        for loc, lastmod in sitemap.entries:
            url = absolute_url(loc, base)
            if url is None or not site.is_own(url):
                continue
            if sitemap.kind == "sitemapindex":  # a sitemap last changed before since lists nothing newer
                if not self._listed_before_since(lastmod):
                    yield self.source_request(site, site.to_live(url), self.parse_sitemap, SITEMAP_PRIORITY)
                continue
            request = self.publication_request(site, url, "sitemap", lastmod)
            if request is not None:
                yield request

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Request a listing page's publications, then its next page unless all are older than since."""
        if not self._is_html(response) or self._is_full():
            return
        assert isinstance(response, TextResponse)
        site = self.sites[response.meta["source"]]
        self.crawler.stats.inc_value(stat_keys.DISCOVERY_LISTING_PAGES)
        conventions = site.profile.discovery if site.profile else NO_CONVENTIONS
        dated: list[tuple[str, str | None]]
        if site.profile is not None:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
            page = parse_listing(response.selector, response.url, origin, conventions=conventions)
            dated = [(item.url, item.posted_date) for item in page.items]
            next_page = page.next_page
        else:
            dated = [
                (u, None) for u in publication_links(response.selector, response.url, site.is_publication)
            ]
            next_page = find_next_page(response.selector, response.url, conventions=conventions)
        for url, posted in dated:
            request = self.publication_request(site, url, "listing", posted)
            if request is not None:
                yield request
        since = self.arguments.since
        if next_page is None:
            return
        if since is not None and dated and all(p is not None and p < since.isoformat() for _, p in dated):
            self.crawler.stats.inc_value(stat_keys.DISCOVERY_PAGING_STOPPED_SINCE)
            return
        yield self.source_request(site, site.to_live(next_page), self.parse_listing, LISTING_PRIORITY)

    def _listed_before_since(self, day: str | None) -> bool:
        """Return whether a listed *day* (feed date, lastmod, teaser date) is before ``since`` (counted)."""
        since = self.arguments.since
        if since is not None and day is not None and day < since.isoformat():
            self.crawler.stats.inc_value(stat_keys.SKIPPED_LISTED_OLDER_THAN_SINCE)
            return True
        return False

    # --- publications ----------------------------------------------------------------------

    async def parse_page(
        self, response: Response, listed_date: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the page's record, read as its live URL, with the source's key as ``source``."""
        site = self.sites[response.meta["source"]]
        record = await self.extract_page(response, site.to_live(response.url))
        if record is None:
            return
        since = self.arguments.since
        posted = record.get("posted_date") or listed_date
        if since is not None and posted and posted < since.isoformat():
            self.crawler.stats.inc_value(stat_keys.SKIPPED_OLDER_THAN_SINCE)
            return
        if isinstance(record.get("url"), str):
            record["url"] = site.to_live(record["url"])  # a canonical link that names the mirror
        record["source"] = site.key
        self.emitted += 1
        yield record
        if self._is_full():
            raise CloseSpider("max_items")
