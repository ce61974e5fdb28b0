"""A crawl of the three offline sources of ``sources.toml`` (``devsite.world``): the demo's crawl.

The example sources file is used as it is; ``-a mirrors=`` sends each source to its local
copy. What each crawl should find comes from the sites themselves (their publications, the
snapshot's pages), not from counts written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from devsite.snapshot import LIVE_ORIGIN
from devsite.world import OfflineWorld
from tests.crawl_support import ROOT, report_of, run_sources

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.crawl_support import CrawlRun

SOURCES = ROOT / "sources.toml"
ARGS = {"only": "wilsoncenter,rand,csis", "delays": "wilsoncenter=0"}
KINDS = ("publication", "article", "blog-post")  # sources.toml's wilsoncenter publication_paths
SETTINGS = {"BRIEF_COVERAGE_MIN_RECORDS": "10", "LOG_LEVEL": "INFO"}


@pytest.fixture(scope="module")
def world() -> Iterator[OfflineWorld]:
    with OfflineWorld() as started:
        yield started


def wilson_center_urls(world: OfflineWorld) -> set[str]:
    """The live URLs of every snapshot page a crawl of the source's publication paths finds."""
    site = world.wilsoncenter
    assert site.snapshot is not None
    pages = [e for e in site.snapshot.items.values() if e.role == "page" and e.kind in KINDS]
    return {site.snapshot.record_url(e, site.base_url).replace(site.base_url, LIVE_ORIGIN) for e in pages}


def crawl(world: OfflineWorld, tmp_path_factory: pytest.TempPathFactory, name: str) -> CrawlRun:
    return run_sources(tmp_path_factory.mktemp(name), world.mirrors_argument, SOURCES, SETTINGS, ARGS)


def test_every_publication_of_each_offline_source_is_found_once(world, tmp_path_factory):
    marks = {key: server.mark() for key, server in world.servers.items()}
    run = crawl(world, tmp_path_factory, "world")
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(run.urls) == len(set(run.urls))
    for key in world.thinktank_keys:
        site = world.thinktank(key)
        assert {r["url"] for r in run.records if r["source"] == key} == {p.url for p in site.crawlable()}
        requested = world.servers[key].paths(since=marks[key])
        assert site.disallowed_path not in requested
        assert run.stat(f"brief/source/{key}/found_by/feed") == len(site.in_feed())
        feed_and_sitemap = run.stat(f"brief/source/{key}/found_by/feed") + run.stat(
            f"brief/source/{key}/found_by/sitemap"
        )
        assert feed_and_sitemap == len(site.publications())  # the disallowed one requested, then refused
        assert run.stat(f"brief/source/{key}/dropped/robots") == 1
        assert run.stat(f"brief/source/{key}/records") == len(site.crawlable())
    assert {r["url"] for r in run.records if r["source"] == "wilsoncenter"} == wilson_center_urls(world)
    for key, server in world.servers.items():  # the feeds' entries on another host were not followed
        assert {r.host for r in server.requested(since=marks[key])} == {f"127.0.0.1:{server.port}"}
    assert run.stat("test/refused_host") == 0
    report = report_of(run)
    assert report["healthy"] is True
    assert {c["name"] for c in report["checks"]} >= {
        "source/wilsoncenter/coverage/posted_date", "source/rand/min_records", "source/csis/coverage/title",
    }  # fmt: skip
    assert report["sources"]["rand"]["delay_ms"] == 250
    assert report["sources"]["csis"]["delay_ms"] == 500


def test_a_broken_template_fails_its_own_source_and_the_others_are_written(world, tmp_path_factory):
    csis = world.thinktank("csis")
    csis.break_template()
    try:
        run = crawl(world, tmp_path_factory, "broken")
    finally:
        csis.mend_template()
    assert run.returncode == 1
    failed = {c["name"]: c["message"] for c in report_of(run)["checks"] if not c["passed"]}
    assert list(failed) == ["source/csis/coverage/posted_date"]
    assert failed["source/csis/coverage/posted_date"].startswith("source csis: ")
    assert "Health check source/csis/coverage/posted_date failed: source csis:" in run.stderr
    written = {r["url"] for r in run.records}
    assert {p.url for p in world.thinktank("rand").crawlable()} <= written
    assert wilson_center_urls(world) <= written
    assert sum(r["source"] == "csis" for r in run.records) == len(csis.crawlable())  # written, undated
