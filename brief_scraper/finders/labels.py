"""What a piece is filed as: its type label, its series, its programs, its topics.

The type label is the short kicker above or beside the headline ("Policy Brief", "Note
d'analyse"), linked or not, never a menu item or a breadcrumb. Programs and topics are
links to the site's program and topic pages (``SiteRules``) outside chrome and cards.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from brief_scraper.finders.authors import READ_MORE_RE
from brief_scraper.finders.nodes import node_text
from brief_scraper.page import is_hidden
from brief_scraper.text import clean_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from brief_scraper.finders.rules import SiteRules
    from brief_scraper.page import Page
    from brief_scraper.record import Link

_SERIES_RE = re.compile(
    r"(?:part of (?:our|the|a|this|an?)\s+(?:[\w-]+\s+){0,3}?series|forma parte de (?:la|nuestra) serie"
    r"|fait partie de (?:la|notre) s[ée]rie|faz parte da (?:nossa )?s[ée]rie"
    r"|teil (?:unserer|der) (?:reihe|serie))"
    r",?\s*:?\s*[\"“”«„']\s*(?P<name>.+?)\s*[,.;:]?\s*[\"”“»']"
    r"|part of (?:our|the|a|this)\s+series,?\s*(?P<bare>[A-Z][^.\"“”]{3,120}?)(?:,|\.|$)",
    re.I,
)
# From the text nodes up: a contains() on each paragraph's string value copies all its text;
# and the paragraphs are found in Python, since "/ancestor::p[1]" merges one node-set per
# text node (as does "p//text()" per paragraph), which libxml2 does in quadratic time.
_SERIES_TEXTS = etree.XPath(  # the ancestor test first: it rules out scripts' long texts
    "descendant::text()[ancestor::p][contains(., 'series') or contains(., 'Series') or contains(., 'serie')"
    " or contains(., 'série') or contains(., 'Reihe')]"
)


def _series_paragraphs(region: Any) -> Iterator[Any]:
    """Yield each paragraph of *region* that mentions a series, once, in page order."""
    seen: set[Any] = set()
    for text in _SERIES_TEXTS(region):
        paragraph = next(
            (e for e in (text.getparent(), *text.getparent().iterancestors()) if e.tag == "p"), None
        )
        if paragraph is not None and paragraph not in seen:
            seen.add(paragraph)
            yield paragraph


_LINKS = etree.XPath(".//a[@href]")


def find_series(region: Any, page: Page) -> Link | None:
    """Return the series that a sentence like 'part of our series "..."' names, with its link.

    The link is the one inside the sentence whose text is the series name, if any.
    """
    for paragraph in _series_paragraphs(region):
        text = node_text(paragraph) or ""
        match = _SERIES_RE.search(text)
        if not match:
            continue
        name = clean_text((match.group("name") or match.group("bare") or "").rstrip(" ,.;:"))
        if not name:
            continue
        url = None
        for link in _LINKS(paragraph):
            link_text = node_text(link) or ""
            if link_text and (link_text.strip('"“”,. ') in name or name in link_text):
                url = page.absolute(link.get("href"))
                break
        return {"name": name, "url": url}
    return None


def is_series_sentence(text: str | None) -> bool:
    """Return whether *text* is a series sentence (so it is no summary)."""
    return bool(text and _SERIES_RE.search(text))


# What think tanks call their publications, in the languages the text layer reads. A label
# must name one of these, or sit in an element its class calls a type, kicker or eyebrow.
_TYPE_WORDS_RE = re.compile(
    r"\b(?:publications?|articles?|reports?|briefs?|brief|commentary|commentaries|analysis|analyses"
    r"|op-?eds?|opinion|essays?|papers?|working paper|blog(?: post)?|interviews?|testimony|podcasts?"
    r"|videos?|events?|explainers?|fact ?sheets?|backgrounders?|books?|chapters?|memos?|notes?"
    r"|studies|study|research|insights?|perspectives?|q&a|newsletters?"
    r"|publicaci[oó]n|publicaciones|art[ií]culos?|informes?|an[aá]lisis|comentarios?|documentos?"
    r"|estudios?|notas?|entrevistas?|ensayos?|opini[oó]n|rapports?|[ée]tudes?|tribunes?|analyses?"
    r"|notes? d'analyse|d[ée]cryptages?|entretiens?|commentaires?|relat[oó]rios?|artigos?|estudos?"
    r"|an[aá]lises?|publica[cç][aã]o|publica[cç][oõ]es|kommentare?|analysen?|studien?|berichte?"
    r"|beitr[aä]ge?|standpunkte?|kurzanalysen?|positionspapiere?|nachricht|meldung|pressemitteilung"
    r"|press releases?|news|communiqu[ée]s?|comunicados?)\b",
    re.I,
)
_BUTTON_WORDS_RE = re.compile(
    r"(?:share|print|e-?mail|tweet|follow|subscribe|save|listen|read|download|descargar|t[ée]l[ée]charger"
    r"|baixar|herunterladen|compartir|partager|teilen|imprimir|imprimer|drucken)\b",
    re.I,
)


def _in_link_list(element: Any) -> bool:
    """Return whether *element* is an item of a list of links (a menu, whatever its class)."""
    item = next((e for e in (element, *element.iterancestors()) if e.tag == "li"), None)
    parent = item.getparent() if item is not None else None
    return parent is not None and sum(1 for child in parent if child.tag == "li") >= 2


_TYPE_CLASS_RE = re.compile(r"type|kicker|eyebrow|label|format|overline", re.I)
_BULLETS = " •·|-–—:/"
_MAX_LABEL_WORDS = 4
_MAX_LABEL_TEXT = 200  # characters of a text node, spaces and bullets included


def _is_type_label(text: str, element: Any) -> bool:
    if len(text) > 40 or len(text.split()) > _MAX_LABEL_WORDS or any(ch.isdigit() for ch in text):
        return False
    if _BUTTON_WORDS_RE.match(text) or _in_link_list(element):
        return False  # a button or a menu item, not a label
    if _TYPE_WORDS_RE.search(text):
        return True
    return any(
        _TYPE_CLASS_RE.search(e.get("class") or "") for e in (element, element.getparent()) if e is not None
    )


def find_type_label(page: Page, rules: SiteRules) -> str | None:
    """Return the type label shown just above the headline (or just below it), or None.

    A label is short, has no digits, and names a kind of publication or sits in an element
    its class calls a type or kicker; a link to a person or program is no label.
    """
    headline = page.headline
    if headline is None:
        return None
    boilerplate = page.boilerplate
    candidates = [*page.text_before_headline(8), *page.text_after_headline(4)]
    for text in candidates:
        element = text.getparent()
        if text.is_tail and element is not None:  # "<span aria-hidden>•</span> Report": the span's parent's
            element = element.getparent()
        if element is None or len(text) > _MAX_LABEL_TEXT:
            continue
        label = clean_text(str(text).strip(_BULLETS))
        # The cheap tests on the text first; where the element sits, only for a label.
        if not label or not _is_type_label(label, element) or element in boilerplate or is_hidden(element):
            continue
        link = next((a for a in (element, *element.iterancestors("a")) if a.tag == "a"), None)
        href = link.get("href") or "" if link is not None else ""
        if href and (rules.person_path.search(href) or rules.program_path.search(href)):
            continue
        return label
    return None


def named_links(links: Iterable[Any], page: Page) -> list[Link]:
    """Return *links* (lxml elements) as named links: each name and each URL once, none from
    chrome or cards, none a "Read more", page order."""
    found: dict[str, Link] = {}
    urls: set[str | None] = set()
    for link in links:
        if link in page.boilerplate:
            continue
        name, url = node_text(link), page.absolute(link.get("href"))
        if not name or len(name) >= 120 or READ_MORE_RE.fullmatch(name):
            continue
        if name.casefold() not in found and url not in urls:
            found[name.casefold()] = {"name": name, "url": url}
            urls.add(url)
    return list(found.values())


def find_links(region: Any, page: Page, pattern: re.Pattern[str]) -> list[Link]:
    """Return the named links of *region* whose href *pattern* matches (see named_links)."""
    return named_links((link for link in _LINKS(region) if pattern.search(link.get("href"))), page)


# Labels over a list of tag links: every link under one is a topic, whatever its URL.
_TOPIC_LABEL_RE = re.compile(
    r"^\s*(?:topics?|tags?|tagged|more on|related topics|subjects?|issues?|keywords?|regions?|themen"
    r"|schlagw[oö]rter|stichw[oö]rter|temas?|etiquetas|palabras clave|th[eè]mes?|mots[- ]cl[eé]s"
    r"|t[oó]picos|assuntos|tags relacionadas)\s*:?\s*$",
    re.I,
)
_LABEL_TAGS = ("span", "strong", "b", "h2", "h3", "h4", "h5", "h6", "p", "dt", "div", "label")
MAX_TOPICS = 50  # tag links past this are a tag cloud
_MAX_TOPIC_BLOCKS = 10  # labelled lists read; a page of thousands of labels costs no more


def find_topics(region: Any, page: Page, rules: SiteRules) -> list[str]:
    """Return the piece's topics: its tag links (the rules' topic URLs, or any link under a
    "Topics:"/"More on:"/"Themen:" label), each once, page order, none from chrome or cards."""
    boilerplate = page.boilerplate
    labelled: set[Any] = set()
    blocks: set[Any] = set()
    for label in region.iter(*_LABEL_TAGS):
        text, block = label.text, label.getparent()
        if (
            not text
            or len(text) >= 40
            or block is None
            or block in blocks
            or len(blocks) >= _MAX_TOPIC_BLOCKS
        ):
            continue
        if _TOPIC_LABEL_RE.match(text):
            blocks.add(block)
            labelled.update(_LINKS(block))
    names: dict[str, str] = {}
    for link in _LINKS(region):
        if link not in labelled and not rules.topic_link.search(link.get("href")):
            continue
        name = node_text(link)
        if name and len(name) < 80 and link not in boilerplate:
            names.setdefault(name.casefold(), name)
    return list(names.values())[:MAX_TOPICS]


_MAX_PROGRAMS = 8  # more program links than this near a headline is the site's list of them


def find_programs(regions: list[Any], page: Page, rules: SiteRules) -> list[Link]:
    """Return the programs the piece is filed under: program links in *regions* (its hero,
    article or author blocks), each once; none when they are so many they are a directory."""
    programs: dict[str, Link] = {}
    for region in regions:
        for link in find_links(region, page, rules.program_path):
            programs.setdefault(link["name"].casefold(), link)
    return list(programs.values()) if len(programs) <= _MAX_PROGRAMS else []
