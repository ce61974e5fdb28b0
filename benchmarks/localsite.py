"""A large local copy of the site for the crawl benchmarks, served on 127.0.0.1.

Pages are the fixtures' publication pages (designs A, B and C) with a new title, slug and
date, rewritten by ``devsite.snapshot.rewrite_page`` once per fixture with placeholder
tokens; each page is then the template with its tokens replaced, rendered when it is asked
for (a few microseconds), so 10,000 pages cost the server no memory. Page *n* is the same
in every run: its fixture, title and date follow from *n* alone.

Routes: ``/robots.txt`` (allows all but ``/search/``), ``/sitemap.xml`` (an index of
``/sitemap.xml?page=N``, ``SITEMAP_PAGE_SIZE`` pages each) and ``/publication/<slug>``.
Pages carry ``Last-Modified`` and ``ETag``, as a CMS sends them, so a project that caches
responses (``HTTPCACHE_ENABLED``) stores them as it would on the live site.

Three servers: ``asyncio`` (a bare HTTP/1.1 keep-alive protocol on the event loop: the
default and the fastest), ``threading`` (the stdlib ThreadingHTTPServer with Nagle's
algorithm off) and ``stdlib`` (the same with the stdlib's defaults, as
``devsite.offline_site`` serves: headers and body go out in two writes, and the body's
last segment waits for the client's delayed ACK, about 40 ms a response). ``load`` times a
server alone, so that a crawl is known to measure the crawler::

    python benchmarks/localsite.py serve --pages 2000 [--server threading] [--port 0]
    python benchmarks/localsite.py load --pages 2000 --port PORT [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devsite.snapshot import display_date, load_fixtures, rewrite_page, slugify  # noqa: E402

HOST = "127.0.0.1"  # never any other interface
KIND = "publication"
SITEMAP_PAGE_SIZE = 100
# Placeholders written into each template once; plain ASCII, so no escaping differs by context.
SLUG_TOKEN, TITLE_TOKEN, DAY_TOKEN = "zzbenchslugzz", "Zzbenchtitlezz", "1904-02-29"
RAW_TOKEN = display_date(DAY_TOKEN)
FIRST_DAY = date(2008, 1, 1)
DAYS = 6000  # page dates spread over 2008-2024: all in range for NormalizePipeline
_WORDS = (
    ("Energy", "Trade", "Water", "Migration", "Security", "Health", "Climate", "Border", "Tech", "Food"),
    ("Policy", "Cooperation", "Markets", "Risks", "Governance", "Diplomacy", "Supply Chains", "Reform"),
    ("North America", "the Arctic", "Central Asia", "the Andes", "East Africa", "the Indo-Pacific",
     "Central Europe", "Mexico", "Brazil", "the Caribbean", "the Sahel"),
    ("What Comes Next", "Options for Congress", "A Data Brief", "Lessons Learned", "The Road Ahead",
     "A Field Report", "Ten Questions"),
)  # fmt: skip
HTML = b"text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Template:
    """A fixture page with placeholder tokens, and the encoding its bytes are in."""

    name: str
    body: bytes


def load_templates() -> list[Template]:
    """Return the fixtures' publication pages that rewrite cleanly, with placeholder tokens."""
    templates = []
    for fixture in load_fixtures():
        if fixture.kind != KIND:
            continue
        body = rewrite_page(fixture, f"/{KIND}/{SLUG_TOKEN}", TITLE_TOKEN, DAY_TOKEN)
        if body is not None:
            templates.append(Template(fixture.design, body))
    if not templates:
        raise SystemExit("no fixture publication page can be rewritten: see tests/fixtures/wilsoncenter")
    return templates


def page_facts(n: int) -> tuple[str, str, str]:
    """Return the title, slug and day of page *n* (deterministic).

    >>> page_facts(0)  # doctest: +NORMALIZE_WHITESPACE
    ('Energy Policy in North America: What Comes Next',
     'energy-policy-north-america-what-comes-next-0', '2008-01-01')
    """
    words = []
    rest = n
    for group in _WORDS:
        words.append(group[rest % len(group)])
        rest = rest // len(group) + n  # every group moves with n, so neighbours differ everywhere
    title = f"{words[0]} {words[1]} in {words[2]}: {words[3]}"
    day = (FIRST_DAY + timedelta(days=(n * 7919) % DAYS)).isoformat()
    return title, f"{slugify(title)}-{n}", day


