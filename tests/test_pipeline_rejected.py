from __future__ import annotations

import logging
from pathlib import Path

from scrapy.utils.misc import build_from_crawler

from brief_scraper.record import FIELDS
from pipelines.dedupe import DuplicateRecord
from pipelines.jsonl import JsonlWriterPipeline
from pipelines.validate import InvalidRecord, ValidatePipeline
from tests.pipeline_support import NOW, close, drop, fixed_clock, lines_of, make_crawler, make_record

RUN = "20261128T090000Z"  # NOW as a run name


def open_writer(out_dir: Path):
    """Return a crawler, its validator (which owns the rejected file) and its writer, the run opened."""
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(out_dir)})
    validator = build_from_crawler(ValidatePipeline, crawler)
    writer = build_from_crawler(JsonlWriterPipeline, crawler, clock=fixed_clock)
    writer.open_spider()
    return crawler, validator, writer


def test_rejected_record_is_kept_with_its_errors_and_warned_once(tmp_path, caplog):
    crawler, _validator, _ = open_writer(tmp_path)  # the rejected file goes beside the run
    bad = make_record(language="EN", scraped_at=NOW)  # a datetime: not JSON, kept all the same
    errors = [{"path": "$.language", "message": "'EN' does not match", "validator": "pattern"}]
    with caplog.at_level(logging.WARNING, logger="pipelines.rejected"):
        drop(crawler, {"raw": "as yielded"}, InvalidRecord("invalid record", errors, bad))
        drop(crawler, {}, InvalidRecord("invalid record", errors, make_record(language="EN")))
        drop(crawler, {}, DuplicateRecord("duplicate of x"))
    assert [r.getMessage() for r in caplog.records] == [
        f"records that fail the schema are kept in {tmp_path}/wilsoncenter/{RUN}.rejected.jsonl"
        " (brief/dropped/invalid counts them)"
    ]
    close(crawler)
    rejected = lines_of(tmp_path / "wilsoncenter" / f"{RUN}.rejected.jsonl")
    assert len(rejected) == 2
    assert rejected[0]["errors"] == errors
    assert rejected[0]["record"]["language"] == "EN"
    assert rejected[0]["record"]["scraped_at"] == repr(NOW)
    assert list(rejected[0]["record"]) == list(FIELDS)


def test_invalid_record_is_rejected_beside_the_run(tmp_path):
    crawler, validator, writer = open_writer(tmp_path)
    bad = make_record(language="EN")
    try:
        validator.process_item(bad)
    except InvalidRecord as exception:
        drop(crawler, bad, exception)
    writer.process_item(make_record())
    close(crawler)
    [rejected] = lines_of(tmp_path / "wilsoncenter" / f"{RUN}.rejected.jsonl")
    assert rejected["errors"][0]["path"] == "$.language"
    assert not (tmp_path / "wilsoncenter" / f"{RUN}.rejected.jsonl.part").exists()


def test_no_rejected_file_without_a_run(tmp_path):
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": ""})
    _validator = build_from_crawler(ValidatePipeline, crawler)  # signal handlers are weak references
    errors = [{"path": "$.language", "message": "'EN' does not match", "validator": "pattern"}]
    drop(crawler, {}, InvalidRecord("invalid record", errors, make_record(language="EN")))
    close(crawler)
    assert list(tmp_path.iterdir()) == []
