"""Which records of a crawl are unchanged since an earlier run: SeenPipeline marks, writers ask.

An unchanged record is not dropped: Scrapy's feed exports (``-O``, ``FEEDS``) get every record
the crawl found, and the health checks count it. It only stays out of the run's own delta
file. The mark lives here, outside the record, so that the record reaching the feeds is the
record as extracted, with no key added.

This module is the one interface between the components involved:

- ``SeenPipeline`` calls :meth:`UnchangedRecords.mark` for a record it found unchanged, and
  :meth:`UnchangedRecords.forget` once the record has left the pipelines (``item_scraped``
  or ``item_dropped``), so marks never pile up;
- ``JsonlWriterPipeline`` asks :meth:`UnchangedRecords.is_marked` and writes no line for it.

Marks are per crawler (:func:`unchanged_records`) and hold the record object itself, so that
an ``id()`` is never reused for another record while its mark is alive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class UnchangedRecords:
    """The records of one crawl found unchanged, until they have left the pipelines.

    >>> marks = UnchangedRecords()
    >>> record, other = {"url": "https://x.org/p"}, {"url": "https://x.org/p"}
    >>> marks.mark(record)
    >>> marks.is_marked(record), marks.is_marked(other)  # the same object, not an equal one
    (True, False)
    >>> marks.forget(record), marks.forget(record), len(marks)
    (True, False, 0)
    """

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}

    def mark(self, item: Any) -> None:
        """Mark *item* as unchanged since an earlier run."""
        self._items[id(item)] = item

    def is_marked(self, item: Any) -> bool:
        """Return whether *item* (this very object) is marked unchanged."""
        return self._items.get(id(item)) is item

    def forget(self, item: Any) -> bool:
        """Drop *item*'s mark; return whether it had one."""
        if self.is_marked(item):
            del self._items[id(item)]
            return True
        return False

    def __len__(self) -> int:
        return len(self._items)


_BY_CRAWLER: WeakKeyDictionary[Crawler, UnchangedRecords] = WeakKeyDictionary()


def unchanged_records(crawler: Crawler) -> UnchangedRecords:
    """Return the marks of *crawler*'s records (made on first use, gone with the crawler)."""
    marks = _BY_CRAWLER.get(crawler)
    if marks is None:
        marks = _BY_CRAWLER[crawler] = UnchangedRecords()
    return marks
