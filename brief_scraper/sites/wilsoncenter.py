"""wilsoncenter.org: the site's rules, designs A (2025-), B (2020-2024) and C (before 2020),
and how its listings work, as data.

What is known of each design is in ``shared/sites/wilsoncenter.md``. Design A also carries a
hidden banner ``<h1>`` ("Explore more than 27,000 insights..."), so no selector here takes the
first h1 of the page; related-content cards reuse ``published-info``, so dates are read in the
hero only. Each design is recognised by two or more of its class names, so that one renamed
class leaves it standing; without any, the site's rules still read the page.
"""

from __future__ import annotations

import re

from brief_scraper.finders.rules import SiteRules
from brief_scraper.sites.profile import Design, ListingConventions, Select, SiteProfile

RULES = SiteRules(
    person_path=re.compile(r"/person/[^/?#]+"),
    program_path=re.compile(r"/program/[^/?#]+"),
    # Tags link to filtered listings (?topics=, ?regions=) or, before 2020, to issue terms.
    topic_link=re.compile(r"[?&](?:topics|regions)=\d|/issue-term/[^/?#]+|/topics?/[^/?#]+"),
    programs_in_whole_article=True,  # every program link inside the article is a filing
)

DESIGN_A = Design(
    name="wilsoncenter/a",
    hero="header.hero-article",
    body="article.text-block",
    fields={
        "title": Select("h1.h2"),
        "content_type": Select("[class*='type'], [class*='eyebrow'], [class*='label']", "label"),
        "posted": Select(".article-meta time, .published-info time, time.post-time", "posted"),
        "authors": Select(
            ".article-meta ul.authors li a[href*='/person/'], ul.authors li a[href*='/person/']",
            "profile_links",
        ),
        "programs": Select("a[href*='/program/']", "links"),
        "image_url": Select("img[alt='Publication cover'], img[alt*='cover'], img", "image"),
        "topics": Select("a.tags-item", "names", "page"),
    },
    evidence=frozenset(
        {"hero-article", "article-meta", "published-info", "post-time", "tags-item", "text-block"}
    ),
)

DESIGN_B = Design(
    name="wilsoncenter/b",
    hero=".insight-detail-hero, .insight-detail",
    body=".text-block-inner, div.text-block.wysiwyg-content",
    fields={
        "title": Select(".insight-detail-hero-title"),
        "content_type": Select(".insight-detail-hero-type, [class*='eyebrow'], [class*='-type']", "label"),
        "posted": Select("span.insight-detail-hero-author-byline-text.-date", "posted"),
        "authors": Select("a[href*='/person/']", "profile_links"),
        "programs": (
            Select("a[href*='/program/']", "links"),
            Select("div.tags-items a[href*='/program/']", "links", "page"),
        ),
        "image_url": Select("div.hero-image-inner img", "image"),
        "topics": Select("div.tags-items a:not([href*='/program/'])", "names", "page"),
    },
    evidence=frozenset(
        {
            "insight-detail-hero",
            "insight-detail-hero-title",
            "insight-detail-hero-author-byline-text",
            "text-block-inner",
            "tags-items",
            "hero-image-inner",
            "insight-detail",
        }
    ),
    summary_needs_excerpt=True,
)

DESIGN_C = Design(
    name="wilsoncenter/c",
    hero=".hero",
    body="div.article-body__inner, .article-body",
    fields={
        "title": Select("h1.hero__title"),
        "content_type": Select(".hero__type, .hero__label, [class*='hero__eyebrow']", "label"),
        "posted": Select("ul.hero__info li.hero__info-item--date", "posted"),
        "authors": Select("ul.hero__info a[href*='/person/'], a[href*='/person/']", "profile_links"),
        "programs": (
            Select("a[href*='/program/']", "links"),
            Select(".tags a[href*='/program/'], a.tag[href*='/program/']", "links", "page"),
        ),
        "image_url": Select(".hero__image img, img", "image"),
        "topics": Select(".tags a[href*='/issue-term/'], a.tag[href*='/issue-term/']", "names", "page"),
    },
    evidence=frozenset(
        {"hero__title", "hero__info", "hero__info-item--date", "article-body__inner", "article-body"}
    ),
    summary_needs_excerpt=True,
)

PERSON = Design(
    name="wilsoncenter/person",
    hero=".expert-hero, body",
    body="main, body",
    fields={
        "title": Select(".expert-hero-name h1, h1.expert-hero-name, .expert-hero-name"),
        "image_url": Select(".expert-hero img, img[src*='/person/']", "image"),
    },
    url_pattern=r"^/person/",
    content_type="Person",
    is_publication=False,
)

PROGRAM = Design(
    name="wilsoncenter/program",
    hero="main, body",
    body="main, body",
    fields={"title": Select("h1:not(.sr-only):not(.visually-hidden):not([hidden])")},
    url_pattern=r"^/program/",
    content_type="Program",
    is_publication=False,
)

DISCOVERY = ListingConventions(
    # Every kind of item the site lists; a crawl follows the ones asked for (publications by
    # default). People and programs are pages, not items: never requested from a listing.
    item_types=frozenset(
        {
            *("publication", "article", "blog-post", "event", "video", "podcast", "book"),
            *("audiovideo", "external-link", "collection", "multimedia"),
        }
    ),
    start_listing="/insight-analysis",  # the newest-first list of all analysis
    # Listings a program page points to, filtered to the program (`/insight-analysis?programs=109`);
    # `/publications` is a curated landing page, taken only when it is so filtered.
    listing_paths=frozenset({"/insight-analysis", "/research", "/search", "/publications"}),
    program_path="/program/",
    # A program's own listing sub-pages (`/program/<slug>/insight-analysis`), not its experts,
    # events or about pages.
    program_listings=frozenset({"insight-analysis", "publications", "research", "analysis", "insights"}),
    program_filters=frozenset({"programs", "program", "program_id"}),
    # The faceted search's page size and (empty) search box: `?keywords=&_limit=10&programs=109`
    # is the whole program, while `?topics=165&programs=109` is a subset of it.
    neutral_params=frozenset({"_limit", "limit", "keywords"}),
    # The faceted search's `?_page=N` counts from 1; older Drupal listings' `?page=N` from 0.
    page_params={"_page": 1, "page": 0},
    sitemap_path="/sitemap.xml",  # an index of `sitemap.xml?page=N`
)

WILSON_CENTER = SiteProfile(
    key="wilsoncenter",
    hosts=frozenset({"wilsoncenter.org"}),
    rules=RULES,
    designs=(PERSON, PROGRAM, DESIGN_A, DESIGN_B, DESIGN_C),
    discovery=DISCOVERY,
)
