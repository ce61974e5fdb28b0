"""CSS selectors as compiled lxml XPaths, tuned for libxml2 (the design tier's selectors).

parsel's css() would wrap every result in a Selector and build an evaluator per call; these
are compiled once per query and run on lxml elements.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import cssselect
from cssselect.xpath import GenericTranslator
from lxml import etree
from parsel import css2xpath

if TYPE_CHECKING:
    from collections.abc import Iterator


def _outside_quotes(xpath: str) -> Iterator[tuple[int, str, int]]:
    """Yield (index, character, bracket depth before it) of each character outside quotes."""
    depth, quote = 0, ""
    for index, char in enumerate(xpath):
        if quote:
            quote = "" if char == quote else quote
            continue
        if char in "'\"":
            quote = char
            continue
        yield index, char, depth
        depth += 1 if char in "[(" else -1 if char in "])" else 0


def _top_level_parts(expression: str, separator: str) -> list[str]:
    """Split *expression* (XPath or CSS) on *separator* where it is outside brackets and quotes."""
    parts, start = [], 0
    for index, _, depth in _outside_quotes(expression):
        if depth == 0 and index >= start and expression.startswith(separator, index):
            parts.append(expression[start:index])
            start = index + len(separator)
    return [*parts, expression[start:]]


def _is_one_predicate(text: str) -> bool:
    """Return whether *text* is one ``[...]`` group: its first bracket closes at its end."""
    closing = [index for index, char, depth in _outside_quotes(text) if char == "]" and depth == 1]
    return closing[:1] == [len(text) - 1]


_ONE_STEP_RE = re.compile(r"descendant-or-self::([\w*-]+)(\[.*\])?", re.S)


def merge_union(xpath: str) -> str:
    """Return a union of one-step paths on the same tag as one path with an ``or`` predicate.

    libxml2 walks the tree once for each member of a union; the merged path, once. Both
    select the same elements in the same (document) order.

    >>> merge_union("descendant-or-self::*[@a] | descendant-or-self::*[@b]")
    'descendant-or-self::*[(@a) or (@b)]'
    >>> merge_union("descendant-or-self::img[@alt = 'x'] | descendant-or-self::img")
    'descendant-or-self::img'
    >>> merge_union("descendant-or-self::a[@x] | descendant-or-self::b")
    'descendant-or-self::a[@x] | descendant-or-self::b'
    >>> merge_union("descendant-or-self::*[@x]/descendant::t | descendant-or-self::*[@y]")
    'descendant-or-self::*[@x]/descendant::t | descendant-or-self::*[@y]'
    """
    parts = [part.strip() for part in _top_level_parts(xpath, " | ")]
    steps = [_ONE_STEP_RE.fullmatch(part) for part in parts]
    if len(parts) < 2 or not all(steps) or len({step[1] for step in steps if step}) != 1:
        return xpath
    predicates = [step[2] for step in steps if step]
    if not all(_is_one_predicate(p) for p in predicates if p):  # e.g. a[@x]/descendant::b[@y]
        return xpath
    tag = steps[0][1] if steps[0] else "*"
    if not all(predicates):  # a member without a predicate selects every such element
        return f"descendant-or-self::{tag}"
    return f"descendant-or-self::{tag}[{' or '.join(f'({p[1:-1]})' for p in predicates)}]"


@lru_cache(maxsize=512)
def _compiled_css(query: str) -> etree.XPath:
    """Return CSS *query* as a compiled XPath that, as parsel's css(), matches the region
    itself too: tags and classes only as class_xpath(), else a union of one-step paths
    merged into one walk (merge_union)."""
    compounds = class_compounds(query)
    return etree.XPath(class_xpath(compounds) if compounds else merge_union(css2xpath(query)))


@lru_cache(maxsize=128)
def css_members(css: str) -> tuple[str, ...]:
    """Return the members of CSS selector list *css*, in order.

    >>> css_members("img[alt='a, b'], img")
    ("img[alt='a, b']", 'img')
    """
    return tuple(member.strip() for member in _top_level_parts(css, ",") if member.strip())


@lru_cache(maxsize=512)
def class_compounds(query: str) -> tuple[tuple[str | None, tuple[str, ...]], ...] | None:
    """Return CSS *query* as (tag or None, classes) per member when each member is only a
    tag and classes (``div.a.b, .c``); None for any other CSS.

    >>> class_compounds("DIV.text-block.wysiwyg-content, .text-block-inner")
    (('div', ('text-block', 'wysiwyg-content')), (None, ('text-block-inner',)))
    >>> class_compounds("a[href*='/person/']") is None
    True
    >>> class_compounds("ul.hero__info a") is None
    True
    """
    try:
        members = cssselect.parse(query)
    except cssselect.SelectorError:
        return None
    compounds = []
    for member in members:
        node, classes = member.parsed_tree, []
        while isinstance(node, cssselect.parser.Class):
            classes.append(node.class_name)
            node = node.selector
        if (
            member.pseudo_element
            or not classes
            or not isinstance(node, cssselect.parser.Element)
            or node.namespace
        ):
            return None
        tag = node.element.lower() if node.element and node.element != "*" else None
        compounds.append((tag, tuple(reversed(classes))))
    return tuple(compounds)


xpath_literal = GenericTranslator.xpath_literal  # a string as an XPath literal, quotes and all


def class_xpath(compounds: tuple[tuple[str | None, tuple[str, ...]], ...]) -> str:
    r"""Return the XPath of class_compounds() that tests class attributes, not elements.

    libxml2 evaluates ``@class`` in an element predicate as a node-set of its own, three
    times in the translated test; on the attribute axis the value is at hand, and a plain
    contains() rules out most values before the whole-word test. Members on the same tag
    share one walk.

    >>> print(class_xpath((("a", ("tag",)),)).replace(" and ", "\n    and "))
    descendant-or-self::a/@class[(contains(., 'tag')
        and contains(concat(' ', normalize-space(.), ' '), ' tag '))]/..
    """
    by_tag: dict[str, list[str]] = {}
    for tag, classes in compounds:
        test = " and ".join(
            f"contains(., {xpath_literal(name)}) and "
            f"contains(concat(' ', normalize-space(.), ' '), {xpath_literal(f' {name} ')})"
            for name in classes
        )
        by_tag.setdefault(tag or "*", []).append(f"({test})")
    return " | ".join(
        f"descendant-or-self::{tag}/@class[{' or '.join(tests)}]/.." for tag, tests in by_tag.items()
    )


def select(region: Any, query: str | None) -> list[Any]:
    """Return the lxml elements CSS *query* selects in lxml element *region*, in page order."""
    if region is None or not query:
        return []
    selected: list[Any] = _compiled_css(query)(region)
    return selected
