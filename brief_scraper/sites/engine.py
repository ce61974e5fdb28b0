"""The engine that reads a page with a site profile: the site's rules, then its design.

The rules are the floor: on any page of the site's hosts they read the headline, the type
label beside it, the hero date, the byline and author blocks, program and topic links, the
series sentence, the quoted excerpt and the documents, with the finders scoped to the
article outside chrome and cards. A design that recognises the page then adds precision:
each of its ``Select``s is read by a generic reader, and where it finds a value, it wins.
"""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any

from lxml import etree

from brief_scraper.css import css_members, select
from brief_scraper.dates import parse_posted
from brief_scraper.finders.authors import author_from_link, merge_authors
from brief_scraper.finders.documents import find_offered_documents
from brief_scraper.finders.images import find_lead_image, image_source
from brief_scraper.finders.labels import find_links, find_series, find_topics, find_type_label, named_links
from brief_scraper.finders.nodes import node_text
from brief_scraper.finders.posted import find_date_near_headline, find_visible_date
from brief_scraper.finders.quotes import find_excerpt, find_summary
from brief_scraper.layers import Evidence, LayerResult
from brief_scraper.layers.text import block_authors, headline_text
from brief_scraper.names import looks_like_name, names_in_byline
from brief_scraper.text import clean_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from brief_scraper.finders.rules import SiteRules
    from brief_scraper.page import Page
    from brief_scraper.record import Author
    from brief_scraper.sites.profile import Design, Select, SiteProfile

_BULLETS = " •·|-–—:"
_LINKS = etree.XPath(".//a[@href]")
_JOB_TITLES = etree.XPath(".//*[@itemprop = 'jobTitle']")
_DATETIME_VALUES = etree.XPath(".//@datetime")
# A standfirst marked as the piece's schema.org description, not an author's.
_DESCRIPTIONS = etree.XPath(".//*[@itemprop = 'description'][not(ancestor::*[@itemprop = 'author'])]")
_SHOWN_TEXT = etree.XPath(
    ".//text()[not(ancestor::*[contains(@class, 'sr-text') or contains(@class, 'sr-only')"
    " or contains(@class, 'visually-hidden')])]"
)
# Where a design matched, these need the design's own reading or none: the site's rules
# would find a summary in any first paragraph.
_DESIGN_ONLY_FIELDS = frozenset({"summary"})


def run_site(page: Page, profile: SiteProfile) -> LayerResult:
    """Return what the site's rules and (if one matches) its design give on *page*."""
    design = profile.design_for(page)
    evidence = Evidence(
        design=design.name if design else None, is_publication=design is None or design.is_publication
    )
    if design is not None and not design.is_publication:
        return LayerResult("site", run_design(design, page, profile.rules), evidence)
    fields = run_rules(page, profile.rules)
    if design is not None:
        fields = {k: v for k, v in fields.items() if k not in _DESIGN_ONLY_FIELDS}
        for name, value in run_design(design, page, profile.rules).items():
            if name == "authors" and value:  # the byline the rules read may name more
                fields[name] = merge_authors(value, fields.get(name, []))
            elif value:
                fields[name] = value
    return LayerResult("site", fields, evidence)


