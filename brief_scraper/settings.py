"""Scrapy settings of the project (``scrapy.cfg``: ``default = brief_scraper.settings``).

Grouped by component, enabling flags first. Polite by default: robots.txt obeyed, the bot
named in USER_AGENT, a delay per domain with AutoThrottle, a download size cap, no telnet or
remote-control console.
Per-site delays live in each spider's ``custom_settings``; ``-s DOWNLOAD_DELAY=0
-s AUTOTHROTTLE_ENABLED=0`` turns them off for a local mirror.
"""

BOT_NAME = "brief_scraper"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "brief_scraper.commands"  # `scrapy crawl` checks spider arguments before starting

# --- brief-scraper's own settings -------------------------------------------------------
BRIEF_CONTACT_URL = "https://github.com/brief-scraper/brief-scraper"  # who runs the bot
BRIEF_OUTPUT_DIR = "output"  # runs write below this directory, never outside it

# --- politeness and safety --------------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = f"brief-scraper/0.1 (+{BRIEF_CONTACT_URL})"
DOWNLOAD_DELAY = 2.0  # seconds between requests to one domain; spiders may ask for more
RANDOMIZE_DOWNLOAD_DELAY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # a publication page is far smaller; PDFs are not fetched
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's HTTP console runs Python sent to it: never on

# --- framework --------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- pipelines --------------------------------------------------------------------------
# Each record goes normalize -> validate -> dedupe -> stats -> write (see README, "Pipelines").
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,  # clean text, canonical URLs, dates in range
    "pipelines.validate.ValidatePipeline": 200,  # schema.json; invalid records go to *.rejected.jsonl
    "pipelines.dedupe.DedupePipeline": 300,  # one record per canonical URL; a richer later one wins
    "pipelines.stats.StatsPipeline": 400,  # brief/fields/*, brief/provenance/*, dates, page kinds
    "pipelines.jsonl.JsonlWriterPipeline": 900,  # <BRIEF_OUTPUT_DIR>/<spider>/<UTC time>.jsonl
}
BRIEF_OUTPUT_GZIP = False  # True: write <run>.jsonl.gz (one gzip member per record) instead
