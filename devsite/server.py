"""The one local site server of the demo, the tests and the benchmarks, on 127.0.0.1 only.

A *site* is content: any object with ``respond(host, target) -> (status, headers, body)``,
where *host* is the request's Host header and *target* its path and query. There are three:
``devsite.offline_site``'s snapshot of wilsoncenter.org (the tests and the demo),
``devsite.generated``'s N publication pages (the crawl benchmarks), and the tests' tables
of fixed answers (``tests/local_server.py``). This module serves any of them, two ways:

- ``SiteServer(site)``: in a background thread of this process, port 0 (any free port) by
  default, every request logged (method, host, path, status); a context manager::

      with SiteServer(site) as server:
          crawl(f"-a base_url={server.base_url}")
          assert "/robots.txt" in server.paths()

- ``serve(site, sock, kind)``: in the foreground until the process ends, nothing logged, for
  a benchmark's server process. ``asyncio`` is a bare HTTP/1.1 keep-alive protocol on the
  event loop (the fastest); ``threading`` is the stdlib ThreadingHTTPServer with Nagle's
  algorithm off, as ``SiteServer`` runs it; ``stdlib`` leaves Nagle's algorithm on, the
  stdlib's default: headers and body go out in two writes, and the body's last segment
  waits for the client's delayed ACK, about 40 ms a response.

Every 200 carries an ``ETag`` (the site's own, else a digest of the body); a request naming
it in ``If-None-Match`` gets ``304 Not Modified``, as a crawl's HTTP cache asks on the next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never any other interface
Response = tuple[int, dict[str, str], bytes]  # status, headers (no Content-Length), body
KINDS = ("asyncio", "threading", "stdlib")  # how serve() serves


class Site(Protocol):
    """Content the server answers from."""

    def respond(self, host: str, target: str) -> Response:
        """Return status, headers and body for a GET of *target* (path and query) on *host*."""
        ...


@dataclass(frozen=True, slots=True)
class Requested:
    """One request the site answered."""

    method: str
    host: str  # the Host header: a crawl that leaves the site shows here as another host
    path: str  # path and query, as requested
    status: int


def answer(site: Site, host: str, target: str, if_none_match: str) -> Response:
    """Return what to send for a GET of *target*: the site's response, with its validator.

    A bug in the site shows as a 500 (and in the log), not as a hung crawl.
    """
    try:
        status, headers, body = site.respond(host, target)
    except Exception:
        logger.exception("Local site failed on %(path)s", {"path": target})
        return 500, {"Content-Type": "text/plain"}, b"local site error"
    if status == 200:  # a validator: the next crawl asks "changed?" and may get a 304
        etag = headers.get("ETag")
        if etag is None:
            etag = f'"{hashlib.blake2b(body, digest_size=8).hexdigest()}"'
            headers = {**headers, "ETag": etag}
        if if_none_match and etag in if_none_match:
            return 304, headers, b""
    return status, headers, body


class SiteServer:
    """*site* served on 127.0.0.1 in a background thread, every request logged; a context manager."""

    def __init__(self, site: Site | None = None, port: int = 0) -> None:
        self.site = site
        self.port = port
        self.requests: list[Requested] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, the address to crawl (set once started)."""
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        """Start serving ``self.site``."""
        assert self.site is not None, "a SiteServer needs a site to serve"
        self._server = _http_server((HOST, self.port), _Handler, self.site, on_request=self.log)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-site", daemon=True)
        self._thread.start()
        logger.info("Local site at %(url)s", {"url": self.base_url})
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def log(self, request: Requested) -> None:
        """Record one answered request."""
        with self._lock:
            self.requests.append(request)

    def mark(self) -> int:
        """Return a position in the request log; ``paths(since=mark)`` lists what came after."""
        with self._lock:
            return len(self.requests)

    def requested(self, since: int = 0) -> list[Requested]:
        """Return the requests answered since the *since* mark."""
        with self._lock:
            return self.requests[since:]

    def paths(self, since: int = 0, host: str | None = None) -> list[str]:
        """Return the requested paths (with query) since *since*, on *host* (default: this site's)."""
        wanted = host or f"{HOST}:{self.port}"
        return [r.path for r in self.requested(since) if r.host == wanted]