class LocalSite:
    """*pages* publication pages, their sitemaps and robots.txt, answered from memory."""

    def __init__(self, pages: int, templates: list[Template] | None = None) -> None:
        self.pages = pages
        self.templates = templates or load_templates()
        self.slugs = {page_facts(n)[1]: n for n in range(pages)}

    def paths(self) -> list[str]:
        """Return every page's path, in page order."""
        return [f"/{KIND}/{page_facts(n)[1]}" for n in range(self.pages)]

    def page(self, n: int) -> bytes:
        """Return page *n*: its template with its title, slug and date."""
        title, slug, day = page_facts(n)
        body = self.templates[n % len(self.templates)].body
        values = {SLUG_TOKEN: slug, TITLE_TOKEN: html.escape(title), DAY_TOKEN: day}
        for token, value in (*values.items(), (RAW_TOKEN, display_date(day))):
            body = body.replace(token.encode(), value.encode())
        return body

    def respond(self, target: str, origin: str) -> tuple[int, bytes, bytes]:
        """Return status, header lines (``Content-Type`` first) and body for a GET of *target*."""
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /search/\n\nSitemap: {origin}/sitemap.xml\n"
            return 200, b"text/plain", robots.encode()
        if parts.path == "/sitemap.xml":
            return self.sitemap(parts.query, origin)
        prefix = f"/{KIND}/"
        if parts.path.startswith(prefix) and parts.path[len(prefix) :] in self.slugs:
            n = self.slugs[parts.path[len(prefix) :]]
            day = datetime.fromisoformat(page_facts(n)[2]).replace(tzinfo=UTC)
            modified = format_datetime(day, usegmt=True)
            validators = b'\r\nLast-Modified: %s\r\nETag: "page-%d"' % (modified.encode(), n)
            return 200, HTML + validators, self.page(n)
        return 404, HTML, b"<!DOCTYPE html><html><head><title>Not found</title></head><body></body></html>"

    def sitemap(self, query: str, origin: str) -> tuple[int, bytes, bytes]:
        count = max(1, -(-self.pages // SITEMAP_PAGE_SIZE))
        xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if not query:
            locs = (f"{origin}/sitemap.xml?page={n}" for n in range(1, count + 1))
            body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {xmlns}>{body}</sitemapindex>\n'
            return 200, b"application/xml", xml.encode()
        number = int(query.removeprefix("page=")) if query.removeprefix("page=").isdigit() else 0
        if not 1 <= number <= count:
            return 404, b"application/xml", b""
        urls = []
        for n in range((number - 1) * SITEMAP_PAGE_SIZE, min(self.pages, number * SITEMAP_PAGE_SIZE)):
            _, slug, day = page_facts(n)
            urls.append(f"<url><loc>{origin}/{KIND}/{slug}</loc><lastmod>{day}</lastmod></url>")
        xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {xmlns}>{"".join(urls)}</urlset>\n'
        return 200, b"application/xml", xml.encode()


def _head(status: int, headers: bytes, length: int) -> bytes:
    reason = b"OK" if status == 200 else b"Not Found"
    return b"HTTP/1.1 %d %s\r\nServer: localsite\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
        status,
        reason,
        headers,
        length,
    )


class _AsyncioProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, GET only, enough for Scrapy and the load client."""

    site: LocalSite
    origin: str

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            parts = head.split(b"\r\n", 1)[0].split(b" ")
            target = parts[1].decode("latin-1") if len(parts) == 3 else "/"
            status, headers, body = self.site.respond(target, self.origin)
            self.transport.write(_head(status, headers, len(body)) + body)
            if b"\r\nconnection: close" in head.lower():
                self.transport.close()
                return


def serve_asyncio(site: LocalSite, sock: socket.socket) -> None:
    """Serve *site* on the bound, listening *sock* until killed."""

    async def main() -> None:
        origin = f"http://{HOST}:{sock.getsockname()[1]}"
        protocol = type("Protocol", (_AsyncioProtocol,), {"site": site, "origin": origin})
        server = await asyncio.get_running_loop().create_server(protocol, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class _ThreadingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # see _StdlibHandler

    def do_GET(self) -> None:
        site: LocalSite = self.server.site  # type: ignore[attr-defined]
        status, headers, body = site.respond(self.path, f"http://{HOST}:{self.server.server_address[1]}")
        self.send_response(status)
        for line in headers.decode().split("\r\n"):
            name, value = line.split(": ", 1) if ": " in line else ("Content-Type", line)
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _StdlibHandler(_ThreadingHandler):
    disable_nagle_algorithm = False  # the stdlib's default, as devsite.offline_site has it


def serve_threading(site: LocalSite, sock: socket.socket, handler: type = _ThreadingHandler) -> None:
    """Serve *site* with the stdlib ThreadingHTTPServer on *sock* until killed."""
    server = ThreadingHTTPServer(sock.getsockname(), handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.daemon_threads = True
    server.site = site  # type: ignore[attr-defined]
    server.serve_forever()


SERVERS = {
    "asyncio": serve_asyncio,
    "threading": serve_threading,
    "stdlib": lambda site, sock: serve_threading(site, sock, _StdlibHandler),
}


async def _fetch_all(port: int, paths: list[str], connections: int) -> int:
    """GET every path over *connections* keep-alive connections; return the bytes received."""
    queue = list(reversed(paths))
    received = 0

    async def worker() -> None:
        nonlocal received
        reader, writer = await asyncio.open_connection(HOST, port)
        while queue:
            path = queue.pop()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            received += len(body)  # not `+= len(await ...)`: that reads `received` before awaiting
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return received


def load(port: int, paths: list[str], connections: int) -> tuple[float, float]:
    """Fetch *paths* from the server on *port*; return (pages/s, MB/s) as the client saw them."""
    start = time.perf_counter()
    received = asyncio.run(_fetch_all(port, paths, connections))
    elapsed = time.perf_counter() - start
    return len(paths) / elapsed, received / elapsed / 1e6


def main() -> None:
    """``serve``: serve until killed, printing ``READY <port>`` first; ``load``: time the server alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "load"])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--server", choices=sorted(SERVERS), default="asyncio")
    parser.add_argument("--port", type=int, default=0, help="serve: port on 127.0.0.1; load: the server's")
    parser.add_argument("--connections", type=int, default=16, help="load: keep-alive connections")
    parser.add_argument(
        "--exit-on-eof",
        action="store_true",
        help="serve: stop when stdin closes (the parent that started it has ended)",
    )
    args = parser.parse_args()
    site = LocalSite(args.pages)
    if args.command == "load":
        rate, mbps = load(args.port, site.paths(), args.connections)
        print(f"{rate:.0f} pages/s, {mbps:.1f} MB/s over {args.connections} connections")
        return
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, args.port))
    sock.listen(1024)
    print(f"READY {sock.getsockname()[1]} {len(site.templates)} templates", flush=True)
    if args.exit_on_eof:  # no server left behind by a benchmark that was killed
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    SERVERS[args.server](site, sock)


if __name__ == "__main__":
    threading.excepthook = lambda exc: None  # a client that hangs up is no error here
    main()
