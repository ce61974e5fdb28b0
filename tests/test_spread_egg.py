"""brief_scraper/runs/spread/egg.py: the egg holds what pyproject.toml declares, the same bytes
each time, with the entry point Scrapyd reads (tests/test_spread.py deploys it to a real one)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from brief_scraper.runs.spread.egg import build_egg, find_packages

ROOT = Path(__file__).resolve().parent.parent


def test_the_projects_egg_holds_its_packages_and_data_and_nothing_else():
    egg = build_egg(ROOT)
    modules = {p.relative_to(ROOT).as_posix() for folder in ("brief_scraper", "spiders", "pipelines")
               for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts}  # fmt: skip
    assert modules <= set(egg.names)
    assert {"brief_scraper/schema.json", "brief_scraper/py.typed", "EGG-INFO/PKG-INFO"} <= set(egg.names)
    assert not [
        n for n in egg.names if n.startswith(("devsite/", "tests/", "benchmarks/")) or "__pycache__" in n
    ]
    with zipfile.ZipFile(io.BytesIO(egg.data)) as archive:
        assert archive.read("EGG-INFO/entry_points.txt") == b"[scrapy]\nsettings = brief_scraper.settings\n"
        assert archive.testzip() is None


def test_the_same_code_gives_the_same_egg():
    assert build_egg(ROOT).sha256 == build_egg(ROOT).sha256


def make_project(tmp_path: Path, find: str = 'include = ["pkg*"]') -> Path:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "data").mkdir()
    (tmp_path / "other").mkdir()
    for path in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/data/loader.py", "other/__init__.py"):
        (tmp_path / path).write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "table.json").write_text("{}", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\n[project.entry-points.scrapy]\nsettings = "pkg.settings"\n'
        f'[tool.setuptools.packages.find]\n{find}\n[tool.setuptools.package-data]\npkg = ["*.json"]\n',
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    ("namespaces", "expected"),
    [(True, ["pkg", "pkg.data", "pkg.sub"]), (False, ["pkg", "pkg.sub"])],  # setuptools' default: True
)
def test_packages_are_found_as_setuptools_finds_them(tmp_path, namespaces, expected):
    assert find_packages(make_project(tmp_path), ("pkg*",), (), namespaces) == expected


def test_package_data_and_include_patterns_decide_the_files(tmp_path):
    names = build_egg(make_project(tmp_path)).names
    assert "pkg/table.json" in names
    assert "pkg/data/loader.py" in names
    assert not [n for n in names if n.startswith("other/")]
    assert build_egg(make_project(tmp_path / "x", 'include = ["pkg"]\nnamespaces = false')).names == (
        "EGG-INFO/PKG-INFO", "EGG-INFO/entry_points.txt", "EGG-INFO/top_level.txt", "EGG-INFO/zip-safe",
        "pkg/__init__.py", "pkg/table.json",
    )  # fmt: skip


def test_a_project_without_the_scrapy_entry_point_is_refused(tmp_path):
    project = make_project(tmp_path)
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    (project / "pyproject.toml").write_text(text.replace("[project.entry-points.scrapy]", "[x]"), "utf-8")
    with pytest.raises(ValueError, match=r"no \[project\.entry-points\.scrapy\] settings"):
        build_egg(project)
