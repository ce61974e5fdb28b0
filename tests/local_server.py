"""Fixed answers per path served on 127.0.0.1 by devsite.server, every request logged; and a
generic-spider crawl of it.

    with LocalServer({"/a": page("<h1>A</h1>"), "/old": redirect("/a")}) as server:
        crawl(f"-a start_urls={server.url('/a')}")
        assert server.paths() == ["/robots.txt", "/a"]

A path with no route is a 404. Only 127.0.0.1, any free port.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devsite.server import SiteServer
from tests.crawl_support import FAST, ROOT, CrawlRun

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from devsite.server import Response


@dataclass(frozen=True)
class Answer:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


NOT_HERE = Answer(404, b"not here", {"Content-Type": "text/plain"})


def page(html: str, status: int = 200) -> Answer:
    return Answer(status, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", {"Location": location})


class Routes:
    """A site of fixed answers: path (with query) -> Answer, else a 404."""

    def __init__(self, routes: Mapping[str, Answer]) -> None:
        self.routes = dict(routes)

    def respond(self, host: str, target: str) -> Response:
        answer = self.routes.get(target, NOT_HERE)
        return answer.status, dict(answer.headers), answer.body


class LocalServer(SiteServer):
    """Serve *routes* (path -> Answer) on 127.0.0.1 in a background thread; a context manager."""

    def __init__(self, routes: Mapping[str, Answer]) -> None:
        super().__init__(Routes(routes))

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def run_generic(
    tmp_path: Path, args: Mapping[str, str], settings: Mapping[str, str] | None = None
) -> CrawlRun:
    """Run ``scrapy crawl generic`` with the project's pipelines and *args*; its URLs must be local.

    Delays off, tmp_path for every file (tests/crawl_support.py's FAST settings); the
    records come from ``-O``, the stats from the test stats collector.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "scrapy", "crawl", "generic", "-O", str(tmp_path / "records.jsonl")]
    for name, value in args.items():
        command += ["-a", f"{name}={value}"]
    merged = {
        **FAST, "BRIEF_TEST_STATS_PATH": str(tmp_path / "stats.json"),
        "BRIEF_OUTPUT_DIR": str(tmp_path / "output"), "HTTPCACHE_ENABLED": "0", **(settings or {}),
    }  # fmt: skip
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    feed, stats_path = tmp_path / "records.jsonl", tmp_path / "stats.json"
    lines = feed.read_text(encoding="utf-8").splitlines() if feed.exists() else []
    records = [json.loads(line) for line in lines if line]
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    return CrawlRun(done.returncode, records, stats, [], done.stderr, "127.0.0.1", tmp_path / "output")
