"""Text of lxml elements as a reader sees it, and where an element sits on the page."""

from __future__ import annotations

from typing import Any

from lxml import etree

from brief_scraper.text import clean_text, join_paragraphs

_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
_INVISIBLE_TAGS = frozenset({"script", "style", "noscript"})
_PARAGRAPHS = etree.XPath(".//p")


# No record text is longer (schema.json's largest maxLength is 10,000): a 50 MB text node is
# cut before it is cleaned, not after, so that every finder reading it costs no more.
MAX_NODE_TEXT = 20_000


def node_text(node: Any) -> str | None:
    """Return the visible text of lxml element *node*, cleaned (scripts and styles left out),
    of at most MAX_NODE_TEXT characters before cleaning."""
    if node is None or not isinstance(node.tag, str):
        return None
    if len(node) == 0:  # no children (most links and labels): no XPath needed
        return None if node.tag in _INVISIBLE_TAGS else clean_text((node.text or "")[:MAX_NODE_TEXT])
    return clean_text(" ".join(_VISIBLE_TEXT(node))[:MAX_NODE_TEXT])


def all_text(element: Any) -> str:
    """Return all the text in lxml *element*, as lxml.html's text_content() does."""
    return "".join(element.itertext())


def paragraphs_text(node: Any) -> str | None:
    """Return *node*'s text with its ``<p>`` (or block) children kept as paragraphs."""
    paragraphs = _PARAGRAPHS(node)
    if not paragraphs:
        return node_text(node)
    return join_paragraphs(node_text(p) for p in paragraphs)


def is_comment_or_form(element: Any) -> bool:
    """Return whether *element* sits in a comment thread, a form, nav, footer or aside: names
    and dates there belong to replies, cookie notices and other pages."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("form", "label", "input", "textarea", "footer", "nav", "aside"):
            return True
        if "comment" in (node.get("class") or "").lower() or "comment" in (node.get("id") or "").lower():
            return True
    return False
