from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
import zlib
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler

from brief_scraper.record import FIELDS, PANDAS_DTYPES, load_schema
from brief_scraper.runs.contracts import check_name, record_removed, record_replaced
from pipelines.jsonl import JsonlWriterPipeline
from tests.pipeline_support import NOW, close, fixed_clock, lines_of, make_crawler, make_record

ROOT = Path(__file__).resolve().parent.parent
RUN = "20261128T090000Z"  # NOW as a run name


def open_writer(out_dir: Path, gzip: bool = False, clock=fixed_clock, spider: str = "wilsoncenter"):
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(out_dir), "BRIEF_OUTPUT_GZIP": gzip}, spider)
    writer = build_from_crawler(JsonlWriterPipeline, crawler, clock=clock)
    writer.open_spider()
    return crawler, writer


def test_records_are_on_disk_at_once_and_renamed_on_close(tmp_path):
    crawler, writer = open_writer(tmp_path)
    part = tmp_path / "wilsoncenter" / f"{RUN}.jsonl.part"
    writer.process_item(make_record(title="Política energética — “USMCA”"))
    assert lines_of(part)[0]["title"] == "Política energética — “USMCA”"  # flushed, still open
    writer.process_item(make_record("https://www.wilsoncenter.org/publication/b"))
    close(crawler)
    final = tmp_path / "wilsoncenter" / f"{RUN}.jsonl"
    assert not part.exists()
    assert [r["url"] for r in lines_of(final)] == [
        "https://www.wilsoncenter.org/publication/a",
        "https://www.wilsoncenter.org/publication/b",
    ]
    assert crawler.stats.get_value("brief/records/written") == 2


def test_lines_are_compact_utf8_with_keys_in_schema_order(tmp_path):
    crawler, writer = open_writer(tmp_path)
    record = make_record(title="Política")
    writer.process_item({"extra": 1, **{k: record[k] for k in reversed(FIELDS)}})
    close(crawler)
    raw = (tmp_path / "wilsoncenter" / f"{RUN}.jsonl").read_bytes()
    assert raw.endswith(b"}\n")
    assert raw.count(b"\n") == 1
    assert "Política".encode() in raw  # no \\u escapes
    assert raw.startswith(b'{"url":"https://www.wilsoncenter.org/publication/a","source":"wilsoncenter",')
    assert list(json.loads(raw)) == [*FIELDS, "extra"]


def test_latest_is_a_relative_link_to_the_newest_run(tmp_path):
    for hour in (0, 1):
        crawler, writer = open_writer(tmp_path, clock=lambda hour=hour: NOW + timedelta(hours=hour))
        writer.process_item(make_record())
        close(crawler)
    latest = tmp_path / "wilsoncenter" / "latest.jsonl"
    assert os.readlink(latest) == "20261128T100000Z.jsonl"
    assert lines_of(latest)[0]["title"] == "A Brief"


@pytest.mark.parametrize(("reason", "records"), [("shutdown", 1), ("cancelled", 1), ("finished", 0)])
def test_interrupted_or_empty_run_leaves_latest_where_it_was(tmp_path, reason, records):
    crawler, writer = open_writer(tmp_path)
    writer.process_item(make_record())
    close(crawler)
    crawler, writer = open_writer(tmp_path, clock=lambda: NOW + timedelta(hours=1))
    for _ in range(records):
        writer.process_item(make_record())
    close(crawler, reason)
    assert (tmp_path / "wilsoncenter" / "20261128T100000Z.jsonl").exists()  # whole, so renamed
    assert os.readlink(tmp_path / "wilsoncenter" / "latest.jsonl") == f"{RUN}.jsonl"


def test_runs_started_in_the_same_second_get_their_own_files(tmp_path):
    crawler1, writer1 = open_writer(tmp_path)
    crawler2, writer2 = open_writer(tmp_path)
    writer1.process_item(make_record(title="One"))
    writer2.process_item(make_record(title="Two"))
    close(crawler1)
    close(crawler2)
    folder = tmp_path / "wilsoncenter"
    assert lines_of(folder / f"{RUN}.jsonl")[0]["title"] == "One"
    assert lines_of(folder / f"{RUN}-2.jsonl")[0]["title"] == "Two"


