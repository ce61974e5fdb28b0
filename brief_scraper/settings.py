"""Scrapy settings of the project (``scrapy.cfg``: ``default = brief_scraper.settings``).

Grouped by component, enabling flags first. Polite by default: robots.txt obeyed, the bot
named in USER_AGENT, a delay per domain with AutoThrottle, a download size cap, no telnet or
remote-control console.
Per-site delays live in each spider's ``custom_settings``; ``-s DOWNLOAD_DELAY=0
-s AUTOTHROTTLE_ENABLED=0`` turns them off for a local mirror.
Scheduled runs: health checks when a run closes (a failure makes ``scrapy crawl`` exit 1),
a run report beside each run, and incremental runs (HTTP cache with conditional requests,
a seen-store): see the README, "Scheduled runs". Runs over time: the page archive (WARC),
the current dataset, re-extraction: see the README, "Pipelines: where runs are written".
"""

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "brief_scraper"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "brief_scraper.commands"  # `scrapy crawl` checks spider arguments before starting

# --- brief-scraper's own settings -------------------------------------------------------
BRIEF_CONTACT_URL = "https://github.com/brief-scraper/brief-scraper"  # who runs the bot
BRIEF_OUTPUT_DIR = "output"  # runs write below this directory, never outside it
# Folders a run writes (BRIEF_OUTPUT_DIR, JOBDIR, HTTPCACHE_DIR...) stay inside the project's
# output/ (the cache inside .scrapy/); True lets an absolute path lie anywhere, as Scrapyd
# needs (brief_scraper/runs/paths.py; `scrapy crawl` checks them before it starts).
BRIEF_OUTPUT_ALLOW_OUTSIDE = False
# Processes that run extract() beside the crawl (brief_scraper/crawling/workers.py); 0: in the crawl's
# own process. None: one for an unthrottled crawl (no delay, no AutoThrottle) on 2+ cores.
BRIEF_EXTRACT_WORKERS = None
# A page's extraction that runs longer is abandoned: the page is dropped, counted in
# brief/dropped/extract_timeout and logged (0: no limit). A 32 MB page takes about 3 s.
BRIEF_EXTRACT_TIMEOUT_SECONDS = 10.0
BRIEF_EXTRACT_FUNCTION = "brief_scraper.extract"  # what extracts a page (tests name a slow one)

# --- politeness and safety --------------------------------------------------------------
ROBOTSTXT_OBEY = True
# Scrapy's robots.txt middleware lets through requests that waited for the robots.txt
# (brief_scraper/crawling/robots.py): ours takes its place in the base list, so that a
# -s DOWNLOADER_MIDDLEWARES=... of one's own cannot bring the old one back.
_OUR_ROBOTS = "brief_scraper.crawling.robots.RobotsTxtMiddleware"
DOWNLOADER_MIDDLEWARES_BASE = {
    (_OUR_ROBOTS if path.endswith(".RobotsTxtMiddleware") else path): order
    for path, order in _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
}
# AutoThrottle, keeping each download slot at or above its least delay (a source's
# Crawl-delay or delay_seconds: brief_scraper/crawling/politeness.py), in Scrapy's place.
_OUR_THROTTLE = "brief_scraper.crawling.politeness.SourceThrottle"
EXTENSIONS_BASE = {
    (_OUR_THROTTLE if path == "scrapy.extensions.throttle.AutoThrottle" else path): order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
}
USER_AGENT = f"brief-scraper/0.1 (+{BRIEF_CONTACT_URL})"
DOWNLOAD_DELAY = 2.0  # seconds between requests to one domain; spiders may ask for more
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by ±50% (RANDOMIZE_DOWNLOAD_DELAY is deprecated)
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
# Scrapy starts this many asyncio tasks for every callback's output (default 100). A page
# yields one record, a sitemap requests that go straight to the scheduler, and the pipelines
# do not wait on I/O: one is enough, and 100 tasks a page cost a third of a fast crawl's CPU.
CONCURRENT_ITEMS = 1
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- incremental runs --------------------------------------------------------------------
# Every response is cached (.scrapy/httpcache/<spider>/, or HTTPCACHE_DIR) with its ETag and
# Last-Modified; the next run asks again with If-None-Match/If-Modified-Since, and a 304
# answer costs no page download. "Cache-Control: max-age=0" on every request makes each
# cached page be asked for again, never taken as fresh: a listing must show new items.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_GZIP = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Scrapy's default
    "Accept-Language": "en",  # Scrapy's default
    "Cache-Control": "max-age=0",  # revalidate cached pages (see above)
}
# Records an earlier run wrote unchanged are not written again (pipelines/seen.py; the store
# is <BRIEF_OUTPUT_DIR>/<spider>/seen.sqlite3); -a refresh=1 writes them all.
BRIEF_SEEN_ENABLED = True

