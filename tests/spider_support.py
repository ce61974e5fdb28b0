"""Helpers of the spider tests: run an async callback on a hand-made response."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

# Spider unit tests extract in their own process; tests/test_workers.py covers the workers.
IN_PROCESS = {"BRIEF_EXTRACT_WORKERS": 0}


def drain(results: AsyncIterator[Any], into: list[Any] | None = None) -> list[Any]:
    """Run an async callback to its end and return what it yielded.

    What it yielded is also appended to *into*, which keeps it when the callback raises
    (CloseSpider after the last item).
    """
    collected = [] if into is None else into

    async def run() -> None:
        async for result in results:
            collected.append(result)

    asyncio.run(run())
    return collected
