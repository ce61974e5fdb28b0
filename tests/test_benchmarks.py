"""The benchmarks still run: each script on a tiny input, checked for its figures, not its speed."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run_script(name: str, *arguments: str) -> str:
    """Run ``benchmarks/<name>`` with *arguments*; return its output (it exits 0 when all is well)."""
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *arguments],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done.stdout


def test_crawl_throughput_crawls_every_page_with_both_spiders():
    out = run_script("crawl_throughput.py", "--pages", "12", "--repeat", "1")
    assert "server alone:" in out
    assert "ratio (a)/(b)" in out
    assert "PROBLEM" not in out  # every page fetched by both, every record written by (a)


def test_many_sources_prints_its_ratios_and_writes_every_page_once():
    out = run_script("many_sources.py", "--sources", "2", "--pages", "5", "--delay", "0.05")
    assert re.search(r"^wall .* x 0\.05 s = 0\.45 s: \d+\.\d\dx; target <= 1\.20x", out, re.M), out
    assert re.search(r"^CPU a record: 2 sources .*: \d+\.\d\dx; target <= 1\.00x", out, re.M), out
    assert "per source: 8-8 requests besides robots.txt" in out  # home, feed, sitemap, 5 pages: each once
    assert "records written per source: 5-5 (10 in all, 2 sources); every page once" in out
    assert "PROBLEM" not in out


def test_crawl_memory_reports_peaks_and_what_grows():
    out = run_script("crawl_memory.py", "--pages", "6,12", "--no-bare")
    assert "dedupe 12 =" in out  # one digest per URL, measured
    assert "peak RSS 12 pages / 6 pages" in out


def test_pipeline_speed_times_every_pipeline():
    out = run_script("pipeline_speed.py", "--records", "4", "--rounds", "1")
    assert "NormalizePipeline" in out
    assert "JsonlWriterPipeline" in out


def test_extract_floor_checks_its_minimal_extractor_before_timing_it():
    # minimal() must stay right on the design A fixtures, or its ratio is no floor.
    out = run_script("extract_floor.py", "--rounds", "1")
    assert "minimal() right on url, title, content_type, posted_date" in out
    assert re.search(r"^  minimal +\d+\.\d\dx$", out, re.M), out
    assert re.search(r"^  extract +\d+\.\d\dx$", out, re.M), out


def test_adversarial_prints_every_shape_with_its_targets():
    out = run_script("adversarial.py", "--scale", "0.005", "--timeout", "30")
    assert out.startswith("targets: growth n -> 4n <= 5x, extract <= 20x the parse, record <= 1,000,000")
    for shape in ("citation_author metas", "JSON-LD authors", "series sentences", "links", "deep nesting",
                  "huge attribute", "one huge text node", "quote marks", "Download links"):  # fmt: skip
        assert re.search(rf"^{re.escape(shape)} +\d", out, re.M), out
    assert "> 30s" not in out  # tiny pages: nothing near the timeout


@pytest.mark.parametrize("name", ["crawl_memory"])
def test_doctests(name, monkeypatch):
    # localsite.py is a command line now; its page generator's doctests moved with it to
    # devsite/generated.py, which pytest's --doctest-modules runs.
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    module = __import__(name)
    results = doctest.testmod(module)
    assert results.attempted > 0, "a doctest run that tries nothing checks nothing"
    assert results.failed == 0
