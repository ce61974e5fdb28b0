"""The ``sources`` spider: a sources file's think tanks in one crawl, each in its own slot.

Sites are tables of fixed answers on 127.0.0.1 (tests/local_server.py); the sources file names
made-up live hosts (``www.alpha.example``) and ``-a mirrors=`` sends every request to the
local site, so the tests also show that records keep the live URLs. Each site logs when it
answered what, for the politeness checks.
"""

from __future__ import annotations

import itertools
import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot

from brief_scraper.crawling.politeness import WAITING_PER_SLOT, _SlotsWithRoom, choose_delay
from brief_scraper.runs.files import run_files
from spiders.sources import SourcesArguments
from tests.crawl_support import ROOT, finish_sources, report_of, run_sources, sources_command, stop_midway
from tests.local_server import Answer, Routes, page

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from devsite.server import Response

from devsite.server import SiteServer

RSS = "application/rss+xml"


def publication(title: str, day: str | None) -> Answer:
    """A publication page: headline, date under it (unless *day* is None), byline, prose."""
    shown = f'<p class="date"><time datetime="{day}">{day}</time></p>' if day else ""
    meta = f'<meta property="article:published_time" content="{day}T09:00:00+00:00">' if day else ""
    prose = "<p>" + "Analysis of policy options for the region and what they mean. " * 12 + "</p>"
    return page(
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{meta}</head>"
        f"<body><main><article><h1>{title}</h1>{shown}<p class='byline'>By Jane Roe</p>{prose * 3}"
        "</article></main></body></html>"
    )


def rss(links: list[tuple[str, str]]) -> Answer:
    items = "".join(f"<item><title>t</title><link>{link}</link><pubDate>{when}</pubDate></item>"
                    for link, when in links)  # fmt: skip
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
    return Answer(200, body.encode(), {"Content-Type": RSS})


def sitemap(locs: list[tuple[str, str]]) -> Answer:
    urls = "".join(f"<url><loc>{loc}</loc><lastmod>{day}</lastmod></url>" for loc, day in locs)
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return Answer(200, body.encode(), {"Content-Type": "application/xml"})


class TimedRoutes(Routes):
    """Fixed answers, each request's path noted with the moment it was answered."""

    def __init__(self, routes: Mapping[str, Answer]) -> None:
        super().__init__(routes)
        self.answered: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def respond(self, host: str, target: str) -> Response:
        with self._lock:
            self.answered.append((time.monotonic(), target))
        return super().respond(host, target)

    def times(self, prefix: str) -> list[float]:
        return [t for t, path in self.answered if path.startswith(prefix)]


def think_tank(
    key: str, pages: int, *, crawl_delay: float | None = None, dated: bool = True, feed_size: int = 3
) -> TimedRoutes:
    """A site: home page naming its feed, robots.txt with its sitemap, a feed of the newest,
    a sitemap of all; publications at ``/pubs/<key>-<n>``, dated one day apart, newest first."""
    days = [f"2026-05-{28 - n:02d}" for n in range(pages)]
    live = f"https://www.{key}.example"
    paths = [f"/pubs/{key}-{n}" for n in range(pages)]
    robots = "User-agent: *\nDisallow: /private/\n" + (f"Crawl-delay: {crawl_delay}\n" if crawl_delay else "")
    text = {"Content-Type": "text/plain"}
    dated_paths = list(zip(paths, days, strict=True))
    routes = {
        "/": page(f"<html><head><link rel='alternate' type='{RSS}' href='/feed.xml'></head>"
                  "<body><a href='/about'>About</a></body></html>"),
        "/robots.txt": Answer(200, f"{robots}Sitemap: {live}/sitemap.xml\n".encode(), text),
        "/feed.xml": rss([(f"{live}{p}", f"{d}T10:00:00Z") for p, d in dated_paths[:feed_size]]),
        "/sitemap.xml": sitemap([(f"{live}{p}", d) for p, d in dated_paths]
                                + [(f"{live}/about", days[0])]),
        "/about": page("<html><body><h1>About us</h1></body></html>"),
    }  # fmt: skip
    for n, (path, day) in enumerate(dated_paths):
        routes[path] = publication(f"{key.title()} brief number {n}", day if dated else None)
    return TimedRoutes(routes)


