"""The parsed page that every extraction layer reads: one Selector plus URL context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from parsel import Selector

from brief_scraper.text import clean_text
from brief_scraper.urls import absolute_url, host_of


@dataclass
class Page:
    """A page parsed once: layers share this instead of parsing again."""

    sel: Selector
    url: str
    extra_hosts: frozenset[str] = frozenset()

    @cached_property
    def base_url(self) -> str:
        """URL that relative links resolve against: ``<base href>``, else the page URL."""
        base = self.sel.xpath("//head/base/@href").get()
        return absolute_url(base, self.url) or self.url if base else self.url

    @cached_property
    def canonical_url(self) -> str | None:
        """The page's ``<link rel=canonical>`` as an absolute http(s) URL, or None."""
        for href in self.sel.xpath(
            "//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONICAL',"
            " 'canonical')), ' '), ' canonical ')]/@href"
        ).getall():
            url = absolute_url(href, self.base_url)
            if url:
                return url
        return None

    @cached_property
    def own_hosts(self) -> frozenset[str]:
        """Hosts that count as the page's own site (fetched, canonical, profile's)."""
        hosts = {host_of(self.url), host_of(self.canonical_url)} | set(self.extra_hosts)
        return frozenset(h for h in hosts if h)

    @cached_property
    def html_language(self) -> str | None:
        """The language the page declares on ``<html lang>`` (raw), or None."""
        return clean_text(self.sel.xpath("/html/@lang | /html/@xml:lang").get())

    @cached_property
    def _absolute_cache(self) -> dict[str, str | None]:
        return {}

    def absolute(self, href: str | None) -> str | None:
        """Return *href* absolute against the page's base URL (http(s) only).

        Memoised per page: a page resolves the same nav and profile links many times.
        """
        if href is None:
            return None
        if href not in self._absolute_cache:
            self._absolute_cache[href] = absolute_url(href, self.base_url)
        return self._absolute_cache[href]

    def is_own(self, url: str | None) -> bool:
        """Return whether *url* is on the page's own site."""
        return bool(url) and host_of(url) in self.own_hosts
