"""Regions of a page: the article a reader reads, and the chrome and cards around it.

Both are found from what a page means, not from one site's classes: the article is the
smallest block around the headline that holds most of the page's prose; chrome is what
HTML and ARIA call navigation, banner, footer and aside, or what class names call menus
and sidebars; cards are teasers for other pages (class names, or a "Related"/"More from"
heading over them). A block that holds the headline is never chrome.
"""

from __future__ import annotations

import re
from typing import Any

_CHROME_TAGS = frozenset({"nav", "aside", "form", "menu"})
_SECTIONING_TAGS = frozenset({"article", "section", "main", "aside", "nav"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu"})
# Whole words of class and id values, split on spaces, "-" and "_" ("mega-menu", "site_footer").
_CHROME_WORD_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|megamenu|sidebar|breadcrumbs?|cookies?"
    r"|newsletter|share|sharing|social|promo|advert|ads)(?:$|[\s_-])"
)
_PAGE_FOOTER_ID_RE = re.compile(r"^(?:site-?|page-?|global-?|main-?)?footer$", re.I)
# Inside the article its own "nav meta" list or "entry-footer" holds its byline and date.
_IN_ARTICLE_CHROME_WORD_RE = re.compile(
    r"(?:^|[\s_-])(?:sidebar|breadcrumbs?|cookies?|newsletter|share|sharing|social|promo|advert|ads)(?:$|[\s_-])"
)
# Teasers of other pages. A profile card (the author's or the hosting program's) is the piece's own.
_CARD_WORD_RE = re.compile(r"related|card|tile|teaser|recommend|popular|more-stories|trending")
_OWN_CARD_WORD_RE = re.compile(r"profile|author|person|expert|byline|bio|program|host")
# Headings over teasers of other pages. "Related Program" heads the piece's own program.
_RELATED_HEADING_RE = re.compile(
    r"^\s*(?:related(?!\s+programs?\b)|more\s+(?:from|on|in|by|about|like)|read\s+(?:more|next|also)"
    r"|recommended|you\s+(?:may|might)\s+also|also\s+of\s+interest|latest|most\s+(?:read|popular)"
    r"|popular|further\s+reading|see\s+also|trending|m[aá]s\s+(?:de|sobre|le[ií]do)|relacionad"
    r"|lire\s+aussi|[àa]\s+lire|voir\s+aussi|sur\s+le\s+m[eê]me|leia\s+tamb[eé]m|veja\s+tamb[eé]m"
    r"|mais\s+(?:de|sobre|lidas)|mehr\s+(?:zum|von|aus|zu)|weitere|das\s+k[oö]nnte|auch\s+interessant"
    r"|lesen\s+sie\s+auch)",
    re.I,
)
_HEADINGS = ("h2", "h3", "h4", "h5")
_MIN_PROSE = 30  # characters: a paragraph shorter than this is a caption or a label


class Boilerplate:
    """Tells whether an element of one page sits in chrome or in a card, remembering the
    answer for every ancestor on the way (a list of links shares them).

    A block holding half the page's text is the page, whatever its class says (Blogger
    wraps every post in "widget Blog"; some sites wrap everything in a ``<form>``).
    """

    def __init__(self, root: Any, headline: Any | None, article: Any, prose: dict[Any, int]) -> None:
        self._memo: dict[Any, bool] = {}
        self._prose = prose
        self._root = root
        self._half_prose = prose.get(root, 0) / 2
        self._half_text: float | None = None  # read only on pages without prose paragraphs
        self._article = article if article is not None and article is not root else None
        if headline is not None:
            for node in (headline, *headline.iterancestors()):
                self._memo[node] = False  # what holds the headline is the page, not chrome
        self._related: set[Any] = set()
        if hasattr(root, "iter"):
            self._memo[root] = False
            # A "Related" heading's block that holds the headline or half the page is the
            # page's layout, not a box of teasers.
            self._related = {
                c
                for c in _related_sections(root)
                if self._memo.get(c) is not False and not self._holds_half_the_page(c)
            }
            for container in self._related:
                self._memo.setdefault(container, True)

    def __contains__(self, element: Any) -> bool:
        """Return whether *element* is chrome or a card, or sits inside one."""
        memo = self._memo
        path = []
        node = element
        found = False
        while node is not None:
            if node in memo:
                found = memo[node]
                break
            path.append(node)
            # The size is read last: few elements look like chrome, and reading one's text
            # is the costliest test.
            if self._is_boilerplate_node(node) and not self._holds_half_the_page(node):
                found = True
                break
            node = node.getparent()
        for visited in path:  # each is boilerplate, inside it, or (found False) in none
            memo[visited] = found
        return found

    def _holds_half_the_page(self, node: Any) -> bool:
        """Return whether *node* holds half the page's prose (its paragraphs; its text, on
        a page without paragraphs): then it is the page, whatever its class says."""
        if self._half_prose:
            return self._prose.get(node, 0) >= self._half_prose
        if self._half_text is None:
            self._half_text = text_size(self._root) / 2
        return text_size(node) >= self._half_text

    def in_card(self, element: Any) -> bool:
        """Return whether *element* sits in a teaser of another page (not only in chrome):
        what a card says belongs to that page, what chrome says may still be the piece's."""
        for node in (element, *element.iterancestors()):
            if node in self._related:
                return True
            words = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
            if _CARD_WORD_RE.search(words) and not _OWN_CARD_WORD_RE.search(words):
                return True
        return False

    def _inside_article(self, node: Any) -> bool:
        article = self._article
        return article is not None and (node is article or any(a is article for a in node.iterancestors()))

    def _is_boilerplate_node(self, node: Any) -> bool:
        tag = node.tag
        if not isinstance(tag, str) or tag in ("body", "html"):
            return False
        if tag in _CHROME_TAGS or (node.get("role") or "").lower() in _CHROME_ROLES:
            return True
        if tag == "footer" and not any(a.tag in _SECTIONING_TAGS for a in node.iterancestors()):
            return True  # the page's footer; an article's own footer holds its byline and date
        if _PAGE_FOOTER_ID_RE.match(node.get("id") or ""):
            return True  # a class "footer" is as often an article's or an item's own
        words = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if len(words) < 2:
            return False
        if _CARD_WORD_RE.search(words) and not _OWN_CARD_WORD_RE.search(words):
            return True
        if not _CHROME_WORD_RE.search(words):
            return False
        return bool(_IN_ARTICLE_CHROME_WORD_RE.search(words)) or not self._inside_article(node)


def text_size(element: Any) -> int:
    """Return the length of the text *element* holds, scripts and styles left out.

    All the text less the scripts': an XPath that tests each text node's ancestors costs
    ten times as much.
    """
    if not hasattr(element, "iter"):
        return 0
    scripts = sum(len(e.text or "") for e in element.iter("script", "style"))
    return len("".join(element.itertext())) - scripts


def _related_sections(root: Any) -> list[Any]:
    """Return the blocks that a "Related"/"More from" heading heads."""
    found = []
    for heading in root.iter(*_HEADINGS):
        text = "".join(heading.itertext())
        if len(text) > 80 or not _RELATED_HEADING_RE.match(text):
            continue
        container = heading.getparent()
        # The heading's own wrapper may hold only the heading: climb to the block.
        while container is not None and len(" ".join("".join(container.itertext()).split())) <= len(text) + 2:
            container = container.getparent()
        if container is not None and container.tag not in ("body", "html", "main", "article"):
            found.append(container)
    return found


def prose_by_block(root: Any) -> dict[Any, int]:
    """Return, per element, how many characters of prose (paragraphs of a sentence or more)
    it holds; the root's entry is the page's total.

    Linear in the page: each paragraph adds its length to its ancestors (the parser caps depth).
    """
    prose: dict[Any, int] = {}
    if not hasattr(root, "iter"):
        return prose
    for paragraph in root.iter("p"):
        size = len("".join(paragraph.itertext()).strip())
        if size < _MIN_PROSE:
            continue
        for ancestor in paragraph.iterancestors():
            prose[ancestor] = prose.get(ancestor, 0) + size
    return prose


def find_article(root: Any, headline: Any | None, prose: dict[Any, int]) -> Any:
    """Return the article: the smallest block around *headline* holding at least half the
    page's prose (see prose_by_block); else ``<main>``/``<article>``, else *root*."""
    if not hasattr(root, "iter"):
        return root
    total = prose.get(root, 0)
    if headline is not None and total:
        for ancestor in headline.iterancestors():
            if prose.get(ancestor, 0) * 2 >= total:
                return ancestor
    for tag in ("main", "article"):
        for element in root.iter(tag):
            return element
    return root


_HERO_PROSE = 320  # characters: a hero may hold a standfirst, not the body


def find_hero(headline: Any | None, article: Any, prose: dict[Any, int]) -> Any | None:
    """Return the hero: the largest block around *headline*, inside the article, that holds
    no more prose than a standfirst; the headline itself when its parent holds the body."""
    if headline is None:
        return None
    hero = headline
    for ancestor in headline.iterancestors():
        if ancestor is article or prose.get(ancestor, 0) > _HERO_PROSE:
            break
        hero = ancestor
    return hero
