"""The interface between pipelines and run extensions (brief_scraper/runs/contracts.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from brief_scraper import settings
from brief_scraper.runs.contracts import RunFiles, order_problems, run_files, set_run_files, unchanged_records

ROOT = Path(__file__).parent.parent
PIPELINES = settings.ITEM_PIPELINES


def test_configured_pipeline_order_meets_every_pipelines_needs():
    assert order_problems(PIPELINES, load_object) == []


def test_pipelines_declare_their_order_needs():
    declared = {path for path in PIPELINES if getattr(load_object(path), "after", ())}
    assert declared == set(PIPELINES) - {"pipelines.normalize.NormalizePipeline"}  # the first needs none


@pytest.mark.parametrize(
    ("changed", "problem"),
    [
        ({"pipelines.dedupe.DedupePipeline": 950}, "pipelines.jsonl.JsonlWriterPipeline (900) must run after"
         " pipelines.dedupe.DedupePipeline (950)"),
        ({"pipelines.seen.SeenPipeline": 450}, "pipelines.seen.SeenPipeline (450) must run before"
         " pipelines.stats.StatsPipeline (400)"),
    ],
)  # fmt: skip
def test_a_pipeline_out_of_order_is_named(changed, problem):
    assert problem in order_problems({**PIPELINES, **changed}, load_object)


def test_a_pipeline_turned_off_is_not_judged():
    assert order_problems({**PIPELINES, "pipelines.dedupe.DedupePipeline": None}, load_object) == []


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_no_pipeline_imports_another_pipeline(pipeline):
    module = pipeline.rpartition(".")[0]
    others = {path.rpartition(".")[0] for path in PIPELINES} - {module}
    imported = _imported_modules(ROOT / Path(*module.split(".")).with_suffix(".py"))
    assert not imported & others, f"{module} imports {sorted(imported & others)}: go through the contracts"


WITHOUT_SPIDERMON = [  # Spidermon is needed only where the checks run: runs/monitors.py, runs/runreport.py
    *sorted({path.rpartition(".")[0] for path in PIPELINES}),
    "brief_scraper.runs.contracts",
    "brief_scraper.runs.archive",
    "brief_scraper.runs.datasetupdate",
]


@pytest.mark.parametrize("module", WITHOUT_SPIDERMON)
def test_importable_without_spidermon(module):
    blocked = "import sys, importlib; sys.modules['spidermon'] = None; importlib.import_module(sys.argv[1])"
    done = subprocess.run([sys.executable, "-c", blocked, module], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_run_files_are_per_crawler():
    crawler, other = get_crawler(), get_crawler()
    run = RunFiles(Path("output"), "wilsoncenter", "20261128T090000Z", ".jsonl")
    assert run_files(crawler) is None
    set_run_files(crawler, run)
    assert run_files(crawler) is run
    assert run_files(other) is None
    assert unchanged_records(crawler) is unchanged_records(crawler)
    assert unchanged_records(crawler) is not unchanged_records(other)
