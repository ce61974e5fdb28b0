"""brief_scraper/crawling/sources.py: the sources file is checked when read, and a bad one
is named by source and key in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from brief_scraper.crawling.sources import SourcesError, load_sources, parse_sources, select_sources

EXAMPLE = Path(__file__).resolve().parent.parent / "sources.toml"
GOOD = '[sources.rand]\nhosts = ["www.rand.org"]\nfeeds = ["https://www.rand.org/feed.xml"]\n'


def test_the_example_sources_file_is_valid() -> None:
    sources = load_sources(EXAMPLE)
    assert [s.key for s in sources] == ["wilsoncenter", "rand", "csis", "stimson"]
    wilson = sources[0]
    assert wilson.delay_seconds == 10.0
    assert wilson.is_publication("https://www.wilsoncenter.org/publication/a-reset")
    assert not wilson.is_publication("https://www.wilsoncenter.org/person/someone")
    assert not wilson.is_publication("https://www.rand.org/publication/a-reset")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = [toml", "sources: not TOML"),
        ("[other]\nx = 1\n", "sources: no [sources.<key>] table"),
        ('[sources.RAND]\nhosts = ["www.rand.org"]\n', "sources: 'RAND': a source key is a lower-case slug"),
        (GOOD + "colour = 'red'\n", "sources: rand: colour: unknown key"),
        ('[sources.rand]\nhosts = []\nfeeds = []\n', "sources: rand: feeds: a source needs feeds"),
        ('[sources.rand]\nhosts = ["bad host"]\n', "sources: rand: hosts: 'bad host' is not a host name"),
        ('[sources.rand]\nhosts = ["www.rand.org"]\nsitemaps = ["ftp://www.rand.org/s.xml"]\n',
         "sources: rand: sitemaps: 'ftp://www.rand.org/s.xml' is not an http(s) URL on the source's hosts"),
        (GOOD + "publication_paths = ['(']\n", "sources: rand: publication_paths: '(' is not a regular"),
        (GOOD + "delay_seconds = -1\n", "sources: rand: delay_seconds: must be a number of seconds"),
        (GOOD + "delay_seconds = true\n", "sources: rand: delay_seconds: must be a number of seconds"),
        (GOOD + "min_records = 1.5\n", "sources: rand: min_records: must be a whole number"),
        (GOOD + "min_coverage = { colour = 0.5 }\n", "sources: rand: min_coverage: 'colour' is not an"),
        (GOOD + "min_coverage = { title = 2 }\n", "sources: rand: min_coverage: title: must be a share"),
        (GOOD + '[sources.rand2]\nhosts = ["www.rand.org"]\nfeeds = ["https://www.rand.org/f"]\n',
         "sources: rand2: hosts: 'www.rand.org' is also a host of source 'rand'"),
    ],
)  # fmt: skip
def test_a_bad_sources_file_is_named_by_source_and_key(text: str, message: str) -> None:
    with pytest.raises(SourcesError) as failure:
        parse_sources(text)
    assert str(failure.value).startswith(message)
    assert "\n" not in str(failure.value)


def test_only_selects_sources_by_key_and_refuses_an_unknown_one() -> None:
    sources = load_sources(EXAMPLE)
    assert [s.key for s in select_sources(sources, "rand, csis")] == ["rand", "csis"]
    assert select_sources(sources, "") == sources
    with pytest.raises(SourcesError, match="'brookings' is no source of the file"):
        select_sources(sources, "rand,brookings")


def test_a_sources_file_that_is_no_regular_file_is_refused_without_reading_it() -> None:
    with pytest.raises(ValueError, match="is not a regular file"):
        load_sources("/dev/zero")
