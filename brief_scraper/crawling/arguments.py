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
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from brief_scraper.urls import absolute_url

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# One label of a host name as the crawl resolves it (IDNA-encoded); "_" occurs in real names.
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_UNSAFE_URL_CHARS_RE = re.compile(r"[\s\\\x00-\x1f\x7f]")  # whitespace, controls, a backslash (read as "/")
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


def check_url(text: str, name: str, *, site_root: bool = False, shown: str | None = None) -> str:
    r"""Return *text* if the crawl can request it as it is, else raise ValueError saying why.

    Refused: other schemes than http(s), user info (``user:password@``: never echoed), a bad
    port, an IPv6 literal (Scrapy's default DNS resolver is IPv4-only: the crawl would fail
    every request), a host that is no DNS name, ``.`` or ``..`` path segments, whitespace or
    ``\`` (which browsers read as ``/``), and, for a *site_root*, a query or fragment.
    *shown* is what the message shows instead of the URL (a file's line number, say).

    >>> check_url("http://127.0.0.1:8000/a", "start_urls")
    'http://127.0.0.1:8000/a'
    >>> check_url("http://user:secret@127.0.0.1:8000", "base_url")
    Traceback (most recent call last):
    ...
    ValueError: base_url: a URL with user info (user:password@) is refused; the crawl sends no credentials
    >>> check_url("http://[::1]", "base_url")
    Traceback (most recent call last):
    ...
    ValueError: base_url: 'http://[::1]' has an IPv6 host, which the crawl cannot resolve (use a name or IPv4)
    >>> check_url("http://x.org/a/../b", "start_urls")
    Traceback (most recent call last):
    ...
    ValueError: start_urls: 'http://x.org/a/../b' has a '.' or '..' path segment: give the path it stands for
    >>> check_url("https://x.org/?page=2", "base_url", site_root=True)
    Traceback (most recent call last):
    ...
    ValueError: base_url: 'https://x.org/?page=2' has a query or fragment: give the site root alone (like https://www.wilsoncenter.org)
    """
    label = repr(text) if shown is None else shown
    if _UNSAFE_URL_CHARS_RE.search(text):
        raise ValueError(f"{name}: {label} holds whitespace, a control character or a backslash")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{name}: {label} has no valid host and port") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: {label} is not an http(s) URL")
    if "@" in parts.netloc:
        raise ValueError(
            f"{name}: a URL with user info (user:password@) is refused; the crawl sends no credentials"
        )
    if port == 0:
        raise ValueError(f"{name}: {label} has port 0")
    if ":" in parts.hostname:
        problem = "has an IPv6 host, which the crawl cannot resolve (use a name or IPv4)"
        raise ValueError(f"{name}: {label} {problem}")
    if not _is_host_name(parts.hostname):
        raise ValueError(f"{name}: {label} has no valid host name")
    if _has_dot_segment(parts.path):
        raise ValueError(f"{name}: {label} {_DOT_SEGMENT_PROBLEM}")
    if site_root and ("?" in text or "#" in text):
        raise ValueError(
            f"{name}: {label} has a query or fragment: give the site root alone"
            " (like https://www.wilsoncenter.org)"
        )
    return text


_DOT_SEGMENT_PROBLEM = "has a '.' or '..' path segment: give the path it stands for"


def _has_dot_segment(path: str) -> bool:
    return any(unquote(segment) in (".", "..") for segment in path.split("/"))


def _is_host_name(host: str) -> bool:
    """Return whether *host* is a name the crawl can resolve (IDNA encoded), an IPv4 address included.

    >>> _is_host_name("www.wilsoncenter.org"), _is_host_name("bücher.de"), _is_host_name("127.0.0.1")
    (True, True, True)
    >>> _is_host_name("example..org"), _is_host_name("-x.org"), _is_host_name("a b.org")
    (False, False, False)
    """
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.lower().removesuffix(".").split(".")
    return len(ascii_host) <= 253 and all(_HOST_LABEL_RE.match(label) for label in labels)


def parse_base_url(value: Any, name: str = "base_url") -> str:
    """Return *value* as an http(s) site root without trailing slash (see :func:`check_url`).

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
    try:
        check_url(text, name, site_root=True)
    except ValueError as error:
        if "is not an http(s) URL" in str(error):
            raise ValueError(f"{error} (like https://www.wilsoncenter.org)") from None
        raise
    parts = urlsplit(text)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def parse_urls(
    value: Any, base: str | None = None, name: str = "start_urls", shown: list[str] | None = None
) -> tuple[str, ...]:
    """Return the comma-separated (or listed) URLs of *value*, absolute against *base*.

    Each must be one the crawl can request (:func:`check_url`). *shown*, one per item, is
    what an error message shows instead of the item (``line 3`` of a file, whose content
    is never echoed).

    >>> parse_urls("/program/x, http://127.0.0.1:8000/publication/y", "http://127.0.0.1:8000")
    ('http://127.0.0.1:8000/program/x', 'http://127.0.0.1:8000/publication/y')
    >>> parse_urls("", "https://x.org")
    ()
    >>> parse_urls("ftp://x.org/a")
    Traceback (most recent call last):
    ...
    ValueError: start_urls: 'ftp://x.org/a' is not an http(s) URL
    >>> parse_urls(["https://x.org/a", "root:x:0:0:root:/root:/bin/bash"], name="urls_file",
    ...            shown=["line 1", "line 2"])
    Traceback (most recent call last):
    ...
    ValueError: urls_file: line 2 is not an http(s) URL
    """
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    urls = []
    for index, item in enumerate(str(i).strip() for i in items):
        if not item:
            continue
        label = shown[index] if shown is not None else None
        if _has_scheme(item):
            full = item
        elif base is None:
            raise ValueError(f"{name}: {label or repr(item)} is not an http(s) URL")
        elif _has_dot_segment(urlsplit(item).path):  # urljoin would resolve them
            raise ValueError(f"{name}: {label or repr(item)} {_DOT_SEGMENT_PROBLEM}")
        else:
            full = urljoin(base, item)
        url = absolute_url(check_url(full, name, shown=label), full)
        if url is None:
            raise ValueError(f"{name}: {label or repr(item)} is not an http(s) URL")
        urls.append(url)
    return tuple(dict.fromkeys(urls))


def _has_scheme(text: str) -> bool:
    try:
        return bool(urlsplit(text).scheme)
    except ValueError:  # "http://[::1": a scheme, and a broken host that check_url reports
        return True


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