def mirrors_of(servers: Mapping[str, SiteServer]) -> str:
    """The ``mirrors`` argument sending each source to its local site."""
    return ",".join(f"{key}={server.base_url}" for key, server in servers.items())


def sources_file(tmp_path: Path, entries: Mapping[str, str]) -> Path:
    """Write a sources file: one source per key, its hosts made up, *entries* its extra lines."""
    text = "".join(
        f'[sources.{key}]\nname = "{key.title()}"\nhosts = ["www.{key}.example"]\n'
        f'publication_paths = ["^/pubs/"]\nsitemaps = []\nlistings = []\n'
        f'feeds = ["https://www.{key}.example/missing-feed"]\n{extra}\n'
        for key, extra in entries.items()
    )  # fmt: skip
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def three_sites() -> Any:
    sites = {"alpha": think_tank("alpha", 6), "beta": think_tank("beta", 5), "gamma": think_tank("gamma", 4)}
    servers = {key: SiteServer(site).start() for key, site in sites.items()}
    yield sites, servers
    for server in servers.values():
        server.stop()


def test_every_publication_of_each_source_is_found_once_with_its_live_url_and_key(tmp_path, three_sites):
    sites, servers = three_sites
    sources = sources_file(tmp_path, {key: "" for key in sites})
    run = run_sources(tmp_path, mirrors_of(servers), sources)
    assert run.returncode == 0, run.stderr[-3000:]
    by_source = {key: sorted(r["url"] for r in run.records if r["source"] == key) for key in sites}
    assert by_source == {
        key: sorted(f"https://www.{key}.example/pubs/{key}-{n}" for n in range(count))
        for key, count in {"alpha": 6, "beta": 5, "gamma": 4}.items()
    }
    assert len(run.urls) == len(set(run.urls)) == 15
    first = next(r for r in run.records if r["url"] == "https://www.alpha.example/pubs/alpha-0")
    assert (first["title"], first["posted_date"]) == ("Alpha brief number 0", "2026-05-28")
    for key, site in sites.items():
        # The feed (found on the home page) gives the newest three; robots.txt's sitemap the rest.
        assert run.stat(f"brief/source/{key}/found_by/feed") == 3
        assert run.stat(f"brief/source/{key}/found_by/sitemap") == {"alpha": 3, "beta": 2, "gamma": 1}[key]
        assert run.stat(f"brief/source/{key}/records") == {"alpha": 6, "beta": 5, "gamma": 4}[key]
        assert run.stat(f"brief/source/{key}/dropped/http_404") == 1  # the file's missing feed
        assert run.stat(f"brief/source/{key}/errors") == 0
        pages = [path for _, path in site.answered if path.startswith("/pubs/")]
        assert len(pages) == len(set(pages)), f"{key}: a publication was fetched twice"
        assert "/about" not in [path for _, path in site.answered]  # not a publication path
    checks = {c["name"]: c for c in report_of(run)["checks"]}
    assert checks["source/gamma/min_records"]["passed"], checks["source/gamma/min_records"]["message"]
    assert checks["source/beta/coverage/posted_date"]["message"].startswith("source beta: ")


class SlowFeedRoutes(TimedRoutes):
    """A site whose feed answers two seconds late: its sitemap and listing come back first."""

    def respond(self, host: str, target: str) -> Response:
        if target == "/feed.xml":
            time.sleep(2.0)
        return super().respond(host, target)