def _http_server(
    address: tuple[str, int],
    handler: type[BaseHTTPRequestHandler],
    site: Site,
    on_request: Callable[[Requested], None] | None = None,
    sock: socket.socket | None = None,
) -> ThreadingHTTPServer:
    """Return a ThreadingHTTPServer answering from *site*, bound to *address* or on the bound *sock*."""
    server = ThreadingHTTPServer(address, handler, bind_and_activate=sock is None)
    if sock is not None:
        server.socket.close()
        server.socket = sock
    server.daemon_threads = True
    server.site = site  # type: ignore[attr-defined]
    server.on_request = on_request  # type: ignore[attr-defined]
    server.default_host = f"{HOST}:{server.server_address[1]}"  # type: ignore[attr-defined]
    return server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalSite/1"
    # Without it, Nagle's algorithm and delayed ACKs hold each keep-alive response ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        host = self.headers.get("Host") or self.server.default_host  # type: ignore[attr-defined]
        status, headers, body = answer(site, host, self.path, self.headers.get("If-None-Match") or "")
        on_request: Callable[[Requested], None] | None = self.server.on_request  # type: ignore[attr-defined]
        if on_request is not None:
            on_request(Requested(self.command, host, self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:  # a 304 has no body
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if logger.isEnabledFor(logging.DEBUG):  # SiteServer keeps its own log of requests
            message = format % args
            logger.debug("%(client)s %(message)s", {"client": self.client_address[0], "message": message})


class _StdlibHandler(_Handler):
    disable_nagle_algorithm = False  # the stdlib's default


_REASONS = {status.value: status.phrase.encode() for status in HTTPStatus}


class _AsyncioProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, GET and HEAD, enough for Scrapy and the load client."""

    site: Site
    host: str

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            parts = head.split(b"\r\n", 1)[0].split(b" ")
            target = parts[1].decode("latin-1") if len(parts) == 3 else "/"
            lower = head.lower()
            validator = ""
            if (at := lower.find(b"\r\nif-none-match:")) >= 0:
                stop = lower.find(b"\r\n", at + 2)
                validator = head[at + 16 : stop if stop >= 0 else len(head)].decode("latin-1").strip()
            status, headers, body = answer(self.site, self.host, target, validator)
            lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1")
            length = b"" if status == 304 else b"Content-Length: %d\r\n" % len(body)
            self.transport.write(
                b"HTTP/1.1 %d %s\r\nServer: LocalSite/1\r\n%s%s\r\n%s"
                % (status, _REASONS.get(status, b""), lines, length, b"" if parts[0] == b"HEAD" else body)
            )
            if b"\r\nconnection: close" in lower:
                self.transport.close()
                return


def _serve_asyncio(site: Site, sock: socket.socket) -> None:
    async def main() -> None:
        host = f"{HOST}:{sock.getsockname()[1]}"
        protocol = type("Protocol", (_AsyncioProtocol,), {"site": site, "host": host})
        server = await asyncio.get_running_loop().create_server(protocol, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def serve(site: Site, sock: socket.socket, kind: str = "asyncio") -> None:
    """Serve *site* on the bound, listening *sock* until the process ends; *kind* is one of KINDS."""
    if kind == "asyncio":
        _serve_asyncio(site, sock)
        return
    handler = _StdlibHandler if kind == "stdlib" else _Handler
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    _http_server(sock.getsockname(), handler, site, sock=sock).serve_forever()


def listening_socket(port: int = 0) -> socket.socket:
    """Return a socket bound to 127.0.0.1:*port* (0: any free port), listening."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(1024)
    return sock
