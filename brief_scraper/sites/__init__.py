"""Site profiles: the registry of sites the project knows, and how a page finds its own.

A profile is data (``profile.py``: hosts, rules, designs, listing conventions), run by one
engine (``engine.py``; ``crawling/discovery.py`` for the listings). A new site is a new
module here with its ``SiteProfile``, added to ``PROFILES``; a new design of a known site is
a new ``Design`` constant and its fixtures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brief_scraper.sites.profile import Design, ListingConventions, Select, SiteProfile
from brief_scraper.sites.wilsoncenter import WILSON_CENTER
from brief_scraper.urls import host_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    from brief_scraper.page import Page

__all__ = [
    "PROFILES", "Design", "ListingConventions", "Select", "SiteProfile", "profile_for", "profile_of_hosts",
]  # fmt: skip

PROFILES: tuple[SiteProfile, ...] = (WILSON_CENTER,)


def profile_for(page: Page) -> SiteProfile | None:
    """Return the profile of the page's site, or None for a site no profile knows."""
    return next((p for p in PROFILES if p.matches(page)), None)


def profile_of_hosts(hosts: Iterable[str]) -> SiteProfile | None:
    """Return the profile of a site with these *hosts* (a sources file's), or None.

    >>> profile_of_hosts(["www.wilsoncenter.org"]).key, profile_of_hosts(["www.rand.org"])
    ('wilsoncenter', None)
    """
    wanted = {host_of(f"https://{host}/") for host in hosts}  # as profiles name them: no "www."
    return next((p for p in PROFILES if wanted & set(p.hosts)), None)
