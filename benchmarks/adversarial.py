"""Pathological pages at two sizes, n and 4n: what ``extract()`` costs on each, against the parse.

Run: ``.venv/bin/python benchmarks/adversarial.py [--scale 1.0] [--timeout 20]``.

Each shape is a page made of one thing repeated (50,000 ``citation_author`` metas, 200,000
links, one huge text node...), built at n and 4n copies. For each, one fresh process (a fork
of this one, so imports are warm) times lxml's bare parse of the page's bytes and
``extract()`` on them, and measures the record: its JSON size in bytes and its list lengths,
as extracted and as the pipelines would write it (normalized and capped,
``pipelines/caps.py``). A process that runs past ``--timeout`` is killed and its time
printed as "> Ns": a quadratic shape cannot hang the run. Figures are from one run on this
machine, so the ratios hold where the absolute times do not.

Targets (issue 15), printed beside the figures: growth from n to 4n at most 5x (linear),
``extract()`` at most 20x the parse on every page, and no record over 1 MB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brief_scraper import extract  # noqa: E402

URL = "https://example.org/publication/a-hostile-page"
MAX_GROWTH, MAX_PARSE_RATIO, MAX_RECORD_BYTES = 5.0, 20.0, 1_000_000
LISTS = ("authors", "programs", "downloads", "topics")
_PARSER = lxml.etree.HTMLParser()


def page(head: str = "", body: str = "") -> bytes:
    """Return a page with a title and an h1, and *head* and *body* added."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>A hostile page</title>"
        f"{head}</head><body><main><h1>A hostile page</h1>{body}</main></body></html>"
    ).encode()


def jsonld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@dataclass(frozen=True)
class Shape:
    """A page made of one thing repeated: *head* or *body* formatted with i (and day) k times,
    or *build* (k -> page)."""

    name: str
    n: int  # copies at --scale 1
    head: str = ""
    body: str = ""
    build: Callable[[int], bytes] | None = None

    def page(self, k: int) -> bytes:
        if self.build is not None:
            return self.build(k)
        copies = [(self.head + "\0" + self.body).format(i=i, day=i % 28 + 1) for i in range(k)]
        heads, bodies = zip(*(c.split("\0") for c in copies), strict=True) if copies else ((), ())
        return page("".join(heads), "".join(bodies))


def jsonld_authors(k: int) -> bytes:
    authors = [{"@type": "Person", "name": f"Author {i}"} for i in range(k)]
    return page(jsonld({"@type": "Article", "headline": "A hostile page", "author": authors}))


# n is a quarter of the size where it names one (50,000 metas: n 12,500, 4n 50,000),
# less for the shapes known to be quadratic, whose 4n would only show the timeout.
SHAPES = [
    Shape("citation_author metas", 2_500, head='<meta name="citation_author" content="Author {i}">'),
    Shape("JSON-LD authors", 2_500, build=jsonld_authors),
    Shape("series sentences", 5_000, body="<p>This is part of our series “Series {i}”.</p>"),
    Shape("metas", 12_500, head='<meta name="m{i}" content="value {i}">'),
    Shape("links", 50_000, body='<a href="/p/{i}">Link {i}</a> '),
    Shape("deep nesting", 25_000, build=lambda k: page(body="<div>" * k + "deep" + "</div>" * k)),
    Shape("huge attribute", 250_000, build=lambda k: page(body=f'<div data-x="{"a" * (k * 8)}">x</div>')),
    Shape("forms", 10_000, body='<form action="/f/{i}"><input name="q{i}"><button>Go</button></form>'),
    Shape("scripts", 10_000, body="<script>var a{i} = {i};</script>"),
    Shape("times", 10_000, body='<time datetime="2020-01-{day:02d}">January {day}, 2020</time> '),
    Shape("one huge text node", 250_000, build=lambda k: page(body=f"<p>{'word ' * (k * 2)}</p>")),
    Shape("JSON-LD blocks", 5_000,
          head='<script type="application/ld+json">{{"@type": "Article", "headline": "H{i}"}}</script>'),
    Shape("quote marks", 50_000, build=lambda k: page(body="<p>" + "“a” " * k + "</p>")),
    Shape("h1s", 10_000, body="<h1>Title {i}</h1>"),
    Shape("Download links", 10_000, body='<a href="/files/{i}.pdf">Download</a> '),
]  # fmt: skip


@dataclass
class Measure:
    """One shape at one size: the timings and the record's figures, or a timeout."""

    bytes: int
    parse: float = 0.0  # seconds
    extract: float | None = None  # None: killed at the timeout
    record_bytes: int = 0
    written_bytes: int = 0
    lists: tuple[int, ...] = ()


def _best(function: Callable[[], Any], budget: float = 0.5, rounds: int = 3) -> tuple[float, Any]:
    """Return the best time of up to *rounds* calls (one only, when it takes over *budget*) and a result."""
    best, result = float("inf"), None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
        if best > budget:
            break
    return best, result


