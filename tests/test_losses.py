"""brief_scraper/crawling/losses.py in real crawls: every start URL ends in a record or a counted reason,
and a run that lost most of them fails, naming the reasons."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from brief_scraper.crawling.losses import is_redirect_loop, loss_reason
from brief_scraper.runs.runreport import report_path
from tests.local_server import Answer, LocalServer, page, redirect, run_generic

if TYPE_CHECKING:
    from pathlib import Path

    from tests.crawl_support import CrawlRun


def brief(n: int) -> Answer:
    return page(f"<html><head><title>Brief {n}</title></head><body><h1>Brief {n}</h1></body></html>")


def chain(name: str, hops: int) -> dict[str, Answer]:
    """/<name>-0 redirects to /<name>-1 ... to /<name>-<hops>: more hops than the cap allows."""
    return {f"/{name}-{i}": redirect(f"/{name}-{i + 1}") for i in range(hops)}


ROUTES = {
    "/robots.txt": Answer(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}),
    **{f"/brief-{n}": brief(n) for n in range(3)},
    "/loop-a": redirect("/loop-b"), "/loop-b": redirect("/loop-a"),  # a loop of two
    "/self": redirect("/self", 301),  # a loop of one
    **chain("long", 25), **chain("longer", 30),  # REDIRECT_MAX_TIMES is 20
    "/server-error": page("<h1>oops</h1>", 500),
    "/private/brief": brief(9),
    "/report.pdf": Answer(200, b"%PDF-1.7 ...", {"Content-Type": "application/pdf"}),
    # /gone and /missing: no route, a 404
}  # fmt: skip
START = ["/brief-0", "/loop-a", "/self", "/long-0", "/longer-0", "/gone", "/missing", "/server-error",
         "/private/brief", "/brief-1", "/report.pdf", "/brief-2"]  # fmt: skip
LOST = {"redirect_loop": 2, "redirect_limit": 2, "http_404": 2, "http_500": 1, "robots": 1, "not_html": 1}


def failures(run: CrawlRun) -> dict[str, str]:
    return dict(re.findall(r"ERROR: Health check (\S+) failed: (.*)", run.stderr))


@pytest.fixture(scope="module")
def lossy_run(tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    """The generic spider given 12 start URLs of which only 3 are pages."""
    with LocalServer(ROUTES) as server:
        urls = ",".join(server.url(path) for path in START)
        return run_generic(tmp_path_factory.mktemp("lossy"), {"start_urls": urls})


def test_every_start_url_ends_in_a_record_or_a_counted_reason(lossy_run: CrawlRun) -> None:
    assert sorted(r["title"] for r in lossy_run.records) == ["Brief 0", "Brief 1", "Brief 2"]
    assert {reason: lossy_run.stat(f"brief/dropped/{reason}") for reason in LOST} == LOST
    assert lossy_run.stat("brief/pages/requested") == len(START)
    assert lossy_run.stat("brief/pages/lost") == sum(LOST.values()) == len(START) - 3


def test_a_run_that_lost_most_start_urls_fails_naming_the_reasons(lossy_run: CrawlRun) -> None:
    assert lossy_run.returncode == 1, lossy_run.stderr[-3000:]
    message = failures(lossy_run)["lost_pages"]
    assert message.startswith("brief/pages/lost / brief/pages/requested (9/12) is 0.75, expected <= 0.5")
    for reason, count in LOST.items():
        assert f"{reason} {count}" in message


def test_the_end_of_run_summary_lists_the_reasons_in_the_log_and_the_report(lossy_run: CrawlRun) -> None:
    summary = re.search(r"INFO: Pages: 12 requested, 9 lost; dropped: (.*); skipped: ", lossy_run.stderr)
    assert summary is not None
    assert all(f"{reason} {count}" in summary[1] for reason, count in LOST.items())
    [run_file] = (lossy_run.output_dir / "generic").glob("*Z.jsonl")
    report = json.loads(report_path(run_file).read_text(encoding="utf-8"))
    assert report["outcomes"]["pages_requested"] == 12
    assert report["outcomes"]["pages_lost"] == 9
    assert report["outcomes"]["dropped"] == LOST


def test_each_reason_is_logged_once_with_its_first_url(lossy_run: CrawlRun) -> None:
    logged = re.findall(r"WARNING: Page lost \((\w+)\): (\S+);", lossy_run.stderr)
    assert sorted(reason for reason, _ in logged) == sorted(LOST)


def test_a_robots_txt_that_disallows_everything_names_robots_as_the_cause(tmp_path: Path) -> None:
    routes = {"/robots.txt": Answer(200, b"User-agent: *\nDisallow: /\n", {"Content-Type": "text/plain"}),
              **{f"/brief-{n}": brief(n) for n in range(3)}}  # fmt: skip
    with LocalServer(routes) as server:
        run = run_generic(tmp_path, {"start_urls": ",".join(server.url(f"/brief-{n}") for n in range(3))})
        assert server.paths() == ["/robots.txt"]
    assert run.returncode == 1
    failed = failures(run)
    assert failed["lost_pages"].endswith("dropped by reason: robots 3")
    assert failed["min_records"].endswith("(BRIEF_MIN_RECORDS); dropped by reason: robots 3")


def test_a_healthy_crawl_loses_nothing(tmp_path: Path) -> None:
    with LocalServer({f"/brief-{n}": brief(n) for n in range(3)}) as server:
        run = run_generic(tmp_path, {"start_urls": ",".join(server.url(f"/brief-{n}") for n in range(3))})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stat("brief/pages/requested") == 3
    assert run.stat("brief/pages/lost") == 0
    assert "INFO: Pages: 3 requested, 0 lost; dropped: none; skipped: none" in run.stderr


@pytest.mark.parametrize(
    ("exception", "reason"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (IgnoreRequest("max redirections reached"), "redirect_limit"),
        (IgnoreRequest("Filtered offsite request to 'elsewhere.example'"), "offsite"),
        (IgnoreRequest("Ignored response ... exceeded DOWNLOAD_MAXSIZE (33554432 B) during decompression."),
         "too_large"),
        (IgnoreRequest("something else"), "ignored"),
        (HttpError(Response("http://127.0.0.1/a", status=503)), "http_503"),
        (CannotResolveHostError("DNS lookup failed"), "dns_error"),
        (DownloadCancelledError("Cancelling download: size above DOWNLOAD_MAXSIZE"), "too_large"),
        (ValueError("?"), "download_failed"),
    ],
)  # fmt: skip
def test_loss_reasons(exception: Exception, reason: str) -> None:
    assert loss_reason(exception) == reason


def test_a_redirect_back_into_its_chain_is_a_loop_one_elsewhere_is_not() -> None:
    chain_urls = ["http://127.0.0.1/a", "http://127.0.0.1/b"]
    assert is_redirect_loop(Request("http://127.0.0.1/a", meta={"redirect_urls": chain_urls}))
    assert not is_redirect_loop(Request("http://127.0.0.1/c", meta={"redirect_urls": chain_urls}))


def test_robots_txt_binds_every_request_that_waited_for_it(tmp_path: Path) -> None:
    # Scrapy's own middleware gave the parser to the first waiting request only: the others
    # read "no robots.txt" and were sent (brief_scraper/crawling/robots.py).
    robots = Answer(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
    routes = {"/robots.txt": robots, **{f"/private/{n}": brief(n) for n in range(8)}}
    with LocalServer(routes) as server:
        run = run_generic(tmp_path, {"start_urls": ",".join(server.url(f"/private/{n}") for n in range(8))})
        assert server.paths() == ["/robots.txt"]
    assert run.stat("robotstxt/forbidden") == 8
    assert run.stat("brief/dropped/robots") == 8