def test_a_publication_is_credited_to_the_most_trusted_way_that_found_it_not_the_first_answer(tmp_path):
    site = think_tank("alpha", 5)
    listed = "".join(f"<li><a href='/pubs/alpha-{n}'>Brief {n}</a></li>" for n in range(5))
    routes = SlowFeedRoutes({**site.routes, "/all": page(f"<html><body><ul>{listed}</ul></body></html>")})
    with SiteServer(routes) as server:
        sources = tmp_path / "sources.toml"
        sources.write_text(  # the feed comes from the home page, the sitemap from robots.txt
            '[sources.alpha]\nname = "Alpha"\nhosts = ["www.alpha.example"]\n'
            'publication_paths = ["^/pubs/"]\nlistings = ["https://www.alpha.example/all"]\n',
            encoding="utf-8",
        )
        run = run_sources(tmp_path, f"alpha={server.base_url}", sources)
    assert run.returncode == 0, run.stderr[-3000:]
    answered = [path for _, path in routes.answered]
    assert answered.index("/all") < answered.index("/feed.xml")  # the listing did answer first
    assert sorted(run.urls) == [f"https://www.alpha.example/pubs/alpha-{n}" for n in range(5)]
    found_by = {way: run.stat(f"brief/source/alpha/found_by/{way}") for way in ("feed", "sitemap", "listing")}
    assert found_by == {"feed": 3, "sitemap": 2, "listing": 0}


def test_one_broken_source_fails_its_own_check_by_name_and_the_others_are_written(tmp_path):
    sites = {"alpha": think_tank("alpha", 4), "beta": think_tank("beta", 4, dated=False)}
    servers = {key: SiteServer(site).start() for key, site in sites.items()}
    try:
        sources = sources_file(tmp_path, {k: "min_coverage = { posted_date = 0.8 }" for k in sites})
        run = run_sources(tmp_path, mirrors_of(servers), sources)
    finally:
        for server in servers.values():
            server.stop()
    assert run.returncode == 1
    failed = {c["name"]: c["message"] for c in report_of(run)["checks"] if not c["passed"]}
    assert list(failed) == ["source/beta/coverage/posted_date"]
    assert failed["source/beta/coverage/posted_date"].startswith(
        "source beta: brief/source/beta/fields/posted_date / records (0/4) is 0, expected >= 0.8"
    )
    assert sorted(r["source"] for r in run.records) == ["alpha"] * 4 + ["beta"] * 4
    summary = report_of(run)["sources"]
    assert (summary["alpha"]["healthy"], summary["beta"]["healthy"]) == (True, False)
    assert summary["beta"]["records"] == 4
    assert "Source beta: 4 records, 0 errors, dropped: http_404 1; its health checks failed" in run.stderr


