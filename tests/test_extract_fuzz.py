"""extract() on pages built from the pathological shapes of benchmarks/adversarial.py, small.

Hypothesis mixes the shapes (many citation_author metas, JSON-LD authors, series sentences,
metas, links, deep nesting, huge attributes, forms, scripts, <time>s, one huge text node,
JSON-LD blocks, quote marks, h1s, "Download" links), each repeated up to a few hundred
times around drawn text, on an unknown site's URL or a Wilson Center one. extract() must
never raise and must give a record of the schema's shape; once through the pipelines that
cut it (normalize, caps), the record is valid, caps included, and its lists are bounded.
"""

from __future__ import annotations

import copy
import html
import json
import os
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from scrapy.utils.test import get_crawler

from brief_scraper import FIELDS, extract
from brief_scraper.record import LIST_FIELDS, load_schema
from pipelines.caps import CapPipeline
from pipelines.normalize import NormalizePipeline
from tests.pipeline_support import fixed_clock

URLS = ("https://example.org/publication/a", "https://www.wilsoncenter.org/publication/a")
PROPERTIES = load_schema()["properties"]
MAX_ITEMS = {name: spec["maxItems"] for name, spec in PROPERTIES.items() if "maxItems" in spec}

# One copy of each shape; {i} is the copy's number, {t} drawn text (escaped), {r} the same raw.
SHAPES = {
    "citation_author": ("head", '<meta name="citation_author" content="{t} {i}">'),
    "jsonld_author": ("jsonld", None),
    "series": ("body", "<p>This is part of our series “{t} {i}”.</p>"),
    "meta": ("head", '<meta name="m{i}" property="article:tag" content="{t}">'),
    "link": ("body", '<a href="/p/{i}">{t}</a>'),
    "deep": ("nest", None),
    "huge_attribute": ("body", '<div class="{t}" data-x="{t}{t}{t}{t}{t}{t}{t}{t}">x</div>'),
    "form": ("body", '<form action="/f/{i}"><input name="q{i}" value="{t}"><button>{t}</button></form>'),
    "script": ("body", "<script>var a{i} = '{r}';</script>"),
    "time": ("body", '<time datetime="20{i:02d}-01-0{d}T10:00">{t}</time>'),
    "text_node": ("body", "{t}{t}{t}{t} "),
    "jsonld_block": ("head", '<script type="application/ld+json">{{"@type": "Report", "name":{j}}}</script>'),
    "quote_marks": ("body", "“{t}” «{r}» "),
    "h1": ("body", "<h1>{t}</h1>"),
    "download": ("body", '<a href="/files/{i}.pdf">Download {t}</a>'),
    "author_block": ("body", '<div class="byline">By <a href="/person/{i}">{t}</a></div>'),
    "program": ("body", '<a href="/program/p{i}">{t}</a>'),
    "topic": ("head", '<meta property="article:tag" content="{t}{i}">'),
}  # fmt: skip

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["Ana Pérez", "Download", "part of our series", "<b>", "&amp;", "“", '"', "'", "\u00a0", "By Ana", ""]
)


@st.composite
def hostile_pages(draw: st.DrawFn) -> tuple[str, str]:
    """Return (page, url): a page made of a few shapes, each repeated up to 300 times."""
    head, body, nest = [], [], 0
    for shape in draw(st.lists(st.sampled_from(sorted(SHAPES)), min_size=1, max_size=4)):
        where, template = SHAPES[shape]
        count, text = draw(st.integers(0, 300)), draw(TEXT)
        if where == "nest":
            nest += count
            continue
        if where == "jsonld":
            authors = [{"@type": "Person", "name": f"{text} {i}"} for i in range(count)]
            data = {"@type": "Article", "headline": text or "A", "author": authors}
            head.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
            continue
        escaped, quoted = html.escape(text), json.dumps(text)
        copies = [template.format(i=i, d=i % 9 + 1, t=escaped, r=text, j=quoted) for i in range(count)]
        (head if where == "head" else body).append("".join(copies))
    title = f"A page {html.escape(draw(TEXT))}"  # a record without a title is invalid, rightly
    page = (f"<html><head><title>{title}</title>{''.join(head)}</head><body>{'<div>' * nest}"
            f"<main><h1>{title}</h1>{''.join(body)}</main>{'</div>' * nest}</body></html>")  # fmt: skip
    return page, draw(st.sampled_from(URLS))


@cache
def shape_validator() -> Draft202012Validator:
    """The schema without its caps (maxItems, maxLength): the shape of extract()'s record."""
    schema = copy.deepcopy(load_schema())

    def uncap(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("maxItems", None)
            node.pop("maxLength", None)
            for value in node.values():
                uncap(value)
        elif isinstance(node, list):
            for value in node:
                uncap(value)

    uncap(schema)
    return Draft202012Validator(schema)


def errors(validator: Draft202012Validator, record: dict[str, Any]) -> list[str]:
    found = validator.iter_errors(record)
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message[:200]}" for error in found][:5]


FUZZ = settings(
    max_examples=int(os.environ.get("BRIEF_FUZZ_EXAMPLES", "60")),  # more for a longer search
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(hostile_pages(), st.booleans())
def test_extract_never_raises_and_gives_a_record_of_the_schemas_shape(page: tuple[str, str], as_bytes: bool):
    html_text, url = page
    record = extract(html_text.encode("utf-8") if as_bytes else html_text, url)
    assert list(record) == list(FIELDS)
    assert errors(shape_validator(), record) == []


@FUZZ
@given(hostile_pages())
def test_written_records_of_hostile_pages_are_valid_and_bounded(page: tuple[str, str]) -> None:
    crawler = get_crawler()
    normalize, cap = NormalizePipeline(crawler.stats, fixed_clock), CapPipeline(crawler.stats, 1_000_000)
    record = cap.process_item(normalize.process_item(extract(*page)))
    assert errors(Draft202012Validator(load_schema()), record) == []  # the caps included
    assert all(len(record[field]) <= MAX_ITEMS[field] for field in LIST_FIELDS)
    assert len(json.dumps(record, ensure_ascii=False).encode()) <= 1_000_000


@FUZZ
@given(hostile_pages())
def test_extract_bounds_its_lists_itself_and_says_what_it_cut(page: tuple[str, str]) -> None:
    record = extract(*page)
    assert {field: len(record[field]) for field in LIST_FIELDS if len(record[field]) > MAX_ITEMS[field]} == {}
    assert errors(Draft202012Validator(load_schema()), record) == []
    cut = record["provenance"].get("capped", {})
    assert all(isinstance(by, int) and by > 0 for by in cut.values())


def test_extract_notes_the_authors_it_cut_and_the_pipeline_counts_them() -> None:
    metas = "".join(f'<meta name="citation_author" content="Author {i}">' for i in range(150))
    record = extract(
        f"<html><head>{metas}<title>T</title></head><body><h1>T</h1></body></html>", "https://x.org/p"
    )
    assert len(record["authors"]) == MAX_ITEMS["authors"]
    assert record["provenance"]["capped"] == {"authors": 150 - MAX_ITEMS["authors"]}
    crawler = get_crawler()
    CapPipeline(crawler.stats, 1_000_000).process_item(record)
    assert crawler.stats.get_value("brief/capped/authors") == 150 - MAX_ITEMS["authors"]
