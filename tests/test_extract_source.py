"""The record's ``source``: a profile's site key, else the host of the page's canonical URL."""

from __future__ import annotations

from brief_scraper import extract

SERVED_LOCALLY = """<html lang="en"><head><title>A Report | RAND</title>
<link rel="canonical" href="https://www.rand.org/pubs/research_reports/RRA1.html">
<meta name="citation_title" content="A Report"></head>
<body><h1>A Report</h1></body></html>"""


def test_source_of_an_unknown_site_is_the_host_of_its_canonical_url() -> None:
    # Issue 15: the generic spider on real pages served from 127.0.0.1 gave url the canonical
    # one and source "127.0.0.1", on every record (fixed in the extraction core, afd625c).
    record = extract(SERVED_LOCALLY.encode(), "http://127.0.0.1:8000/pubs/research_reports/RRA1.html")
    assert record["url"] == "https://www.rand.org/pubs/research_reports/RRA1.html"
    assert record["source"] == "rand.org"
