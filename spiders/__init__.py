"""Scrapy spiders: they discover pages and hand responses to ``brief_scraper.extract``."""
