"""Median time per page of ``extract`` against lxml's bare parse and trafilatura's metadata.

Run: ``make bench`` or ``.venv/bin/python benchmarks/extract_speed.py [--sample N]``.
All three are timed in this one run on the same bytes, so the printed ratios hold on a noisy
machine where absolute times do not. Targets (issue 2): extract within 2.0x of the bare parse
and at least 2x faster than trafilatura.extract_metadata.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brief_scraper import extract  # noqa: E402
from brief_scraper.parsing import decode_html  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
EVALPAGES = ROOT.parent / "shared" / "evalpages"


def load_fixtures() -> list[tuple[bytes, str]]:
    """Return (page bytes, url) of every fixture case."""
    pages = []
    for meta in sorted(FIXTURES.glob("*/*/meta.json")):
        url = json.loads(meta.read_text(encoding="utf-8"))["url"]
        pages.append(((meta.parent / "page.html").read_bytes(), url))
    return pages


def load_evalpages(sample: int, seed: int = 7) -> list[tuple[bytes, str]]:
    """Return a seeded random sample of the evaluation pages (bytes, url)."""
    gold = EVALPAGES / "gold.jsonl"
    if not gold.exists():
        return []
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    rows = random.Random(seed).sample(rows, min(sample, len(rows)))
    return [(gzip.decompress((EVALPAGES / r["file"]).read_bytes()), r["url"]) for r in rows]


_PARSER = lxml.etree.HTMLParser()


def bare_parse(html: bytes, url: str) -> object:
    """The floor: lxml's parse of the same bytes alone, nothing decoded or extracted by us."""
    return lxml.etree.fromstring(html, _PARSER)


def median_ms(
    funcs: dict[str, Callable[[bytes, str], object]], pages: list[tuple[bytes, str]], rounds: int
) -> dict[str, float]:
    """Return, per function, the median over pages of each page's best time in *rounds*, in ms.

    The functions take turns on each page, round by round, so that a change in the machine's
    load mid-run weighs on all of them alike and the ratios hold.
    """
    per_page: dict[str, list[float]] = {name: [] for name in funcs}
    for html, url in pages:
        best = dict.fromkeys(funcs, float("inf"))
        for _ in range(rounds):
            for name, func in funcs.items():
                start = time.perf_counter()
                func(html, url)
                best[name] = min(best[name], time.perf_counter() - start)
        for name in funcs:
            per_page[name].append(best[name] * 1000)
    return {name: statistics.median(times) for name, times in per_page.items()}


def peer() -> Callable[[bytes, str], object] | None:
    """Return trafilatura's metadata extraction, or None when it is not installed."""
    try:
        from trafilatura.metadata import extract_metadata
    except ImportError:
        return None
    return lambda html, url: extract_metadata(decode_html(html), default_url=url)


def main() -> None:
    """Print one table per page set: median ms and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200, help="evaluation pages to time")
    parser.add_argument("--rounds", type=int, default=3, help="runs per page; the best counts")
    args = parser.parse_args()
    trafilatura = peer()
    sets = {"fixtures": load_fixtures(), f"evalpages ({args.sample})": load_evalpages(args.sample)}
    for html, url in [p for pages in sets.values() for p in pages][:20]:  # warm caches/imports
        extract(html, url)
        if trafilatura:
            trafilatura(html, url)
    print(
        f"{'pages':<18}{'n':>5}{'parse ms':>10}{'extract ms':>12}{'trafil. ms':>12}"
        f"{'extract/parse':>15}{'trafil./extract':>17}"
    )
    for name, pages in sets.items():
        if not pages:
            print(f"{name:<18}  (none found)")
            continue
        funcs = {"parse": bare_parse, "extract": extract} | ({"peer": trafilatura} if trafilatura else {})
        times = median_ms(funcs, pages, args.rounds)
        floor, ours, theirs = times["parse"], times["extract"], times.get("peer", float("nan"))
        print(
            f"{name:<18}{len(pages):>5}{floor:>10.2f}{ours:>12.2f}{theirs:>12.2f}"
            f"{ours / floor:>14.2f}x{theirs / ours:>16.2f}x"
        )
    print("targets: extract/parse <= 2.00x; trafilatura/extract >= 2.00x")


if __name__ == "__main__":
    main()
