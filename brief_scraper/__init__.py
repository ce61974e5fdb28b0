"""brief-scraper: turn think-tank publication pages into clean, schema-v1 records.

``extract(html, url)`` is the whole extraction surface: pure, framework-free, never raises.
"""

from brief_scraper.extraction import extract
from brief_scraper.record import FIELDS, SCHEMA_VERSION, empty_record

__all__ = ["FIELDS", "SCHEMA_VERSION", "empty_record", "extract"]
