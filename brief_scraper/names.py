"""Names: splitting bylines, telling people from organizations, the site's own name.

Every layer credits authors, and they must all mean the same by a name: one place decides
how a byline is split and cleaned, whether a name is a person or an organization, and
whether it is the site itself (a publisher is no author). Pure string functions, no page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from brief_scraper.record import Author
from brief_scraper.text import clean_text

Kind = Literal["person", "organization"]

_PREFIX_RE = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|story|text|photos?|recipe|eingestellt|geschrieben|verfasst"
    r"|erstellt|publié|publicado|escrito)\s+)?(?:by\s*:?\s*(?=(?-i:[A-ZÀ-Þ]))"
    # "Von", "De": a byline's first word is capitalised; "von Goethe", "de la Cruz" are names.
    r"|(?-i:Von|VON|Par|PAR|Por|POR|De|DE|Door|Af|Av)\s*:?\s+|(?-i:von|par|por)\s*:?\s+(?=(?-i:[A-ZÀ-Þ])))"
    r"|^\s*(?:author|autor|autorin|auteur|autora)\s*:\s*",
    re.I,
)
_CUT_RE = re.compile(
    r"\s*(?:\||•|·|—|–|\bon\s+\w+\s+\d|\bam\s+(?:mo|di|mi|do|fr|sa|so)[a-z]*\b|\bpublished\b|\bupdated\b|\bposted\b|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d).*$",
    re.I,
)
_SPLIT_RE = re.compile(r"\s*(?:,\s*and\s+|\s+and\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s+e\s+|\s*&\s*|;|,)\s*", re.I)
_NOT_A_NAME_RE = re.compile(
    r"https?:|www\.|@|\.(?:com|de|org|net|fr|co|uk|info|ch|at)\b|\d|^(?:admin|administrator|author|autor"
    r"|auteur|autora|editor|staff|guest|anonymous|unknown|no author|comments?|share|follow|about|more|by"
    r"|datum|date|quelle|source|text|fotos?|photos?|bild|nachricht|red|agencies|von|par|por|de|door"
    r"|written by|posted by|published|updated)$",
    re.I,
)
_UI_WORDS_RE = re.compile(
    r"\b(?:share|facebook|twitter|linkedin|instagram|whatsapp|follow|comments?|e-?mail|print|subscribe"
    r"|posts?|view|read|profile|contact|newsletter|articles?|beiträge|artikel|archive|search|menu|login"
    r"|sign|home|news|updated|published|veröffentlicht|erstellt|min|minutes?|©)\b",
    re.I,
)
MAX_BYLINE_NAMES = 6
_LABELLED_BY_RE = re.compile(r"(?<=\s)(?-i:By|Von|Par|Por)\s+(?=(?-i:[A-ZÀ-Þ]))")
_MAX_LABEL = 24  # characters of a label before "By" ("Post author", "Written and edited")


def squash(text: str) -> str:
    """Return *text* case-folded with everything but letters and digits removed.

    >>> squash("Wilson Center"), squash("wilsoncenter.org"), squash("Süd-Kurier")
    ('wilsoncenter', 'wilsoncenterorg', 'südkurier')
    """
    return re.sub(r"[\W_]+", "", text.casefold())


@lru_cache(maxsize=64)
def _site_keys_of(site_names: tuple[str, ...]) -> frozenset[str]:
    keys = {squash(n) for n in site_names} | {squash(n.rsplit(".", 1)[0]) for n in site_names if "." in n}
    keys.discard("")
    return frozenset(keys)


def _site_keys(site_names: list[str]) -> frozenset[str]:
    """Return the squashed forms a site goes by: each name, and each host without its TLD
    (remembered: a page's thousand authors are each checked against the same few names)."""
    return _site_keys_of(tuple(site_names))


def is_site_name(name: str, site_names: list[str]) -> bool:
    """Return whether *name* is the site's own name (a publisher, not a byline).

    >>> is_site_name("Perez Hilton", ["PerezHilton", "perezhilton.com"])
    True
    >>> is_site_name("Jane Doe", ["Example News", "example.org"])
    False
    """
    squashed = squash(name)
    return bool(squashed) and any(
        squashed == n or (len(n) > 4 and n in squashed) for n in _site_keys(site_names)
    )


def looks_like_name(text: str, site_names: set[str]) -> bool:
    """Return whether *text* can be a person's or an organization's name in a byline.

    >>> looks_like_name("Jane Doe", set()), looks_like_name("Follow", set())
    (True, False)
    >>> looks_like_name("Read the full story at example.com", set())
    False
    """
    text = text.rstrip(" :")
    words = text.split()
    if not 1 <= len(words) <= 5 or len(text) > 60 or _NOT_A_NAME_RE.search(text) or _UI_WORDS_RE.search(text):
        return False
    if text.casefold() in site_names:
        return False
    return any(w[:1].isupper() for w in words) or len(words) == 1


def split_names(value: str) -> list[str]:
    """Return the names in a byline or an author field, without "By" and empty parts.

    Splits on ; , & and the words for "and" ("Anderson" stays whole); checks nothing else,
    so metadata that names an organization keeps it.

    >>> split_names("By Jane Doe and John Roe")
    ['Jane Doe', 'John Roe']
    >>> split_names("Duncan Wood; Andrew Selee & Carlos Heredia")
    ['Duncan Wood', 'Andrew Selee', 'Carlos Heredia']
    >>> split_names("Andrea Anderson")
    ['Andrea Anderson']
    """
    text = _PREFIX_RE.sub("", clean_text(value) or "")
    names = (clean_text(part.strip(" ,:-")) for part in _SPLIT_RE.split(text))
    return list(dict.fromkeys(n for n in names if n))


def names_in_byline(text: str | None, site_names: set[str]) -> list[str]:
    """Return the names a byline's text gives, without "By", dates and titles.

    >>> names_in_byline("By Jane Doe and John Roe | March 3, 2024", set())
    ['Jane Doe', 'John Roe']
    >>> names_in_byline("Von Max Mustermann, 12.03.2021", set())
    ['Max Mustermann']
    >>> names_in_byline("Share on Facebook", set())
    []
    >>> names_in_byline("Post author By Jane Doe", set())
    ['Jane Doe']
    """
    cleaned = clean_text(text)
    if not cleaned or len(cleaned) > 200:
        return []
    label = _LABELLED_BY_RE.search(cleaned)  # "Post author By Jane Doe": a label, then the byline
    if label and label.start() <= _MAX_LABEL:
        cleaned = cleaned[label.end() :]
    cleaned = _CUT_RE.sub("", _PREFIX_RE.sub("", cleaned)).strip(" ,:-")
    return [n for n in split_names(cleaned) if looks_like_name(n, site_names)][:MAX_BYLINE_NAMES]


# Suffixes and roles that may follow a comma in a person's name: "Jr.", "PhD".
_NAME_SUFFIX_RE = re.compile(r"^(?:jr|sr|ii|iii|iv|phd|ph\.d|md|esq|mba|msc|dr|prof)\.?$", re.I)


def turn_family_first(name: str) -> str:
    """Return a "Family, Given" name (Highwire ``citation_author``) as the page shows names.

    >>> turn_family_first("García, María José")
    'María José García'
    >>> turn_family_first("de la Cruz Moreno, Luis")
    'Luis de la Cruz Moreno'
    >>> turn_family_first("Jane Doe"), turn_family_first("Doe, Jr.")
    ('Jane Doe', 'Doe, Jr.')
    >>> turn_family_first("RAND Corporation, Santa Monica, CA")
    'RAND Corporation, Santa Monica, CA'
    """
    parts = [p.strip() for p in name.split(",")]
    if len(parts) != 2 or not all(parts) or _NAME_SUFFIX_RE.match(parts[1]):
        return name
    family, given = parts
    if not (1 <= len(family.split()) <= 4 and 1 <= len(given.split()) <= 4) or author_kind(name) != "person":
        return name
    return f"{given} {family}"


# What organizations are called, in the languages the text layer reads: a word of their
# kind (institute, agency, newsroom...), a legal form, or a wire service's name.
_ORGANIZATION_WORDS_RE = re.compile(
    r"\b(?:institut[eo]?s?|institution|programs?|programmes?|programa|center|centre|centro|zentrum"
    r"|council|conseil|consejo|foundation|fundaci[oó]n|funda[cç][aã]o|fondation|stiftung|association"
    r"|asociaci[oó]n|associa[cç][aã]o|verband|verein|society|soci[eé]t[eé]|agency|agence|agencia"
    r"|ag[eê]ncia|agentur|university|universidad|universit[eé]|universit[aä]t|universidade|college"
    r"|school|department|departement|ministry|minist[eè]re|ministerio|ministerium|bureau|office"
    r"|commission|committee|komitee|initiative|iniciativa|project|projekt|forum|network|netzwerk"
    r"|group|gruppe|grupo|press|presse|prensa|news|nachrichten|noticias|newsroom|newsdesk|desk|media"
    r"|staff|editors?|editorial|team|redaktion|rédaction|redacción|reda[cç][aã]o|redazione"
    r"|bundestagsfraktion|fraktion|partei|party|government|gobierno|regierung|police|polizei"
    r"|feuerwehr|corporation|company|companies|inc|ltd|llc|llp|gmbh|ag|s\.a|plc|corp|kg|e\.\s?v"
    r"|reuters|afp|dpa|efe|ansa|xinhua|kyodo|associated press|canadian press|bloomberg|epd|kna)\b\.?",
    re.I,
)


def author_kind(name: str) -> Kind:
    """Return whether *name* names an organization or a person.

    >>> author_kind("Mexico Institute"), author_kind("The Associated Press"), author_kind("Redaktion")
    ('organization', 'organization', 'organization')
    >>> author_kind("wegewerk GmbH"), author_kind("Duncan Wood"), author_kind("Andrea Presser")
    ('organization', 'person', 'person')
    """
    return "organization" if _ORGANIZATION_WORDS_RE.search(name) else "person"


# Words that make a byline the newsroom rather than a person: "TMZ Staff", "N-Land Redaktion".
_DESK_WORDS_RE = re.compile(
    r"\b(?:staff|team|redaktion|redazione|redacción|rédaction|redação|editorial|editors?|newsroom|newsdesk"
    r"|desk|correspondent|reporters?|online|company|media|digital)\b",
    re.I,
)
_HANDLE_RE = re.compile(r"\s*@\w+\s*$")
# A position after a name, or alone in a list of names: "Jane Doe, Senior Editor",
# "Andrew Bosworth, Chief Technology Officer". Role words only: no name consists of them.
_ROLE = (
    r"(?:(?:senior|chief|managing|executive|deputy|associate|contributing|staff|guest|freier?|leitende[rn]?)\s+)?"
    r"(?:editor(?:-in-chief)?|editorial director|chefredakteur(?:in)?|redakteur(?:in)?|reporter(?:in)?"
    r"|correspondent|korrespondent(?:in)?|contributor|writer|columnist|kolumnist(?:in)?|journalist(?:in)?"
    r"|(?:technology |executive |operating |financial )?officer|head of [\w &-]+|director(?: of [\w &-]+)?"
    r"|president|professor|(?:research |senior |non-resident )?fellow|analyst|researcher"
    r"|expert(?:e|in)? (?:für|for|on) [\w &-]+)"
)
# After a separator only: without one, "Antrim Court Reporter" is a newspaper's name.
_TRAILING_ROLE_RE = re.compile(rf"\s*[,|–—]\s*{_ROLE}\s*$", re.I)
_ROLE_ONLY_RE = re.compile(rf"^\s*{_ROLE}\s*$", re.I)
# Picture and text credits before a name: "Fotos: Ivan Valetny".
_CREDIT_RE = re.compile(r"^\s*(?:fotos?|photos?|bilder?|images?|illustrations?|text)\s*:\s*", re.I)


def strip_role(name: str) -> str:
    """Return a person's *name* without a position or an organization after it.

    >>> strip_role("Christoph Hein, Chefredakteur"), strip_role("Jane Doe | Senior Editor")
    ('Christoph Hein', 'Jane Doe')
    >>> strip_role("John O'connor The Associated Press"), strip_role("Fotos: Ivan Valetny")
    ("John O'connor", 'Ivan Valetny')
    >>> strip_role("Mexico Institute"), strip_role("Antrim Court Reporter")
    ('Mexico Institute', 'Antrim Court Reporter')
    """
    text = _CREDIT_RE.sub("", name)
    for _ in range(2):
        cut = _TRAILING_ROLE_RE.sub("", text)
        if cut == text or len(cut.split()) < 2:
            break
        text = cut
    if "," not in text and " The " not in text:
        return text.strip()  # no organization set apart: most names end here
    words = text.replace(",", " , ").split()
    for size in range(min(4, len(words) - 2), 0, -1):  # the longest organization first
        head, tail = words[:-size], words[-size:]
        # Set apart by a comma, or named "The ...": "Field Level Media" is one name.
        apart = head[-1:] == [","] or tail[0] == "The"
        if apart and author_kind(" ".join(tail)) == "organization":
            head_text = " ".join(head).replace(" , ", ", ").strip(" ,")
            if len(head_text.replace(",", " ").split()) >= 2 and author_kind(head_text) == "person":
                return head_text
    return text.strip()


def is_role(text: str) -> bool:
    """Return whether *text* is a position, not a name ("Chief Technology Officer").

    >>> is_role("Chief Technology Officer"), is_role("Head of Reality Labs"), is_role("Jane Doe")
    (True, True, False)
    """
    return bool(_ROLE_ONLY_RE.match(text))


_AFFILIATION_RE = re.compile(r"\s+(?:\||–|—|/)\s+.*$|\s*,\s*(?:USA TODAY|The [A-Z].*)$")


def clean_author_name(name: str, site_names: list[str], kind: str = "organization") -> str | None:
    """Return an author's name without "By", handles and affiliations; None for the site itself.

    A newsroom that signs with its desk's word alone ("Redaktion", "Newsdesk") is the
    byline the page gives: kept (an organization, see author_kind).

    >>> clean_author_name("Jeremy Schneider | NJ Advance Media For NJ.com", [])
    'Jeremy Schneider'
    >>> clean_author_name("Von FOCUS-Online-Experte Robin Tschöpe", [])
    'FOCUS-Online-Experte Robin Tschöpe'
    >>> clean_author_name("TMZ Staff", ["TMZ", "tmz.com"]) is None
    True
    >>> clean_author_name("Perez Hilton", ["PerezHilton", "perezhilton.com"]) is None
    True
    >>> clean_author_name(", USA TODAY", []) is None
    True
    >>> clean_author_name("Redaktion", [])
    'Redaktion'
    >>> clean_author_name("Elizabeth Flores, Senior Editor", [], "person")
    'Elizabeth Flores'
    """
    text = clean_text(_AFFILIATION_RE.sub("", _HANDLE_RE.sub("", _PREFIX_RE.sub("", name))))
    text = clean_text((text or "").strip(" ,;:-"))
    if not text or not any(ch.isalpha() for ch in text):
        return None
    if kind == "person":
        text = strip_role(text)
    sites = _site_keys(site_names)
    desk = bool(_DESK_WORDS_RE.search(text))
    squashed = squash(_DESK_WORDS_RE.sub("", text))
    if not squashed:
        return text  # "Redaktion", "Newsdesk": the newsroom signs, and that is the byline
    if squashed in sites and (kind == "organization" or desk or len(text.split()) < 2):
        # The site's own name, perhaps with "Staff": a publisher, not an author. A person's
        # name that is also the site's is kept: personal sites are signed by their owners.
        return None
    if desk and any(len(n) > 4 and (n in squashed or squashed in n) for n in sites):
        return None  # "Redaktion datev.de" on datev-magazin.de
    return text


def make_author(
    name: str,
    kind: Kind | None = None,
    role: str | None = None,
    bio: str | None = None,
    url: str | None = None,
) -> Author:
    """Return an author record; *kind* None means: tell it from the name.

    >>> make_author("Canada Institute")["kind"]
    'organization'
    """
    return {"name": name, "kind": kind or author_kind(name), "role": role, "bio": bio, "url": url}


def clean_authors(authors: list[Author], site_names: list[str]) -> list[Author]:
    """Return *authors* with names cleaned, the site's own name dropped, each name once.

    Linear in the list: names already kept are looked up in a set.
    """
    cleaned: list[Author] = []
    seen: set[str] = set()
    # A position split off a name ("Jane Doe, Chief Technology Officer") is no author; a
    # byline that is a position alone ("Staff Writer") is the credit the page gives: kept.
    if not all(is_role(a["name"]) for a in authors):
        authors = [a for a in authors if not is_role(a["name"])]
    for author in authors:
        name = clean_author_name(author["name"], site_names, author["kind"])
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            cleaned.append({**author, "name": name})
    return cleaned
