"""Small text helpers: clean whitespace, join paragraphs, strip outer quotes."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

# str.split() splits on what Python's re calls \s: NBSP and the other Unicode spaces too.
# Zero-width characters are not spaces, so they are removed first.
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = dict.fromkeys(map(ord, _ZERO_WIDTH_CHARS))
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
_OPEN_QUOTES = "\"'“”„«‹‘’‚"
_CLOSE_QUOTES = "\"'”“»›’‘"


def clean_text(value: str | None) -> str | None:
    r"""Return *value* NFC-normalised, single-spaced and trimmed; None if nothing is left.

    >>> clean_text("  Mexico\u00a0 Institute\n")
    'Mexico Institute'
    >>> clean_text(" \t ") is None
    True
    >>> clean_text(None) is None
    True
    >>> clean_text("e\u200b\u0301") == clean_text(clean_text("e\u200b\u0301")) == "\u00e9"
    True
    """
    if not value:
        return None
    if not value.isascii():  # ASCII text has nothing to compose and no zero-width characters
        # Zero-width characters go before NFC: removed after it, they could leave uncomposed
        # pairs. translate() looks up every character in Python: only when there are some.
        if _ZERO_WIDTH_RE.search(value):
            value = value.translate(_ZERO_WIDTH)
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split()) or None  # split() drops every run of spaces, ends too


# An entity with its semicolon. html.unescape() alone would also read "&copy" in "?a=1&copy=2"
# or "&not" in "Q&notes" as HTML5's legacy entities.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLOCK_TAG_RE = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|tr|table)\b[^<>]*>", re.I)
_INLINE_TAG_RE = re.compile(
    r"</?(?:a|b|i|u|em|strong|span|small|sup|sub|abbr|cite|code|mark|q|s|time|font)\b[^<>]*>", re.I
)
# Excerpts cut by a CMS end in a link to the rest: its words are not the piece's.
_READ_MORE_LINK_RE = re.compile(
    r"<a\b[^<>]*>\s*(?:read more|continue reading|more|weiterlesen|mehr|leer más|seguir leyendo"
    r"|lire la suite|lire plus)\b[^<]{0,12}</a>",
    re.I,
)
# CMSs escape metadata once per layer they pass through: "AT&amp;amp;T" has been through two.
_MAX_ESCAPES = 4


def decode_markup(value: str | None) -> str | None:
    r"""Return a metadata value (a ``<meta>`` content, a JSON-LD string) as plain text: HTML
    entities decoded however often it was escaped, HTML tags dropped (block tags leave a
    paragraph break), a "Read more" link dropped with its words. Whitespace is left to
    clean_text() and clean_paragraphs().

    Only the tags of HTML's text markup are dropped: a "<" in prose stays.

    >>> decode_markup('The incident happened near<a class="more" href="/x">Read More</a>')
    'The incident happened near'
    >>> decode_markup("if x < y and a<b")
    'if x < y and a<b'

    >>> decode_markup("AT&amp;amp;T and she&amp;#39;s")
    "AT&T and she's"
    >>> clean_paragraphs(decode_markup("<p>One <em>NDR</em> story.</p><p>Two.</p>"))
    'One NDR story.\n\nTwo.'
    >>> decode_markup("https://x.org/i.php?a=1&amp;copy=2&not=3")
    'https://x.org/i.php?a=1&copy=2&not=3'
    """
    if not value or ("&" not in value and "<" not in value):
        return value
    for _ in range(_MAX_ESCAPES):
        decoded = _ENTITY_RE.sub(lambda entity: html.unescape(entity[0]), value)
        if decoded == value:
            break
        value = decoded
    if "<" in value:
        value = _INLINE_TAG_RE.sub("", _BLOCK_TAG_RE.sub("\n\n", _READ_MORE_LINK_RE.sub("", value)))
    return value


# A page that files itself under more tags than this lists a vocabulary (a site's every
# keyword, a syndication network's every paper), not what the piece is about. The
# evaluation pages' lists run to 43 (a games round-up), then jump to 130.
MAX_TOPICS = 100
# A topic is a name, not a sentence: longer "keywords" are text split on its commas.
MAX_TOPIC_LENGTH = 80


def keyword_topics(values: Iterable[object]) -> list[str]:
    """Return the topics a metadata keyword list names: plain, each once, in order; none
    when the list is too long to be about one piece.

    An entry too long for a name but with commas is itself a list ("Higher education,
    Academics,Lecturers' pay,..." in one ``article:tag``).

    >>> keyword_topics(["Trade", " trade&amp;tariffs ", "", 7, "Trade", "Washington, D.C."])
    ['Trade', 'trade&tariffs', 'Washington, D.C.']
    >>> keyword_topics(["Higher education,Academics,Lecturers' pay,Gig economy,Students,Trade unions,"
    ...                 "Office for Students"])[-3:]
    ['Students', 'Trade unions', 'Office for Students']
    >>> keyword_topics(f"tag {n}" for n in range(MAX_TOPICS + 1))
    []
    """
    names = []
    for value in values:
        name = clean_text(decode_markup(value)) if isinstance(value, str) else None
        if name and len(name) > MAX_TOPIC_LENGTH and "," in name:
            names += [part for part in map(clean_text, name.split(",")) if part]
        elif name:
            names.append(name)
    topics = list(dict.fromkeys(name for name in names if len(name) <= MAX_TOPIC_LENGTH))
    return topics if len(topics) <= MAX_TOPICS else []


def join_paragraphs(paragraphs: Iterable[str | None]) -> str | None:
    r"""Return the non-empty cleaned *paragraphs* joined by a blank line; None if none.

    >>> join_paragraphs(["  One\n two ", "", None, "Three"])
    'One two\n\nThree'
    >>> join_paragraphs([" "]) is None
    True
    """
    kept = [p for p in map(clean_text, paragraphs) if p]
    return "\n\n".join(kept) or None


def clean_paragraphs(value: str | None) -> str | None:
    r"""Return multi-paragraph *value* cleaned, paragraphs kept apart by a blank line.

    A paragraph break is a blank line; single newlines are ordinary spaces.

    >>> clean_paragraphs("One\ntwo\n\n\n  Three ")
    'One two\n\nThree'
    """
    if not value:
        return None
    return join_paragraphs(re.split(r"\n\s*\n", value))


def strip_outer_quotes(value: str | None) -> str | None:
    """Return *value* without one pair of quotation marks around the whole of it.

    Inner quotes stay; a quote that opens but never closes is removed too, since pull quotes
    are often cut.

    >>> strip_outer_quotes('"The entry into force ... “intermestic” ... relevant."')
    'The entry into force ... “intermestic” ... relevant.'
    >>> strip_outer_quotes("“Cut short")
    'Cut short'
    >>> strip_outer_quotes('He said "no"')
    'He said "no"'
    """
    if not value:
        return None
    text = value.strip()
    if text[:1] in _OPEN_QUOTES and text[:1] not in "'’":
        text = text[1:]
        if text[-1:] in _CLOSE_QUOTES and text[-1:] not in "'’":
            text = text[:-1]
    return text.strip() or None


def normalize_language(value: str | None) -> str | None:
    """Return a lower-case BCP 47 tag from a declared language (``en_US`` -> ``en-us``).

    >>> normalize_language("en_US"), normalize_language(" ES "), normalize_language("english")
    ('en-us', 'es', None)
    """
    text = (clean_text(value) or "").replace("_", "-").lower()
    return text if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", text) else None
