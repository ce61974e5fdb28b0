"""Score ``brief_scraper.extract`` (and, with ``--peers``, other extractors) on evalpages.

Run: ``.venv/bin/python benchmarks/quality.py [--peers] [--limit N] [--show-misses FIELD]``.
Scoring follows ``shared/evalpages/README.md`` exactly:

- title: exact match after NFKC, case folding, unified curly quotes and dashes, collapsed
  white space, and quotes, dots, colons, semicolons, dashes and bars stripped at both ends;
  over pages with a title label.
- date: the same calendar day, over all pages (no date where the label has none is right).
- authors: names split on ; , & and und et y / |, a leading By/Von/Par/Por dropped,
  case-folded; set F1 per page over pages with an author label. "author where none": share
  of labelled pages (not htmldate-only) whose label has no author but the extractor gave one.
Targets (issue 7): title >= 0.80, date >= 0.86, authors >= 0.75, author where none <= 0.30.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVALPAGES = ROOT.parent / "shared" / "evalpages"

Answer = tuple[str | None, list[str], str | None]  # title, authors, YYYY-MM-DD
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»″"} | {c: "'" for c in "‘’‚‛‹›′"})
_DASHES = str.maketrans(dict.fromkeys(map(ord, "‐‑‒–—―−"), "-"))
_EDGE = "\"'.:;-|"
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|,|&|/|\||\band\b|\bund\b|\bet\b|\by\b)\s*", re.I)
_AUTHOR_PREFIX_RE = re.compile(r"^(?:by|von|par|por)\s+", re.I)


def normalize_title(value: str | None) -> str:
    """Return a title as the README compares it."""
    text = unicodedata.normalize("NFKC", value or "").casefold().translate(_QUOTES).translate(_DASHES)
    text = " ".join(text.split())
    return text.strip(_EDGE + " ").strip()


def author_set(value: str | list[str] | None) -> set[str]:
    """Return the set of case-folded author names in a label or an answer."""
    parts = value if isinstance(value, list) else [value or ""]
    names = set()
    for part in parts:
        for name in _AUTHOR_SPLIT_RE.split(part or ""):
            name = _AUTHOR_PREFIX_RE.sub("", " ".join(name.split())).casefold().strip()
            if name:
                names.add(name)
    return names


def f1(gold: set[str], answer: set[str]) -> float:
    """Return the F1 of two sets (1.0 when both are empty)."""
    if not gold and not answer:
        return 1.0
    hits = len(gold & answer)
    if not hits:
        return 0.0
    precision, recall = hits / len(answer), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


class _Failures(logging.Handler):
    """Counts what extract() caught and logged: it never raises, so errors show up here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


FAILURES = _Failures()


def ours(html: bytes, url: str) -> Answer:
    """brief-scraper's answer; a failure extract() swallowed is raised here to be counted."""
    from brief_scraper import extract

    before = FAILURES.count
    record = extract(html, url)
    if FAILURES.count != before:
        raise RuntimeError(f"extract failed on {url}")
    return record["title"], [a["name"] for a in record["authors"]], record["posted_date"]


def trafilatura_answer(html: bytes, url: str) -> Answer:
    """trafilatura.extract_metadata's answer."""
    from trafilatura.metadata import extract_metadata

    from brief_scraper.parsing import decode_html

    meta = extract_metadata(decode_html(html), default_url=url)
    if meta is None:
        return None, [], None
    return meta.title, [meta.author] if meta.author else [], meta.date


def newspaper_answer(html: bytes, url: str) -> Answer:
    """newspaper4k's answer (title, authors, publish date)."""
    from newspaper import Article

    from brief_scraper.parsing import decode_html

    article = Article(url, fetch_images=False)
    article.download(input_html=decode_html(html))
    article.parse()
    day = article.publish_date.strftime("%Y-%m-%d") if article.publish_date else None
    return article.title, list(article.authors), day


def htmldate_answer(html: bytes, url: str) -> Answer:
    """htmldate.find_date's answer (extensive search, original date)."""
    from htmldate import find_date

    from brief_scraper.parsing import decode_html

    return None, [], find_date(decode_html(html), url=url, extensive_search=True, original_date=True)


