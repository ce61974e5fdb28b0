"""Decode page bytes of any encoding and parse them once into a parsel Selector."""

from __future__ import annotations

import re

from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

# lxml refuses NUL and most C0 control characters in text; tabs and newlines are fine.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


def _detect_encoding(body: bytes) -> str:
    """Guess the encoding of bytes that declare none: UTF-8 if valid, else UnicodeDammit."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    from bs4.dammit import UnicodeDammit  # BeautifulSoup only decodes here, it parses nothing

    # Most undeclared non-UTF-8 pages of this corpus are Western; cp1252 first keeps
    # UnicodeDammit from guessing an exotic code page on a few accented letters.
    dammit = UnicodeDammit(body[:65536], known_definite_encodings=[], user_encodings=["cp1252"])
    return dammit.original_encoding or "cp1252"


def decode_html(html: str | bytes, content_type: str | None = None) -> str:
    """Return the page as text: a BOM, then the HTTP header, then ``<meta charset>``, then a guess.

    Declared Latin-1 is read as cp1252, as browsers do (w3lib's rules).

    >>> decode_html("<p>caf\\u00e9</p>".encode("cp1252"))
    '<p>café</p>'
    >>> decode_html(b'<meta charset="windows-1252"><p>\\x93quoted\\x94</p>')[-15:]
    '<p>“quoted”</p>'
    >>> decode_html(b"\\xef\\xbb\\xbf<p>\\xc3\\xa9</p>")
    '<p>é</p>'
    """
    if isinstance(html, str):
        return html
    _, text = html_to_unicode(content_type, bytes(html), auto_detect_fun=_detect_encoding)
    return text


def _is_utf8(body: bytes, content_type: str | None) -> bool:
    """Return whether *body* is UTF-8 by the same rules decode_html follows, and valid."""
    declared = (
        read_bom(body)[0] or http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    )
    if declared and declared.lower() not in _UTF8_NAMES:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in body


def parse_html(html: str | bytes, content_type: str | None = None) -> Selector:
    r"""Return a Selector over the page; an empty document when nothing parses.

    Valid UTF-8 bytes (most pages) go to lxml as they are: decoding them here and encoding
    them again for lxml cost about half as much as the parse itself. Anything else is
    decoded by decode_html's rules first.

    >>> parse_html(b"<h1>Hi</h1>").css("h1::text").get()
    'Hi'
    >>> parse_html("<h1>caf\u00e9</h1>".encode("cp1252")).css("h1::text").get()
    'café'
    >>> parse_html(b"%PDF-1.7\x00\x01binary").css("h1").get() is None
    True
    """
    if isinstance(html, (bytes, bytearray)) and html and _is_utf8(bytes(html), content_type):
        try:
            return Selector(body=bytes(html), encoding="utf-8")
        except (ValueError, TypeError):
            pass
    text = decode_html(html, content_type) or "<html></html>"
    try:
        return Selector(text=text)
    except ValueError:  # NUL or control characters: strip them only when lxml refuses them
        pass
    try:
        return Selector(text=_CONTROL_RE.sub("", text).encode("utf-8", "replace").decode("utf-8"))
    except (ValueError, TypeError):
        return Selector(text="<html></html>")
