"""Decode page bytes of any encoding and parse them once into a parsel Selector."""

from __future__ import annotations

import re

from parsel import Selector
from w3lib.encoding import html_to_unicode

# lxml refuses NUL and most C0 control characters in text; tabs and newlines are fine.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A declaration must sit near the top to count; looking further costs time on big pages.
_SNIFF_BYTES = 4096


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


def parse_html(html: str | bytes, content_type: str | None = None) -> Selector:
    """Return a Selector over the page; an empty document when nothing parses.

    >>> parse_html(b"<h1>Hi</h1>").css("h1::text").get()
    'Hi'
    >>> parse_html(b"%PDF-1.7\\x00\\x01binary").css("h1").get() is None
    True
    """
    text = decode_html(html, content_type) or "<html></html>"
    try:
        return Selector(text=text)
    except ValueError:  # NUL or control characters: strip them only when lxml refuses them
        pass
    try:
        return Selector(text=_CONTROL_RE.sub("", text).encode("utf-8", "replace").decode("utf-8"))
    except (ValueError, TypeError):
        return Selector(text="<html></html>")
