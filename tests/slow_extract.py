"""Slow extract functions for the time-budget tests (``BRIEF_EXTRACT_FUNCTION``).

``tests.slow_extract.extract`` extracts every page as ``brief_scraper.extract`` does, except
a page holding ``spin-forever`` (a pure-Python loop that never ends: what a quadratic step
on a huge page looks like) and one holding ``stuck-in-c``, which spins with SIGALRM blocked:
it stands for C code that never returns to Python (one long library call on a
pathological input), which no timer signal reaches. Use that one in worker processes only.
"""

from __future__ import annotations

import signal
from typing import Any

import brief_scraper


def extract(html: str | bytes, url: str, content_type: str | None = None) -> dict[str, Any]:
    body = html if isinstance(html, bytes) else html.encode("utf-8", "surrogatepass")
    if b"spin-forever" in body:
        while True:
            pass
    if b"stuck-in-c" in body:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            pass
    return brief_scraper.extract(html, url, content_type)
