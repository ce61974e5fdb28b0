"""URL helpers: make links absolute and safe, compare hosts, recognise documents."""

from __future__ import annotations

import mimetypes
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


def absolute_url(href: str | None, base: str) -> str | None:
    """Return *href* resolved against *base*, percent-encoded, without fragment.

    Only http(s) results are kept: ``mailto:``, ``javascript:`` and empty links give None.

    >>> absolute_url("/sites/default/files/My Brief.pdf#page=2", "https://www.wilsoncenter.org/a")
    'https://www.wilsoncenter.org/sites/default/files/My%20Brief.pdf'
    >>> absolute_url("mailto:x@example.org", "https://example.org/") is None
    True
    >>> absolute_url("  ", "https://example.org/") is None
    True
    """
    if not href or not href.strip():
        return None
    try:
        joined = urljoin(base, href.strip())
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
    return bool(url) and path_extension(url) in DOCUMENT_EXTENSIONS


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
