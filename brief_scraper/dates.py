"""Dates: machine values first (ISO 8601, ``datetime`` attributes), then text via dateparser.

dateparser is slow when it has to guess the language, so it is the last resort, always called
with the page's language and with settings that make it deterministic (a fixed relative base,
all of day, month and year required).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?=$|[T\s])")
_ENGLISH_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
_LABEL_RE = re.compile(r"^\s*(posted(\s+date/time)?|published( on)?|date|updated)\s*:?\s*", re.I)
_FIXED_BASE = datetime(2100, 1, 1)  # dateparser fills gaps from "now"; we allow no gaps

_DATEPARSER_SETTINGS: dict[str, Any] = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RELATIVE_BASE": _FIXED_BASE,
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["custom-formats", "absolute-time"],
}
MIN_YEAR, MAX_YEAR = 1900, 2100


class Posted(NamedTuple):
    """A posting date as the record holds it."""

    date: str | None
    at: str | None
    raw: str | None


def parse_iso(value: str | None) -> tuple[str | None, str | None]:
    """Return ``(YYYY-MM-DD, ISO datetime with offset or None)`` from an ISO 8601 value.

    The day is the one the value's own offset gives, as the page's readers saw it.

    >>> parse_iso("2025-03-17T16:46:12-04:00")
    ('2025-03-17', '2025-03-17T16:46:12-04:00')
    >>> parse_iso("2020-12-10")
    ('2020-12-10', None)
    >>> parse_iso("2021-06-04T10:00:00Z")
    ('2021-06-04', '2021-06-04T10:00:00+00:00')
    >>> parse_iso("2019-05-01T10:00:00")
    ('2019-05-01', None)
    >>> parse_iso("March 2020")
    (None, None)
    """
    if not value:
        return None, None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        match = _ISO_DATE_RE.match(text)
        if not match:
            return None, None
        try:
            year, month, day = (int(part) for part in match.groups())
            moment = datetime(year, month, day)
        except ValueError:
            return None, None
        return _day(moment), None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None, None
    at = moment.isoformat() if moment.tzinfo is not None and "T" in text.replace(" ", "T", 1) else None
    return _day(moment), at


def _day(moment: date) -> str | None:
    return moment.strftime("%Y-%m-%d") if MIN_YEAR <= moment.year <= MAX_YEAR else None


# Date-shaped pieces of longer text ("Veröffentlicht am 5. April 2017 von ..."), tried in turn.
_NUMERIC_DMY_RE = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
_NUMERIC_YMD_RE = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")
_NUMERIC_SLASH_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
# Month names of the languages most pages here are written in, so that common dates never
# need dateparser (about 5 ms a call). Abbreviations are the names' first three letters.
_MONTH_NAMES = {
    "en": "january february march april may june july august september october november december",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
MONTHS: dict[str, int] = {}
for _names in _MONTH_NAMES.values():
    for _number, _name in enumerate(_names.split(), start=1):
        MONTHS.setdefault(_name, _number)
        MONTHS.setdefault(_name[:3], _number)
MONTHS.update({"sept": 9, "mrz": 3, "jänner": 1, "setembro": 9, "sep": 9})
_MONTH_FIRST_RE = re.compile(r"\b([^\W\d_]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?([^\W\d_]{3,10})\.?,?\s+(?:de\s+)?(\d{4})\b"
)
_WORDY_RES = (
    re.compile(r"\b[^\W\d_]{3,12}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b"),  # March 11, 2020
    re.compile(
        r"\b\d{1,2}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?[^\W\d_]{3,12}\.?,?\s+(?:de\s+)?\d{4}\b"
    ),  # 5. April 2017
)


def parse_date_text(text: str | None, language: str | None = None) -> str | None:
    """Return ``YYYY-MM-DD`` for a date written for people, in the page's *language*.

    A short text is read whole; a longer one by its date-shaped pieces. Numbers go through
    regexes (day.month.year; month/day/year only for English pages), English month names
    through ``strptime``, anything else through dateparser with ``languages=[language]`` (or
    English and Spanish when the page does not say).

    >>> parse_date_text("Posted date/time: March 17, 2025")
    '2025-03-17'
    >>> parse_date_text("10 de diciembre de 2020", "es")
    '2020-12-10'
    >>> parse_date_text("Jan 15, 2018")
    '2018-01-15'
    >>> parse_date_text("Veröffentlicht am 5. April 2017 von Anna", "de")
    '2017-04-05'
    >>> parse_date_text("12.03.2021, 14:00 Uhr", "de"), parse_date_text("11/01/2023 12:43", "en")
    ('2021-03-12', '2023-11-01')
    >>> parse_date_text("March 2020") is None
    True
    >>> parse_date_text("") is None
    True
    """
    if not text:
        return None
    cleaned = _LABEL_RE.sub("", " ".join(text.split()))
    if not cleaned or len(cleaned) > 200 or not re.search(r"\d", cleaned):
        return None
    iso_day, _ = parse_iso(cleaned)
    if iso_day:
        return iso_day
    day = _parse_numeric(cleaned, language) or _parse_month_name(cleaned)
    if day:
        return day
    pieces = [cleaned] if len(cleaned) <= 40 else []
    pieces += [m.group(0) for rx in _WORDY_RES for m in rx.finditer(cleaned)]
    for piece in pieces:
        for fmt in _ENGLISH_FORMATS:
            try:
                return _day(datetime.strptime(piece.replace(",", ", ").replace("  ", " "), fmt))
            except ValueError:
                continue
        day = _parse_with_dateparser(piece, _languages_for(language))
        if day:
            return day
    return None


def _parse_month_name(text: str) -> str | None:
    """Return the day of "March 11, 2020" or "5. Oktober 2013" shapes with a known month name."""
    for match in _MONTH_FIRST_RE.finditer(text):
        month = MONTHS.get(match.group(1).lower())
        if month:
            return _safe_day(int(match.group(3)), month, int(match.group(2)))
    for match in _DAY_FIRST_RE.finditer(text):
        month = MONTHS.get(match.group(2).lower())
        if month:
            return _safe_day(int(match.group(3)), month, int(match.group(1)))
    return None


def _safe_day(year: int, month: int, day: int) -> str | None:
    try:
        return _day(date(year, month, day))
    except ValueError:
        return None


def _parse_numeric(text: str, language: str | None) -> str | None:
    for regex, order in ((_NUMERIC_YMD_RE, "ymd"), (_NUMERIC_DMY_RE, "dmy"), (_NUMERIC_SLASH_RE, "slash")):
        match = regex.search(text)
        if not match:
            continue
        a, b, c = map(int, match.groups())
        if order == "ymd":
            year, month, day = a, b, c
        elif order == "dmy":
            day, month, year = a, b, c
        else:  # m/d/Y in US English, d/m/Y elsewhere; a day over 12 settles it either way
            english = (language or "en").lower().replace("_", "-") in ("en", "en-us")
            month, day = (a, b) if (english and a <= 12) or b > 12 else (b, a)
            year = c
        try:
            return _day(date(year, month, day))
        except ValueError:
            continue
    return None


def _languages_for(language: str | None) -> tuple[str, ...]:
    primary = (language or "").split("-")[0].lower()
    return (primary,) if primary and primary != "en" else ("en", "es")


@cache
def _parse_with_dateparser(text: str, languages: tuple[str, ...]) -> str | None:
    import dateparser  # imported late: it costs about a second and most pages never need it

    try:
        parsed = dateparser.parse(text, languages=list(languages), settings=_DATEPARSER_SETTINGS)
    except (ValueError, TypeError, OverflowError, LookupError):
        return None
    return _day(parsed) if parsed else None


def parse_posted(machine: str | None, text: str | None, language: str | None = None) -> Posted:
    """Return the posting date from a machine value and/or the text shown to readers.

    >>> parse_posted("2025-03-17T16:46:12-04:00", "March 17, 2025")
    Posted(date='2025-03-17', at='2025-03-17T16:46:12-04:00', raw='March 17, 2025')
    >>> parse_posted(None, "10 de diciembre de 2020", "es")
    Posted(date='2020-12-10', at=None, raw='10 de diciembre de 2020')
    >>> parse_posted(None, "sometime soon")
    Posted(date=None, at=None, raw='sometime soon')
    """
    raw = " ".join(_LABEL_RE.sub("", text).split()) if text else None
    day, at = parse_iso(machine)
    if not day:
        # A machine value with slashes follows the US order whatever the page's language.
        day = parse_date_text(raw, language) or parse_date_text(machine, "en")
    return Posted(day, at, raw or (machine.strip() if machine and machine.strip() else None))


# /2023/11/08/, /2023-11-08-, /20231108/ in a URL's path: the day a site filed a story under.
_URL_DATE_RES = (
    re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"),
    re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|$|[-_])"),
)


def date_from_url(url: str | None) -> str | None:
    """Return the ``YYYY-MM-DD`` a URL's path carries, or None (a month alone is no day).

    >>> date_from_url("https://nypost.com/2023/11/08/news/some-story/")
    '2023-11-08'
    >>> date_from_url("https://example.org/blog/2019-01-01-new-year.html")
    '2019-01-01'
    >>> date_from_url("https://example.org/2018/06/privacy.html") is None
    True
    """
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for regex in _URL_DATE_RES:
        match = regex.search(path)
        if match:
            try:
                return _day(date(*map(int, match.groups())))
            except ValueError:
                continue
    return None