def test_a_sources_crawl_stopped_midway_resumes_with_jobdir_and_writes_each_record_once(tmp_path):
    sites = {"alpha": think_tank("alpha", 12), "beta": think_tank("beta", 6)}
    servers = {key: SiteServer(site).start() for key, site in sites.items()}
    # Slow enough to stop midway; no seen-store: JOBDIR alone must give each record once.
    settings = {"JOBDIR": str(tmp_path / "job"), "BRIEF_SEEN_ENABLED": "0",
                "BRIEF_OUTPUT_DIR": str(tmp_path / "output")}  # fmt: skip
    sources = sources_file(tmp_path, {"alpha": "delay_seconds = 0.3", "beta": "delay_seconds = 0.2"})
    folder = tmp_path / "output" / "sources"
    try:
        first = tmp_path / "first"
        first.mkdir()
        command = sources_command(first, mirrors_of(servers), sources, settings)
        returncode = stop_midway(command, folder, 4, signal.SIGINT, first / "crawl.log")
        stopped_at = time.monotonic()
        stopped = finish_sources(first, returncode, (first / "crawl.log").read_text(encoding="utf-8"))
        assert stopped.stat("finish_reason") == "shutdown", stopped.stderr[-3000:]
        resumed = run_sources(tmp_path / "second", mirrors_of(servers), sources, settings)
    finally:
        for server in servers.values():
            server.stop()
    assert "Resuming crawl" in resumed.stderr
    assert resumed.stat("finish_reason") == "finished", resumed.stderr[-3000:]
    stopped_file, resumed_file = run_files(folder)
    written = [
        json.loads(line) for path in (stopped_file, resumed_file) for line in path.read_text().splitlines()
    ]
    # Stopped once 4 were written (one more may come before the signal), each slot still ending
    # what it held: at most two waiting and one transferring, not the whole backlog.
    assert 4 <= len(stopped_file.read_text().splitlines()) <= 4 + 1 + 2 * 3 < len(written)
    assert sorted(r["url"] for r in written) == sorted(  # every record, each exactly once
        f"https://www.{key}.example/pubs/{key}-{n}"
        for key, count in (("alpha", 12), ("beta", 6))
        for n in range(count)
    )
    assert all(r["source"] == r["url"].split(".")[1] for r in written)
    for key, site in sites.items():  # no publication was fetched twice across the two runs
        pages = [path for _, path in site.answered if path.startswith("/pubs/")]
        assert len(pages) == len(set(pages)), key
    again = [t for t, _ in sites["alpha"].answered if t > stopped_at]  # robots.txt, home page, the rest
    assert len(again) >= 4
    # The resumed run keeps the 0.3 s delay. Gaps are timed where the site answers, so a busy
    # event loop can shorten one by tens of ms (benchmarks/many_sources.py); a lost delay
    # would give gaps of a few ms.
    gaps = [b - a for a, b in itertools.pairwise(again)]
    assert statistics.median(gaps) >= 0.29, gaps
    assert min(gaps) >= 0.2, gaps


@pytest.mark.parametrize(
    "settings",
    [
        {},
        # AutoThrottle on, over a project delay above the sources': each keeps its own.
        {"AUTOTHROTTLE_ENABLED": "1", "DOWNLOAD_DELAY": "2", "AUTOTHROTTLE_START_DELAY": "2"},
        # A DOWNLOAD_SLOTS of one's own keeps its entries and the sources' slots.
        {"DOWNLOAD_SLOTS": json.dumps({"127.0.0.1": {"delay": 0}})},
    ],
    ids=["delays-off", "autothrottle", "download-slots-given"],
)
def test_a_slow_source_is_spaced_by_its_delay_and_the_others_finish_first(tmp_path, settings):
    sites = {"slow": think_tank("slow", 4), "fast": think_tank("fast", 6), "quick": think_tank("quick", 6)}
    servers = {key: SiteServer(site).start() for key, site in sites.items()}
    try:
        delays = {"slow": 1, "fast": 0.1, "quick": 0}
        sources = sources_file(tmp_path, {key: f"delay_seconds = {delay}" for key, delay in delays.items()})
        run = run_sources(tmp_path, mirrors_of(servers), sources, settings=settings)
    finally:
        for server in servers.values():
            server.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    slow = [t for t, _ in sites["slow"].answered]  # robots.txt too: it goes in the source's slot
    gaps = [b - a for a, b in itertools.pairwise(slow)]
    assert len(slow) >= 9  # robots.txt, home, feed, missing feed, sitemap, 4 pages
    assert min(gaps) >= 0.95, gaps
    fast = [t for t, _ in sites["fast"].answered]
    assert statistics.median(b - a for a, b in itertools.pairwise(fast)) < 0.5  # not DOWNLOAD_DELAY's 2 s
    assert max(max(sites[k].times("/pubs/")) for k in ("fast", "quick")) < max(sites["slow"].times("/pubs/"))
    assert run.stat("brief/source/slow/delay_ms") == 1000
    assert run.stat("brief/source/fast/delay_ms") == 100


