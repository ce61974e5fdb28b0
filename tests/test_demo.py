"""devsite/demo.py (``make demo``): it writes below its own folder, never a real crawl's."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from devsite import demo

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def snapshot(folder: Path) -> dict[str, float]:
    """Every file below *folder* (links included) and when it last changed."""
    return {str(p): p.lstat().st_mtime for p in folder.rglob("*")} if folder.exists() else {}


def test_the_demo_writes_below_output_demo_by_default() -> None:
    command = demo.crawl_command("rand=http://127.0.0.1:8000", None)
    assert "BRIEF_OUTPUT_DIR=output/demo" in command
    assert "BRIEF_SEEN_ENABLED=0" in command
    assert "refresh=1" not in command
    assert demo.LOG_FILE.parent == demo.DEMO_OUTPUT == demo.OUTPUT / "demo"


def test_a_demo_run_touches_no_real_spider_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = demo.OUTPUT / "sources"
    before = snapshot(real)
    out_dir = tmp_path / "demo"
    assert demo.main(out_dir) == 0, capsys.readouterr()
    assert snapshot(real) == before  # no run, latest.jsonl or seen-store of the real spider moved
    folder = out_dir / "sources"
    [run] = [p for p in folder.glob("*Z.jsonl") if not p.is_symlink()]
    assert (folder / "latest.jsonl").resolve() == run.resolve()
    assert not (folder / "seen.sqlite3").exists()
    lines = run.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    live = {"wilsoncenter": "https://www.wilsoncenter.org/", "rand": "https://www.rand.org/",
            "csis": "https://www.csis.org/"}  # fmt: skip
    assert {r["source"] for r in records} == set(live)
    assert all(r["url"].startswith(live[r["source"]]) for r in records)  # the live URLs, not 127.0.0.1
    out = capsys.readouterr().out
    assert f"records:  {len(lines)} written to {run}" in out
    for key in live:
        assert re.search(rf"^  {key} +\d+ records .* healthy$", out, re.M), out
