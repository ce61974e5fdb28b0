"""devsite.server: each way of serving answers the same, with validators; SiteServer logs requests."""

from __future__ import annotations

import http.client
import threading

import pytest

from devsite.server import KINDS, SiteServer, listening_socket, serve
from tests.local_server import Answer, Routes, page

SITE = Routes({"/a": page("<h1>A</h1>"), "/tagged": Answer(200, b"tagged", {"ETag": '"own"'})})


def fetch(port: int, method: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One request over one keep-alive connection to 127.0.0.1:*port*."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module", params=KINDS)
def serving(request: pytest.FixtureRequest) -> int:
    """The port of ``serve(SITE, ...)`` of each kind, in a daemon thread for the module."""
    sock = listening_socket()
    threading.Thread(target=serve, args=(SITE, sock, request.param), daemon=True).start()
    return sock.getsockname()[1]


def test_every_kind_serves_the_site_with_an_etag_and_a_304(serving: int) -> None:
    status, headers, body = fetch(serving, "GET", "/a")
    assert (status, body) == (200, b"<h1>A</h1>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(serving, "GET", "/a", **{"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(serving, "GET", "/tagged", **{"If-None-Match": '"own"'})[0] == 304  # the site's own ETag
    assert fetch(serving, "GET", "/missing")[0] == 404
    status, headers, body = fetch(serving, "HEAD", "/a")
    assert (status, headers["Content-Length"], body) == (200, "10", b"")


def test_site_server_logs_each_request_and_binds_127_0_0_1() -> None:
    with SiteServer(SITE) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        fetch(server.port, "GET", "/a")
        fetch(server.port, "GET", "/missing?x=1")
        assert [(r.method, r.path, r.status) for r in server.requested()] == [
            ("GET", "/a", 200), ("GET", "/missing?x=1", 404),
        ]  # fmt: skip
        assert server.paths() == ["/a", "/missing?x=1"]
