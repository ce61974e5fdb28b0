"""The crawl benchmarks' site from the command line: serve it, or time a server alone.

The site is ``devsite.generated`` (N publication pages made from the fixtures), served by
``devsite.server`` on 127.0.0.1 in this process, one of its three servers (``asyncio``, the
default and the fastest; ``threading``; ``stdlib``, Nagle's algorithm on). ``load`` times a
server alone with a minimal keep-alive client, so that a crawl is known to measure the crawler::

    python benchmarks/localsite.py serve --pages 2000 [--server threading] [--port 0]
    python benchmarks/localsite.py load --pages 2000 --port PORT [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devsite.generated import GeneratedSite  # noqa: E402
from devsite.server import HOST, KINDS, listening_socket, serve  # noqa: E402

__all__ = ["KINDS", "ROOT", "GeneratedSite", "load"]


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
    parser.add_argument("--server", choices=KINDS, default="asyncio")
    parser.add_argument("--port", type=int, default=0, help="serve: port on 127.0.0.1; load: the server's")
    parser.add_argument("--connections", type=int, default=16, help="load: keep-alive connections")
    parser.add_argument(
        "--exit-on-eof",
        action="store_true",
        help="serve: stop when stdin closes (the parent that started it has ended)",
    )
    args = parser.parse_args()
    site = GeneratedSite(args.pages)
    if args.command == "load":
        rate, mbps = load(args.port, site.paths(), args.connections)
        print(f"{rate:.0f} pages/s, {mbps:.1f} MB/s over {args.connections} connections")
        return
    sock = listening_socket(args.port)
    print(f"READY {sock.getsockname()[1]} {len(site.templates)} templates", flush=True)
    if args.exit_on_eof:  # no server left behind by a benchmark that was killed
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    serve(site, sock, args.server)


if __name__ == "__main__":
    threading.excepthook = lambda exc: None  # a client that hangs up is no error here
    main()
