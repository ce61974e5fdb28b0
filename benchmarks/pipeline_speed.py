"""Time per record of each item pipeline, against extract()'s time per page, in one process.

Run: ``make bench`` or ``.venv/bin/python benchmarks/pipeline_speed.py [--records N] [--rounds N]``.
Records are ``extract()`` of the local site's pages (``devsite/generated.py``: the
fixtures' publication pages, varied), each with a new URL in every round so that none is a
duplicate. They go through ``ITEM_PIPELINES`` in order, as in a crawl (project settings,
output to a temporary folder), then the ``item_scraped`` signal (pipelines that remember
what was written listen to it). Printed: microseconds per record of each pipeline and of
the signal, their total, and ``extract()`` per page for scale. The crawl's own figures are
``crawl_throughput.py``'s; this one shows which pipeline costs what, without a profiler.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from typing import Any

from localsite import ROOT, GeneratedSite

from brief_scraper import extract


def make_pipelines(output_dir: str) -> tuple[Any, list[Any]]:
    """Return a crawler with the project's settings and its pipelines, opened, in order."""
    from scrapy import Spider
    from scrapy.utils.misc import build_from_crawler, load_object
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor
    from scrapy.utils.test import get_crawler

    os.chdir(ROOT)
    settings = get_project_settings().copy_to_dict()
    settings.update(BRIEF_OUTPUT_DIR=output_dir)
    install_reactor(settings["TWISTED_REACTOR"])
    crawler = get_crawler(Spider, settings)
    crawler.spider = crawler._create_spider("wilsoncenter")
    pipelines = []
    for path in sorted(settings["ITEM_PIPELINES"], key=settings["ITEM_PIPELINES"].get):
        pipeline = build_from_crawler(load_object(path), crawler)
        if hasattr(pipeline, "open_spider"):
            pipeline.open_spider()
        pipelines.append(pipeline)
    return crawler, pipelines


def main() -> None:
    """Print µs per record of each pipeline."""
    from scrapy import signals

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200, help="pages extracted into records")
    parser.add_argument("--rounds", type=int, default=5, help="times each record goes through")
    args = parser.parse_args()
    site = GeneratedSite(args.records)
    pages = [(site.page(n), f"http://127.0.0.1{path}") for n, path in enumerate(site.paths())]
    start = time.perf_counter()
    records = [extract(body, url) for body, url in pages]
    extract_us = (time.perf_counter() - start) / len(pages) * 1e6
    with tempfile.TemporaryDirectory() as output_dir:
        crawler, pipelines = make_pipelines(output_dir)
        spent = dict.fromkeys([type(p).__name__ for p in pipelines] + ["item_scraped signal"], 0.0)
        count, spider = 0, crawler.spider
        for round_ in range(args.rounds):
            for record in records:
                item = copy.deepcopy(record)
                item["url"] = f"{item['url']}-{round_}"
                for pipeline in pipelines:
                    start = time.perf_counter()
                    item = pipeline.process_item(item)
                    spent[type(pipeline).__name__] += time.perf_counter() - start
                start = time.perf_counter()
                crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=spider)
                spent["item_scraped signal"] += time.perf_counter() - start
                count += 1
        for pipeline in pipelines:
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider()
    total = sum(spent.values())
    print(f"{count} records ({len(records)} pages x {args.rounds} rounds), µs per record:")
    for name, seconds in spent.items():
        print(f"  {name:<24}{seconds / count * 1e6:>8.0f}  {seconds / total:>6.1%}")
    per_record = total / count * 1e6
    print(f"  {'all pipelines':<24}{per_record:>8.0f}")
    ratio = per_record / extract_us
    print(f"  {'extract() per page':<24}{extract_us:>8.0f}  (all pipelines / extract(): {ratio:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
