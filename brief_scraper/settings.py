"""Scrapy settings of the project (``scrapy.cfg``: ``default = brief_scraper.settings``).

Grouped by component, enabling flags first. Polite by default: robots.txt obeyed, the bot
named in USER_AGENT, a delay per domain with AutoThrottle, a download size cap, no telnet.
Per-site delays live in each spider's ``custom_settings``; ``-s DOWNLOAD_DELAY=0
-s AUTOTHROTTLE_ENABLED=0`` turns them off for a local mirror.
"""

BOT_NAME = "brief_scraper"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

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

# --- framework --------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
