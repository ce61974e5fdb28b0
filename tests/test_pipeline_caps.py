"""pipelines/caps.py: lists and texts cut to the schema's caps, each cut counted, no record over 1 MB."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from brief_scraper.record import load_schema
from pipelines.caps import ELLIPSIS, CapPipeline, OversizedRecord, caps_from_schema
from pipelines.normalize import NormalizePipeline
from pipelines.validate import ValidatePipeline
from tests.pipeline_support import fixed_clock, make_crawler, make_record

CAPS = caps_from_schema(load_schema())
LONG_URL = "https://www.wilsoncenter.org/files/" + "a" * 3000 + ".pdf"


def author(n: int, **fields: Any) -> dict[str, Any]:
    return {"name": f"Author {n}", "kind": "person", "role": None, "bio": None, "url": None, **fields}


@pytest.fixture
def crawler():
    return make_crawler()


@pytest.fixture
def pipeline(crawler) -> CapPipeline:
    return CapPipeline.from_crawler(crawler)


def capped(crawler) -> dict[str, int]:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("brief/capped/")}


def test_the_caps_are_the_schemas() -> None:
    assert CAPS.items == {"programs": 50, "authors": 100, "downloads": 100, "topics": 100}
    assert CAPS.texts["summary"].max_length == 10_000
    assert CAPS.parts["authors"]["bio"].max_length == 5000


def test_long_lists_keep_their_first_entries_and_count_the_rest(pipeline, crawler) -> None:
    record = make_record(
        authors=[author(n) for n in range(250)],
        topics=[f"Topic {n}" for n in range(101)],
        downloads=[{"url": f"https://x.org/{n}.pdf", "label": None, "media_type": None} for n in range(100)],
    )
    out = pipeline.process_item(record)
    assert [a["name"] for a in out["authors"]] == [f"Author {n}" for n in range(100)]
    assert len(out["topics"]) == 100
    assert len(out["downloads"]) == 100  # at the cap: nothing cut
    assert capped(crawler) == {"brief/capped/authors": 150, "brief/capped/topics": 1}


def test_long_texts_are_cut_with_an_ellipsis_and_counted(pipeline, crawler) -> None:
    record = make_record(
        title="T" * 5000, summary="word " * 10_000, topics=["x" * 500],
        authors=[author(1, bio="b" * 9000), author(2, bio="short")],
    )  # fmt: skip
    out = pipeline.process_item(record)
    assert len(out["title"]) == 1000
    assert out["title"].endswith("T" + ELLIPSIS)
    assert len(out["summary"]) <= 10_000
    assert out["summary"].endswith("word" + ELLIPSIS)  # no space left before the ellipsis
    assert len(out["authors"][0]["bio"]) == 5000
    assert out["authors"][1]["bio"] == "short"
    assert len(out["topics"][0]) == 200
    assert capped(crawler) == {
        "brief/capped/title": 1, "brief/capped/summary": 1, "brief/capped/authors/bio": 1,
        "brief/capped/topics/text": 1,
    }  # fmt: skip


def test_a_url_over_its_cap_is_nulled_and_a_download_without_one_goes(pipeline, crawler) -> None:
    record = make_record(
        image_url=LONG_URL, authors=[author(1, url=LONG_URL)],
        downloads=[{"url": LONG_URL, "label": "Big", "media_type": None},
                   {"url": "https://x.org/a.pdf", "label": "A", "media_type": None}],
    )  # fmt: skip
    out = pipeline.process_item(record)
    assert out["image_url"] is None
    assert out["authors"][0]["url"] is None
    assert [d["url"] for d in out["downloads"]] == ["https://x.org/a.pdf"]
    assert capped(crawler) == {
        "brief/capped/image_url": 1, "brief/capped/authors/url": 1, "brief/capped/downloads/url": 1,
    }  # fmt: skip


def test_capping_twice_changes_and_counts_nothing_more(pipeline, crawler) -> None:
    record = make_record(title="T" * 5000, authors=[author(n, bio="b" * 9000) for n in range(300)])
    once = json.loads(json.dumps(pipeline.process_item(record)))
    counts = capped(crawler)
    assert pipeline.process_item(json.loads(json.dumps(once))) == once
    assert capped(crawler) == counts


def test_a_record_still_over_the_byte_limit_is_dropped_counted_and_logged(caplog) -> None:
    crawler = make_crawler({"BRIEF_RECORD_MAX_BYTES": 50_000})
    pipeline = CapPipeline.from_crawler(crawler)
    record = make_record(authors=[author(n, bio="é" * 2000) for n in range(100)])  # ~400 kB of UTF-8
    with caplog.at_level(logging.WARNING), pytest.raises(OversizedRecord):
        pipeline.process_item(record)
    assert crawler.stats.get_value("brief/dropped/record_too_large") == 1
    assert "over BRIEF_RECORD_MAX_BYTES (50000): dropped" in caplog.text
    assert pipeline.process_item(make_record()) is not None  # a normal record passes


def test_a_hostile_record_comes_out_of_the_pipelines_valid_and_under_1_mb() -> None:
    crawler = get_crawler(settings_dict={"BRIEF_RECORD_MAX_BYTES": 1_000_000})
    normalize, cap = NormalizePipeline(crawler.stats, fixed_clock), CapPipeline.from_crawler(crawler)
    validate = ValidatePipeline(crawler.stats)
    record = make_record(
        title="A title " * 1000, summary="x" * 1_000_000, excerpt="“" * 100_000,
        authors=[author(n, role="r" * 1000, bio="b" * 5000, url=f"https://x.org/p/{n}") for n in range(5000)],
        programs=[{"name": f"P {n}", "url": f"https://x.org/program/{n}"} for n in range(5000)],
        downloads=[{"url": f"https://x.org/{n}.pdf", "label": "Download" * 100, "media_type": None}
                   for n in range(5000)],
        topics=[f"t{n}" for n in range(5000)],
    )  # fmt: skip
    out = validate.process_item(cap.process_item(normalize.process_item(record)))
    assert len(json.dumps(out, ensure_ascii=False).encode()) < 1_000_000
    assert crawler.stats.get_value("brief/capped/authors") == 5000 - 100
    assert crawler.stats.get_value("brief/capped/downloads") == 5000 - 100
