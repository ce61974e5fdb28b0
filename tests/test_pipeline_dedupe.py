from __future__ import annotations

import pytest
from scrapy.utils.misc import build_from_crawler

from brief_scraper.runs.contracts import record_replaced
from pipelines.dedupe import DedupePipeline, DuplicateRecord, richness
from tests.pipeline_support import make_crawler, make_record

URL = "https://www.wilsoncenter.org/publication/a"


@pytest.fixture
def crawler():
    return make_crawler()


@pytest.fixture
def replaced(crawler):
    """Return the URLs the pipeline announces as replaced, in order."""
    urls: list[str] = []

    def receive(url: str) -> None:
        urls.append(url)

    crawler.signals.connect(receive, signal=record_replaced, weak=False)
    return urls


@pytest.fixture
def pipe(crawler):
    return build_from_crawler(DedupePipeline, crawler)


def test_records_of_different_urls_all_pass(pipe, crawler):
    first, second = make_record(URL), make_record(URL + "/b")
    assert pipe.process_item(first) is first
    assert pipe.process_item(second) is second
    assert crawler.stats.get_value("brief/duplicates") is None


def test_duplicate_as_rich_is_dropped_at_debug_and_counted(pipe, crawler, replaced):
    pipe.process_item(make_record(URL, summary="S"))
    with pytest.raises(DuplicateRecord) as raised:
        pipe.process_item(make_record(URL, excerpt="E"))  # other fields, same richness
    assert str(raised.value) == f"duplicate of {URL}"
    assert raised.value.log_level == "DEBUG"
    assert crawler.stats.get_value("brief/duplicates") == 1
    assert crawler.stats.get_value("brief/dropped/duplicate") == 1
    assert replaced == []


def test_later_richer_duplicate_passes_and_announces_the_replacement(pipe, crawler, replaced):
    pipe.process_item(make_record(URL))
    richer = make_record(URL, summary="S")
    assert pipe.process_item(richer) is richer
    assert replaced == [URL]
    assert crawler.stats.get_value("brief/duplicates") == 1
    assert crawler.stats.get_value("brief/dropped/duplicate") is None


def test_a_poorer_record_after_a_replacement_is_dropped(pipe, crawler, replaced):
    pipe.process_item(make_record(URL))
    pipe.process_item(make_record(URL, summary="S", excerpt="E"))
    with pytest.raises(DuplicateRecord):
        pipe.process_item(make_record(URL, summary="S"))  # richer than the first, not the kept one
    assert replaced == [URL]
    assert crawler.stats.get_value("brief/duplicates") == 2


def test_richness_counts_extracted_fields_with_a_value():
    record = make_record(summary="S", topics=["t"], downloads=[], language=None)
    assert richness(record) == 3  # title, summary, topics: url, source, provenance do not count
