"""Scrapy commands of the project (``COMMANDS_MODULE``): ``crawl`` checks spider arguments first;
``reextract`` extracts archived pages again."""