# --- health checks and the run report ---------------------------------------------------
# Checked when the spider closes (brief_scraper/runs/monitors.py, Spidermon); any failure makes
# `scrapy crawl` exit with status 1. Spiders set their own coverage rules in custom_settings.
BRIEF_HEALTH_ENABLED = True
BRIEF_HEALTH_SUITE = "brief_scraper.runs.monitors.HealthCheckSuite"  # the Spidermon suite to run
BRIEF_MIN_RECORDS = 1  # fewer records found (written + skipped as unchanged) fails the run
BRIEF_MAX_ERRORS = 5  # more errors logged (log_count/ERROR) fails the run
BRIEF_MAX_INVALID = 0  # more records failing the schema (brief/dropped/invalid) fails the run
BRIEF_MAX_LOST_SHARE = 0.5  # a larger share of requests lost (robots, redirects, HTTP errors) fails it
BRIEF_EXPECTED_FINISH_REASONS = ["finished", "max_items"]  # any other (shutdown...) fails the run
BRIEF_MIN_COVERAGE = {"title": 0.9}  # field -> least share of records found with a value
BRIEF_COVERAGE_MAX_DROP = 0.1  # a field's coverage falling more against the previous run fails it
BRIEF_COVERAGE_MIN_RECORDS = 10  # coverage is not judged on fewer records found
EXTENSIONS = {
    "brief_scraper.runs.archive.PageArchive": 300,  # each fetched page: <spider>/archive/<run>-NNNNN.warc.gz
    "brief_scraper.runs.datasetupdate.DatasetUpdate": 400,  # <BRIEF_OUTPUT_DIR>/<spider>/dataset.jsonl
    "brief_scraper.runs.runreport.RunReport": 500,  # runs the checks, writes <run>.stats.json
}

# --- pipelines --------------------------------------------------------------------------
# Each record goes normalize -> cap -> validate -> dedupe -> seen -> stats -> write (README, "Pipelines").
# The order is a contract: each pipeline declares which must run before it (`after`) or after
# it (`before`), tests/test_contracts.py checks these numbers against them, and what the
# pipelines hand one another goes through brief_scraper/runs/contracts.py.
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,  # clean text, canonical URLs, dates in range
    "pipelines.caps.CapPipeline": 150,  # lists and texts within schema.json's caps, counted
    "pipelines.validate.ValidatePipeline": 200,  # schema.json; invalid records go to *.rejected.jsonl
    "pipelines.dedupe.DedupePipeline": 300,  # one record per canonical URL; a richer later one wins
    "pipelines.seen.SeenPipeline": 350,  # skip records an earlier run wrote unchanged
    "pipelines.stats.StatsPipeline": 400,  # brief/fields/*, brief/provenance/*, dates, page kinds
    "pipelines.jsonl.JsonlWriterPipeline": 900,  # <BRIEF_OUTPUT_DIR>/<spider>/<UTC time>.jsonl
}
BRIEF_OUTPUT_GZIP = False  # True: write <run>.jsonl.gz (one gzip member per record) instead
BRIEF_RECORD_MAX_BYTES = 1_000_000  # a record still larger once capped is dropped (0: no limit)

# --- the page archive --------------------------------------------------------------------
# Every response fetched over the network, with its request, in WARC files beside the runs:
# <BRIEF_OUTPUT_DIR>/<spider>/archive/<run>-00001.warc.gz (brief_scraper/runs/archive.py).
BRIEF_ARCHIVE_ENABLED = True
BRIEF_ARCHIVE_MAX_FILE_MB = 100  # a new file is begun once the current one holds this much

# --- the current dataset ----------------------------------------------------------------
# <BRIEF_OUTPUT_DIR>/<spider>/dataset.jsonl, the newest record per URL over every run, is
# rewritten atomically when a run closes (brief_scraper/runs/dataset.py).
BRIEF_DATASET_ENABLED = True
BRIEF_DATASET_PARQUET = False  # True: also dataset.parquet, typed (needs pyarrow: the 'parquet' extra)

# --- re-extraction (scrapy reextract: brief_scraper/runs/reextract.py) -------------------------
BRIEF_REEXTRACT_PROGRESS_SECONDS = 10  # log pages done, pages/s and time left this often