class _NoStats:
    def inc_value(self, key: str, count: int = 1) -> None:
        pass


def written(record: dict[str, Any]) -> dict[str, Any]:
    """Return *record* as the pipelines would write it: normalized, then capped."""
    from pipelines.caps import CapPipeline
    from pipelines.normalize import NormalizePipeline

    stats: Any = _NoStats()
    return CapPipeline(stats, 0).process_item(NormalizePipeline(stats).process_item(record))


def size_of(record: dict[str, Any]) -> int:
    return len(json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _child(html: bytes, answers: Any) -> None:
    parse, _ = _best(lambda: lxml.etree.fromstring(html, _PARSER))
    answers.send(("parse", parse))
    seconds, record = _best(lambda: extract(html, URL))
    out = written(dict(record))
    answers.send(("extract", seconds, size_of(record), size_of(out), tuple(len(out[f]) for f in LISTS)))


def measure(html: bytes, timeout: float) -> Measure:
    """Time parse and extract of *html* in a forked process, killed after *timeout* seconds."""
    result = Measure(len(html))
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child, args=(html, send), daemon=True)
    child.start()
    send.close()  # the child's end only: its exit is then our EOF
    deadline = time.monotonic() + timeout
    try:
        while receive.poll(max(deadline - time.monotonic(), 0)):
            message = receive.recv()
            if message[0] == "parse":
                result.parse = message[1]
            else:
                _, result.extract, result.record_bytes, result.written_bytes, result.lists = message
                break
    except EOFError:  # the child died
        pass
    finally:
        child.kill()
        child.join()
    return result


def _times(m: Measure, timeout: float) -> str:
    return f"{m.extract * 1000:9.1f}" if m.extract is not None else f"{'> ' + format(timeout, 'g') + 's':>9}"


def row(name: str, n: int, small: Measure, large: Measure, timeout: float) -> tuple[str, list[str]]:
    """Return the table row of one shape, and the targets it misses."""
    misses = []
    if small.extract is not None and large.extract is not None:
        growth = large.extract / max(small.extract, 1e-6)
        growth_text = f"{growth:6.1f}x"
    elif small.extract is not None:
        growth = timeout / max(small.extract, 1e-6)
        growth_text = f"> {growth:.0f}x"
    else:
        growth, growth_text = float("inf"), "   n/a"
    if growth > MAX_GROWTH:
        misses.append("growth")
    ratios = [float("inf") if m.extract is None else m.extract / max(m.parse, 1e-6) for m in (small, large)]
    if max(ratios) > MAX_PARSE_RATIO:
        misses.append("x parse")
    if max(small.record_bytes, large.record_bytes) > MAX_RECORD_BYTES or large.extract is None:
        misses.append("record size" if large.extract is not None else "timeout")
    ratio_text = " / ".join(f"{r:.1f}" if r != float("inf") else "-" for r in ratios)
    lists = "/".join(map(str, large.lists)) if large.lists else "-"
    cells = [
        f"{name:<22}", f"{n:>8,}", f"{large.bytes / 1e6:7.2f}", _times(small, timeout),
        _times(large, timeout),
        f"{growth_text:>8}", f"{ratio_text:>15}", f"{large.record_bytes:>10,}", f"{large.written_bytes:>9,}",
        f"{lists:>16}",
    ]  # fmt: skip
    return "  ".join(cells) + "  " + (", ".join(misses) or "ok"), misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n (0.01: a smoke run)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before an extract is killed")
    parser.add_argument("--only", default="", help="comma-separated shape names (default: all)")
    args = parser.parse_args(argv)
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    print(f"targets: growth n -> 4n <= {MAX_GROWTH:g}x, extract <= {MAX_PARSE_RATIO:g}x the parse, "
          f"record <= {MAX_RECORD_BYTES:,} bytes; extract killed after {args.timeout:g} s")  # fmt: skip
    print("  ".join([f"{'shape':<22}", f"{'n':>8}", f"{'4n MB':>7}", f"{'n ms':>9}", f"{'4n ms':>9}",
                     f"{'growth':>8}", f"{'x parse n/4n':>15}", f"{'record B':>10}", f"{'written B':>9}",
                     f"{'a/p/d/t (4n)':>16}", "targets"]))  # fmt: skip
    missed = 0
    started = time.monotonic()
    for shape in SHAPES:
        if wanted and shape.name not in wanted:
            continue
        n = max(1, round(shape.n * args.scale))
        small = measure(shape.page(n), args.timeout)
        large = measure(shape.page(4 * n), args.timeout)
        line, misses = row(shape.name, n, small, large, args.timeout)
        missed += bool(misses)
        print(line, flush=True)
    print(f"{missed} shape(s) miss a target; record B: extract()'s record, written B: normalized and capped "
          f"(pipelines/caps.py); a/p/d/t: authors/programs/downloads/topics written. "
          f"{time.monotonic() - started:.0f} s in all.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
