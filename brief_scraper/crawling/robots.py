"""Scrapy's RobotsTxtMiddleware, obeyed by every request that waits for the robots.txt.

Scrapy (2.19, asyncio reactor) keeps a host's robots.txt download as one ``Deferred`` that
every request arriving meanwhile awaits through ``Deferred.asFuture()``. Each of those adds
a callback that returns None, and a Deferred hands each callback's result to the next: the
first waiter gets the parser, every later one gets None, which means "no robots.txt", and
its request is sent. So a crawl that starts with several requests to a host fetches pages
its robots.txt disallows (seen: 3 start URLs under ``Disallow: /``, one fetched). This
subclass gives each waiter a Deferred of its own, fed from the shared one, which passes
the parser on. ``DOWNLOADER_MIDDLEWARES`` puts it in place of Scrapy's.
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

T = TypeVar("T")


def _hand_on(result: T, waiter: Deferred[T]) -> T:
    """Give *result* to *waiter*, and back to the shared Deferred for its next callback."""
    waiter.callback(result)
    return result


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's, but a request waiting for its host's robots.txt gets the parser, never None."""

    if inspect.iscoroutinefunction(ScrapyRobotsTxtMiddleware.robot_parser):  # the async one (2.13+)

        async def robot_parser(self, request: Request, *args: Any) -> Any:
            pending = self._parsers.get(urlparse_cached(request).netloc)
            if isinstance(pending, Deferred):
                waiter: Deferred[Any] = Deferred()
                pending.addBoth(_hand_on, waiter)
                return await maybe_deferred_to_future(waiter)
            return await super().robot_parser(request, *args)
