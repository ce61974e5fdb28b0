"""The project's egg for Scrapyd, built from ``pyproject.toml`` with the standard library alone.

``scrapyd-deploy`` builds it with ``setup.py bdist_egg``: setuptools in the environment that
runs it, and build files (``build/``, ``*.egg-info``) in the checkout. The project's ``.venv``
declares no setuptools (pip builds the project in an isolated environment of its own), and
scrapyd-client lives in Scrapyd's environment only. An egg is a zip file: the packages, and an
``EGG-INFO/`` folder whose ``PKG-INFO`` and ``entry_points.txt`` Scrapyd reads to find the
settings module (``[scrapy] settings = brief_scraper.settings``). So this module zips what
``pyproject.toml`` declares, following setuptools' own rules for it:

- packages: ``[tool.setuptools.packages.find]`` (``where``, ``include``, ``exclude``,
  ``namespaces``, true by default in ``pyproject.toml``), found as setuptools' finders do:
  every folder without a ``.`` in its name (only those holding an ``__init__.py``, and only
  below such, when ``namespaces = false``), names matched with ``fnmatch``; each package's
  own ``*.py`` modules;
- data: ``[tool.setuptools.package-data]``, globs relative to the package's folder;
- metadata: ``[project]``'s name and version, and its ``entry-points``.

The zip is deterministic (sorted names, a fixed time stamp), so the same code gives the same
bytes and the same digest, whatever the checkout's file times. Pure: no Scrapy.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
import zipfile
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest time: a fixed stamp for every entry
_DEFAULT_EXCLUDE = ("ez_setup", "*__pycache__")  # setuptools excludes these whatever the config


@dataclass(frozen=True, slots=True)
class Egg:
    """A built egg: its bytes, the files it holds, and their digest."""

    data: bytes
    names: tuple[str, ...]  # paths inside the zip

    @property
    def sha256(self) -> str:
        """The egg's SHA-256, for the run report: the same code gives the same egg."""
        return hashlib.sha256(self.data).hexdigest()


def find_packages(
    root: Path, include: tuple[str, ...], exclude: tuple[str, ...] = (), namespaces: bool = True
) -> list[str]:
    """Return the dotted names of the packages below *root* that *include* matches and *exclude*
    does not, as setuptools' ``find_namespace_packages`` (``find_packages`` without
    *namespaces*: folders with an ``__init__.py`` only, searched only below packages) does."""
    found = []
    stack = [(child, child.name) for child in sorted(root.iterdir())]
    while stack:
        folder, name = stack.pop(0)
        if not folder.is_dir() or "." in folder.name:
            continue
        if not namespaces and not (folder / "__init__.py").is_file():
            continue
        if any(fnmatchcase(name, p) for p in include) and not any(
            fnmatchcase(name, p) for p in (*exclude, *_DEFAULT_EXCLUDE)
        ):
            found.append(name)
        stack.extend((child, f"{name}.{child.name}") for child in sorted(folder.iterdir()))
    return sorted(found)


def project_files(root: Path, config: dict[str, Any]) -> dict[str, Path]:
    """Return what goes in the egg: path inside the zip -> file, for *config* (pyproject.toml's)."""
    tool = config.get("tool", {}).get("setuptools", {})
    find = tool.get("packages", {}).get("find", {}) if isinstance(tool.get("packages"), dict) else {}
    wheres = tuple(find.get("where", ["."]))
    packages: dict[str, Path] = {}
    for where in wheres:
        base = root / where
        include, exclude = tuple(find.get("include", ["*"])), tuple(find.get("exclude", []))
        for package in find_packages(base, include, exclude, bool(find.get("namespaces", True))):
            packages[package] = base.joinpath(*package.split("."))
    data_globs = tool.get("package-data", {})
    files: dict[str, Path] = {}
    for package, folder in packages.items():
        inside = package.replace(".", "/")
        for module in sorted(folder.glob("*.py")):
            files[f"{inside}/{module.name}"] = module
        for pattern in (*data_globs.get(package, []), *data_globs.get("*", [])):
            for path in sorted(folder.glob(pattern)):
                if path.is_file():
                    files[f"{inside}/{path.relative_to(folder).as_posix()}"] = path
    return files


def metadata(config: dict[str, Any], top_level: list[str]) -> dict[str, str]:
    """Return the egg's ``EGG-INFO/`` files: ``PKG-INFO``, ``entry_points.txt``, ``top_level.txt``.

    >>> points = {"scrapy": {"settings": "brief_scraper.settings"}}
    >>> meta = metadata({"project": {"name": "brief-scraper", "version": "0.1.0", "entry-points": points}},
    ...                 ["brief_scraper"])
    >>> meta["EGG-INFO/entry_points.txt"]
    '[scrapy]\\nsettings = brief_scraper.settings\\n'
    >>> meta["EGG-INFO/PKG-INFO"].splitlines()[1:]
    ['Name: brief-scraper', 'Version: 0.1.0']
    """
    project = config["project"]
    entry_points = "\n".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items())
        for group, points in project.get("entry-points", {}).items()
    )
    return {
        "EGG-INFO/PKG-INFO": (
            f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
        ),
        "EGG-INFO/entry_points.txt": entry_points,
        "EGG-INFO/top_level.txt": "".join(f"{name}\n" for name in top_level),
        "EGG-INFO/zip-safe": "\n",
    }


def build_egg(root: Path) -> Egg:
    """Return the egg of the project at *root* (its ``pyproject.toml``), built in memory.

    Raises ValueError (one line) when ``pyproject.toml`` cannot give one: missing, not TOML,
    no name or version, no package found, no ``scrapy`` entry point (Scrapyd would not find
    the settings).
    """
    try:
        config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"cannot build the egg: {root / 'pyproject.toml'}: {error}") from None
    project = config.get("project", {})
    if not project.get("name") or not project.get("version"):
        raise ValueError("cannot build the egg: pyproject.toml's [project] has no name or version")
    if "settings" not in project.get("entry-points", {}).get("scrapy", {}):
        raise ValueError(
            "cannot build the egg: pyproject.toml declares no [project.entry-points.scrapy] settings,"
            " so Scrapyd would not find the settings module"
        )
    files = project_files(root, config)
    if not files:
        raise ValueError(
            "cannot build the egg: pyproject.toml's [tool.setuptools.packages.find] finds no package"
        )
    top_level = sorted({name.split("/", 1)[0] for name in files})
    entries: dict[str, bytes] = {name: path.read_bytes() for name, path in files.items()}
    entries.update({name: text.encode("utf-8") for name, text in metadata(config, top_level).items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            egg.writestr(info, entries[name])
    return Egg(buffer.getvalue(), tuple(sorted(entries)))
