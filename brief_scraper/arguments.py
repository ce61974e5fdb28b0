"""Spider arguments: read the ``-a name=value`` strings, each with one clear ValueError.

Spiders check their arguments in ``__init__`` with these helpers, so a bad value stops a
crawl before its first request, with a message that names the argument and the fix.
Values may also be given as Python objects (an ``int``, a ``date``) by code that builds a
spider itself.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from brief_scraper.urls import absolute_url

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def check_known(arguments: Mapping[str, Any], known: Collection[str]) -> None:
    """Raise ValueError naming any argument not in *known* (a typo would be ignored silently).

    Names starting with ``_`` pass: Scrapyd adds ``_job`` to every crawl.

    >>> check_known({"since": "2020-01-01", "_job": "x"}, ["since", "max_items"])
    >>> check_known({"max_item": "5"}, ["since", "max_items"])
    Traceback (most recent call last):
    ...
    ValueError: unknown argument 'max_item' (known: max_items, since)
    """
    unknown = sorted(name for name in arguments if name not in known and not name.startswith("_"))
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise ValueError(f"unknown argument {names} (known: {', '.join(sorted(known))})")


def parse_base_url(value: Any, name: str = "base_url") -> str:
    """Return *value* as an http(s) site root without trailing slash, query or fragment.

    >>> parse_base_url("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    >>> parse_base_url("https://www.wilsoncenter.org")
    'https://www.wilsoncenter.org'
    >>> parse_base_url("www.wilsoncenter.org")
    Traceback (most recent call last):
    ...
    ValueError: base_url: 'www.wilsoncenter.org' is not an http(s) URL (like https://www.wilsoncenter.org)
    """
    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: {text!r} is not an http(s) URL (like https://www.wilsoncenter.org)")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def parse_urls(value: Any, base: str | None = None, name: str = "start_urls") -> tuple[str, ...]:
    """Return the comma-separated (or listed) URLs of *value*, absolute against *base*.

    >>> parse_urls("/program/x, http://127.0.0.1:8000/publication/y", "http://127.0.0.1:8000")
    ('http://127.0.0.1:8000/program/x', 'http://127.0.0.1:8000/publication/y')
    >>> parse_urls("", "https://x.org")
    ()
    >>> parse_urls("ftp://x.org/a")
    Traceback (most recent call last):
    ...
    ValueError: start_urls: 'ftp://x.org/a' is not an http(s) URL
    """
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    urls = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        url = absolute_url(item, base or item)
        if url is None or (base is None and not urlsplit(item).scheme):
            raise ValueError(f"{name}: {item!r} is not an http(s) URL")
        urls.append(url)
    return tuple(dict.fromkeys(urls))


def parse_flag(value: Any, name: str) -> bool:
    """Return *value* as a boolean (``1``/``0``, ``true``/``false``, ``yes``/``no``).

    >>> parse_flag("1", "sitemap"), parse_flag("False", "sitemap"), parse_flag(None, "sitemap")
    (True, False, False)
    >>> parse_flag("maybe", "sitemap")
    Traceback (most recent call last):
    ...
    ValueError: sitemap: 'maybe' is not a yes/no value (use 1 or 0)
    """
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}: {value!r} is not a yes/no value (use 1 or 0)")


def parse_slug(value: Any, name: str) -> str | None:
    """Return *value* as a URL slug (``mexico-institute``); None when empty.

    >>> parse_slug(" mexico-institute ", "program")
    'mexico-institute'
    >>> parse_slug("/program/mexico institute", "program")
    Traceback (most recent call last):
    ...
    ValueError: program: '/program/mexico institute' is not a slug (lower-case letters, digits, '-')
    """
    text = str(value or "").strip()
    if not text:
        return None
    if not _SLUG_RE.match(text):
        raise ValueError(f"{name}: {text!r} is not a slug (lower-case letters, digits, '-')")
    return text


def parse_slugs(value: Any, name: str) -> tuple[str, ...]:
    """Return the comma-separated slugs of *value*, each once, in order.

    >>> parse_slugs("publication, article,publication", "types")
    ('publication', 'article')
    """
    items = value if isinstance(value, list | tuple | set | frozenset) else str(value or "").split(",")
    slugs = (parse_slug(item, name) for item in items)
    return tuple(dict.fromkeys(s for s in slugs if s))


def parse_day(value: Any, name: str) -> date | None:
    """Return *value* (``YYYY-MM-DD``) as a date; None when empty.

    >>> parse_day("2024-02-29", "since")
    datetime.date(2024, 2, 29)
    >>> parse_day("last week", "since")
    Traceback (most recent call last):
    ...
    ValueError: since: 'last week' is not a date (use YYYY-MM-DD, e.g. 2025-01-31)
    """
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date (use YYYY-MM-DD, e.g. 2025-01-31)") from None


def parse_count(value: Any, name: str) -> int | None:
    """Return *value* as a positive whole number; None when empty.

    >>> parse_count("50", "max_items"), parse_count(None, "max_items")
    (50, None)
    >>> parse_count("-1", "max_items")
    Traceback (most recent call last):
    ...
    ValueError: max_items: '-1' is not a whole number of at least 1
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name}: {text!r} is not a whole number of at least 1")
    return int(text)