def test_gzip_run_is_a_valid_gzip_file_after_every_record(tmp_path):
    crawler, writer = open_writer(tmp_path, gzip=True)
    part = tmp_path / "wilsoncenter" / f"{RUN}.jsonl.gz.part"
    for i in range(3):
        writer.process_item(make_record(f"https://www.wilsoncenter.org/publication/{i}"))
        assert len(gzip.decompress(part.read_bytes()).splitlines()) == i + 1
    close(crawler)
    final = tmp_path / "wilsoncenter" / f"{RUN}.jsonl.gz"
    assert [r["url"][-1] for r in lines_of(final)] == ["0", "1", "2"]
    stream = zlib.decompressobj(wbits=31)  # the finished run is one gzip stream, not 3 members
    stream.decompress(final.read_bytes())
    assert stream.eof
    assert stream.unused_data == b""
    assert os.readlink(tmp_path / "wilsoncenter" / "latest.jsonl.gz") == final.name
    assert pd.read_json(final, lines=True)["url"].tolist()[0].endswith("/0")


def test_run_without_rejections_has_no_rejected_file(tmp_path):
    crawler, writer = open_writer(tmp_path)
    writer.process_item(make_record())
    close(crawler)
    assert sorted(p.name for p in (tmp_path / "wilsoncenter").iterdir()) == [f"{RUN}.jsonl", "latest.jsonl"]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_superseded_line_is_removed_on_close_and_counted(tmp_path, compress):
    crawler, writer = open_writer(tmp_path, gzip=compress)
    removed = []
    crawler.signals.connect(lambda record: removed.append(record), signal=record_removed, weak=False)
    url_a, url_b = (f"https://www.wilsoncenter.org/publication/{x}" for x in "ab")
    writer.process_item(make_record(url_a))
    writer.process_item(make_record(url_b))
    crawler.signals.send_catch_log(signal=record_replaced, url=url_a)
    writer.process_item(make_record(url_a, summary="richer"))
    close(crawler)
    suffix = ".jsonl.gz" if compress else ".jsonl"
    kept = lines_of(tmp_path / "wilsoncenter" / f"{RUN}{suffix}")
    assert [(r["url"], r["summary"]) for r in kept] == [(url_b, None), (url_a, "richer")]
    assert [(r["url"], r["summary"]) for r in removed] == [(url_a, None)]
    assert crawler.stats.get_value("brief/records/written") == 2
    assert crawler.stats.get_value("brief/dropped/replaced") == 1


def test_replacement_announced_but_never_written_removes_nothing(tmp_path):
    crawler, writer = open_writer(tmp_path)
    writer.process_item(make_record())
    crawler.signals.send_catch_log(signal=record_replaced, url=make_record()["url"])
    close(crawler)
    assert len(lines_of(tmp_path / "wilsoncenter" / f"{RUN}.jsonl")) == 1


@pytest.mark.parametrize(
    "name", ["..", "../x", "/etc", "a/b", "a\\b", ".hidden", "-x", "", "a..b", "x" * 101, None]
)
def test_spider_name_that_could_leave_the_output_dir_is_refused(tmp_path, name):
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(tmp_path)})
    crawler.spider.name = name
    writer = build_from_crawler(JsonlWriterPipeline, crawler)
    with pytest.raises(ValueError, match="cannot name a folder or file below BRIEF_OUTPUT_DIR"):
        writer.open_spider()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["wilsoncenter", "generic", "site_2.v1-beta"])
def test_plain_names_are_accepted(name):
    assert check_name(name, "spider name") == name


def test_spider_folder_linked_out_of_the_output_dir_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "wilsoncenter").symlink_to(elsewhere)
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(out)})
    with pytest.raises(ValueError, match="link out of BRIEF_OUTPUT_DIR"):
        build_from_crawler(JsonlWriterPipeline, crawler).open_spider()


def test_writer_is_off_without_an_output_dir():
    with pytest.raises(NotConfigured, match="set BRIEF_OUTPUT_DIR"):
        build_from_crawler(JsonlWriterPipeline, make_crawler({"BRIEF_OUTPUT_DIR": ""}))


def test_two_runs_load_in_pandas_with_the_same_columns_and_dtypes(tmp_path):
    full = make_record(
        content_type="Policy Brief",
        posted_date="2025-03-17",
        posted_at="2025-03-17T16:46:12-04:00",
        posted_raw="March 17, 2025",
        series={"name": "S", "url": None},
        programs=[{"name": "P", "url": None}],
        authors=[{"name": "Ana", "kind": "person", "role": None, "bio": None, "url": None}],
        excerpt="E",
        summary="S",
        download_url="https://x.org/a.pdf",
        image_url="https://x.org/a.jpg",
        topics=["t"],
        downloads=[{"url": "https://x.org/a.pdf", "label": "PDF", "media_type": "application/pdf"}],
        language="en",
    )
    crawler, writer = open_writer(tmp_path)
    writer.process_item(full)
    writer.process_item(make_record("https://www.wilsoncenter.org/publication/b"))
    close(crawler)
    crawler, writer = open_writer(tmp_path, gzip=True, clock=lambda: NOW + timedelta(hours=1))
    writer.process_item(make_record())  # every optional field missing: null or []
    close(crawler)
    folder = tmp_path / "wilsoncenter"
    frames = [
        pd.read_json(folder / name, lines=True, dtype=False).astype(PANDAS_DTYPES)
        for name in (f"{RUN}.jsonl", "latest.jsonl.gz")
    ]
    assert list(frames[0].columns) == list(frames[1].columns) == list(FIELDS)
    assert frames[0].dtypes.to_dict() == frames[1].dtypes.to_dict()
    assert frames[0].loc[0, "posted_date"] == "2025-03-17"
    assert pd.isna(frames[1].loc[0, "posted_date"])
    assert frames[1].loc[0, "topics"] == []


