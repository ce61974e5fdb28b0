"""The current dataset (brief_scraper/runs/dataset.py): newest record per URL over every run file,
built incrementally or from the run files alone, loaded with pandas, DuckDB and pyarrow."""

from __future__ import annotations

import gzip
import json

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from brief_scraper.record import FIELDS, PANDAS_DTYPES
from brief_scraper.runs.dataset import DATASET_NAME, PARQUET_NAME, STATE_NAME, build, dataset_line, main
from tests.pipeline_support import make_record

A, B, C = (f"https://www.wilsoncenter.org/publication/{slug}" for slug in "abc")


def write_run(folder, name, records, tail=b""):
    """Write a run file of *records* (one JSON line each), then *tail* (a cut line, say)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = b"".join(dataset_line(r) + b"\n" for r in records) + tail
    path = folder / name
    path.write_bytes(gzip.compress(data) if name.endswith((".gz", ".gz.part")) else data)
    return path


def lines_of(folder):
    return [json.loads(line) for line in (folder / DATASET_NAME).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def history(tmp_path):
    """A spider's folder after four runs: a first, an empty one, a killed one, a gzip one."""
    folder = tmp_path / "wilsoncenter"
    write_run(folder, "20261126T090000Z.jsonl", [make_record(A), make_record(B, title="B v1")])
    write_run(folder, "20261127T090000Z.jsonl", [])  # nothing changed
    write_run(folder, "20261127T090000Z.stats.json", [])  # not a run file
    write_run(folder, "20261127T090000Z.rejected.jsonl", [{"errors": [], "record": make_record(C)}])
    write_run(  # killed: a superseded line, then its successor, then a cut line
        folder, "20261128T090000Z.jsonl.part",
        [make_record(B, title="B v2"), make_record(B, title="B v2", summary="richer")],
        tail=b'{"url":"' + C.encode() + b'","tit',
    )  # fmt: skip
    write_run(folder, "20261129T090000Z.jsonl.gz", [make_record(C, title="C")])
    (folder / "latest.jsonl.gz").symlink_to("20261129T090000Z.jsonl.gz")
    return folder


def test_dataset_holds_each_url_once_with_its_newest_record_killed_runs_included(history):
    built = build(history)
    records = lines_of(history)
    assert [r["url"] for r in records] == [A, B, C]  # sorted by URL, once each
    assert records[1]["title"] == "B v2"  # the killed run's last line for B
    assert records[1]["summary"] == "richer"
    assert records[2]["title"] == "C"  # the cut line of C is not whole: the gzip run's C is
    assert all(list(r) == list(FIELDS) for r in records)  # schema key order
    assert (built.records, built.runs, built.incremental) == (3, 4, False)


def test_incremental_build_gives_the_same_file_as_a_rebuild_from_the_run_files(history):
    build(history)
    write_run(history, "20261130T090000Z.jsonl", [make_record(A, title="A v2")])
    built = build(history)
    assert built.incremental
    incremental = (history / DATASET_NAME).read_bytes()
    assert build(history, incremental=False).incremental is False
    assert (history / DATASET_NAME).read_bytes() == incremental
    assert lines_of(history)[0]["title"] == "A v2"