def _byline(hero: Any | None, page: Page, rules: SiteRules) -> list[Author]:
    """Return the hero's person links as authors, with the unlinked names beside them (in
    the same "By A and B" line, or the same list), in the order the page shows them."""
    if hero is None:
        return []
    order = {element: index for index, element in enumerate(hero.iter())}
    position: dict[str, float] = {}  # casefold name -> where the page shows it
    authors: dict[str, Author] = {}
    elements: list[Any] = []
    for link in _LINKS(hero):
        href = link.get("href")
        if not rules.person_path.search(href) or link in page.boilerplate:
            continue
        name, url = node_text(link), page.absolute(href)
        if name and url and name.casefold() not in authors and len(name) < 120:
            author = authors[name.casefold()] = author_from_link(name, url, rules)
            entry = next((a for a in link.iterancestors() if a.get("itemprop") == "author"), None)
            author["role"] = node_text(next(iter(_JOB_TITLES(entry)), None)) if entry is not None else None
            position[name.casefold()] = order[link]
            elements.append(link)
    linked_elements = set(elements)
    for parent in {link.getparent() for link in elements if link.getparent() is not None}:
        if parent.tag in ("ul", "ol", "li"):
            continue
        names = names_in_byline(node_text(parent), set())  # "By <a>A</a> and B"
        linked = {(node_text(a) or "").casefold() for a in parent if a in linked_elements}
        if not linked <= {n.casefold() for n in names}:
            continue  # the line is no list of names ("Jane Doe Senior Fellow, Program")
        for index, name in enumerate(names):
            authors.setdefault(name.casefold(), author_from_link(name, None, rules))
            position[name.casefold()] = order[parent] + index / 1000
    items = {item for link in elements for item in link.iterancestors("li")}
    for parent in {item.getparent() for item in items if item.getparent() is not None}:
        for item in parent:  # an author list where a name has no profile page
            if item.tag == "li" and item not in items and not _LINKS(item):
                name = node_text(item)
                if name and looks_like_name(name, set()) and name.casefold() not in authors:
                    authors[name.casefold()] = author_from_link(name, None, rules)
                    position[name.casefold()] = order[item]
    return sorted(authors.values(), key=lambda a: position[a["name"].casefold()])


def run_rules(page: Page, rules: SiteRules) -> dict[str, Any]:
    """Return the fields the site's rules give on any page of the site."""
    found: dict[str, Any] = {}
    article, hero, boilerplate = page.article, page.hero, page.boilerplate
    title = headline_text(page)
    if title:
        found["title"] = title
    label = find_type_label(page, rules)
    if label:
        found["content_type"] = label
    posted = find_date_near_headline(page) or find_visible_date(article, page)
    if posted.get("posted_date"):
        found.update(posted)
    authors = merge_authors(_byline(hero, page, rules), block_authors(page, page.author_blocks, rules))
    if authors:
        found["authors"] = authors
    program_region = article if rules.programs_in_whole_article else hero
    programs = find_links(program_region, page, rules.program_path) if program_region is not None else []
    if programs:
        found["programs"] = programs
    topics = find_topics(article, page, rules)
    if topics:
        found["topics"] = topics
    series = find_series(article, page)
    if series:
        found["series"] = series
    excerpt = find_excerpt(article, page.headline, boilerplate)
    if excerpt:
        found["excerpt"] = excerpt
        summary = find_summary(article, {excerpt})
        if summary:
            found["summary"] = summary
    if not found.get("summary"):
        standfirst = next((node_text(e) for e in _DESCRIPTIONS(article) if e.tag != "meta"), None)
        if standfirst:
            found["summary"] = standfirst
    image = find_lead_image(page)
    if image:
        found["image_url"] = image
    documents = find_offered_documents([r for r in (hero, article) if r is not None], page, boilerplate)
    if documents:
        found["download_url"], found["downloads"] = documents[0]["url"], documents
    return found


def _first(region: Any, css: str | None) -> Any | None:
    found = select(region, css)
    return found[0] if found else None


def _first_preferred(region: Any, css: str) -> Any | None:
    """Return the first element of the first member of selector list *css* that matches in
    *region*: members in order of preference, where a plain selector list is page order."""
    for member in css_members(css):
        found = _first(region, member)
        if found is not None:
            return found
    return None


def _date_text(node: Any) -> str | None:
    """Return the date as shown: the element's text without screen-reader labels."""
    return clean_text(" ".join(_SHOWN_TEXT(node)))