def score(
    name: str,
    answer: Callable[[bytes, str], Answer],
    rows: list[dict[str, Any]],
    pages: list[bytes],
    show: str | None,
) -> dict[str, Any]:
    """Return the scores of one extractor over the pages."""
    titles, dates, authors, where_none, times, errors = [], [], [], [], [], 0
    for row, html in zip(rows, pages, strict=True):
        start = time.perf_counter()
        try:
            title, names, day = answer(html, row["url"])
        except Exception:  # a peer's crash counts as an error and as no answer
            errors += 1
            title, names, day = None, [], None
        times.append((time.perf_counter() - start) * 1000)
        if row["title"]:
            ok = normalize_title(title) == normalize_title(row["title"])
            titles.append(ok)
            if show == "title" and not ok:
                print(f"{row['id']:>5} title gold={row['title']!r}\n      got ={title!r}")
        ok = (day or None) == (row["date"] or None)
        dates.append(ok)
        if show == "date" and not ok:
            print(f"{row['id']:>5} date gold={row['date']} got={day} {row['url'][:90]}")
        if row["author"]:
            value = f1(author_set(row["author"]), author_set(names))
            authors.append(value)
            if show == "authors" and value < 1:
                print(f"{row['id']:>5} authors gold={row['author']!r} got={names!r}")
        elif row["sources"] != ["htmldate"]:
            where_none.append(bool(names))
            if show == "none" and names:
                print(f"{row['id']:>5} author where none: got={names!r} {row['url'][:90]}")
    mean = statistics.fmean
    return {
        "name": name,
        "title": mean(titles) if titles else float("nan"),
        "date": mean(dates),
        "authors": mean(authors) if authors else float("nan"),
        "where_none": mean(where_none) if where_none else float("nan"),
        "errors": errors,
        "ms": statistics.median(times),
    }


def main() -> None:
    """Print the score table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", action="store_true", help="also score trafilatura, newspaper4k, htmldate")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages")
    parser.add_argument("--show-misses", choices=["title", "date", "authors", "none"], default=None)
    parser.add_argument(
        "--half",
        choices=["both", "dev", "held-out", "all"],
        default="both",
        help="even ids are the half rules are developed on, odd ids the held-out half (default: both, apart)",
    )
    args = parser.parse_args()
    logging.getLogger("brief_scraper").addHandler(FAILURES)
    logging.getLogger("brief_scraper").propagate = False  # counted, not printed
    rows = [json.loads(line) for line in (EVALPAGES / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    if args.limit:
        rows = rows[: args.limit]
    halves = {"dev": [r for r in rows if r["id"] % 2 == 0], "held-out": [r for r in rows if r["id"] % 2]}
    chosen = {"both": ["dev", "held-out"], "dev": ["dev"], "held-out": ["held-out"], "all": []}[args.half]
    sets = [(name, halves[name]) for name in chosen] or [("all", rows)]
    extractors: list[tuple[str, Callable[[bytes, str], Answer]]] = [("brief-scraper", ours)]
    if args.peers:
        extractors += [
            ("trafilatura", trafilatura_answer),
            ("newspaper4k", newspaper_answer),
            ("htmldate", htmldate_answer),
        ]
    for set_name, set_rows in sets:
        pages = [gzip.decompress((EVALPAGES / row["file"]).read_bytes()) for row in set_rows]
        results = []
        for name, answer in extractors:
            try:
                answer(pages[0], set_rows[0]["url"])  # import and warm up outside the timing
            except ImportError as error:
                print(f"{name}: not installed ({error.name}); pip install it to compare", file=sys.stderr)
                continue
            except Exception:
                pass
            show = args.show_misses if name == "brief-scraper" else None
            results.append(score(name, answer, set_rows, pages, show))
        print_table(f"{set_name} half, {len(set_rows)} pages" if set_name != "all" else "all", results)


def print_table(heading: str, results: list[dict[str, Any]]) -> None:
    """Print one score table under *heading*."""
    print(f"\n{heading} from {EVALPAGES}")
    print(
        f"{'extractor':<15}{'title':>8}{'date':>8}{'authors':>9}{'auth.none':>11}{'errors':>8}{'ms/page':>9}"
    )
    for r in results:
        scores = [f"{r[k]:.4f}" for k in ("title", "date", "authors", "where_none")]
        if r["name"] == "htmldate":  # it answers dates alone: no title or author scores
            scores = ["-", scores[1], "-", "-"]
        print(
            f"{r['name']:<15}{scores[0]:>8}{scores[1]:>8}{scores[2]:>9}{scores[3]:>11}{r['errors']:>8}{r['ms']:>9.2f}"
        )
    print("targets        >=0.80  >=0.86   >=0.75     <=0.30        0")


if __name__ == "__main__":
    main()
