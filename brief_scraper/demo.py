"""``make demo``: extract every bundled fixture page and write the records as JSONL.

Runs offline on the pages shipped in ``tests/fixtures``; prints where the output is.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonlines

from brief_scraper import extract

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUTPUT = ROOT / "output" / "demo" / "fixtures.jsonl"


def main() -> None:
    """Extract the fixture pages and print a one-line summary per record."""
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    cases = sorted(p.parent for p in FIXTURES.glob("*/*/meta.json"))
    with jsonlines.open(OUTPUT, mode="w") as out:
        for case in cases:
            url = json.loads((case / "meta.json").read_text(encoding="utf-8"))["url"]
            record = extract((case / "page.html").read_bytes(), url)
            out.write(record)
            print(f"{record['posted_date'] or '----------'}  {record['title']}")
    print(f"\n{len(cases)} records written to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