@pytest.mark.parametrize("damage", ["dataset", "state", "older_run", "run_changed"])
def test_build_falls_back_to_the_run_files_when_building_on_the_dataset_is_not_sound(history, damage):
    build(history)
    expected = (history / DATASET_NAME).read_bytes()
    if damage == "dataset":
        (history / DATASET_NAME).write_bytes(expected[: len(expected) // 2])  # a half file
    elif damage == "state":
        (history / STATE_NAME).write_text("{", encoding="utf-8")
    elif damage == "older_run":  # a run older than the newest the dataset holds turns up
        write_run(history, "20261125T090000Z.jsonl", [make_record(A, title="A v0")])
    else:  # the killed run's .part got one more line after the dataset was built
        with (history / "20261128T090000Z.jsonl.part").open("ab") as part:
            part.write(b"\n")
    built = build(history)
    assert not built.incremental
    assert (history / DATASET_NAME).read_bytes() == expected  # A v0 is older than A: A stays


def test_dataset_is_replaced_whole_and_leaves_no_temporary_file(history):
    build(history)
    before = (history / DATASET_NAME).stat().st_ino
    build(history)
    assert (history / DATASET_NAME).stat().st_ino != before  # a new file renamed over the old one
    assert sorted(p.name for p in history.iterdir() if p.name.startswith(".")) == []


def test_rebuild_command_writes_the_dataset_from_the_run_files_alone(history, capsys):
    build(history)
    expected = (history / DATASET_NAME).read_bytes()
    (history / DATASET_NAME).unlink()
    (history / STATE_NAME).unlink()
    assert main(["rebuild", str(history)]) == 0
    assert (history / DATASET_NAME).read_bytes() == expected
    assert capsys.readouterr().out == f"{history / DATASET_NAME}: 3 records from 4 run files\n"


def test_pandas_loads_the_dataset_with_the_schema_dtypes_even_when_it_is_empty(history, tmp_path):
    build(history)
    empty = tmp_path / "empty"
    empty.mkdir()
    build(empty)
    for folder, rows in ((history, 3), (empty, 0)):
        path = folder / DATASET_NAME
        # The README's recipe, as written there.
        df = (pd.read_json(path, lines=True, dtype=False)
              .reindex(columns=list(PANDAS_DTYPES)).astype(PANDAS_DTYPES))  # fmt: skip
        assert len(df) == rows
        assert list(df.columns) == list(FIELDS)
        assert dict(df.dtypes.astype(str)) == {
            name: str(pd.Series(dtype=t).dtype) for name, t in PANDAS_DTYPES.items()
        }


def test_duckdb_loads_the_dataset_and_all_runs_with_the_newest_line_per_url(history):
    build(history)
    dataset = duckdb.sql(
        f"SELECT url, title FROM read_json('{history / DATASET_NAME}', format = 'newline_delimited')"
        " ORDER BY url"
    ).fetchall()
    assert dataset == [(A, "A Brief"), (B, "B v2"), (C, "C")]
    # The README's query over every run file: the newest line per URL, killed runs included.
    runs = duckdb.sql(f"""
        SELECT url, title FROM read_json('{history}/2*.jsonl*', format = 'newline_delimited',
                                         union_by_name = true, filename = true, ignore_errors = true)
        WHERE url IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY url ORDER BY scraped_at DESC, filename DESC) = 1
        ORDER BY url
    """).fetchall()  # fmt: skip
    assert runs == [(A, "A Brief"), (B, "B v2"), (C, "C")]  # DuckDB reads the .jsonl.gz run too


def test_parquet_dataset_has_the_schema_types(history):
    build(history, parquet=True)
    table = pq.read_table(history / PARQUET_NAME)
    assert table.schema.names == list(FIELDS)
    types = {field.name: str(field.type) for field in table.schema}
    assert types["title"] == "string"
    assert types["schema_version"] == "int64"
    assert types["series"] == "struct<name: string, url: string>"
    assert types["authors"].startswith("list<element: struct<name: string, kind: string")
    assert types["topics"] == "list<element: string>"
    assert types["provenance"].startswith("map<string, string")
    assert table.column("url").to_pylist() == [A, B, C]
    rows = duckdb.sql(
        f"SELECT url, provenance['title'] FROM '{history / PARQUET_NAME}' ORDER BY url"
    ).fetchall()
    assert rows[0] == (A, "site")


def test_parquet_keeps_what_extract_capped_as_json_in_provenance(tmp_path):
    folder = tmp_path / "wilsoncenter"
    provenance = {"title": "site", "design": "wilsoncenter/a", "capped": {"authors": 3}}
    write_run(folder, "20261128T090000Z.jsonl", [make_record(A, provenance=provenance)])
    build(folder, parquet=True)
    [stored] = pq.read_table(folder / PARQUET_NAME).column("provenance").to_pylist()
    assert dict(stored) == {"title": "site", "design": "wilsoncenter/a", "capped": '{"authors": 3}'}
