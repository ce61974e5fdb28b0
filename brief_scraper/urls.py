"""URL helpers: make links absolute and safe, compare hosts, recognise documents."""

from __future__ import annotations

import mimetypes
import re
from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string, url_query_cleaner

DOCUMENT_EXTENSIONS = frozenset(
    {".pdf", ".doc", ".docx", ".epub", ".ppt", ".pptx", ".xls", ".xlsx", ".csv", ".zip"}
)
# Query parameters that say who sent the visitor, never which page it is.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
    }
)
TRACKING_PREFIXES = ("utm_",)


# Links that are already what absolute_url() would make of them, but for the host's case and
# the fragment: http(s), a plain host, no dot segments, only characters that need no quoting
# (nor ";", which urljoin reads as path parameters).
# Most links on a page are like this, and urljoin() plus safe_url_string() cost about 15 µs.
_PATH_CHAR = r"(?:[A-Za-z0-9\-_~!$&'()*+,=:@/]|\.(?![./?#]|$)|%[0-9A-Fa-f]{2})"
_QUERY_CHAR = r"(?:[A-Za-z0-9\-_~!$&()*+,;=:@/?.]|%[0-9A-Fa-f]{2})"  # "'" is quoted in queries
_PLAIN_REST = rf"(?:/{_PATH_CHAR}*)?(?:\?{_QUERY_CHAR}+)?"  # an empty query ("?") goes
_PLAIN_ABSOLUTE_RE = re.compile(
    rf"(?P<origin>https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{{1,4}})?)"
    rf"(?P<rest>{_PLAIN_REST})(?:#.*)?",
    re.S,
)
_PLAIN_PATH_RE = re.compile(rf"(?P<rest>/(?!/){_PATH_CHAR}*(?:\?{_QUERY_CHAR}+)?)(?:#.*)?", re.S)


@lru_cache(maxsize=64)
def _origin(base: str) -> str | None:
    """Return the lower-case ``scheme://host[:port]`` of a plain http(s) *base*, else None."""
    match = _PLAIN_ABSOLUTE_RE.fullmatch(base)
    return match["origin"].lower() if match else None


def absolute_url(href: str | None, base: str) -> str | None:
    """Return *href* resolved against *base*, percent-encoded, without fragment.

    Only http(s) results are kept: ``mailto:``, ``javascript:`` and empty links give None.

    >>> absolute_url("/sites/default/files/My Brief.pdf#page=2", "https://www.wilsoncenter.org/a")
    'https://www.wilsoncenter.org/sites/default/files/My%20Brief.pdf'
    >>> absolute_url("HTTPS://Example.ORG?q=1#x", "https://example.org/")
    'https://example.org/?q=1'
    >>> absolute_url("mailto:x@example.org", "https://example.org/") is None
    True
    >>> absolute_url("  ", "https://example.org/") is None
    True
    """
    if not href or not href.strip():
        return None
    href = href.strip()
    plain = _PLAIN_ABSOLUTE_RE.fullmatch(href)
    if plain:
        rest = plain["rest"]
        return plain["origin"].lower() + (rest if rest.startswith("/") else "/" + rest)
    if href.startswith("/"):
        origin = _origin(base)
        plain = _PLAIN_PATH_RE.fullmatch(href) if origin else None
        if origin and plain:
            return origin + plain["rest"]
    return _absolute_url_slow(href, base)


def _absolute_url_slow(href: str, base: str) -> str | None:
    """absolute_url() for any link: urljoin, then w3lib's percent-encoding."""
    try:
        joined = urljoin(base, href)
        parts = urlsplit(safe_url_string(joined))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def host_of(url: str | None) -> str:
    """Return the lower-case host of *url* without a leading ``www.``; "" when it has none.

    >>> host_of("https://WWW.WilsonCenter.org/publication/x")
    'wilsoncenter.org'
    >>> host_of("not a url")
    ''
    """
    if not url:
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def is_same_site(url: str | None, other: str | None) -> bool:
    """Return whether two URLs are on the same host, ``www.`` aside.

    >>> is_same_site("https://www.wilsoncenter.org/a", "http://wilsoncenter.org/b")
    True
    >>> is_same_site("https://cdn.example.org/a.pdf", "https://example.org/")
    False
    """
    return bool(host_of(url)) and host_of(url) == host_of(other)


def path_extension(url: str) -> str:
    """Return the lower-case extension of the URL's path (``.pdf``), or "".

    >>> path_extension("https://x.org/files/A%20B.PDF?v=2")
    '.pdf'
    """
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_document_url(url: str | None) -> bool:
    """Return whether *url* names a document file (PDF, Word, spreadsheet...).

    >>> is_document_url("https://x.org/sites/default/files/brief.pdf")
    True
    >>> is_document_url("https://x.org/publication/brief")
    False
    """
    return bool(url) and path_extension(url or "") in DOCUMENT_EXTENSIONS


def guess_media_type(url: str) -> str | None:
    """Return the MIME type that the URL's file name suggests, or None.

    >>> guess_media_type("https://x.org/a%20b.pdf")
    'application/pdf'
    """
    return mimetypes.guess_type(urlsplit(url).path)[0]


def is_tracking_parameter(name: str) -> bool:
    """Return whether the query parameter *name* only tracks a visit (``utm_*``, ``fbclid``...).

    >>> is_tracking_parameter("utm_source"), is_tracking_parameter("UTM_Medium")
    (True, True)
    >>> is_tracking_parameter("page")
    False
    """
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMETERS or key.startswith(TRACKING_PREFIXES)


def canonicalize_url(href: str | None, base: str | None = None) -> str | None:
    """Return *href* as :func:`absolute_url` does, also without tracking parameters.

    *base* resolves a relative *href* (default: *href* itself, so it must be absolute). The
    other query parameters keep their order and encoding; an empty query goes.

    >>> canonicalize_url("https://Example.org/a?id=3&utm_source=x&fbclid=1#top")
    'https://example.org/a?id=3'
    >>> canonicalize_url("/b?utm_medium=email", "https://example.org/a")
    'https://example.org/b'
    >>> canonicalize_url("ftp://example.org/file") is None
    True
    """
    url = absolute_url(href, base or href or "")
    if url is None or not urlsplit(url).query:
        return url
    keys = (piece.partition("=")[0] for piece in urlsplit(url).query.split("&"))
    tracking = [key for key in keys if is_tracking_parameter(key)]
    return url_query_cleaner(url, tracking, remove=True, unique=False) if tracking else url
