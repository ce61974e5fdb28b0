"""wilsoncenter.org: designs A (2025-), B (2020-2024) and C (before 2020), as data.

What is known of each design is in ``shared/sites/wilsoncenter.md``. Design A also carries a
hidden banner ``<h1>`` ("Explore more than 27,000 insights..."), so no selector here takes the
first h1 of the page; related-content cards reuse ``published-info``, so dates are read in the
hero only.
"""

from __future__ import annotations

from brief_scraper.sites import Design, SiteProfile

DESIGN_A = Design(
    name="wilsoncenter/a",
    marker="header.hero-article",
    hero="header.hero-article",
    body="article.text-block",
    fields={
        "title": "h1.h2",
        "content_type": "[class*='type'], [class*='eyebrow'], [class*='label']",
        "posted": ".article-meta time, .published-info time, time.post-time",
        "authors": ".article-meta ul.authors li a[href*='/person/'], ul.authors li a[href*='/person/']",
        "programs": "a[href*='/program/']",
        "image": "img[alt='Publication cover'], img[alt*='cover'], img",
        "topics": "a.tags-item",
    },
)

DESIGN_B = Design(
    name="wilsoncenter/b",
    marker="h1.insight-detail-hero-title",  # tag-qualified: a cheaper walk than a bare class
    hero=".insight-detail-hero, .insight-detail",
    body=".text-block-inner, div.text-block.wysiwyg-content",
    fields={
        "title": ".insight-detail-hero-title",
        "content_type": ".insight-detail-hero-type, [class*='eyebrow'], [class*='-type']",
        "posted": "span.insight-detail-hero-author-byline-text.-date",
        "authors": "a[href*='/person/']",
        "programs": "a[href*='/program/']",
        "image": "div.hero-image-inner img",
        "topics": "div.tags-items a:not([href*='/program/'])",
        "page_programs": "div.tags-items a[href*='/program/']",
    },
    summary_needs_excerpt=True,
)

DESIGN_C = Design(
    name="wilsoncenter/c",
    marker="h1.hero__title",
    hero=".hero",
    body="div.article-body__inner, .article-body",
    fields={
        "title": "h1.hero__title",
        "content_type": ".hero__type, .hero__label, [class*='hero__eyebrow']",
        "posted": "ul.hero__info li.hero__info-item--date",
        "authors": "ul.hero__info a[href*='/person/'], a[href*='/person/']",
        "programs": "a[href*='/program/']",
        "image": ".hero__image img, img",
        "topics": ".tags a[href*='/issue-term/'], a.tag[href*='/issue-term/']",
        "page_programs": ".tags a[href*='/program/'], a.tag[href*='/program/']",
    },
    summary_needs_excerpt=True,
)

PERSON = Design(
    name="wilsoncenter/person",
    marker=".expert-hero-name",
    hero=".expert-hero, body",
    body="main, body",
    fields={
        "title": ".expert-hero-name h1, h1.expert-hero-name, .expert-hero-name",
        "image": ".expert-hero img, img[src*='/person/']",
    },
    url_pattern=r"^/person/",
    content_type="Person",
    is_publication=False,
)

PROGRAM = Design(
    name="wilsoncenter/program",
    marker="",
    hero="main, body",
    body="main, body",
    fields={"title": "h1:not(.sr-only):not(.visually-hidden):not([hidden])"},
    url_pattern=r"^/program/",
    content_type="Program",
    is_publication=False,
)

WILSON_CENTER = SiteProfile(
    key="wilsoncenter",
    hosts=frozenset({"wilsoncenter.org"}),
    designs=(DESIGN_A, DESIGN_B, DESIGN_C, PERSON, PROGRAM),
)
