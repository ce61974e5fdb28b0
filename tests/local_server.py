"""A tiny HTTP server on 127.0.0.1 for crawl tests: fixed answers per path, every request logged;
and a generic-spider crawl of it.

    with LocalServer({"/a": page("<h1>A</h1>"), "/old": redirect("/a")}) as server:
        crawl(f"-a start_urls={server.url('/a')}")
        assert server.paths() == ["/robots.txt", "/a"]

A path with no route is a 404. Only 127.0.0.1, any free port.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

from tests.crawl_support import FAST, ROOT, CrawlRun

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


@dataclass(frozen=True)
class Answer:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def page(html: str, status: int = 200) -> Answer:
    return Answer(status, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", {"Location": location})


class LocalServer:
    """Serve *routes* (path -> Answer) on 127.0.0.1 in a background thread; a context manager."""

    def __init__(self, routes: Mapping[str, Answer]) -> None:
        self.routes = dict(routes)
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        owner: LocalServer = self.server.owner  # type: ignore[attr-defined]
        with owner._lock:
            owner.requests.append(self.path)
        answer = owner.routes.get(self.path, Answer(404, b"not here", {"Content-Type": "text/plain"}))
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


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
