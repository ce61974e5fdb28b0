"""Decode page bytes of any encoding and parse them once with lxml."""

from __future__ import annotations

import codecs
import re
import threading
from typing import Any

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

# lxml refuses NUL and most C0 control characters in text; tabs and newlines are fine.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(body: bytes) -> str:
    """Guess the encoding of bytes that declare none: UTF-8 if valid, else UnicodeDammit."""
    if _is_utf8(body):
        return "utf-8"
    from bs4.dammit import UnicodeDammit  # BeautifulSoup only decodes here, it parses nothing

    # Most undeclared non-UTF-8 pages of this corpus are Western; cp1252 first keeps
    # UnicodeDammit from guessing an exotic code page on a few accented letters.
    dammit = UnicodeDammit(body[:65536], known_definite_encodings=[], user_encodings=["cp1252"])
    return dammit.original_encoding or "cp1252"


# Single-byte Western encodings (codec names). Text in one of them that has any non-ASCII
# letter is almost never valid UTF-8, so valid UTF-8 declared as one of them is UTF-8: a
# page saved without its HTTP header (which said UTF-8) keeps a stale <meta charset>.
_LATIN_CODECS = frozenset({"ascii", "cp1252", "iso8859-1", "iso8859-15"})


def _is_latin_label(label: str) -> bool:
    try:
        return codecs.lookup(label.strip()).name in _LATIN_CODECS
    except LookupError:
        return False


def decode_html(html: str | bytes, content_type: str | None = None) -> str:
    """Return the page as text: a BOM, then the HTTP header, then ``<meta charset>``, then a guess.

    Declared Latin-1 is read as cp1252, as browsers do (w3lib's rules). Valid UTF-8 that
    ``<meta charset>`` (no BOM, no header) calls Latin-1 or cp1252 is read as UTF-8: saved
    pages lose the header that said so, and reading it as declared gives "AndrÃ©s".

    >>> decode_html("<p>caf\\u00e9</p>".encode("cp1252"))
    '<p>café</p>'
    >>> decode_html(b'<meta charset="windows-1252"><p>\\x93quoted\\x94</p>')[-15:]
    '<p>“quoted”</p>'
    >>> decode_html(b"\\xef\\xbb\\xbf<p>\\xc3\\xa9</p>")
    '<p>é</p>'
    >>> decode_html(b'<meta charset="iso-8859-1"><p>Andr\\xc3\\xa9s</p>')[-13:]
    '<p>Andrés</p>'
    """
    if isinstance(html, str):
        return html
    body = bytes(html)
    if not read_bom(body)[0] and not http_content_type_encoding(content_type):
        declared = html_body_declared_encoding(body)
        if declared and _is_latin_label(declared) and not body.isascii() and _is_utf8(body):
            return body.decode("utf-8")
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect_encoding)
    return text


def _utf8_by_declarations(body: bytes, content_type: str | None) -> bool | None:
    """Return what a BOM, the HTTP header or an XML declaration say of *body* being UTF-8:
    True or False, or None when none of them speaks (then ``<meta charset>`` decides, read
    from the parsed tree by _declares_other_encoding: w3lib's scan of the first 4 kB costs
    a tenth of a parse). A NUL byte means not UTF-8 (lxml refuses it).

    Whether the bytes are valid UTF-8 is left to lxml's parse (_parse_utf8): checking by
    decoding costs a decoded copy of every non-ASCII page.
    """
    if b"\x00" in body:
        return False
    declared = read_bom(body)[0] or http_content_type_encoding(content_type)
    if not declared and body[:256].lstrip()[:5].lower() == b"<?xml":
        declared = html_body_declared_encoding(body)
    return declared.lower() in _UTF8_NAMES if declared else None


_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)


def _declares_other_encoding(root: Any) -> bool:
    """Return whether the ``<head>`` of parsed *root* declares an encoding other than UTF-8
    (``<meta charset>`` or ``http-equiv`` Content-Type): then decode_html's rules decide.

    *root* was parsed from valid UTF-8, so a Latin-1 or cp1252 label does not count
    (decode_html would read such a page as UTF-8 too)."""
    head = root.find("head")
    for meta in head.iter("meta") if head is not None else ():
        label = meta.get("charset")
        if label is None:
            match = _CHARSET_RE.search(meta.get("content") or "")
            label = match[1] if match and (meta.get("http-equiv") or "").lower() == "content-type" else None
        if label is not None and label.strip():
            return label.strip().lower() not in _UTF8_NAMES and not _is_latin_label(label)
    return False


# One parser per thread, reused: building a parser costs about a third of parsing a page.
# The plain etree parser gives plain elements; lxml.html's looks up an element class in
# Python for every element that reaches Python, which costs more than the lookups themselves.
_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    return parser


def _parse_utf8(body: bytes) -> Any:
    """Return the lxml root of UTF-8 *body*; None when lxml finds no document in it, or
    finds bytes that are not UTF-8 (the page is then decoded by decode_html's rules)."""
    parser = _parser()
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if not body.isascii() and any(e.type == etree.ErrorTypes.ERR_INVALID_ENCODING for e in parser.error_log):
        return None
    return root


def parse_root(html: str | bytes, content_type: str | None = None) -> Any:
    r"""Return the lxml root element of the page; an empty document when nothing parses.

    Valid UTF-8 bytes (most pages) go to lxml as they are: decoding them here and encoding
    them again for lxml cost about half as much as the parse itself. Anything else is
    decoded by decode_html's rules first. Every page is read as HTML, XHTML too.

    >>> parse_root(b"<h1>Hi</h1>").findtext(".//h1")
    'Hi'
    >>> parse_root("<h1>caf\u00e9</h1>".encode("cp1252")).findtext(".//h1")
    'café'
    >>> parse_root(b"%PDF-1.7\x00\x01binary").find(".//h1") is None
    True
    """
    root = None
    body = bytes(html) if isinstance(html, (bytes, bytearray)) else None
    utf8 = _utf8_by_declarations(body, content_type) if body is not None else False
    if body and utf8 is not False:
        root = _parse_utf8(body)
        if root is not None and utf8 is None and _declares_other_encoding(root):
            root = None
    if root is None:
        text = _CONTROL_RE.sub("", decode_html(html, content_type))
        body = text.strip().encode("utf-8", "replace")  # "replace": lone surrogates
        root = _parse_utf8(body) if body else None
    return root if root is not None else _parse_utf8(b"<html></html>")


def parse_html(html: str | bytes, content_type: str | None = None) -> Selector:
    r"""Return a Selector over the page (see parse_root).

    >>> parse_html(b"<h1>Hi</h1>").css("h1::text").get()
    'Hi'
    """
    return Selector(root=parse_root(html, content_type), type="html")
