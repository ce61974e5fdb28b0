"""Each fast path of the extraction core gives what its slow path gives (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from brief_scraper.finders import documents
from brief_scraper.finders.authors import AUTHOR_HEADINGS, MAX_HEADING_CHARS, _heading_label
from brief_scraper.page import _MARKER_CLASS_HINT_RE, _MARKER_CLASS_RE

CLASS_WORDS = st.sampled_from(
    ["author", "byline", "auteur", "autor", "date", "publi", "posted", "datum", "time", "meta", "fn",
     "x", "-", "_", " ", "fnord", "sometimes", "metadata", "Author", "card", "2"]
)  # fmt: skip


@given(st.lists(CLASS_WORDS, max_size=6).map("".join))
def test_marker_class_hint_passes_every_class_the_marker_test_accepts(cls: str) -> None:
    low = cls.lower()
    if _MARKER_CLASS_RE.search(low):
        assert _MARKER_CLASS_HINT_RE.search(low)


HREF_PARTS = st.sampled_from(
    ["/files/r", ".pdf", ".PDF", ".docx", "?v=1", "#p", " ", "\n", "x", ".pdfx", "/a.zip"]
)


@given(st.lists(st.lists(HREF_PARTS, max_size=5).map("".join), max_size=6))
def test_one_search_over_all_hrefs_finds_a_document_when_one_href_links_one(hrefs: list[str]) -> None:
    joined = "\n".join(href.strip() for href in hrefs)
    if any(documents._DOCUMENT_HREF_RE.search(href.strip()) for href in hrefs):
        assert documents._DOCUMENT_HREF_LINE_RE.search(joined)


HEADING_PARTS = st.sampled_from(
    [*sorted(AUTHOR_HEADINGS)[:12], " ", "\n", "\n" + " " * 24, ":", "About", "the", "x" * 30]
)


@given(st.lists(HEADING_PARTS, max_size=5).map("".join))
def test_author_heading_shortcut_agrees_with_the_full_test(text: str) -> None:
    label = " ".join(text.split()).lower().rstrip(":").strip()
    is_heading = len(text) <= MAX_HEADING_CHARS and label in AUTHOR_HEADINGS
    assert _heading_label(text) == (label if is_heading else None)
