"""Author blocks: the "Authors" / "About the author" / "Hosted By" sections of a page.

An entry is the largest element around one author's name that holds no other author; its
role and bio are read from inside it. Names come from profile links (a site's person and
program pages), and, in a list that has such links or in a block that has none, from the
short name-like texts standing alone (a heading, a list item, a bold name).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from brief_scraper.finders.nodes import all_text, node_text, paragraphs_text
from brief_scraper.names import MAX_BYLINE_NAMES, Kind, looks_like_name, make_author

if TYPE_CHECKING:
    from brief_scraper.finders.regions import Boilerplate
    from brief_scraper.finders.rules import SiteRules
    from brief_scraper.page import Page
    from brief_scraper.record import Author

READ_MORE_RE = re.compile(
    r"\s*(?:read\s+more|leer\s+m[aá]s|lire\s+la\s+suite|en\s+savoir\s+plus|leia\s+mais|saiba\s+mais"
    r"|mehr\s+lesen|weiterlesen|more)\s*[»›>→]*\s*$",
    re.I,
)
AUTHOR_HEADINGS = frozenset({
    "author", "authors", "about the author", "about the authors", "about the author(s)",
    "contributors", "about the contributors", "written by", "hosted by", "experts",
    "autor", "autora", "autores", "autoras", "sobre el autor", "sobre la autora", "sobre los autores",
    "sobre o autor", "sobre a autora", "sobre os autores", "auteur", "auteurs", "l'auteur",
    "les auteurs", "à propos de l'auteur", "à propos des auteurs", "autorin", "autoren",
    "über den autor", "über die autorin", "über die autoren", "zum autor", "zur autorin",
})  # fmt: skip
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "div", "p", "dt", "label")
_NAME_TAGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b", "li", "dt")
_LINKS = etree.XPath(".//a[@href]")
# Roles and bios by class, or by schema.org microdata (jobTitle, description).
_ROLES = etree.XPath(
    ".//*[contains(@class, 'position') or contains(@class, 'role') or contains(@class, 'job')"
    " or contains(@class, 'affiliation') or contains(@class, 'subtitle') or @itemprop = 'jobTitle']"
)
_BIOS = etree.XPath(
    ".//*[contains(@class, 'bio') or contains(@class, 'description') or contains(@class, 'blurb')"
    " or @itemprop = 'description']"
)
_PARAGRAPHS = etree.XPath(".//p")
MAX_BLOCK_AUTHORS = 50  # an author block is a handful of people; past this it is a directory


MAX_HEADING_CHARS = 80  # a heading's text, spaces and all: longer is prose


def _heading_label(text: str | None) -> str | None:
    """Return *text* as an author heading's label (lower-case, no colon), if it is one."""
    if not text or len(text) > MAX_HEADING_CHARS or text.isspace():  # most texts: no more work
        return None
    label = " ".join(text.split()).lower().rstrip(":").strip()
    return label if label in AUTHOR_HEADINGS else None


def find_author_blocks(region: Any, boilerplate: Boilerplate | None = None) -> list[Any]:
    """Return the containers (lxml elements) of the author headings in *region*, page order.

    Elements are walked in Python with lxml's tag filter (in C): an XPath that tests each
    element's text costs ten times as much, as libxml2 copies the text for every test.
    """
    blocks: list[Any] = []
    for heading in region.iter(*_HEADING_TAGS):
        label = _heading_label(heading.text)
        if label is None or (boilerplate is not None and heading in boilerplate):
            continue
        if len(" ".join(all_text(heading).split())) > len(label) + 2:
            continue  # "By <a>Jane Doe</a>": a byline, not a heading over a block
        container = heading.getparent()
        # The heading's own wrapper may hold only the heading: climb to the block.
        while container is not None and len(" ".join(all_text(container).split())) <= len(label) + 2:
            container = container.getparent()
        if container is not None and not any(b is container for b in blocks[-1:]):
            blocks.append(container)
    return blocks


def author_from_link(name: str, url: str | None, rules: SiteRules) -> Author:
    """Return an author known by a profile link: a program's page is an organization's."""
    kind: Kind | None = "organization" if url and rules.program_path.search(url) else None
    return make_author(name, kind, url=url)


def _profile_links(region: Any, page: Page, rules: SiteRules) -> list[tuple[Any, str]]:
    """Return (link, absolute URL) of the person and program links in *region*, page order."""
    found = []
    for link in _LINKS(region):
        href = link.get("href")
        if rules.person_path.search(href) or rules.program_path.search(href):
            url = page.absolute(href)
            if url:
                found.append((link, url))
    return found