def _read_text(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    return {name: node_text(_first(region, spec.css))}


def _read_label(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    return {name: clean_text((node_text(_first(region, spec.css)) or "").strip(_BULLETS))}


def _read_posted(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    node = _first(region, spec.css)
    if node is None:
        return {}
    machine = node.get("datetime") or next(iter(_DATETIME_VALUES(node)), None)
    posted = parse_posted(machine, _date_text(node), page.html_language)
    if not (posted.date or posted.raw):
        return {}
    return {"posted_date": posted.date, "posted_at": posted.at, "posted_raw": posted.raw}


def _read_links(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    return {name: named_links(select(region, spec.css), page)}


def _read_names(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    return {name: [link["name"] for link in _read_links(name, region, spec, page, rules)[name]]}


def _read_profile_links(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    links = _read_links(name, region, spec, page, rules)[name]
    return {name: [author_from_link(link["name"], link["url"], rules) for link in links]}


def _read_image(name: str, region: Any, spec: Select, page: Page, rules: SiteRules) -> dict[str, Any]:
    img = _first_preferred(region, spec.css)
    return {name: image_source(img, page) if img is not None else None}


READERS: dict[str, Callable[[str, Any, Select, Page, SiteRules], dict[str, Any]]] = {
    "text": _read_text,
    "label": _read_label,
    "posted": _read_posted,
    "links": _read_links,
    "names": _read_names,
    "profile_links": _read_profile_links,
    "image": _read_image,
}


def hero_region(design: Design, page: Page) -> Any | None:
    """Return the design's hero, or None when the page has none.

    When broken markup closed the hero early, the region is the hero with what follows it:
    a stray ``</div>`` can end the hero right after the title, leaving the byline, date and
    Download button as its next siblings. Then the region is a copy of the hero and of those
    siblings up to the body (or a related-content block), so no card is ever inside it.
    """
    hero = _first(page.root, design.hero)
    posted = design.fields.get("posted")
    posted_css = posted.css if posted is not None and not isinstance(posted, tuple) else None
    if hero is None or not posted_css or _first(hero, posted_css) is not None:
        return hero
    wrapper = etree.Element("div")
    wrapper.append(deepcopy(hero))
    for sibling in hero.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if select(sibling, design.body) or any(el in page.boilerplate for el in sibling.iter()):
            break
        wrapper.append(deepcopy(sibling))
    return wrapper


def run_design(design: Design, page: Page, rules: SiteRules) -> dict[str, Any]:
    """Return the fields *design*'s selectors and the finders scoped to its regions give."""
    hero = hero_region(design, page)
    body = _first(page.root, design.body)
    regions = {"hero": hero, "body": body, "page": page.root}
    found: dict[str, Any] = {}
    for name, spec in design.fields.items():
        for one in spec if isinstance(spec, tuple) else (spec,):
            region = regions[one.scope]
            if region is None:
                continue
            for key, value in READERS[one.read](name, region, one, page, rules).items():
                if isinstance(value, list) and isinstance(found.get(key), list):
                    found[key] += [v for v in value if v not in found[key]]
                elif value and not found.get(key):
                    found[key] = value
    if design.content_type and not found.get("content_type"):
        found["content_type"] = design.content_type
    if not design.is_publication:
        return found
    # Author blocks are the site's rules' to read (run_site merges the design's byline with
    # them): read here too, they would be read twice.
    if body is not None:
        excerpt = find_excerpt(body, None, page.boilerplate)
        if excerpt:
            found["excerpt"] = excerpt
        if excerpt or not design.summary_needs_excerpt:
            found["summary"] = find_summary(body, {excerpt})
    # A hero the page lacks (a renamed class) is the one the site's rules find: the Download
    # button sits there, and the body's first document is an annex as often as not.
    button_region = hero if hero is not None else page.hero
    offering = [r for r in (button_region, body) if r is not None]
    documents = find_offered_documents(offering, page, page.boilerplate)
    if documents:
        found["download_url"], found["downloads"] = documents[0]["url"], documents
    return found
