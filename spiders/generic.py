"""The ``generic`` spider: extract publication pages of any site, from a URL list or a sitemap.

Arguments (``-a name=value``); at least one of the first three is needed:

``start_urls``
    Comma-separated page URLs.
``urls_file``
    A text file with one URL per line (blank lines and ``#`` comments are skipped); read
    only, never written.
``sitemap_url``
    A sitemap or sitemap index; every page it lists on the sitemap's own host is extracted
    (documents such as PDFs are skipped).
``max_items``
    Stop after emitting this many records (finish_reason ``max_items``).
``refresh``
    ``1``: write every record, even those an earlier run wrote unchanged.

Each page goes to ``extract()`` as it is: for a site no profile knows, the record's
``source`` is the host. ``allowed_domains`` is the set of the given URLs' hosts. The
project's polite defaults apply (robots.txt, a delay per domain, AutoThrottle). Its health
checks are looser than a site profile's: pages of unknown sites often lack a date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy import Request
from scrapy.exceptions import CloseSpider

from brief_scraper.crawling.argument_files import read_argument_file
from brief_scraper.crawling.arguments import check_known, parse_count, parse_flag, parse_urls
from brief_scraper.crawling.discovery import same_site_urls
from brief_scraper.runs.stats import SKIPPED_DOCUMENT_IN_SITEMAP
from brief_scraper.urls import absolute_url, host_of, is_document_url
from spiders.base import PublicationSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response

logger = logging.getLogger(__name__)


def read_urls_file(path: str | Path) -> tuple[str, ...]:
    """Return the URLs of a file with one per line; blank lines and ``#`` comments skipped.

    The file is read with a size limit (``ARGUMENT_FILE_MAX_BYTES``) and must be a regular
    file; an error names the line, never its content.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "urls.txt"
    >>> _ = path.write_text("# briefs\\nhttps://x.org/a\\n\\n  https://x.org/b  \\n")
    >>> read_urls_file(path)
    ('https://x.org/a', 'https://x.org/b')
    >>> _ = path.write_text("https://x.org/a\\nroot:x:0:0:root:/root:/bin/bash\\n")
    >>> read_urls_file(path)
    Traceback (most recent call last):
    ...
    ValueError: urls_file: line 2 is not an http(s) URL
    >>> read_urls_file("/nonexistent/urls.txt")
    Traceback (most recent call last):
    ...
    ValueError: urls_file: cannot read '/nonexistent/urls.txt' (No such file or directory)
    """
    lines = read_argument_file(path, "urls_file").splitlines()
    numbered = [(f"line {n}", line.strip()) for n, line in enumerate(lines, 1)]
    wanted = [(where, line) for where, line in numbered if line and not line.startswith("#")]
    return parse_urls([line for _, line in wanted], name="urls_file", shown=[where for where, _ in wanted])


@dataclass(frozen=True, slots=True)
class GenericArguments:
    """The generic spider's arguments, checked."""

    urls: tuple[str, ...] = ()
    sitemap_url: str | None = None
    max_items: int | None = None
    refresh: bool = False

    NAMES: ClassVar[tuple[str, ...]] = ("start_urls", "urls_file", "sitemap_url", "max_items", "refresh")

    @classmethod
    def parse(cls, **arguments: Any) -> Self:
        """Return the checked arguments; raise ValueError with one clear message on the first bad one."""
        check_known(arguments, cls.NAMES)
        urls = parse_urls(arguments.get("start_urls"))
        if arguments.get("urls_file"):
            urls = tuple(dict.fromkeys(urls + read_urls_file(arguments["urls_file"])))
        sitemap = parse_urls(arguments.get("sitemap_url"), name="sitemap_url")
        if len(sitemap) > 1:
            raise ValueError("sitemap_url: give one sitemap URL")
        if not urls and not sitemap:
            raise ValueError("give start_urls, urls_file or sitemap_url (none had a URL)")
        max_items = parse_count(arguments.get("max_items"), "max_items")
        refresh = parse_flag(arguments.get("refresh"), "refresh")
        return cls(urls, sitemap[0] if sitemap else None, max_items, refresh)

    @property
    def hosts(self) -> list[str]:
        """The hosts of every given URL: the spider's allowed_domains."""
        all_urls = [*self.urls, *([self.sitemap_url] if self.sitemap_url else [])]
        return sorted({host_of(u) for u in all_urls if host_of(u)})


class GenericSpider(PublicationSpider):
    """Extract the given pages (or a sitemap's) of any site with the generic layers."""

    name = "generic"
    # Scrapy's Spider declares custom_settings a plain class attribute: as a ClassVar it
    # would be a type error, so ruff's rule for mutable class attributes gives way here.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012
        # Health checks (brief_scraper/runs/monitors.py): no site profile, so looser coverage rules.
        "BRIEF_MIN_COVERAGE": {"title": 0.9, "posted_date": 0.5},
    }

    arguments_class = GenericArguments

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_domains = self.arguments.hosts

    async def start(self) -> AsyncIterator[Request]:
        """Yield a request per given URL, then the sitemap's."""
        for url in self.arguments.urls:
            yield self.request(url, callback=self.parse_page)
        if self.arguments.sitemap_url:
            yield self.request(self.arguments.sitemap_url, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Follow a sitemap index's sitemaps; request a sitemap's pages (not its documents)."""
        sitemap = self._read_sitemap(response)
        if sitemap is None:
            return
        locs = (absolute_url(loc, response.url) or loc for loc, _ in sitemap.entries)
        for url in same_site_urls(locs, response.url):
            if sitemap.kind == "sitemapindex":
                yield self.request(url, callback=self.parse_sitemap)
            elif is_document_url(url):
                self.crawler.stats.inc_value(SKIPPED_DOCUMENT_IN_SITEMAP)
            else:
                yield self.request(url, callback=self.parse_page)

    async def parse_page(self, response: Response) -> AsyncIterator[dict[str, Any]]:
        """Yield the page's record (HTML pages only)."""
        record = await self.extract_page(response)
        if record is None:
            return
        self.emitted += 1
        yield record
        if self._is_full():
            raise CloseSpider("max_items")
