"""The quoted excerpt and the summary paragraph of a piece.

An excerpt is a passage in quote marks (" ", “ ”, « », „ “) opening the body, over one or
several paragraphs, or a pull quote (a blockquote, a ``*quote*`` block). Embedded posts
(tweets, Instagram, TikTok, YouTube), testimonials and quotes in sidebars are none.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from brief_scraper.finders.labels import is_series_sentence
from brief_scraper.finders.nodes import node_text, paragraphs_text
from brief_scraper.text import join_paragraphs, strip_outer_quotes

if TYPE_CHECKING:
    from brief_scraper.finders.regions import Boilerplate

# Class attributes are tested on the attribute axis, then their elements: a predicate on
# every element costs twice as much.
_QUOTES = etree.XPath(
    ".//blockquote | descendant::*/@class[contains(., 'quote')]/parent::*[not(ancestor::blockquote)"
    " and not(ancestor::*[contains(@class, 'quote')])]"
)
_UNQUOTED_PARAGRAPHS = etree.XPath(
    ".//p[not(ancestor::blockquote) and not(ancestor::*[contains(@class, 'quote')])]"
)
_FOLLOWING_PARAGRAPHS = etree.XPath("following::p[position() <= 12]")
# Embedded posts carry their network's class or link to it; testimonials say what they are.
_EMBED_CLASS_RE = re.compile(
    r"tweet|twitter|instagram|tiktok|embed|facebook|fb-post|reddit|bluesky|mastodon|threads|youtube"
    r"|testimonial|endorsement|praise|review",
    re.I,
)
_EMBED_HREF_RE = re.compile(
    r"//(?:www\.)?(?:twitter\.com|x\.com|t\.co|instagram\.com|tiktok\.com|youtube\.com|youtu\.be"
    r"|facebook\.com|bsky\.app|threads\.net)/",
    re.I,
)
_EMBED_HREFS = etree.XPath(".//a/@href | .//@cite | .//@data-instgrm-permalink")
_OPENING = '"“„«‚'  # marks that open a quoted passage
_CLOSING = '"”“»'  # marks that close one (’ is as often an apostrophe)
_MIN_EXCERPT = 20
_MAX_QUOTE_CANDIDATES = 20  # a pull quote is among a page's first quote blocks
_OPENING_PARAGRAPHS = 3  # the body "opens" within its first few prose paragraphs
_MAX_QUOTED_PARAGRAPHS = 4


def is_embed(node: Any) -> bool:
    """Return whether a quote block is an embedded post or a testimonial, not the piece's."""
    for element in (node, *node.iterancestors()):
        if _EMBED_CLASS_RE.search(element.get("class") or ""):
            return True
    return any(_EMBED_HREF_RE.search(href) for href in _EMBED_HREFS(node))


def _closes_at_end(text: str) -> bool | None:
    """Return True when *text* ends its quote (inner quotes may come before), False when no
    quote closes in it, and None when one closes before the end: a quote inside the text
    ("“We act,” she said.")."""
    body = text.rstrip(" .")
    if body[-1:] in _CLOSING:
        return True
    return None if any(mark in body for mark in _CLOSING) else False


def find_pull_quote(region: Any, boilerplate: Boilerplate | None = None) -> str | None:
    """Return the first pull quote of *region* (a blockquote or a ``*quote*`` block) as text."""
    for node in _QUOTES(region)[:_MAX_QUOTE_CANDIDATES]:
        if is_embed(node) or (boilerplate is not None and node in boilerplate):
            continue
        text = strip_outer_quotes(paragraphs_text(node))
        if text and len(text) > _MIN_EXCERPT:
            return text
    return None


def find_opening_quote(headline: Any, boilerplate: Boilerplate | None = None) -> str | None:
    """Return the passage in quote marks that opens the body after *headline*, or None.

    The passage opens with a quote mark and closes with one, in one paragraph or over
    several (the first opening, the last closing); "“We must act,” she said." is a quote
    inside the text, not a quoted passage.
    """
    if headline is None:
        return None
    texts: list[str] = []  # the first substantial paragraphs after the headline, read lazily
    for paragraph in _FOLLOWING_PARAGRAPHS(headline):
        text = node_text(paragraph) if boilerplate is None or paragraph not in boilerplate else None
        if text and len(text) >= 40:
            texts.append(text)
            if len(texts) >= _OPENING_PARAGRAPHS + _MAX_QUOTED_PARAGRAPHS:
                break
            if len(texts) == _OPENING_PARAGRAPHS and not any(t[:1] in _OPENING for t in texts):
                return None  # the body opens with no quote mark: nothing more to read
    for start, text in enumerate(texts[:_OPENING_PARAGRAPHS]):
        if text[:1] not in _OPENING:
            continue
        # Continued paragraphs may open with a mark again; only the last one closes.
        for end in range(start, min(start + _MAX_QUOTED_PARAGRAPHS, len(texts))):
            closes = _closes_at_end(texts[end][1:] if end == start else texts[end])
            if closes is None:
                return None
            if closes:
                passage = join_paragraphs(texts[start : end + 1])
                return strip_outer_quotes(passage) if passage and len(passage) > _MIN_EXCERPT else None
        return None
    return None


def find_excerpt(
    region: Any, headline: Any | None = None, boilerplate: Boilerplate | None = None
) -> str | None:
    """Return the piece's quoted excerpt: a pull quote in *region*, else a quoted passage
    opening the body after *headline*."""
    return find_pull_quote(region, boilerplate) or find_opening_quote(headline, boilerplate)


def find_summary(region: Any, skip: set[str | None]) -> str | None:
    """Return the first substantial body paragraph that is no quote and no series sentence."""
    for paragraph in _UNQUOTED_PARAGRAPHS(region):
        text = node_text(paragraph)
        if not text or len(text) < 40 or is_series_sentence(text):
            continue
        if any(s and (text in s or (strip_outer_quotes(text) or text) in s) for s in skip):
            continue
        return text
    return None
