"""Politeness per site: one download slot per source, each with its own least delay.

A crawl of many think tanks must be as polite to each as a crawl of one, and a slow site must
never slow the others. Each source's requests carry ``download_slot`` = the source's key, so
Scrapy's downloader keeps a queue, a concurrency and a delay per source, whatever address
(a mirror's 127.0.0.1, or the site's own hosts) they go to. The delay of a source is, first
found (:func:`choose_delay`): the run's ``-a delays=``, the sources file's ``delay_seconds``,
the ``Crawl-delay`` of the robots.txt the source is fetched from, else the project's
``DOWNLOAD_DELAY``.

A chosen delay is a floor: the source's slot never waits less between two requests, with
no jitter below it. AutoThrottle still adapts each slot to the site's latency, but Scrapy's
keeps every slot between ``DOWNLOAD_DELAY`` and its maximum: under a Crawl-delay above
``DOWNLOAD_DELAY``, over a ``delay_seconds`` below it. :class:`SourceThrottle` (in Scrapy's
place, ``EXTENSIONS_BASE``) makes a slot's floor its least delay instead.

A source's backlog stays in the scheduler (on disk under ``JOBDIR``), not in the downloader:
:class:`SlotBoundedPriorityQueue` gives a slot a request only while fewer than
:data:`WAITING_PER_SLOT` of its requests wait in the downloader for their turn. Scrapy's own
queue fills the downloader up to ``CONCURRENT_REQUESTS``, and under a delay most of those
requests wait there for minutes: a stop (Ctrl-C, Scrapyd's cancel) then waits for all of them,
and a kill loses them from a resumable crawl, since they are no longer in its disk queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy.extensions.throttle import AutoThrottle
from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy import Request, Spider
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response

MAX_DELAY_SECONDS = 3600.0  # a Crawl-delay above an hour is no delay a crawl can keep
# Requests of a slot in the downloader but not transferring (in its middlewares, its queue, or
# about to start), past which the slot gets no more: one ready when the delay ends, and one on
# its way there.
WAITING_PER_SLOT = 2


@dataclass(frozen=True, slots=True)
class Delay:
    """A source's least delay between requests, and where it comes from."""

    seconds: float
    why: str  # "argument", "sources file", "robots.txt", "default"


def choose_delay(
    argument: float | None, declared: float | None, crawl_delay: float | None, default: float
) -> Delay:
    """Return the delay a source's slot keeps: the first given of the run's argument, the
    sources file's, robots.txt's Crawl-delay (capped), else the project's default.

    >>> choose_delay(None, None, 0.5, 2.0)
    Delay(seconds=0.5, why='robots.txt')
    >>> choose_delay(None, 10, 0.5, 2.0), choose_delay(0, 10, 0.5, 2.0).why
    (Delay(seconds=10.0, why='sources file'), 'argument')
    >>> choose_delay(None, None, None, 2.0)
    Delay(seconds=2.0, why='default')
    """
    if argument is not None:
        return Delay(float(argument), "argument")
    if declared is not None:
        return Delay(float(declared), "sources file")
    if crawl_delay is not None and crawl_delay >= 0:
        return Delay(min(float(crawl_delay), MAX_DELAY_SECONDS), "robots.txt")
    return Delay(float(default), "default")


_FLOORS: WeakKeyDictionary[Any, dict[str, float]] = WeakKeyDictionary()


def slot_floors(crawler: Crawler) -> dict[str, float]:
    """Return the crawl's floors: download slot key -> least delay in seconds (made on first use)."""
    return _FLOORS.setdefault(crawler, {})


def keep_delay(crawler: Crawler, slot_key: str, seconds: float) -> None:
    """Make *seconds* the least delay of the slot *slot_key*, now and after every adjustment,
    while the crawl runs (before it, ``DOWNLOAD_SLOTS`` and :func:`slot_floors` say it).

    A slot that exists already (its first request went out at the default delay) is set at
    once, and one made later (Scrapy drops idle slots) starts at it.
    """
    slot_floors(crawler)[slot_key] = seconds
    downloader = crawler.engine.downloader
    settings = downloader.per_slot_settings.setdefault(slot_key, {})
    settings["delay"] = max(float(settings.get("delay", 0.0)), seconds)
    if seconds > 0:
        settings["jitter"] = 0.0
    slot = downloader.slots.get(slot_key)
    if slot is not None:
        _hold(slot, seconds)


def _hold(slot: Slot, floor: float) -> None:
    if slot.delay < floor:
        slot.delay = floor
    if floor > 0:
        slot.jitter = 0.0  # a least delay: no random variation below it


class SourceThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, keeping every slot at or above its floor (:func:`keep_delay`)."""

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        floor = _FLOORS.get(self.crawler, {}).get(request.meta.get("download_slot") or "")
        if floor is None:
            super()._response_downloaded(response, request, spider)
            return
        # The slot's floor is its least delay, in place of DOWNLOAD_DELAY: a source whose file or
        # robots.txt asks for 0.5 s is not held at the project's 2 s by AutoThrottle.
        project_least, self.mindelay = self.mindelay, floor
        try:
            super()._response_downloaded(response, request, spider)
        finally:
            self.mindelay = project_least
        _, slot = self._get_slot(request, spider)
        if slot is not None:
            _hold(slot, floor)


class _SlotsWithRoom(DownloaderInterface):
    """The downloader's view for :class:`SlotBoundedPriorityQueue`: slots with room, only."""

    def stats(self, possible_slots: Iterable[str]) -> list[tuple[int, str]]:
        held = dict.fromkeys(possible_slots, 0)  # requests of the slot anywhere in the downloader
        for request in self.downloader.active:  # at most CONCURRENT_REQUESTS of them
            key = self.get_slot_key(request)
            if key in held:
                held[key] += 1
        rows = []
        for key, count in held.items():
            slot = self.downloader.slots.get(key)
            if count - (len(slot.transferring) if slot is not None else 0) < WAITING_PER_SLOT:
                rows.append((self._active_downloads(key), key))
        return rows


class SlotBoundedPriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's DownloaderAwarePriorityQueue (the least busy slot first), handing a slot no
    request while :data:`WAITING_PER_SLOT` of its own wait in the downloader already.

    When every slot with requests is full, ``pop()`` returns None; the engine asks again as
    each download ends. Its files on disk are its parent's, so a crawl resumes from either.
    A pop looks at every slot with requests, as its parent's does: for crawls of few slots
    (a site, a sources file's sources), not for a list of URLs on thousands of hosts.
    """

    def __init__(self, crawler: Crawler, *args: Any, **kwargs: Any) -> None:
        super().__init__(crawler, *args, **kwargs)
        self._downloader_interface = _SlotsWithRoom(crawler)
