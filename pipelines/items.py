"""Read an item as a record (a plain dict) without copying it when it is one already."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter


def as_record(item: Any) -> dict[str, Any]:
    """Return *item* as a dict to read: a dict item itself, any other item type converted.

    Records are plain JSON data from ``extract()`` on, so a dict is used as it is.
    ``ItemAdapter(item).asdict()`` would copy it deeply, asking of every nested value whether
    it is an item: about 180 µs a Wilson Center record, a third of the pipelines' time when
    four of them did it (``benchmarks/README.md``). The caller must not change what it gets.
    Other item types (``scrapy.Item``, dataclass, attrs) are converted by ItemAdapter.

    >>> record = {"url": "https://x.org/p", "authors": [{"name": "A"}]}
    >>> as_record(record) is record
    True
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Page:
    ...     url: str
    >>> as_record(Page("https://x.org/p"))
    {'url': 'https://x.org/p'}
    """
    if type(item) is dict:
        return item
    return ItemAdapter(item).asdict()