def _entries(block: Any, anchors: list[tuple[Any, str]]) -> dict[str, Any]:
    """Return, per key, the largest element around its anchors that holds no other key's.

    Linear in anchors x depth: each ancestor remembers the one key below it, or None once
    two keys meet there.
    """
    owner: dict[Any, str | None] = {}
    for element, key in anchors:
        for ancestor in element.iterancestors():
            if ancestor is block:
                break
            if ancestor not in owner:
                owner[ancestor] = key
            elif owner[ancestor] != key:
                owner[ancestor] = None
    entries: dict[str, Any] = {}
    for element, key in anchors:
        if key in entries:
            continue
        entry = element
        for ancestor in element.iterancestors():  # innermost first
            if ancestor is block or owner.get(ancestor) != key:
                break
            entry = ancestor
        entries[key] = entry
    return entries


def _is_name(text: str | None, block_label: str) -> bool:
    if not text or len(text) >= 80 or text.lower().rstrip(":") == block_label:
        return False
    return not READ_MORE_RE.fullmatch(text) and looks_like_name(text, set())


def _unlinked_names(block: Any, linked: list[Any]) -> list[tuple[Any, str]]:
    """Return (element, name) of names standing alone in *block* without a profile link.

    With linked names, only list items beside theirs count (an author list where one name
    has no page); with none, headings, bold names and list items whose whole text is a name.
    """
    label = ""
    for heading in block.iter(*_HEADING_TAGS):
        if _heading_label(heading.text):
            label = " ".join(heading.text.split()).lower().rstrip(":")
            break
    if linked:
        items = {item for link in linked for item in link.iterancestors("li")}
        lists = {item.getparent() for item in items}
        candidates = [li for parent in lists if parent is not None for li in parent if li.tag == "li"]
        candidates = [li for li in candidates if li not in items and not _LINKS(li)]
    else:
        candidates = [el for el in block.iter(*_NAME_TAGS) if not _LINKS(el)]
    found: list[tuple[Any, str]] = []
    names: set[str] = set()
    for element in candidates:
        text = node_text(element)
        if text and text not in names and _is_name(text, label):
            names.add(text)
            found.append((element, text))
    # A block of more bare names than a byline holds is a list of something else
    # (signatories, a staff directory), not the piece's authors.
    return found if linked or len(found) <= MAX_BYLINE_NAMES else []


def authors_in_block(block: Any, page: Page, rules: SiteRules) -> list[Author]:
    """Return the authors of an author block: name, kind, role, bio and profile link each."""
    links = _profile_links(block, page, rules)
    named: dict[str, str] = {}  # url -> the name its links show
    for link, url in links:
        if url not in named:
            text = node_text(link)
            if text and not READ_MORE_RE.fullmatch(text) and len(text) < 120:
                named[url] = text
    linked = [(link, url) for link, url in links if url in named]
    unlinked = _unlinked_names(block, [link for link, _ in linked])
    anchors = linked + [(element, f"name:{name}") for element, name in unlinked]
    entries = _entries(block, anchors)
    authors: list[Author] = []
    for key, entry in entries.items():
        if len(authors) >= MAX_BLOCK_AUTHORS:
            break
        if key.startswith("name:"):
            authors.append(_author_from_entry(entry, key.removeprefix("name:"), None, rules))
        else:
            authors.append(_author_from_entry(entry, named[key], key, rules))
    order = {id(element): index for index, element in enumerate(block.iter())}
    authors.sort(key=lambda a: order.get(id(entries[a["url"] or f"name:{a['name']}"]), 0))
    return authors


def _author_from_entry(entry: Any, name: str, url: str | None, rules: SiteRules) -> Author:
    role = next((t for t in map(node_text, _ROLES(entry)) if t and t != name), None)
    bio_parts: list[str] = []
    for node in _BIOS(entry) or _PARAGRAPHS(entry):
        text = paragraphs_text(node)
        if not text or text in (name, role):
            continue
        text = READ_MORE_RE.sub("", text).strip()
        if text and text not in bio_parts:
            bio_parts.append(text)
    author = author_from_link(name, url, rules)
    author["role"], author["bio"] = role, "\n\n".join(bio_parts) or None
    return author


def merge_authors(byline: list[Author], block: list[Author]) -> list[Author]:
    """Return byline authors enriched by the author block's entries, the block's extras after.

    The same author (same profile URL, or same name) is one entry, keeping the richest values.
    """
    merged: list[Author] = []
    by_key: dict[str, Author] = {}
    for author in [*byline, *block]:
        keys = [f"name:{author['name'].casefold()}", *([f"url:{author['url']}"] if author["url"] else [])]
        twin = next((by_key[k] for k in keys if k in by_key), None)
        if twin is None:
            twin = author.copy()
            merged.append(twin)
        else:
            twin["role"] = twin["role"] or author["role"]
            twin["bio"] = twin["bio"] or author["bio"]
            twin["url"] = twin["url"] or author["url"]
        for k in keys:
            by_key.setdefault(k, twin)
    return merged
