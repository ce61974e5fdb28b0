"""finders/documents.py: the Download button's fast prefilter never hides a button the label
test accepts, and the buttons of every language the text layer reads are found."""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from brief_scraper.finders.documents import (
    DOWNLOAD_WORDS,
    find_download_button,
    is_download_label,
    may_offer_download,
)
from brief_scraper.finders.nodes import node_text
from brief_scraper.page import Page
from brief_scraper.parsing import parse_root


def _cased(word: str, flips: list[bool]) -> str:
    return "".join(
        ch.upper() if flip else ch for ch, flip in zip(word, flips + [False] * len(word), strict=False)
    )


LABELS = st.builds(
    lambda before, word, flips, after: f"{before} {_cased(word, flips)} {after}".strip(),
    st.sampled_from(["", "PDF", "Report", "the", "→"]),
    st.sampled_from(DOWNLOAD_WORDS),
    st.lists(st.booleans(), max_size=14),
    st.sampled_from(["", "PDF", "the report", "le rapport", "el informe", "(2 MB)", "app", "citations"]),
)


def _link_html(label: str, cut: int, where: str) -> str:
    """Return a link whose label is *label*, its text cut in two elements at *cut*, or in
    the aria-label or title attribute."""
    if where == "text":
        return f'<a href="/r.pdf"><span>{escape(label[:cut])}</span>{escape(label[cut:])}</a>'
    return f'<a href="/r.pdf" {where}="{escape(label, quote=True)}"><svg></svg></a>'


@given(LABELS, st.integers(min_value=0, max_value=30), st.sampled_from(["text", "aria-label", "title"]))
def test_prefilter_passes_every_link_the_label_test_accepts(label: str, cut: int, where: str) -> None:
    region = etree.fromstring(f"<div>{_link_html(label, cut, where)}</div>", etree.HTMLParser())
    link = region.find(".//a")
    shown = node_text(link) or link.get("aria-label", "") or link.get("title", "")
    if is_download_label(shown):
        assert may_offer_download(region)


@pytest.mark.parametrize(
    "label",
    ["Download", "Download PDF", "Descargar el informe", "Télécharger le rapport", "Baixar PDF",
     "PDF herunterladen", "Scarica il rapporto", "DOWNLOAD THE REPORT"],
)  # fmt: skip
def test_download_buttons_of_every_language_are_found(label: str) -> None:
    page = Page(
        parse_root(f'<html><body><main><a href="/files/r.pdf">{label}</a></main></body></html>'),
        "https://x.org/p",
    )
    button = find_download_button(page.root, page)
    assert button is not None
    assert button["url"] == "https://x.org/files/r.pdf"


@pytest.mark.parametrize("label", ["Download the app", "Download citations", "Downloads", "Read the report"])
def test_links_that_offer_something_else_are_no_download_button(label: str) -> None:
    page = Page(
        parse_root(f'<html><body><a href="/files/r.pdf">{label}</a></body></html>'), "https://x.org/p"
    )
    assert find_download_button(page.root, page) is None
