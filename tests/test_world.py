"""devsite.world: the three offline sources of sources.toml, each on its own port of 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from brief_scraper import extract
from brief_scraper.crawling.feeds import parse_feed
from brief_scraper.crawling.sitemaps import parse_sitemap
from brief_scraper.crawling.sources import load_sources
from devsite.offline_site import OfflineSite
from devsite.world import OfflineWorld

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {source.key: source for source in load_sources(ROOT / "sources.toml")}
WORLD_KEYS = ["wilsoncenter", "rand", "csis"]  # stimson has no offline site


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def on_mirror(url: str, base_url: str) -> str:
    """*url* of a live host, fetched from its mirror: what a mirror crawl asks for."""
    parts = urlsplit(url)
    return base_url + parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def world() -> Iterator[OfflineWorld]:
    with OfflineWorld() as started:
        yield started


def test_each_source_has_its_own_port_on_127_0_0_1(world: OfflineWorld) -> None:
    assert list(world.mirrors) == WORLD_KEYS
    assert set(WORLD_KEYS) <= set(SOURCES)
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in world.mirrors.values())
    assert len(set(world.mirrors.values())) == 3
    assert world.mirrors_argument == ",".join(f"{key}={world.mirrors[key]}" for key in WORLD_KEYS)
    assert dict(pair.split("=", 1) for pair in world.mirrors_argument.split(",")) == world.mirrors
    assert isinstance(world.wilsoncenter, OfflineSite)
    assert world.servers["wilsoncenter"] is world.wilsoncenter


def test_every_declared_feed_and_sitemap_answers_on_the_mirror(world: OfflineWorld) -> None:
    for key in WORLD_KEYS:
        source, base_url = SOURCES[key], world.mirrors[key]
        for url in source.feeds:
            status, body = fetch(on_mirror(url, base_url))
            assert (key, status) == (key, 200)
            assert parse_feed(body, url).kind in ("rss20", "atom10"), key
        for url in source.sitemaps:
            status, body = fetch(on_mirror(url, base_url))
            assert (key, status, parse_sitemap(body).kind != "") == (key, 200, True)
        status, body = fetch(f"{base_url}/robots.txt")
        assert (key, status) == (key, 200)
        assert f"Sitemap: {base_url}/sitemap.xml".encode() in body


def test_a_source_is_served_on_its_own_mirror_only(world: OfflineWorld) -> None:
    rand, csis = world.thinktank("rand"), world.thinktank("csis")
    path = rand.publications()[0].path
    assert fetch(world.mirrors["rand"] + path)[0] == 200
    assert fetch(world.mirrors["csis"] + path)[0] == 404
    assert fetch(world.mirrors["wilsoncenter"] + path)[0] == 404
    assert fetch(world.mirrors["csis"] + csis.publications()[0].path)[0] == 200
    assert path in world.servers["rand"].paths()


def test_break_template_breaks_that_source_only(world: OfflineWorld) -> None:
    rand, csis = world.thinktank("rand"), world.thinktank("csis")
    [rand_page, csis_page] = [site.publications()[0] for site in (rand, csis)]

    def days() -> tuple[str | None, str | None]:
        rand_body = fetch(world.mirrors["rand"] + rand_page.path)[1]
        csis_body = fetch(world.mirrors["csis"] + csis_page.path)[1]
        return extract(rand_body, rand_page.url)["posted_date"], extract(csis_body, csis_page.url)[
            "posted_date"
        ]

    assert days() == (rand_page.posted_date, csis_page.posted_date)
    csis.break_template()
    try:
        assert days() == (rand_page.posted_date, None)
    finally:
        csis.mend_template()
    assert days() == (rand_page.posted_date, csis_page.posted_date)


def test_thinktank_names_the_sites_it_has() -> None:
    world = OfflineWorld()  # not started: the sites exist before their servers do
    assert world.thinktank_keys == ["rand", "csis"]
    with pytest.raises(KeyError, match="wilsoncenter"):
        world.thinktank("wilsoncenter")


def test_stopping_frees_every_port() -> None:
    with OfflineWorld() as world:
        urls = list(world.mirrors.values())
        assert [fetch(f"{url}/robots.txt")[0] for url in urls] == [200, 200, 200]
    for url in urls:
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"{url}/robots.txt", timeout=2)


def test_runs_standalone_and_prints_the_mirrors() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "devsite.world"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        mirrors = re.fullmatch(r"Mirrors: (\S+)\n", lines[3])
        assert mirrors, lines
        robots = {pair.split("=")[0]: fetch(pair.split("=", 1)[1] + "/robots.txt")[0]
                  for pair in mirrors.group(1).split(",")}  # fmt: skip
        process.terminate()
    assert [line.split(":", 1)[0] for line in lines[:3]] == WORLD_KEYS
    assert robots == dict.fromkeys(WORLD_KEYS, 200)
