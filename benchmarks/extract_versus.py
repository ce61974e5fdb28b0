"""``extract()`` of this checkout against ``extract()`` of another revision, in one run.

Run: ``.venv/bin/python benchmarks/extract_versus.py --rev fa555a4 [--sample 200] [--rounds 3]``.
The other revision is checked out with ``git worktree`` into a temporary folder; each side
runs in its own process on the same bytes (the evaluation pages sampled, and the fixture
pages both revisions have), in turns, and each times lxml's bare parse of the same bytes
too, so the printed ratio (this / other, each over its own parse) holds on a noisy machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVALPAGES = ROOT.parent / "shared" / "evalpages"

# Runs in each side's process: time extract() and the bare parse on the pages, median ms.
_TIMER = r"""
import json, statistics, sys, time, logging
logging.disable(logging.CRITICAL)
sys.path.insert(0, sys.argv[1])
import lxml.etree
from brief_scraper import extract
pages = json.load(open(sys.argv[2]))
bodies = [(bytes.fromhex(p["hex"]), p["url"]) for p in pages]
parser = lxml.etree.HTMLParser()
def median(fn):
    times = []
    for body, url in bodies:
        start = time.perf_counter(); fn(body, url); times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000
for body, url in bodies[:20]:
    extract(body, url)
ex = median(extract)
parse = median(lambda body, url: lxml.etree.fromstring(body, parser))
print(json.dumps({"extract": ex, "parse": parse}))
"""


def _pages(sample: int, other: Path) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (EVALPAGES / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    random.Random(7).shuffle(rows)
    pages = [
        {"hex": gzip.decompress((EVALPAGES / r["file"]).read_bytes()).hex(), "url": r["url"]}
        for r in rows[:sample]
    ]
    for meta in sorted((ROOT / "tests" / "fixtures").glob("*/*/meta.json")):
        if (other / meta.relative_to(ROOT)).exists():  # pages both revisions have
            url = json.loads(meta.read_text(encoding="utf-8"))["url"]
            pages.append({"hex": (meta.parent / "page.html").read_bytes().hex(), "url": url})
    return pages


def _time(checkout: Path, pages_file: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _TIMER, str(checkout), str(pages_file)],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print both sides' ms/page and the ratio of their extract-over-parse figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the git revision to compare with (e.g. a commit)")
    parser.add_argument("--sample", type=int, default=200, help="evaluation pages to time (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of both sides (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        other = Path(scratch) / "other"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(other), args.rev], check=True
        )
        try:
            pages_file = Path(scratch) / "pages.json"
            pages = _pages(args.sample, other)
            pages_file.write_text(json.dumps(pages))
            print(f"{len(pages)} pages; this checkout against {args.rev}, {args.rounds} rounds in turns")
            ratios = []
            for round_number in range(1, args.rounds + 1):
                this, that = _time(ROOT, pages_file), _time(other, pages_file)
                ratio = (this["extract"] / this["parse"]) / (that["extract"] / that["parse"])
                ratios.append(ratio)
                ours, theirs = this["extract"] / this["parse"], that["extract"] / that["parse"]
                print(
                    f"round {round_number}: this {this['extract']:.2f} ms ({ours:.2f}x parse)"
                    f"  {args.rev} {that['extract']:.2f} ms ({theirs:.2f}x parse)"
                    f"  this/{args.rev} {ratio:.2f}"
                )
            median = statistics.median(ratios)
            print(f"median this/{args.rev}: {median:.2f} (below 1.00: this checkout is faster)")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)


if __name__ == "__main__":
    main()
