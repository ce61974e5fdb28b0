"""Markup variants (issue 12): what survives a redesign, and transformations that keep what a reader sees.

The floor test runs one test per (transformation, case, field) of the floor, for the pairs
the untransformed page gets right (tests/test_extract_fixtures.py): a variant measures
whether a value survives the redesign, not whether the extractor was right to begin with.
``benchmarks/markup_variants.py`` prints the whole table, floor or not.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from lxml import etree
from lxml.cssselect import CSSSelector

from brief_scraper import extract
from tests.conftest import CASES, case_id, case_meta, expected, extracted
from tests.markup_variants import (
    KEPT_CLASSES,
    PUBLICATION_CASES,
    REORDERS,
    SEMANTIC_TAGS,
    TRANSFORMATIONS,
    author_block,
    comparable,
    floor_fields,
    has_design_marker,
    headline,
    hero_blocks_after_title,
    hero_of,
    is_hidden,
    is_right_originally,
    main_content,
    parse_page,
    round_trip,
    variant_page,
    variant_record,
)


def _original(case: Path) -> bytes:
    return (case / "page.html").read_bytes()


FLOOR = [
    pytest.param(name, case, field, id=f"{name}/{case_id(case)}@{field}")
    for name in TRANSFORMATIONS
    for case in PUBLICATION_CASES
    for field in floor_fields(name)
    if is_right_originally(case, field)
]


@pytest.mark.parametrize(("name", "case", "field"), FLOOR)
def test_floor_field_survives(name: str, case: Path, field: str) -> None:
    got = comparable(field, variant_record(name, case)[field])
    assert got == comparable(field, expected(case)[field])


def test_floor_covers_every_transformation_and_publication_case() -> None:
    covered = {(name, case) for name, case, _ in (p.values for p in FLOOR)}
    assert covered == {(name, case) for name in TRANSFORMATIONS for case in PUBLICATION_CASES}


# ---------------------------------------------------------------------------------------
# The transformations themselves


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_round_trip_alone_changes_no_field(case: Path) -> None:
    """Parsing and writing a page back is not itself a variant: every field stays."""
    assert extract(round_trip(_original(case)), case_meta(case)["url"]) == extracted(case)


class ReaderView(NamedTuple):
    """What a reader gets from a page: text shown and text hidden (each piece of text, in page
    order, quotation marks as ``"``), links and images."""

    shown: tuple[str, ...]
    hidden: tuple[str, ...]
    links: tuple[str, ...]
    images: tuple[str, ...]

    def words(self) -> Counter[str]:
        """Return the shown words and how often each comes: blocks moved as a whole keep them."""
        return Counter(word for piece in self.shown for word in piece.split())

    def text(self, pieces: tuple[str, ...]) -> str:
        """Return *pieces* as one text, whitespace runs as one space."""
        return " ".join("".join(pieces).split())


_NOT_RENDERED = frozenset({"script", "style", "noscript", "template"})
# Quotation marks count as one: quote_styles swaps the pair around a pull quote.
_QUOTES = str.maketrans(dict.fromkeys("“”«»„", '"'))


def _text_pieces(element: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the pieces of text inside *element* that are shown, and those that are hidden."""
    shown: list[str] = []
    hidden: list[str] = []
    for piece in element.xpath(".//text()"):
        owner = piece.getparent() if not piece.is_tail else piece.getparent().getparent()
        if owner is None or any(e.tag in _NOT_RENDERED for e in (owner, *owner.iterancestors())):
            continue
        (hidden if is_hidden(owner) else shown).append(str(piece).translate(_QUOTES))
    return tuple(shown), tuple(hidden)


def reader_view(page: bytes) -> ReaderView:
    """Return *page*'s ReaderView."""
    body = parse_page(page).body
    links = tuple(a.get("href") for a in body.iter("a", "area") if a.get("href") is not None)
    images = tuple(f"{img.get('src')} {img.get('srcset')}" for img in body.iter("img"))
    return ReaderView(*_text_pieces(body), links, images)


def _shown_text(element: Any) -> str:
    return " ".join("".join(_text_pieces(element)[0]).split())


@cache
def original_view(case: Path) -> ReaderView:
    return reader_view(_original(case))


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("name", TRANSFORMATIONS)
def test_transformation_keeps_what_a_reader_sees(name: str, case: Path) -> None:
    before, after = original_view(case), reader_view(variant_page(name, case))
    if name in REORDERS:  # blocks moved as a whole: the same words, links and images
        assert after.words() == before.words()
        assert sorted(after.hidden) == sorted(before.hidden)
        assert sorted(after.links) == sorted(before.links)
        assert sorted(after.images) == sorted(before.images)
    else:
        assert after.text(after.shown) == before.text(before.shown)
        assert after.text(after.hidden) == before.text(before.hidden)
        assert (after.links, after.images) == (before.links, before.images)


def _css(query: str) -> Any:
    return CSSSelector(query, translator="html")


_LOWER_TEXT = "translate(normalize-space(), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_HEADINGS = ("author", "authors", "autora", "about the author", "about the authors")
# What each transformation rewrites, found independently of it: a page that has it must
# come out changed, or the transformation tests nothing there.
REWRITES = {
    "rename_classes": _css("body [class], body[class]"),
    "remove_classes": _css("body [class], body[class]"),
    "semantic_to_div": _css("body header, body section, body article, body aside, body main, body figure"),
    "extra_wrappers": _css("body > div, body > main, body > article, body > header"),
    "reorder_hero": lambda root: bool(hero_blocks_after_title(root)),
    "drop_datetime": _css("[datetime]"),
    "author_block_after_body": etree.XPath(
        "//body//*[self::h2 or self::h3][" + " or ".join(f"{_LOWER_TEXT} = '{h}'" for h in _HEADINGS) + "]"
    ),
    "quote_styles": _css("body blockquote, body [class*=quote]"),
    "remove_design_markers": _css(
        "header.hero-article, h1.h2, .insight-detail-hero-title, h1.hero__title, .expert-hero-name"
    ),
}


def test_every_transformation_says_what_it_rewrites() -> None:
    assert set(REWRITES) == set(TRANSFORMATIONS)


@pytest.mark.parametrize("name", TRANSFORMATIONS)
def test_transformation_changes_every_page_that_has_what_it_rewrites(name: str) -> None:
    applies = [c for c in PUBLICATION_CASES if REWRITES[name](parse_page(_original(c)))]
    unchanged = [case_id(c) for c in applies if variant_page(name, c) == round_trip(_original(c))]
    assert len(applies) >= 3, "a transformation must apply to several publication pages"
    assert unchanged == []


def _page_of(name: str, case: Path) -> Any:
    return parse_page(variant_page(name, case))


def _classes_of(name: str, case: Path) -> set[str]:
    return {c for e in _page_of(name, case).iter(etree.Element) for c in (e.get("class") or "").split()}


_RENAMED_RE = re.compile(r"c[0-9a-f]{6}")


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_rename_classes_leaves_only_kept_or_meaningless_classes(case: Path) -> None:
    assert all(c in KEPT_CLASSES or _RENAMED_RE.fullmatch(c) for c in _classes_of("rename_classes", case))


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_remove_classes_leaves_only_kept_classes(case: Path) -> None:
    assert _classes_of("remove_classes", case) <= KEPT_CLASSES


def _tags(root: Any) -> Counter[str]:
    return Counter(e.tag for e in root.body.iter(etree.Element))


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_semantic_to_div_turns_each_semantic_block_into_a_div(case: Path) -> None:
    before = _tags(parse_page(_original(case)))
    folded = Counter({t: n for t, n in before.items() if t not in SEMANTIC_TAGS})
    folded["div"] += sum(n for t, n in before.items() if t in SEMANTIC_TAGS)
    assert _tags(_page_of("semantic_to_div", case)) == folded


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_extra_wrappers_add_only_divs(case: Path) -> None:
    before, after = _tags(parse_page(_original(case))), _tags(_page_of("extra_wrappers", case))
    assert after - before == Counter({"div": after["div"] - before["div"]})
    assert after["div"] > before["div"]


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_reorder_hero_shows_the_block_after_the_title_above_it(case: Path) -> None:
    root = parse_page(_original(case))
    if not hero_blocks_after_title(root):
        pytest.skip("the title is followed by the article text: nothing to move above it")
    title = headline(root)
    branch = next(a for a in (title, *title.iterancestors()) if a.getparent() is hero_of(title))
    below = _shown_text(next(e for e in branch.itersiblings() if isinstance(e.tag, str)))
    text = _shown_text(_page_of("reorder_hero", case).body)
    assert below in text
    assert text.index(below) < text.index(_shown_text(title))


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_drop_datetime_leaves_no_datetime(case: Path) -> None:
    assert not _page_of("drop_datetime", case).xpath("//@datetime")


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_quote_styles_leaves_no_blockquote(case: Path) -> None:
    assert not _page_of("quote_styles", case).xpath("//body//blockquote")


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_remove_design_markers_leaves_no_marker(case: Path) -> None:
    page = _page_of("remove_design_markers", case)
    assert not [e.tag for e in page.iter(etree.Element) if has_design_marker(e)]


@pytest.mark.parametrize("case", PUBLICATION_CASES, ids=case_id)
def test_author_block_ends_the_main_content(case: Path) -> None:
    root = _page_of("author_block_after_body", case)
    block = author_block(root)
    if block is not None:
        assert [e for e in main_content(root) if isinstance(e.tag, str)][-1] is block
