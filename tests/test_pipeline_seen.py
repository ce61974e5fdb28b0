"""SeenPipeline (pipelines/seen.py) and its store (brief_scraper/runs/seen.py): incremental runs."""

from __future__ import annotations

import logging

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler

from brief_scraper.runs.contracts import unchanged_records
from brief_scraper.runs.seen import SeenStore, fingerprint
from pipelines.seen import STORE_NAME, SeenPipeline
from tests.pipeline_support import make_crawler, make_record


def open_pipeline(tmp_path, refresh=False, **settings):
    """Return an opened SeenPipeline writing its store below *tmp_path*, and its crawler."""
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(tmp_path), "BRIEF_SEEN_ENABLED": True, **settings})
    crawler.spider.refresh = refresh
    pipe = build_from_crawler(SeenPipeline, crawler)
    pipe.open_spider()
    return pipe, crawler


def write(pipe, record):
    """Pass *record* through the pipeline and, as the writer would, have it scraped."""
    item = pipe.process_item(record)
    pipe.item_scraped(item)
    return item


def test_second_run_marks_unchanged_records_passes_them_on_and_counts_them(tmp_path, caplog):
    first, _ = open_pipeline(tmp_path)
    write(first, make_record())
    first.close_spider()
    second, crawler = open_pipeline(tmp_path)
    record = make_record(scraped_at="2026-11-29T09:00:00+00:00")  # a new run's time
    item = second.process_item(record)
    assert item is record  # passed on as it is, no key added: feed exports get it unchanged
    assert list(item) == list(make_record())
    assert unchanged_records(crawler).is_marked(item)
    assert crawler.stats.get_value("brief/skipped/unchanged") == 1
    second.item_scraped(item)  # once it has left the pipelines, the mark goes
    assert len(unchanged_records(crawler)) == 0
    with caplog.at_level(logging.INFO, logger="pipelines.seen"):
        second.close_spider()
    assert "skipped 1 records unchanged since an earlier run (-a refresh=1 writes them again)" in caplog.text


def test_changed_record_passes_and_is_remembered(tmp_path):
    first, _ = open_pipeline(tmp_path)
    write(first, make_record())
    first.close_spider()
    second, _ = open_pipeline(tmp_path)
    write(second, make_record(title="A Brief, revised"))
    second.close_spider()
    third, crawler = open_pipeline(tmp_path)
    marks = unchanged_records(crawler)
    assert marks.is_marked(third.process_item(make_record(title="A Brief, revised")))
    assert not marks.is_marked(third.process_item(make_record()))  # the old version is no longer remembered
    third.close_spider()


def test_record_not_scraped_is_not_remembered(tmp_path):
    """A record dropped or lost after this pipeline (never written) comes again next run."""
    first, _ = open_pipeline(tmp_path)
    first.process_item(make_record())  # no item_scraped: the writer never wrote it
    first.close_spider()
    second, crawler = open_pipeline(tmp_path)
    assert not unchanged_records(crawler).is_marked(second.process_item(make_record()))
    second.close_spider()


def test_refresh_writes_everything(tmp_path):
    first, _ = open_pipeline(tmp_path)
    write(first, make_record())
    first.close_spider()
    second, crawler = open_pipeline(tmp_path, refresh=True)
    assert write(second, make_record())["title"] == "A Brief"
    assert crawler.stats.get_value("brief/skipped/unchanged") is None
    second.close_spider()


def test_provenance_and_scraped_at_do_not_make_a_record_changed():
    record = make_record(provenance={"title": "site"})
    same = make_record(provenance={"title": "meta"}, scraped_at="2027-01-01T00:00:00+00:00")
    assert fingerprint(record) == fingerprint(same)
    assert fingerprint(record) != fingerprint(make_record(posted_date="2025-03-17"))


def test_store_is_one_file_per_spider_below_the_output_dir(tmp_path):
    pipe, _ = open_pipeline(tmp_path)
    write(pipe, make_record())
    pipe.close_spider()
    with SeenStore(tmp_path / "wilsoncenter" / STORE_NAME) as store:
        assert len(store) == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"BRIEF_SEEN_ENABLED": False}, "BRIEF_SEEN_ENABLED"), ({"BRIEF_OUTPUT_DIR": ""}, "BRIEF_OUTPUT_DIR")],
)
def test_switched_off_says_which_setting(tmp_path, settings, message):
    crawler = make_crawler({"BRIEF_OUTPUT_DIR": str(tmp_path), "BRIEF_SEEN_ENABLED": True, **settings})
    with pytest.raises(NotConfigured, match=message):
        build_from_crawler(SeenPipeline, crawler)