# --- real crawls in a subprocess -----------------------------------------------------------


def start_crawl(out_dir: Path, *args: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "slow",
        "-s",
        "SPIDER_MODULES=tests.slow_spider",
        "-s",
        f"BRIEF_OUTPUT_DIR={out_dir}",
        "-s",
        "BRIEF_OUTPUT_ALLOW_OUTSIDE=1",
        "-s",
        "LOG_LEVEL=INFO",
        *args,
    ]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def run_part(out_dir: Path, compress: bool) -> Path | None:
    """Return the .part of the run being written (not its rejected file), if there is one yet."""
    parts = out_dir.glob(f"slow/*Z{'.jsonl.gz' if compress else '.jsonl'}.part")
    return next(parts, None)


def count_lines(part: Path | None, compress: bool) -> int:
    """Return how many lines *part* holds now; 0 while a gzip member is half written."""
    if part is None:
        return 0
    try:
        data = gzip.decompress(part.read_bytes()) if compress else part.read_bytes()
    except (EOFError, OSError):  # caught mid-write: the test reads as the crawl writes
        return 0
    return data.count(b"\n")


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_killed_crawl_leaves_only_whole_valid_lines(tmp_path, compress):
    import jsonschema

    options = ("-a", "count=100000", "-a", "delay=0.002", "-s", f"BRIEF_OUTPUT_GZIP={compress}")
    crawl = start_crawl(tmp_path, *options)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            if count_lines(run_part(tmp_path, compress), compress) >= 50:
                break
            time.sleep(0.05)
        assert crawl.poll() is None, crawl.stdout.read().decode()[-3000:]
        os.kill(crawl.pid, signal.SIGKILL)  # midway: records are still coming
    finally:
        if crawl.poll() is None:
            crawl.kill()
        crawl.wait(timeout=30)
        crawl.stdout.close()
    assert crawl.returncode == -signal.SIGKILL
    part = run_part(tmp_path, compress)
    assert part is not None
    data = gzip.decompress(part.read_bytes()) if compress else part.read_bytes()
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    assert 50 <= len(lines) < 100000
    for line in lines:
        jsonschema.validate(json.loads(line), load_schema())
    assert max(map(len, lines)) > 4096  # lines longer than a memory page stayed whole too
    assert not list(tmp_path.glob("slow/latest*"))


def test_finished_crawl_writes_run_rejected_file_latest_and_stats(tmp_path):
    crawl = start_crawl(tmp_path, "-a", "count=8", "-a", "delay=0")
    log, _ = crawl.communicate(timeout=120)
    log = log.decode()
    assert crawl.returncode == 0, log[-3000:]
    folder = tmp_path / "slow"
    run = folder / os.readlink(folder / "latest.jsonl")
    records = lines_of(run)
    # 8 yielded: record 3 invalid, record 4 a duplicate of 0, record 5 a richer 1 replacing it
    assert [r["url"].rsplit("/", 1)[1] for r in records] == ["0", "2", "1", "6", "7"]
    assert records[2]["summary"] == "Now with a summary."
    assert all(r["language"] == "en" and r["scraped_at"] for r in records)
    [rejected] = lines_of(run.with_name(run.name.replace(".jsonl", ".rejected.jsonl")))
    assert rejected["errors"][0]["path"] == "$.source"
    assert rejected["record"]["url"] == "https://example.org/publication/3"
    for stat in (
        "'brief/records/written': 5",
        "'brief/dropped/invalid': 1",
        "'brief/dropped/duplicate': 1",
        "'brief/dropped/replaced': 1",
        "'brief/duplicates': 2",
        "'brief/fields/title': 5",
        "'brief/fields/summary': 1",
        "'brief/provenance/title/site': 5",
        "'item_dropped_reasons_count/DuplicateRecord': 1",
    ):
        assert stat in log
    assert "] ERROR:" not in log  # no error-level line (the run report's JSON line names log_count/ERROR)
