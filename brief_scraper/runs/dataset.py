"""The current dataset of a spider: every publication as of now, one line per canonical URL.

``<BRIEF_OUTPUT_DIR>/<spider>/dataset.jsonl`` holds, for each URL any run of the spider wrote,
its newest record: the last line for that URL in the newest run file that has one (finished
runs and killed runs' ``.part`` alike: their lines are whole, see ``pipelines/jsonl.py``).
Lines are sorted by URL, keys in schema order, so the same runs always give the same bytes.
``dataset.runs.json`` beside it says which run files (name and size) it was built from, with
a digest of the dataset's bytes.

Built when a run closes (the ``DatasetUpdate`` extension, ``brief_scraper/runs/datasetupdate.py``):
incrementally, from the dataset and the runs newer than those it holds; from every run file
when that is not sound (a run file it was built from changed or went, a new run older than
the newest it holds, the dataset not matching its digest, no dataset). Both ways give the
same file, and the run files alone can always give it again::

    python -m brief_scraper.runs.dataset rebuild output/wilsoncenter [--parquet]

Written atomically: a temporary file in the same folder, fsync'ed, then ``os.replace``d over
the old one (and the folder fsync'ed), so a reader sees the old dataset or the new one,
never half of one, and a crash while writing loses nothing. ``dataset.parquet`` (pyarrow,
typed after ``schema.json``: text as strings, lists as lists of structs, ``provenance`` as a
map of text, its ``capped`` object as JSON) is written the same way when asked
(``BRIEF_DATASET_PARQUET``, or ``--parquet``).

Memory: the newest line of each URL is held while the dataset is built (about the size of
the dataset file). Pure: no Scrapy.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brief_scraper.record import FIELDS, load_schema
from brief_scraper.runs.files import run_files, run_key, run_name

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

DATASET_NAME = "dataset.jsonl"
STATE_NAME = "dataset.runs.json"
PARQUET_NAME = "dataset.parquet"
_STATE_VERSION = 1


def whole_lines(path: Path) -> Iterator[bytes]:
    """Yield the whole lines of a run file (plain or gzip, finished or a killed ``.part``).

    A last line without its newline (a kill inside a long write) and a last gzip member cut
    short are left out: they are not whole.
    """
    compressed = path.name.endswith((".gz", ".gz.part"))
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as lines:
            for line in lines:
                if line.endswith(b"\n"):
                    yield line[:-1]
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        logger.warning(
            "%(path)s ends in a cut gzip member (%(error)s): read up to it", {"path": path, "error": error}
        )


def dataset_line(record: dict[str, Any]) -> bytes:
    """Return *record* as a dataset line: schema keys first, in schema order, compact UTF-8.

    >>> dataset_line({"title": "T", "url": "https://x.org/é", "extra": 1})
    b'{"url":"https://x.org/\\xc3\\xa9","title":"T","extra":1}'
    """
    ordered = {field: record[field] for field in FIELDS if field in record}
    ordered.update(record)
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def add_lines(newest: dict[str, bytes], lines: Iterable[bytes]) -> int:
    """Put each line's record in *newest* under its URL (a later line wins); return how many.

    Lines that are not a JSON object with a string ``url`` are passed over.

    >>> newest = {}
    >>> add_lines(newest, [b'{"url":"https://x.org/a","title":"1"}', b'not json',
    ...                    b'{"url":"https://x.org/a","title":"2"}'])
    2
    >>> newest
    {'https://x.org/a': b'{"url":"https://x.org/a","title":"2"}'}
    """
    added = 0
    for record in records_in(lines):
        newest[record["url"]] = dataset_line(record)
        added += 1
    return added


def records_in(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    """Yield the records of JSON lines: each line that is a JSON object with a string ``url``.

    >>> list(records_in([b'{"url":"https://x.org/a"}', b'[1]', b'{"title":"no url"}', b'{cut']))
    [{'url': 'https://x.org/a'}]
    """
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("url"), str):
            yield record


@dataclass(frozen=True, slots=True)
class Built:
    """What a build wrote: the dataset's path, its records, the runs it holds, and how."""

    path: Path
    records: int
    runs: int
    incremental: bool


def _run_entry(path: Path) -> dict[str, Any]:
    return {"run": run_name(path.name), "file": path.name, "bytes": path.stat().st_size}


