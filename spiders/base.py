"""What every brief-scraper spider shares: checked arguments, HTML pages only, sitemaps read
with a count, extraction (in a worker process: ``brief_scraper.crawling.workers``), every lost page
counted with its reason (``brief_scraper.crawling.losses``: make requests with :meth:`request`), and
a clean stop at ``max_items``.

A spider names its arguments class (with a ``parse(**arguments)`` classmethod that raises
ValueError with one clear line); the ``crawl`` command calls ``check_arguments`` before the
crawl starts, so a bad ``-a`` fails at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import TextResponse

from brief_scraper.crawling.losses import LossCounter
from brief_scraper.crawling.sitemaps import Sitemap, parse_sitemap
from brief_scraper.crawling.workers import Extractor
from brief_scraper.runs.stats import DISCOVERY_NOT_A_SITEMAP, DISCOVERY_SITEMAPS, SKIPPED_MAX_ITEMS

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

NOT_HTML = "not_html"  # the drop reason: brief/dropped/not_html


class PublicationSpider(Spider):
    """A spider that emits extract()'s records, with checked arguments and max_items."""

    arguments_class: ClassVar[Any]  # a dataclass with parse(**arguments), max_items, refresh
    extractor: Extractor  # set by from_crawler: where pages are extracted
    losses: LossCounter  # set by from_crawler: requests that ended in no page

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        passthrough = {k: v for k, v in kwargs.items() if k.startswith("_")}  # Scrapyd's _job
        self.arguments = self.check_arguments(**{k: v for k, v in kwargs.items() if k not in passthrough})
        super().__init__(*args, **passthrough)
        self.refresh = self.arguments.refresh  # read by pipelines.seen.SeenPipeline
        self.emitted = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.extractor = Extractor.from_crawler(crawler)
        spider.losses = LossCounter(crawler)
        return spider

    def request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> Request:
        """Return a request whose failure is counted with its reason (``brief/dropped/<reason>``)."""
        return Request(url, callback=callback, errback=self.request_failed, **kwargs)

    def request_failed(self, failure: Failure) -> Failure:
        """The errback of the spider's requests: count the loss, let Scrapy handle the failure.

        A spider method, not the counter's, so that JOBDIR can store the request.
        """
        return self.losses.request_failed(failure)

    @classmethod
    def check_arguments(cls, **arguments: Any) -> Any:
        """Return the checked arguments (the ``crawl`` command calls this before starting)."""
        return cls.arguments_class.parse(**arguments)

    def _is_full(self) -> bool:
        return self.arguments.max_items is not None and self.emitted >= self.arguments.max_items

    async def extract_page(self, response: Response, url: str | None = None) -> dict[str, Any] | None:
        """Return the record of an HTML page, or None: not HTML, max_items reached, or a page
        no worker could extract (each counted). *url* is the page's own address when it was
        fetched from elsewhere (a mirror): the page is read as if fetched from there.

        max_items is checked again once the record is back: other pages may have filled it
        while this one was in a worker.
        """
        if not self._is_html(response):
            return None
        if not self._is_full():
            content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
            source = response.request.meta.get("source") if response.request is not None else None
            record = await self.extractor.extract(response.body, url or response.url, content_type, source)
            if record is None or not self._is_full():
                return record
        self.crawler.stats.inc_value(SKIPPED_MAX_ITEMS)
        return None

    def _is_html(self, response: Response) -> bool:
        content_type = response.headers.get("Content-Type") or b"text/html"
        if isinstance(response, TextResponse) and b"html" in content_type.lower():
            return True
        source = response.request.meta.get("source") if response.request is not None else None
        self.losses.lost(NOT_HTML, response.url, source)
        return False

    def _read_sitemap(self, response: Response) -> Sitemap | None:
        """Return the response's sitemap, or None (counted, logged) when it is none."""
        sitemap = parse_sitemap(response.body)
        if not sitemap.kind:
            self.crawler.stats.inc_value(DISCOVERY_NOT_A_SITEMAP)
            logger.warning("Not a sitemap: %(url)s", {"url": response.url})
            return None
        self.crawler.stats.inc_value(DISCOVERY_SITEMAPS)
        return sitemap
