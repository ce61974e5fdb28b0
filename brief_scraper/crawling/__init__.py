"""Crawling support: what the spiders need besides extraction.

Spider arguments checked at start (``arguments``, ``argument_files``), discovery of
publication pages in listings and sitemaps (``discovery``, ``sitemaps``), extraction in worker
processes under a time budget (``workers``, ``budget``), robots.txt for every waiting request
(``robots``), and pages asked for and not got, counted by reason (``losses``).
"""