def _read_state(folder: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((folder / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("version") == _STATE_VERSION else None


def _incremental_start(folder: Path, runs: list[Path]) -> tuple[dict[str, bytes], list[Path]] | None:
    """Return the dataset's lines and the runs it does not hold yet, when building on it is
    sound; else None (build from every run file)."""
    state = _read_state(folder)
    if state is None:
        return None
    held = {entry.get("file"): entry for entry in state.get("runs", []) if isinstance(entry, dict)}
    current = {path.name: path for path in runs}
    if any(
        name not in current or current[name].stat().st_size != entry.get("bytes")
        for name, entry in held.items()
    ):
        return None  # a run it holds changed or went
    new = [path for path in runs if path.name not in held]
    newest_held = max((run_key(str(entry.get("run"))) for entry in held.values()), default=None)
    if newest_held is not None and any(run_key(str(run_name(p.name))) < newest_held for p in new):
        return None  # a run older than one it holds: its lines would win where they must not
    try:
        data = (folder / DATASET_NAME).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != state.get("sha256"):
        return None
    newest: dict[str, bytes] = {}
    add_lines(newest, data.splitlines())
    return newest, new


def build(folder: Path, incremental: bool = True, parquet: bool = False) -> Built:
    """Write the current dataset of the runs in *folder*; return what was written.

    *incremental* builds on the dataset already there when that is sound (the result is the
    same); *parquet* also writes ``dataset.parquet`` (pyarrow needed).
    """
    runs = run_files(folder)
    start = _incremental_start(folder, runs) if incremental else None
    newest, todo = start if start is not None else ({}, runs)
    for path in todo:
        add_lines(newest, whole_lines(path))
    data = b"".join(newest[url] + b"\n" for url in sorted(newest))
    path = folder / DATASET_NAME
    replace_atomically(path, data)
    state = {"version": _STATE_VERSION, "records": len(newest), "sha256": hashlib.sha256(data).hexdigest(),
             "runs": [_run_entry(run) for run in runs]}  # fmt: skip
    replace_atomically(folder / STATE_NAME, (json.dumps(state, indent=1) + "\n").encode("utf-8"))
    if parquet:
        write_parquet(folder / PARQUET_NAME, (json.loads(line) for line in data.splitlines()))
    return Built(path, len(newest), len(runs), start is not None)


def replace_atomically(path: Path, data: bytes) -> None:
    """Replace *path* with a file holding *data*, whole or not at all, durably.

    The bytes go to a temporary file beside it, are fsync'ed, and the file is renamed over
    *path* (atomic on POSIX); the folder is fsync'ed so that the rename survives a power cut.
    """
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with fresh.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        fresh.replace(path)
    finally:
        fresh.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform that cannot open folders (Windows): the rename is done
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- Parquet ------------------------------------------------------------------------------


def arrow_schema() -> Any:
    """Return the record's pyarrow schema, read from ``schema.json``.

    Text is ``string``; ``schema_version`` is ``int64``; ``series`` is a struct, ``programs``,
    ``authors`` and ``downloads`` lists of structs, ``topics`` a list of strings, and
    ``provenance`` a map from field to layer (and ``design``; ``capped``, an object, as its
    JSON text).
    """
    import pyarrow as pa  # optional: only this writer needs it (the 'parquet' extra)

    schema = load_schema()
    defs = schema.get("$defs", {})

    def arrow(spec: dict[str, Any]) -> Any:
        if "$ref" in spec:
            return arrow(defs[spec["$ref"].rsplit("/", 1)[-1]])
        if "oneOf" in spec:
            return arrow(next(s for s in spec["oneOf"] if s.get("type") != "null"))
        types = spec.get("type", [])
        types = {types} if isinstance(types, str) else set(types)
        if isinstance(spec.get("const"), int) or "integer" in types:
            return pa.int64()
        if "array" in types:
            return pa.list_(arrow(spec.get("items", {})))
        if "object" in types and spec.get("additionalProperties") is False:  # fixed keys: a struct
            return pa.struct([(name, arrow(sub)) for name, sub in spec.get("properties", {}).items()])
        if "object" in types:  # any keys (provenance: field -> layer, and design)
            return pa.map_(pa.string(), pa.string())
        return pa.string()

    return pa.schema([(name, arrow(spec)) for name, spec in schema["properties"].items()])


def write_parquet(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Write *records* to *path* as Parquet with the record's types, atomically."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise RuntimeError(
            "writing dataset.parquet needs pyarrow: pip install 'brief-scraper[parquet]'"
            " (or turn BRIEF_DATASET_PARQUET off)"
        ) from error
    schema = arrow_schema()
    rows = []
    for record in records:
        row = {name: record.get(name) for name in schema.names}
        provenance = row.get("provenance")
        if isinstance(provenance, dict):  # a map of text: an object in it (capped) goes as JSON
            row["provenance"] = [
                (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                for key, value in provenance.items()
            ]
        rows.append(row)
    table = pa.Table.from_pylist(rows, schema=schema)
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, fresh)
        with fresh.open("rb+") as written:
            os.fsync(written.fileno())
        fresh.replace(path)
    finally:
        fresh.unlink(missing_ok=True)
    _fsync_folder(path.parent)


# --- the command --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m brief_scraper.runs.dataset rebuild FOLDER``: the dataset from the run files alone."""
    parser = argparse.ArgumentParser(
        prog="python -m brief_scraper.runs.dataset", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    rebuild = commands.add_parser("rebuild", help="rewrite dataset.jsonl from the run files alone")
    rebuild.add_argument("folder", type=Path, help="a spider's output folder, e.g. output/wilsoncenter")
    rebuild.add_argument("--parquet", action="store_true", help="also write dataset.parquet (pyarrow)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    built = build(args.folder, incremental=False, parquet=args.parquet)
    print(f"{built.path}: {built.records} records from {built.runs} run files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
