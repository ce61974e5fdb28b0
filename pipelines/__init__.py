"""Item pipelines: normalize -> cap -> validate -> dedupe -> seen -> stats -> write JSONL.

One job a module; none imports another pipeline's module. What they hand one another (the
run's files, superseded and unchanged records, signals) goes through
``brief_scraper.runs.contracts``, which also states their order (``ITEM_PIPELINES``).
"""
