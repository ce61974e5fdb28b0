"""Scrapy's RobotsTxtMiddleware, obeyed by every request that waits for the robots.txt.

Scrapy (2.19, asyncio reactor) keeps a host's robots.txt download as one ``Deferred`` that
every request arriving meanwhile awaits through ``Deferred.asFuture()``. Each of those adds
a callback that returns None, and a Deferred hands each callback's result to the next: the
first waiter gets the parser, every later one gets None, which means "no robots.txt", and
its request is sent. So a crawl that starts with several requests to a host fetches pages
its robots.txt disallows (seen: 3 start URLs under ``Disallow: /``, one fetched). This
subclass gives each waiter a Deferred of its own, fed from the shared one, which passes
the parser on. ``DOWNLOADER_MIDDLEWARES`` puts it in place of Scrapy's.

It also fetches a host's robots.txt in the download slot of the first request that needed
it. Scrapy's robots.txt request names no ``download_slot``, so it goes to the slot of its
host name: a crawl whose sources each have a slot of their own (the ``sources`` spider) saw
every mirror's robots.txt queue in one slot, ``127.0.0.1``, at ``DOWNLOAD_DELAY``
(``benchmarks/many_sources.py``: 46 s of a 100 s crawl), and on live sites robots.txt went
out unspaced from the source's own requests. In the source's slot it waits the source's delay
like any of its requests.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

T = TypeVar("T")


def _hand_on(result: T, waiter: Deferred[T]) -> T:
    """Give *result* to *waiter*, and back to the shared Deferred for its next callback."""
    waiter.callback(result)
    return result


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's, but a request waiting for its host's robots.txt gets the parser, never None,
    and robots.txt is fetched in the download slot of the request that asked for it first."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._robots_slots: dict[str, str] = {}  # netloc -> the download slot its robots.txt goes in

    async def process_request(self, request: Request, *args: Any) -> None:
        slots = self._robots_slots
        parts = urlparse_cached(request)
        slot = request.meta.get("download_slot")
        if not request.meta.get("dont_obey_robotstxt"):
            if slot is not None:
                slots.setdefault(parts.netloc, slot)
        elif slot is None and parts.path == "/robots.txt" and parts.netloc in slots:
            request.meta["download_slot"] = slots[parts.netloc]  # our own robots.txt request
        await super().process_request(request, *args)

    if inspect.iscoroutinefunction(ScrapyRobotsTxtMiddleware.robot_parser):  # the async one (2.13+)

        async def robot_parser(self, request: Request, *args: Any) -> Any:
            pending = self._parsers.get(urlparse_cached(request).netloc)
            if isinstance(pending, Deferred):
                waiter: Deferred[Any] = Deferred()
                pending.addBoth(_hand_on, waiter)
                return await maybe_deferred_to_future(waiter)
            return await super().robot_parser(request, *args)
