"""brief_scraper/runs/spread/scrapyd.py against a local server: a node that does not answer is
told apart from one that says no, and requests go to the node's own address only."""

from __future__ import annotations

import socket

import pytest

from brief_scraper.runs.spread.scrapyd import NodeUnreachable, ScrapydClient, ScrapydRefused
from brief_scraper.runs.spread.targets import Target
from tests.local_server import Answer, LocalServer, redirect

JSON = {"Content-Type": "application/json"}
ROUTES = {  # GETs only: the local server answers no POST
    "/daemonstatus.json": Answer(200, b'{"status": "ok", "running": 0}', JSON),
    "/listjobs.json?project=brief_scraper": Answer(
        200, b'{"status": "error", "message": "project not found"}', JSON
    ),
    "/listjobs.json?project=busy": Answer(503, b"busy"),
    "/logs/brief_scraper/sources/j.log": Answer(200, b"a log\n", {"Content-Type": "text/plain"}),
    "/logs/brief_scraper/sources/moved.log": redirect("http://127.0.0.2:9/moved.log"),
}


@pytest.fixture(scope="module")
def node():
    with LocalServer(ROUTES) as server:
        yield server


def target(server: LocalServer) -> Target:
    return Target("a", f"{server.base_url}/")


def test_an_answer_is_read_and_a_no_is_told_apart_from_no_answer(node):
    client = ScrapydClient(timeout=5)
    assert client.daemon_status(target(node))["running"] == 0
    with pytest.raises(ScrapydRefused, match="project not found"):
        client.list_jobs(target(node))
    with pytest.raises(NodeUnreachable, match="HTTP 503"):
        client.list_jobs(Target("a", f"{node.base_url}/", project="busy"))
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = Target("b", f"http://127.0.0.1:{probe.getsockname()[1]}/")
    with pytest.raises(NodeUnreachable, match="Connection refused"):
        client.daemon_status(closed)


def test_a_redirect_is_not_followed_and_files_come_from_the_node_only(node, tmp_path):
    client = ScrapydClient(timeout=5)
    with pytest.raises(ScrapydRefused, match="HTTP 302"):
        client.download(target(node), "/logs/brief_scraper/sources/moved.log", tmp_path / "moved.log")
    with pytest.raises(ScrapydRefused, match="is not a path of the node"):
        client.download(target(node), "http://127.0.0.2:9/logs/x.log", tmp_path / "x.log")
    assert client.download(target(node), "/logs/brief_scraper/sources/j.log", tmp_path / "j.log") == 6
    with pytest.raises(ScrapydRefused, match="HTTP 404"):
        client.download(target(node), "/items/brief_scraper/sources/j.jl", tmp_path / "j.jl")
    assert not [r.host for r in node.requested() if not r.host.startswith("127.0.0.1:")]
