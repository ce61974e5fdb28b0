"""The floor under issue 2's speed target: a minimal design A extractor against lxml's parse.

Run: ``.venv/bin/python benchmarks/extract_floor.py [--rounds N]`` (part of ``make bench``).

``minimal()`` below is the least code that still gets design A's main fields right on the
design A fixtures (checked against their expected records before timing): one parse, the
head's tags in one walk, JSON-LD decoded, the hero, body and topics found with compiled
XPaths, then title, type, date (with the project's parser, for dates written out), byline,
programs, image, quote, summary, documents, topics and the author block read from them.
It has none of what makes ``extract()`` a product: no encoding detection, no other design,
no fallback layers, no card or own-site checks, no URL cleaning beyond spaces, no record
schema, no provenance.

The median ratio ``minimal / parse`` is how far any extractor of these fields on lxml sits
above the bare parse; the issue's target is ``extract / parse <= 2.0x``. All three are
timed in this one run on the same bytes, page by page in turns, as ``extract_speed.py``
does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brief_scraper import extract  # noqa: E402
from brief_scraper.dates import parse_posted  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
# Fields minimal() must get right on every design A fixture, or the floor means nothing.
CHECKED_FIELDS = (
    "url",
    "title",
    "content_type",
    "posted_date",
    "posted_at",
    "download_url",
    "image_url",
    "topics",
    "language",
)

_PARSER = etree.HTMLParser()
_HERO = etree.XPath("//header[contains(concat(' ', normalize-space(@class), ' '), ' hero-article ')]")
_BODY = etree.XPath("//article[contains(concat(' ', normalize-space(@class), ' '), ' text-block ')]")
_TOPICS = etree.XPath("//a[contains(concat(' ', normalize-space(@class), ' '), ' tags-item ')]")
_TITLE = etree.XPath(".//h1[contains(concat(' ', normalize-space(@class), ' '), ' h2 ')]")
_LABEL = etree.XPath(
    ".//*[contains(@class, 'type') or contains(@class, 'eyebrow') or contains(@class, 'label')]"
)
# The hero's date: a <time>, or (a commentary's plain date) the element classed post-date.
_TIME = etree.XPath(".//time | .//*[contains(@class, 'post-date')]")
_BYLINE = etree.XPath(".//ul[contains(@class, 'authors')]//a[contains(@href, '/person/')]")
_PROGRAMS = etree.XPath(".//a[contains(@href, '/program/')]")
_IMAGE = etree.XPath(".//img[@alt='Publication cover']/@src")
_QUOTE = etree.XPath(".//blockquote")
_PARAGRAPHS = etree.XPath(".//p")
_DOCUMENTS = etree.XPath(".//a[contains(., 'Download') or contains(@href, '.pdf')]/@href")
_ROLES = etree.XPath(".//*[contains(@class, 'position') or contains(@class, 'role')]")
_AUTHOR_HEADINGS = {"author", "authors", "about the author", "about the authors"}


def _absolute(base: str, href: str) -> str:
    return urljoin(base, href.strip()).replace(" ", "%20")


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def minimal(html: bytes, url: str) -> dict[str, Any]:
    """Return design A's main fields of the page: the least work that gets them right."""
    root = etree.fromstring(html, _PARSER)
    meta: dict[str, str] = {}
    linked_data = []
    for element in root.iter("meta", "link", "script"):
        if element.tag == "meta" and (element.get("property") or element.get("name")):
            meta.setdefault((element.get("property") or element.get("name")).lower(), element.get("content"))
        elif element.tag == "link" and element.get("rel") == "canonical":
            url = urljoin(url, element.get("href") or "")
        elif element.tag == "script" and element.get("type") == "application/ld+json" and element.text:
            linked_data.append(json.loads(element.text))
    record: dict[str, Any] = {"url": url, "language": root.get("lang"), "summary": meta.get("description")}
    hero, body = next(iter(_HERO(root)), None), next(iter(_BODY(root)), None)
    documents: list[str] = []
    for region in (hero, body):
        documents += [_absolute(url, href) for href in _DOCUMENTS(region)] if region is not None else []
    record["download_url"] = documents[0] if documents else None
    if hero is not None:
        record["title"] = next((_text(h) for h in _TITLE(hero)), None)
        record["content_type"] = next((_text(e).strip(" •") for e in _LABEL(hero)), None)
        posted = next(iter(_TIME(hero)), None)
        if posted is not None:
            date = parse_posted(posted.get("datetime"), _text(posted), record["language"])
            record.update(posted_date=date.date, posted_at=date.at)
        record["authors"] = [(_text(a), urljoin(url, a.get("href"))) for a in _BYLINE(hero)]
        record["programs"] = [(_text(a), urljoin(url, a.get("href"))) for a in _PROGRAMS(hero)]
        record["image_url"] = next((_absolute(url, src) for src in _IMAGE(hero)), None)
    if body is not None:
        record["excerpt"] = next((_text(q) for q in _QUOTE(body)), None)
        record["summary"] = next((t for t in map(_text, _PARAGRAPHS(body)) if len(t) > 40), record["summary"])
    record["image_url"] = record.get("image_url") or meta.get("og:image")
    record["topics"] = [_text(a) for a in _TOPICS(root)]
    for heading in root.iter("h2", "h3", "h4", "strong"):
        if heading.text and heading.text.strip().rstrip(":").lower() in _AUTHOR_HEADINGS:
            block = heading.getparent()
            record["author_block"] = [
                (_text(a), [_text(r) for r in _ROLES(a.getparent())]) for a in block.iter("a")
            ]
            break
    return record


def design_a_pages() -> list[tuple[bytes, str, dict[str, Any]]]:
    """Return (bytes, url, expected record) of every design A fixture."""
    pages = []
    for meta_file in sorted(FIXTURES.glob("wilsoncenter/*/meta.json")):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("design") == "wilsoncenter/a":
            expected = json.loads((meta_file.parent / "expected.json").read_text(encoding="utf-8"))
            pages.append(((meta_file.parent / "page.html").read_bytes(), meta["url"], expected))
    return pages


def main() -> None:
    """Check minimal() on the fixtures, then print median ms and ratios to the bare parse."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="runs per page; the best counts")
    args = parser.parse_args()
    pages = design_a_pages()
    wrong = [
        (url, name)
        for html, url, expected in pages
        for name in CHECKED_FIELDS
        if minimal(html, url).get(name) != expected[name]
    ]
    if wrong:
        sys.exit(f"minimal() gets fields wrong, so it is no floor: {wrong}")
    funcs = {
        "parse": lambda html, url: etree.fromstring(html, _PARSER),
        "minimal": minimal,
        "extract": extract,
    }
    best: dict[str, list[float]] = {name: [] for name in funcs}
    for html, url, _ in pages:
        page_best = dict.fromkeys(funcs, float("inf"))
        for _ in range(args.rounds):
            for name, func in funcs.items():
                start = time.perf_counter()
                func(html, url)
                page_best[name] = min(page_best[name], time.perf_counter() - start)
        for name in funcs:
            best[name].append(page_best[name] / page_best["parse"])
    print(f"design A fixtures: {len(pages)}; minimal() right on {', '.join(CHECKED_FIELDS)} of each")
    print("median per page, as a ratio to the bare parse of the same page:")
    for name in ("minimal", "extract"):
        print(f"  {name:<8}{statistics.median(best[name]):6.2f}x")
    print("target (issue 2): extract <= 2.00x")


if __name__ == "__main__":
    main()
