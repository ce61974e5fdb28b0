"""The offline world: the Wilson Center snapshot, RAND and CSIS, each on its own port of 127.0.0.1.

A three-source crawl of ``sources.toml`` runs against it with every source's hosts mapped to
its mirror, so nothing leaves the machine::

    with OfflineWorld() as world:
        crawl(f"-a mirrors={world.mirrors_argument}")     # wilsoncenter=http://127.0.0.1:A,...
        world.thinktank("csis").break_template()          # the next crawl finds no csis date
        assert "/robots.txt" in world.servers["rand"].paths()

``servers`` maps each source key to its ``SiteServer`` (request log, ``base_url``); the
Wilson Center's is the ``OfflineSite`` (its ``snapshot`` says what it lists). Run it alone
with ``python -m devsite.world``: it prints the addresses and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import threading
from contextlib import ExitStack
from typing import TYPE_CHECKING, Self

from devsite.offline_site import OfflineSite
from devsite.server import SiteServer
from devsite.thinktank_site import ThinkTankSite
from devsite.thinktanks import THINK_TANKS

if TYPE_CHECKING:
    from types import TracebackType

logger = logging.getLogger(__name__)

WILSON_CENTER = "wilsoncenter"  # the source key of the snapshot in sources.toml


class OfflineWorld:
    """Every offline site of sources.toml served on 127.0.0.1, free ports; a context manager."""

    def __init__(self) -> None:
        self.servers: dict[str, SiteServer] = {WILSON_CENTER: OfflineSite()}
        for tank in THINK_TANKS:
            self.servers[tank.key] = SiteServer(ThinkTankSite(tank))
        self._stack: ExitStack | None = None

    @property
    def wilsoncenter(self) -> OfflineSite:
        """The Wilson Center snapshot's server."""
        server = self.servers[WILSON_CENTER]
        assert isinstance(server, OfflineSite)
        return server

    def thinktank(self, key: str) -> ThinkTankSite:
        """Return the think tank *key*'s site (``rand``, ``csis``): its publications, break_template()."""
        site = self.servers[key].site
        if not isinstance(site, ThinkTankSite):
            raise KeyError(
                f"{key!r} is not one of the world's think tanks ({', '.join(self.thinktank_keys)})"
            )
        return site

    @property
    def thinktank_keys(self) -> list[str]:
        """The keys of the generic think-tank sites, in sources.toml's order."""
        return [tank.key for tank in THINK_TANKS]

    @property
    def mirrors(self) -> dict[str, str]:
        """Source key -> the base URL its hosts are fetched from (``http://127.0.0.1:<port>``)."""
        return {key: server.base_url for key, server in self.servers.items()}

    @property
    def mirrors_argument(self) -> str:
        """``wilsoncenter=http://127.0.0.1:A,rand=http://127.0.0.1:B,csis=http://127.0.0.1:C``."""
        return ",".join(f"{key}={url}" for key, url in self.mirrors.items())

    def start(self) -> Self:
        """Start every site; if one cannot start, stop those already started."""
        with ExitStack() as stack:
            for server in self.servers.values():
                stack.enter_context(server)
            self._stack = stack.pop_all()
        return self

    def stop(self) -> None:
        """Stop every site and free their ports."""
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the offline world until interrupted, printing its addresses and each request."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    with OfflineWorld() as world:
        for key, url in world.mirrors.items():
            print(f"{key}: {url}")
        print(f"Mirrors: {world.mirrors_argument}")
        print("Ctrl-C stops it.", flush=True)
        shown = dict.fromkeys(world.servers, 0)
        try:
            while True:
                threading.Event().wait(0.5)
                for key, server in world.servers.items():
                    new = server.requested(shown[key])
                    for r in new:
                        print(f"{key} {r.status} {r.method} {r.host}{r.path}", flush=True)
                    shown[key] += len(new)
        except KeyboardInterrupt:
            print("Stopped.")


if __name__ == "__main__":
    main()
