"""Which fields survive a redesign: every publication fixture rewritten by each markup variant (issue 12).

Run: ``.venv/bin/python benchmarks/markup_variants.py [--show FIELD]``.

The transformations are ``tests/markup_variants.py``'s: classes renamed or removed, semantic
blocks turned into divs, extra wrappers, the hero reordered, datetime attributes dropped,
the author block moved to the end, quote styles changed, Wilson Center design markers
removed; each keeps what a reader sees. A row is a transformation, a column a field, a cell
``survived/total``: total counts the publication cases whose untransformed page extracts the
field right (so a cell measures survival, not accuracy), survived those whose variant still
does. Authors compare as (name, kind) pairs; downloads and provenance are not compared.
A ``*`` marks a floor cell short of its total: ``tests/test_markup_variants.py`` fails there.

``--show FIELD`` lists the (transformation, case) pairs that lost FIELD, expected against got.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import case_id, expected  # noqa: E402
from tests.markup_variants import (  # noqa: E402
    COMPARED_FIELDS,
    PUBLICATION_CASES,
    TRANSFORMATIONS,
    comparable,
    floor_fields,
    is_right_originally,
    survives,
    variant_record,
)

NAME_WIDTH = max(len(name) for name in TRANSFORMATIONS) + 2


def cell(name: str, field: str) -> tuple[int, int]:
    """Return (survived, total) of *field* under transformation *name*, over the publication cases."""
    cases = [c for c in PUBLICATION_CASES if is_right_originally(c, field)]
    return sum(survives(name, c, field) for c in cases), len(cases)


def print_table() -> None:
    """Print the survival table, one row per transformation, and the overall and floor totals."""
    widths = {field: max(len(field), 6) for field in COMPARED_FIELDS}
    print(f"{len(PUBLICATION_CASES)} publication cases; survived/total, * = floor cell short of its total\n")
    print("".ljust(NAME_WIDTH) + " ".join(field.rjust(widths[field]) for field in COMPARED_FIELDS))
    overall = [0, 0]
    floor = [0, 0]
    for name in TRANSFORMATIONS:
        cells = []
        for field in COMPARED_FIELDS:
            survived, total = cell(name, field)
            overall[0] += survived
            overall[1] += total
            short = field in floor_fields(name) and survived < total
            if field in floor_fields(name):
                floor[0] += survived
                floor[1] += total
            cells.append(f"{'*' if short else ''}{survived}/{total}".rjust(widths[field]))
        print(name.ljust(NAME_WIDTH) + " ".join(cells))
    print(f"\noverall: {overall[0]}/{overall[1]} field values survived ({overall[0] / overall[1]:.1%})")
    print(f"floor:   {floor[0]}/{floor[1]} ({floor[0] / floor[1]:.1%}); {floor[1] - floor[0]} floor failures")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def show_losses(field: str) -> None:
    """Print each (transformation, case) pair that lost *field*: expected, then got."""
    lost = 0
    for name in TRANSFORMATIONS:
        for case in PUBLICATION_CASES:
            if not is_right_originally(case, field) or survives(name, case, field):
                continue
            lost += 1
            floor = "floor" if field in floor_fields(name) else "not floor"
            print(f"{name} {case_id(case)} ({floor})")
            print(f"    expected {_short(comparable(field, expected(case)[field]))}")
            print(f"    got      {_short(comparable(field, variant_record(name, case)[field]))}")
    print(f"{lost} pairs lost {field}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--show", metavar="FIELD", choices=COMPARED_FIELDS, help="list the pairs that lost FIELD"
    )
    args = parser.parse_args()
    if args.show:
        show_losses(args.show)
    else:
        print_table()


if __name__ == "__main__":
    main()