def test_robots_crawl_delay_is_kept_when_the_file_sets_none(tmp_path):
    site = think_tank("polite", 3, crawl_delay=0.5)
    with SiteServer(site) as server:
        sources = sources_file(tmp_path, {"polite": ""})
        run = run_sources(tmp_path, mirrors_of({"polite": server}), sources)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stat("brief/source/polite/delay_ms") == 500
    after_home = [t for t, path in site.answered if path not in ("/robots.txt", "/")]
    gaps = [b - a for a, b in itertools.pairwise(after_home)]
    assert len(after_home) >= 5
    assert min(gaps) >= 0.45, gaps


def test_since_skips_older_feed_and_sitemap_entries_and_older_sitemaps(tmp_path):
    site = think_tank("alpha", 6)
    live = "https://www.alpha.example"
    site.routes["/sitemap-2026.xml"] = site.routes.pop("/sitemap.xml")
    site.routes["/sitemap-2019.xml"] = sitemap([(f"{live}/pubs/old-{n}", "2019-01-0{n}") for n in (1, 2)])
    index = "".join(f"<sitemap><loc>{live}/sitemap-{year}.xml</loc><lastmod>{year}-05-28</lastmod></sitemap>"
                    for year in (2026, 2019))  # fmt: skip
    body = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'
    site.routes["/sitemap.xml"] = Answer(200, body.encode(), {"Content-Type": "application/xml"})
    with SiteServer(site) as server:
        run = run_sources(tmp_path, mirrors_of({"alpha": server}), sources_file(tmp_path, {"alpha": ""}),
                          args={"since": "2026-05-26"})  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(r["posted_date"] for r in run.records) == ["2026-05-26", "2026-05-27", "2026-05-28"]
    answered = [p for _, p in site.answered]
    assert sorted({p for p in answered if p.startswith("/pubs/")}) == [f"/pubs/alpha-{n}" for n in range(3)]
    assert "/sitemap-2026.xml" in answered
    assert "/sitemap-2019.xml" not in answered  # last changed before since: nothing newer in it
    assert run.stat("brief/skipped/listed_older_than_since") == 3 + 1


# --- arguments, checked before any request ------------------------------------------------


def test_arguments_name_the_source_and_key_at_fault(tmp_path):
    good = sources_file(tmp_path, {"alpha": "", "beta": ""})
    parsed = SourcesArguments.parse(sources=str(good), only="beta", mirrors="alpha=http://127.0.0.1:9",
                                    delays="beta=0.5")  # fmt: skip
    assert [s.key for s in parsed.sources] == ["beta"]
    assert parsed.delays == {"beta": 0.5}
    assert parsed.mirrors["alpha"].to_fetch("https://www.alpha.example/pubs/x") == "http://127.0.0.1:9/pubs/x"
    bad = {
        "sources_toml": ('[sources.alpha]\nhosts = ["www.alpha.example"]\nfeeds = []\n',
                         "alpha: feeds: a source needs feeds, sitemaps or listings"),
        "only": ("gamma", "only: 'gamma' is no source of the file (alpha, beta)"),
        "mirrors": ("gamma=http://127.0.0.1:9", "mirrors: 'gamma' is no source of the file (alpha, beta)"),
        "delays": ("alpha=soon", "delays: alpha: 'soon' is not a number of seconds from 0 to 3600"),
    }  # fmt: skip
    for name, (value, message) in bad.items():
        given = {name: value} if name == "sources_toml" else {"sources": str(good), name: value}
        with pytest.raises(ValueError, match=re.escape(message)) as raised:
            SourcesArguments.parse(**given)
        assert str(raised.value).startswith(message), (name, str(raised.value))


def test_a_bad_sources_file_fails_at_start_with_one_line_and_exit_2(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('[sources.rand]\nhosts = ["www.rand.org"]\nfeeds = ["https://x.example/feed"]\n'
                    'secret = "do not echo me"\n', encoding="utf-8")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "sources", "-a", f"sources={path}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert re.findall(r"^\S+: error: (.*)$", done.stderr, re.M) == [
        "sources: rand: secret: unknown key (known: delay_seconds, feeds, hosts, listings, min_coverage,"
        " min_records, name, publication_paths, sitemaps)"
    ]
    assert "do not echo me" not in done.stderr + done.stdout


