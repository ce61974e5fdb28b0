"""A page whose extraction runs past BRIEF_EXTRACT_TIMEOUT_SECONDS, in a real crawl: dropped,
counted, logged with its URL, and the crawl goes on (in-process and in a worker)."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest

from tests.local_server import LocalServer, page, run_generic

if TYPE_CHECKING:
    from pathlib import Path

PAGES = {
    f"/brief-{n}": page(f"<html><head><title>Brief {n}</title></head><body><h1>Brief {n}</h1></body></html>")
    for n in range(3)
}
PAGES["/slow"] = page("<html><head><title>spin-forever</title></head><body><h1>Slow</h1></body></html>")


@pytest.mark.parametrize("workers", ["0", "1"], ids=["in-process", "worker"])
def test_a_slow_page_is_abandoned_counted_and_logged_and_the_crawl_goes_on(tmp_path: Path, workers: str):
    with LocalServer(PAGES) as server:
        urls = ",".join(server.url(path) for path in ["/brief-0", "/slow", "/brief-1", "/brief-2"])
        started = time.monotonic()
        run = run_generic(tmp_path, {"start_urls": urls}, {
            "BRIEF_EXTRACT_FUNCTION": "tests.slow_extract.extract", "BRIEF_EXTRACT_TIMEOUT_SECONDS": "1",
            "BRIEF_EXTRACT_WORKERS": workers,
        })  # fmt: skip
    assert time.monotonic() - started < 60
    assert run.stat("finish_reason") == "finished"
    assert sorted(r["title"] for r in run.records) == ["Brief 0", "Brief 1", "Brief 2"]
    assert run.stat("brief/dropped/extract_timeout") == 1
    logged = r"WARNING: Extraction ran past 1 s \(BRIEF_EXTRACT_TIMEOUT_SECONDS\), page dropped: (\S+)"
    warnings = re.findall(logged, run.stderr)
    assert warnings == [server.url("/slow")]
