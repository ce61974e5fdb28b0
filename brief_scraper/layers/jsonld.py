"""JSON-LD: the schema.org object that describes the page's publication."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from brief_scraper.dates import parse_posted
from brief_scraper.layers import Evidence, LayerResult
from brief_scraper.names import Kind, make_author, split_names
from brief_scraper.page import Page
from brief_scraper.record import Author
from brief_scraper.text import clean_paragraphs, clean_text, decode_markup, keyword_topics, normalize_language
from brief_scraper.urls import guess_media_type, is_document_url

ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "report", "scholarlyarticle", "blogposting", "techarticle",
        "analysisnewsarticle", "opinionnewsarticle", "reportagenewsarticle", "backgroundnewsarticle",
        "liveblogposting", "socialmediaposting", "creativework", "publicationissue", "book",
        "chapter", "thesis", "governmentpublication", "medicalscholarlyarticle", "review",
    }
)  # fmt: skip
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "profilepage", "aboutpage"})
ORGANIZATION_TYPES = frozenset({"organization", "newsmediaorganization", "corporation",
                                "governmentorganization", "researchorganization", "ngo"})  # fmt: skip
MAX_AUTHORS = 200  # a credit list past this is a directory; the pipeline caps the record's list
# Trailing commas and control characters are the usual ways hand-written JSON-LD breaks.
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


def load_jsonld(raw: str) -> Any:
    """Return the parsed JSON of one ``<script type=application/ld+json>``, or None.

    Tolerates what sites get wrong: HTML comments or CDATA around it, raw newlines inside
    strings, trailing commas.

    >>> load_jsonld('<!-- {"@type": "Article", "headline": "A\\nB",} -->')
    {'@type': 'Article', 'headline': 'A B'}
    >>> load_jsonld("{not json") is None
    True
    """
    text = raw.strip()
    for wrapper in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>")):
        if text.startswith(wrapper[0]) and text.endswith(wrapper[1]):
            text = text[len(wrapper[0]) : -len(wrapper[1])].strip()
    for candidate in (text, _CONTROL_RE.sub(" ", _TRAILING_COMMA_RE.sub(r"\1", text))):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def iter_nodes(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Yield every JSON-LD object in *data*: lists, ``@graph`` and nested main entities.

    >>> [n["@type"] for n in iter_nodes({"@graph": [{"@type": "WebPage",
    ...     "mainEntity": {"@type": "Article"}}]})]
    ['WebPage', 'Article']
    """
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            yield from iter_nodes(item, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart", "itemListElement"):
            if isinstance(data.get(key), (list, dict)):
                yield from iter_nodes(data[key], depth + 1)


def types_of(node: dict[str, Any]) -> set[str]:
    """Return the lower-case schema.org type names of *node* (``@type`` may be a list)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or value.get("text")
    if not isinstance(value, str):
        return None
    return clean_text(decode_markup(value))  # "O&#039;Neil", "<p>...</p>" in some CMSs


def _url_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return decode_markup(value) if isinstance(value, str) else None  # "?w=1&amp;h=2" in some CMSs


def _image_url(node: dict[str, Any], index: dict[str, dict[str, Any]]) -> str | None:
    """Return the URL of a node's image; a reference (``{"@id": ...}``) is looked up, and
    an ``@id`` alone names the image, it is not its address."""
    value = node.get("image")
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = index.get(str(value.get("@id")), value) if set(value) <= {"@id"} else value
        value = value.get("url") or value.get("contentUrl")
    url = decode_markup(value) if isinstance(value, str) else None
    return url or _url_of(node.get("thumbnailUrl"))


def authors_from(value: Any, page: Page, index: dict[str, dict[str, Any]]) -> list[Author]:
    """Return authors from a JSON-LD ``author``/``creator`` value of any shape.

    Strings may hold several names ("A and B"); references (``{"@id": ...}``) are looked up in
    the page's other nodes.
    """
    items = value if isinstance(value, list) else [value]
    authors: list[Author] = []
    for item in items:
        if isinstance(item, dict) and set(item) <= {"@id"} and item.get("@id") in index:
            item = index[item["@id"]]
        if isinstance(item, str):
            authors.extend(make_author(name) for name in split_names(item))
        elif isinstance(item, dict):
            name = _first_text(item.get("name"))
            if not name:
                given, family = _first_text(item.get("givenName")), _first_text(item.get("familyName"))
                name = clean_text(f"{given or ''} {family or ''}")
            if not name or name.startswith(("http://", "https://")):
                continue
            types = types_of(item)
            kind: Kind | None = (
                "organization" if types & ORGANIZATION_TYPES else "person" if "person" in types else None
            )
            role = _first_text(item.get("jobTitle"))
            url = page.absolute(_url_of(item.get("url")))
            authors.append(make_author(name, kind, role, url=url))
        if len(authors) >= MAX_AUTHORS:
            break
    return authors[:MAX_AUTHORS]


def pick_main_node(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the node that describes the publication: an Article-like one, else a WebPage."""
    for wanted in (ARTICLE_TYPES, PAGE_TYPES):
        for node in nodes:
            if types_of(node) & wanted:
                return node
    return None


def from_jsonld(page: Page) -> LayerResult:
    """Return the fields the page's JSON-LD gives for its publication, and its publisher."""
    nodes: list[dict[str, Any]] = []
    for script in page.elements("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = script.text or ""
        nodes.extend(iter_nodes(load_jsonld(raw)))
    node = pick_main_node(nodes)
    if node is None:
        return LayerResult("jsonld")
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
    found: dict[str, Any] = {}
    evidence = Evidence()
    publisher = node.get("publisher")
    if isinstance(publisher, dict) and set(publisher) <= {"@id"}:
        publisher = index.get(publisher.get("@id"), publisher)
    publisher_name = _first_text(publisher) if isinstance(publisher, (dict, str)) else None
    if publisher_name:  # authors that are the publisher are no authors
        evidence.site_names = [publisher_name]
    title = _first_text(node.get("headline")) or _first_text(node.get("name"))
    if title:
        found["title"] = title
    published = _first_text(node.get("datePublished")) or _first_text(node.get("dateCreated"))
    posted = parse_posted(published, None, page.html_language)
    if posted.date:
        found.update(posted_date=posted.date, posted_at=posted.at, posted_raw=posted.raw)
    authors = authors_from(node.get("author") or node.get("creator"), page, index)
    if authors:
        found["authors"] = authors
    summary = _first_text(node.get("description")) or _first_text(node.get("abstract"))
    if summary:
        found["summary"] = clean_paragraphs(summary)
    image = page.absolute(_image_url(node, index))
    if image:
        found["image_url"] = image
    language = normalize_language(_first_text(node.get("inLanguage")))
    if language:
        found["language"] = language
    keywords = node.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list):
        topics = keyword_topics(keywords)
        if topics:
            found["topics"] = topics
    documents = []
    for key in ("encoding", "associatedMedia", "distribution"):
        for media in node.get(key) or [] if isinstance(node.get(key), list) else [node.get(key)]:
            url = page.absolute(_url_of(media))
            if url and is_document_url(url):
                documents.append({"url": url, "label": None, "media_type": guess_media_type(url)})
    if documents:
        found["download_url"], found["downloads"] = documents[0]["url"], documents
    return LayerResult("jsonld", found, evidence)