def test_a_slot_gets_no_request_while_two_of_its_own_wait_in_the_downloader():
    def requests(slot: str, count: int) -> list[Request]:
        return [Request(f"http://127.0.0.1/{slot}/{n}", meta={"download_slot": slot}) for n in range(count)]

    slow, fast = requests("slow", 2), requests("fast", 3)
    slots = {"slow": Slot(1, 1.0, 0.0), "fast": Slot(8, 0.0, 0.0)}
    slots["slow"].active |= set(slow)  # both wait for the delay: neither transferring
    slots["fast"].active |= set(fast)
    slots["fast"].transferring |= set(fast[:2])  # one waits
    view = object.__new__(_SlotsWithRoom)  # the downloader's view, without a crawl
    view.downloader = SimpleNamespace(  # type: ignore[assignment]
        active={*slow, *fast, *requests("robots", 1)}, slots=slots,
        get_slot_key=lambda request: request.meta["download_slot"],
    )  # fmt: skip
    assert WAITING_PER_SLOT == 2
    assert sorted(view.stats(["slow", "fast", "idle"])) == [(0, "idle"), (3, "fast")]
    slots["slow"].transferring.add(slow[0])  # one of the two went out: room for one more
    assert sorted(view.stats(["slow"])) == [(2, "slow")]


def test_the_delay_is_the_argument_then_the_file_then_robots_then_the_default():
    assert choose_delay(0.0, 10, 0.5, 2).seconds == 0.0
    assert choose_delay(None, 10, 0.5, 2).seconds == 10
    assert choose_delay(None, None, 0.5, 2).seconds == 0.5
    assert choose_delay(None, None, 99999, 2).seconds == 3600
    assert choose_delay(None, None, None, 2).why == "default"


@pytest.mark.parametrize("workers", ["0", "1"])  # in the crawl's process, in a worker
def test_a_page_past_its_time_budget_counts_against_its_source(tmp_path, workers):
    site = think_tank("alpha", 3)
    site.routes["/pubs/alpha-1"] = publication("spin-forever", "2026-05-27")
    with SiteServer(site) as server:
        run = run_sources(
            tmp_path, mirrors_of({"alpha": server}), sources_file(tmp_path, {"alpha": ""}),
            settings={"BRIEF_EXTRACT_FUNCTION": "tests.slow_extract.extract",
                      "BRIEF_EXTRACT_TIMEOUT_SECONDS": "0.5", "BRIEF_EXTRACT_WORKERS": workers},
        )  # fmt: skip
    assert sorted(r["url"].rsplit("/", 1)[1] for r in run.records) == ["alpha-0", "alpha-2"]
    assert run.stat("brief/source/alpha/dropped/extract_timeout") == 1
    assert run.stat("brief/source/alpha/errors") == 1


def test_a_source_whose_coverage_falls_against_the_previous_run_fails_by_name(tmp_path):
    site = think_tank("alpha", 10)
    sources = sources_file(tmp_path, {"alpha": ""})
    with SiteServer(site) as server:
        first = run_sources(tmp_path, mirrors_of({"alpha": server}), sources)
        for n in range(4):  # a redesign on some pages: above the 0.5 floor, but a fall of 0.4
            site.routes[f"/pubs/alpha-{n}"] = publication(f"Alpha brief number {n}", None)
        second = run_sources(tmp_path, mirrors_of({"alpha": server}), sources)
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 1
    failed = {c["name"]: c["message"] for c in report_of(second)["checks"] if not c["passed"]}
    assert list(failed) == ["source/alpha/coverage_drop/posted_date"]
    assert failed["source/alpha/coverage_drop/posted_date"].startswith(
        "source alpha: brief/source/alpha/fields/posted_date / records is 0.6 (6/10), was 1 (10/10) in run "
    )
