"""page.select(): design CSS merged into one walk must select what parsel's XPath selects."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from parsel import css2xpath

from brief_scraper.page import select
from brief_scraper.parsing import parse_root
from brief_scraper.sites.wilsoncenter import WILSON_CENTER

PAGES = sorted((Path(__file__).parent / "fixtures").glob("*/*/page.html"))
QUERIES = sorted(
    {css for d in WILSON_CENTER.designs for css in (d.marker, d.hero, d.body, *d.fields.values()) if css}
    | {"h1, h2", "p, div.x", "a[href], a.tag", ".tags a, a.tag"}
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_merged_unions_select_the_same_elements_in_the_same_order(page: Path) -> None:
    root = parse_root(page.read_bytes())
    for query in QUERIES:
        assert select(root, query) == etree.XPath(css2xpath(query))(root), query
