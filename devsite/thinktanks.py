"""Two think tanks for the offline world, RAND and CSIS (generic profile), as data and pages.

Each :class:`ThinkTank` says which generic fixture its pages are made from, how a variant
rewrites it (every spelling of the fixture's title, path and date becomes a ``{{token}}`` of a
template, so a variant never says two things at once), the 12 publications it has (title,
day), which one robots.txt forbids, its feed and its ``Crawl-delay``. :func:`build_variants`
turns one into its pages, once, deterministically: each publication's page and its broken
redesign (no date anywhere: meta, visible, related cards). ``devsite.thinktank_site`` serves
them; paths follow ``sources.toml``'s ``publication_paths`` (rand ``^/pubs/``, csis
``^/analysis/``) and the canonical URL of every page is the live one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from devsite.snapshot import display_date, slugify

ROOT = Path(__file__).resolve().parent.parent
GENERIC_FIXTURES = ROOT / "tests" / "fixtures" / "generic"
_TOKEN_RE = re.compile(r"\{\{[a-z_]+\}\}")


@dataclass(frozen=True, slots=True)
class Publication:
    """One publication page a site serves, and what ``extract()`` must find on it."""

    url: str  # the live URL: the page's canonical, and the record's ``url``
    path: str  # where it is served, on the live host and on the mirror alike
    title: str
    posted_date: str  # YYYY-MM-DD
    disallowed: bool = False  # robots.txt forbids it; the sitemap still lists it


@dataclass(frozen=True, slots=True)
class ThinkTank:
    """One think-tank site as data: its fixture, how a variant rewrites it, and its routes."""

    key: str  # the source key of sources.toml
    name: str
    live_origin: str
    fixture: str  # folder name under tests/fixtures/generic
    tokens: tuple[tuple[str, str], ...]  # fixture text -> token, in this order
    stale: tuple[str, ...]  # spellings of the fixture's own title, path and date: gone once tokenised
    redesign: tuple[tuple[str, str], ...]  # regex -> replacement: the broken template, no date at all
    values: Callable[[int, str, date], dict[str, str]]  # a variant's token values, "path" included
    catalogue: tuple[tuple[str, str], ...]  # (title, day) of each publication, newest first
    disallowed: int  # the catalogue entry robots.txt forbids (older than the feed's)
    feed_path: str
    feed_kind: str  # "rss20" or "atom10", as feedparser names them
    feed_media_type: str  # its Content-Type, and the type of the home page's <link rel=alternate>
    live_links: bool  # feed, sitemap and home page link the live URLs (else the mirror's)
    crawl_delay: float  # robots.txt's Crawl-delay: small, so the demo stays quick
    external_path: str  # the feed's entry on another host


def _rand_values(n: int, title: str, day: date) -> dict[str, str]:
    """Return the token values of RAND's publication *n* (0 the newest).

    >>> values = _rand_values(1, "Arms & Allies", date(2025, 9, 4))
    >>> values["path"], values["bucket"], values["title"], values["day_slash"], values["day_short"]
    ('/pubs/research_reports/RRA3199-1.html', '3100', 'Arms &amp; Allies', '2025/9/4', 'Sep 4, 2025')
    """
    number = 3200 - n  # newer reports have higher numbers, as RAND's do
    return {
        "path": f"/pubs/research_reports/RRA{number}-1.html", "number": str(number),
        "bucket": str(number // 100 * 100), "title": html.escape(title),
        "day_slash": f"{day.year}/{day.month}/{day.day}", "day_short": f"{day:%b} {day.day}, {day.year}",
    }  # fmt: skip


def _csis_values(n: int, title: str, day: date) -> dict[str, str]:
    """Return the token values of CSIS's publication *n* (0 the newest).

    >>> values = _csis_values(0, "The Arctic after the Ice", date(2025, 9, 4))
    >>> values["path"], values["day_long"], values["file"]
    ('/analysis/arctic-after-ice', 'September 4, 2025', '2025-09/250904_Arctic_After_Ice')
    """
    slug = slugify(title)
    return {
        "path": f"/analysis/{slug}", "slug": slug, "title": html.escape(title),
        "day_long": display_date(day.isoformat()),
        "file": f"{day:%Y-%m}/{day:%y%m%d}_{'_'.join(w.title() for w in slug.split('-')[:3])}",
    }  # fmt: skip


RAND = ThinkTank(
    key="rand", name="RAND", live_origin="https://www.rand.org",
    fixture="rand-highwire-last-first-authors-slash-date-pdf-kicker",
    tokens=(
        ("Sustaining Readiness in a Contested Logistics Environment", "{{title}}"),
        ("RRA1400", "RRA{{bucket}}"), ("RBA1400", "RBA{{bucket}}"),  # the PDFs' folders
        ("1421", "{{number}}"),  # the report's id: path, DOI, PDF, and its research brief's
        ("2021/6/4", "{{day_slash}}"),
        ("Jun 4, 2021", "{{day_short}}"),  # the header's, and the brief's of the same day
    ),
    stale=("Sustaining Readiness", "RRA1421", "2021/6/4", "Jun 4, 2021", "2021-06-04"),
    redesign=(
        (r'\s*<meta name="citation_publication_date"[^>]*>', ""),
        (r'\s*<p class="published">[^<]*</p>', ""),  # the header's date and the related products'
        (r"product-header", "hero"),
    ),
    values=_rand_values,
    catalogue=(
        ("Deterrence & Denial in the Taiwan Strait", "2025-11-18"),
        ("Securing Undersea Cables in the North Atlantic", "2025-11-04"),
        ("The Army's Next Generation of Prepositioned Stocks", "2025-10-21"),
        ("Fuel Resilience for Forward Air Bases", "2025-10-07"),
        ("Artificial Intelligence and Wargaming: A Field Guide", "2025-09-23"),
        ("Workforce Readiness in the Defense Industrial Base", "2025-09-09"),
        ("Space Logistics Beyond Low Earth Orbit", "2025-08-26"),
        ("Medical Evacuation Under Contested Airspace", "2025-08-12"),
        ("Rebuilding Munitions Stockpiles After Ukraine", "2025-07-29"),
        ("Climate Risk to Coastal Military Installations", "2025-07-15"),
        ("Cyber Defense of Critical Port Infrastructure", "2025-07-01"),
        ("Recruiting for the All-Volunteer Force", "2025-06-17"),
    ),
    disallowed=7,
    feed_path="/pubs/commentary.xml", feed_kind="rss20", feed_media_type="application/rss+xml",
    live_links=False, crawl_delay=0.25,
    external_path="/pubs/partner-copy-on-another-host.html",
)  # fmt: skip

CSIS = ThinkTank(
    key="csis", name="Center for Strategic and International Studies", live_origin="https://www.csis.org",
    fixture="csis-s3-versionid-pdf-download-button-other-host-written-by",
    tokens=(
        ("Battery Minerals after the Inflation Reduction Act", "{{title}}"),
        ("battery-minerals-after-inflation-reduction-act", "{{slug}}"),
        ("2023-04/230412_Lee_Battery_Minerals", "{{file}}"),  # the report's PDF, not the image
        ("April 12, 2023", "{{day_long}}"),
    ),
    stale=("Battery Minerals after", "battery-minerals", "230412", "April 12, 2023", "2023-04-12"),
    redesign=(
        (r'\s*<p class="report-hero__date">[^<]*</p>', ""),
        (r'\s*<span class="teaser__date">[^<]*</span>', ""),  # the related teasers' dates
        (r"report-hero", "article-header"),
    ),
    values=_csis_values,
    catalogue=(
        ("Critical Minerals and the Clean Energy Transition", "2025-11-20"),
        ("Semiconductor Export Controls: One Year On", "2025-11-06"),
        ('What "Friend-Shoring" Means for Latin America', "2025-10-23"),
        ("Rethinking Food Security in East Africa", "2025-10-09"),
        ("Hypersonic Missile Defense & the Homeland", "2025-09-25"),
        ("Arctic Shipping Routes and Great Power Competition", "2025-09-11"),
        ("Carbon Border Adjustments and Global Trade", "2025-08-28"),
        ("Nuclear Energy Financing in Southeast Asia", "2025-08-14"),
        ("The Indo-Pacific Economic Framework at Three", "2025-07-31"),
        ("Drone Warfare Lessons from the Black Sea", "2025-07-17"),
        ("Space Situational Awareness for Allies", "2025-07-03"),
        ("Water Scarcity and Stability in the Sahel", "2025-06-19"),
    ),
    disallowed=7,
    feed_path="/analysis/rss", feed_kind="atom10", feed_media_type="application/atom+xml",
    live_links=True, crawl_delay=0.5,
    external_path="/analysis/partner-copy-on-another-host",
)  # fmt: skip

THINK_TANKS = (RAND, CSIS)


def tokenize(text: str, tank: ThinkTank) -> str:
    """Return the fixture page *text* as a template: its title, path and date as tokens.

    Raises ValueError when a spelling is not found or one is left: the fixture changed, and a
    variant would say two things at once.
    """
    if _TOKEN_RE.search(text):
        raise ValueError(f"{tank.fixture}: the page already holds a {{{{token}}}}")
    for old, token in tank.tokens:
        if old not in text:
            raise ValueError(f"{tank.fixture}: {old!r} is not on the page")
        text = text.replace(old, token)
    left = [old for old in tank.stale if old in text or html.escape(old) in text]
    if left:
        raise ValueError(f"{tank.fixture}: {left[0]!r} is still on the page once tokenised")
    return text


def redesign(template: str, tank: ThinkTank) -> str:
    """Return *template* as the broken redesign: no date anywhere. Raises ValueError on no match."""
    for pattern, replacement in tank.redesign:
        template, count = re.subn(pattern, replacement, template)
        if not count:
            raise ValueError(f"{tank.fixture}: the redesign's {pattern!r} matches nothing")
    return template


def fill(template: str, values: dict[str, str]) -> bytes:
    """Return *template* with each ``{{name}}`` replaced by ``values[name]``, as UTF-8.

    >>> fill("<h1>{{title}}</h1><p>{{day}}: {{title}}</p>", {"title": "A &amp; B", "day": "May 1"})
    b'<h1>A &amp; B</h1><p>May 1: A &amp; B</p>'
    """
    text = _TOKEN_RE.sub(lambda m: values[m.group()[2:-2]], template)
    return text.encode("utf-8")  # both fixtures declare UTF-8


@dataclass(frozen=True, slots=True)
class Variant:
    """One publication and its page, as designed and as the broken redesign."""

    publication: Publication
    page: bytes
    redesigned: bytes


def build_variants(tank: ThinkTank, fixtures_dir: Path = GENERIC_FIXTURES) -> list[Variant]:
    """Return *tank*'s publications with their pages, newest first (ValueError if its fixture changed)."""
    template = tokenize((fixtures_dir / tank.fixture / "page.html").read_text(encoding="utf-8"), tank)
    broken = redesign(template, tank)
    variants = []
    for n, (title, day) in enumerate(tank.catalogue):
        values = tank.values(n, title, date.fromisoformat(day))
        path = values["path"]
        publication = Publication(tank.live_origin + path, path, title, day, n == tank.disallowed)
        variants.append(Variant(publication, fill(template, values), fill(broken, values)))
    if len({v.publication.path for v in variants}) != len(variants):
        raise ValueError(f"{tank.key}: two publications share a path")
    return variants
