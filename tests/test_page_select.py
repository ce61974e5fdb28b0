"""css.select(): design CSS, merged into one walk or read from class attributes,
must select what parsel's XPath selects."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from parsel import css2xpath

from brief_scraper.css import class_compounds, select
from brief_scraper.parsing import parse_root
from brief_scraper.sites.wilsoncenter import WILSON_CENTER

PAGES = sorted((Path(__file__).parent / "fixtures").glob("*/*/page.html"))
QUERIES = sorted(
    {css for d in WILSON_CENTER.designs for css in d.selectors() if css}
    | {"h1, h2", "p, div.x", "a[href], a.tag", ".tags a, a.tag"}
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_merged_unions_select_the_same_elements_in_the_same_order(page: Path) -> None:
    root = parse_root(page.read_bytes())
    for query in QUERIES:
        assert select(root, query) == etree.XPath(css2xpath(query))(root), query


CLASS_QUERIES = sorted(
    {q for q in QUERIES if class_compounds(q)}
    | {
        "div.x",
        ".a.b, span.c",
        "DIV.Container",
        "a.button",
        ".hero",
        "li.hero__info-item--date",
        "p.x, div.x, .y",
    }
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_class_queries_on_the_class_attribute_axis_select_what_xpath_selects(page: Path) -> None:
    root = parse_root(page.read_bytes())
    queries = CLASS_QUERIES + sorted({f".{c}" for v in root.xpath("//@class") for c in v.split()})
    for query in queries:
        assert select(root, query) == etree.XPath(css2xpath(query))(root), query
    assert len(CLASS_QUERIES) > 10  # the design's markers, heroes and bodies are among them


def css_class(name: str) -> str:
    """Return *name* as a CSS class selector, escaped."""
    return "." + "".join(ch if ch.isalnum() or ch in "-_" else "\\" + ch for ch in name)


@given(
    st.lists(
        st.sampled_from(["a", "b", "a-b", "A", "'", '"', " ", "\t", "\n", "\xa0", "\r"]), max_size=6
    ).map("".join),
    st.lists(st.sampled_from(["a", "b", "a-b", "A", "a'b", 'a"b']), min_size=1, max_size=2),
)
def test_class_tests_agree_with_the_translated_ones_on_any_class_value(
    value: str, classes: list[str]
) -> None:
    root = etree.fromstring(
        f'<html><body><p class="{escape(value, quote=True)}"/></body></html>', etree.HTMLParser()
    )
    query = "p" + "".join(css_class(name) for name in classes)
    assert class_compounds(query) == (("p", tuple(classes)),)
    assert select(root, query) == etree.XPath(css2xpath(query))(root)
