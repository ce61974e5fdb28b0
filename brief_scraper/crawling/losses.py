"""Pages a crawl asked for and did not get, each counted with its reason: nothing lost in silence.

Scrapy drops a request quietly in several places: robots.txt forbids it, the redirect cap
is reached, a redirect leads back to a URL already requested (the duplicate filter drops
it at DEBUG), an HTTP error is ignored. :class:`LossCounter`, which every brief-scraper
spider uses (``spiders/base.py``), counts each request the spider makes
(``brief/pages/requested``) and each one that ends without a page to parse, under its
reason (``brief/dropped/<reason>``, and ``brief/pages/lost`` in all), and logs the first of
each reason at WARNING with its URL (the others at DEBUG). The health check ``lost_pages``
fails a run that lost too many, naming the counts.

Reasons (:func:`loss_reason`): ``robots``, ``redirect_limit``, ``redirect_loop``
(redirected to a URL of its own redirect chain), ``offsite`` (redirected off the allowed
hosts), ``http_<status>``, ``timeout``, ``dns_error``, ``connection_refused``,
``too_large`` (over ``DOWNLOAD_MAXSIZE``), ``data_loss``, ``not_in_cache``, ``ignored`` (any
other ``IgnoreRequest``), ``download_failed``; the spider adds ``not_html``, the extractor
``extract_failed`` and ``extract_timeout``. A redirect to a URL the crawl requested on its
own is no loss: that request answers for the page (``brief/skipped/redirect_to_seen``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from w3lib.url import canonicalize_url

from brief_scraper.runs.stats import (
    PAGES_REQUESTED,
    SKIPPED_REDIRECT_TO_SEEN,
    lost_keys,
    source_key,
    source_loss_keys,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# IgnoreRequest messages of Scrapy's own middlewares (robotstxt, redirect, offsite,
# httpcompression, httpcache), first match wins.
_IGNORED_BECAUSE = (
    ("Forbidden by robots.txt", "robots"),
    ("max redirections reached", "redirect_limit"),
    ("Filtered offsite request", "offsite"),
    ("DOWNLOAD_MAXSIZE", "too_large"),
    ("not in cache", "not_in_cache"),
)
_ERRORS = (
    ((DownloadTimeoutError, twisted_errors.TimeoutError, TimeoutError), "timeout"),
    ((CannotResolveHostError, twisted_errors.DNSLookupError), "dns_error"),
    ((DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError, ConnectionRefusedError),
     "connection_refused"),
    ((DownloadCancelledError,), "too_large"),  # Scrapy cancels a download over DOWNLOAD_MAXSIZE
    ((ResponseDataLossError,), "data_loss"),
)  # fmt: skip


def loss_reason(exception: BaseException) -> str:
    """Return the drop reason (a fixed snake_case slug) of a request that failed with *exception*.

    >>> loss_reason(IgnoreRequest("Forbidden by robots.txt"))
    'robots'
    >>> loss_reason(IgnoreRequest("max redirections reached"))
    'redirect_limit'
    >>> from scrapy.http import Response
    >>> loss_reason(HttpError(Response("https://x.org/a", status=404)))
    'http_404'
    >>> loss_reason(DownloadTimeoutError("took longer than 60.0 seconds")), loss_reason(OSError("?"))
    ('timeout', 'download_failed')
    """
    if isinstance(exception, HttpError):
        status = getattr(exception.response, "status", 0)
        return f"http_{status}" if 100 <= status <= 999 else "http_error"
    if isinstance(exception, IgnoreRequest):
        message = str(exception)
        return next((reason for words, reason in _IGNORED_BECAUSE if words in message), "ignored")
    return next((reason for classes, reason in _ERRORS if isinstance(exception, classes)), "download_failed")


def is_redirect_loop(request: Request) -> bool:
    """Return whether *request* redirects to a URL of its own redirect chain.

    >>> from scrapy import Request
    >>> is_redirect_loop(Request("https://x.org/a", meta={"redirect_urls": ["https://x.org/a?"]}))
    True
    >>> is_redirect_loop(Request("https://x.org/b", meta={"redirect_urls": ["https://x.org/a"]}))
    False
    """
    target = canonicalize_url(request.url)
    return any(canonicalize_url(url) == target for url in request.meta.get("redirect_urls", ()))


class LossCounter:
    """Counts the requests of one crawl and the ones lost, by reason; logs the first of each.

    The spider makes its requests with ``errback=`` :meth:`request_failed`, which counts the
    loss and hands the failure back, so Scrapy handles it as it would have (HttpErrorMiddleware
    still counts and logs an ignored response). The scheduler's signals tell the rest:
    ``request_scheduled`` (a request made, redirects and retries aside) and
    ``request_dropped`` (a redirect the duplicate filter refused: a loop, or a page the crawl
    requested on its own).

    A request of one source of a sources file carries the source's key in ``meta["source"]``;
    its count and losses go to ``brief/source/<key>/...`` as well.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._logged: set[str] = set()
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    def lost(self, reason: str, url: str, source: str | None = None) -> None:
        """Count a page lost for *reason* (against *source* too, when given); log the first of
        each reason at WARNING, with its URL."""
        for key in (*lost_keys(reason), *(source_loss_keys(source, reason) if source else ())):
            self._inc(key)
        first = reason not in self._logged
        self._logged.add(reason)
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "Page lost (%(reason)s): %(url)s%(more)s",
            {"reason": reason, "url": url,
             "more": f"; more are counted in brief/dropped/{reason}, not logged" if first else ""},
        )  # fmt: skip

    def request_failed(self, failure: Failure) -> Failure:
        """Count the failed request's loss, and hand the failure back to Scrapy (an errback)."""
        request = getattr(failure, "request", None)
        error = failure.value if failure.value is not None else Exception("no error given")
        if request is None:
            self.lost(loss_reason(error), "?")
        else:
            self.lost(loss_reason(error), request.url, request.meta.get("source"))
        return failure

    def request_scheduled(self, request: Request) -> None:
        if "redirect_urls" not in request.meta and "retry_times" not in request.meta:
            self._inc(PAGES_REQUESTED)
            if request.meta.get("source"):
                self._inc(source_key(request.meta["source"], "requested"))

    def request_dropped(self, request: Request) -> None:
        if "redirect_urls" not in request.meta:
            return  # a link met twice: the first request answers for it
        if is_redirect_loop(request):
            self.lost("redirect_loop", request.meta["redirect_urls"][0], request.meta.get("source"))
        else:
            self._inc(SKIPPED_REDIRECT_TO_SEEN)
            logger.debug("Redirect to a page requested on its own: %(url)s", {"url": request.url})
