"""Health checks of a run, as Spidermon monitors: each a stat, a comparison and a setting.

``HealthCheckSuite`` holds them; ``brief_scraper.runs.runreport.RunReport`` runs it when the spider
closes (after the writer has closed the run) and the ``crawl`` command exits with status 1
when any fails. Every message names the stat, its value, the threshold and the setting, for a
pass as for a failure: ``brief/dropped/invalid is 3, expected <= 0 (BRIEF_MAX_INVALID)``.

==================================  =========================================================
setting (project default)           the run fails when
==================================  =========================================================
``BRIEF_MIN_RECORDS`` (1)           fewer records were found: written, or skipped as unchanged
``BRIEF_MAX_ERRORS`` (5)            more errors were logged (``log_count/ERROR``)
``BRIEF_MAX_INVALID`` (0)           more records failed validation (``brief/dropped/invalid``)
``BRIEF_MAX_LOST_SHARE`` (0.5)      a larger share of the requests it made was lost
                                    (``brief/pages/lost`` / ``brief/pages/requested``; the
                                    message names the counts by reason)
``BRIEF_EXPECTED_FINISH_REASONS``   it closed for another reason (``finished``, ``max_items``)
``BRIEF_MIN_COVERAGE``              a field's coverage (``brief/fields/<field>`` /
                                    ``brief/records/found``: every record the run found,
                                    unchanged ones included) is below its share, e.g.
                                    ``{"title": 1.0, "posted_date": 0.95}``; spiders set
                                    their own in ``custom_settings``
``BRIEF_COVERAGE_MAX_DROP`` (0.1)   the coverage of a field of ``BRIEF_MIN_COVERAGE`` fell by
                                    more than this share against the previous run (its
                                    report ``<run>.stats.json``)
``BRIEF_COVERAGE_MIN_RECORDS`` (10) (coverage is not judged on fewer records found)
sources file ``min_records``,       one source of a ``sources`` crawl gave fewer records
``min_coverage``                    (``brief/source/<key>/records``), or a field's share of
                                    them is below its rule; the check is named
                                    ``source/<key>/...`` and its message names the source
==================================  =========================================================

A run with the writer off (``BRIEF_OUTPUT_DIR`` empty: records go to the feed exports only)
is judged on the records that passed every pipeline, Scrapy's ``item_scraped_count``, in
place of ``brief/records/written``. Coverage is judged on ``brief/records/found`` either way
(StatsPipeline counts it, writer or none).
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, ClassVar

from spidermon import MonitorSuite
from spidermon.contrib.scrapy.monitors import base  # a module: pytest must not collect its TestCases

from brief_scraper.record import EXTRACTED_FIELDS
from brief_scraper.runs.stats import (
    PAGES_LOST,
    PAGES_REQUESTED,
    RECORDS_FOUND,
    RECORDS_WRITTEN,
    SKIPPED_UNCHANGED,
    describe_counts,
    dropped_key,
    fields_key,
    reason_counts,
    source_counts,
    source_key,
)  # fmt: skip

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.settings import BaseSettings

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
}  # fmt: skip


def compare(stat: str, value: float, assert_type: str, threshold: float, setting: str) -> tuple[bool, str]:
    """Return whether ``value <assert_type> threshold`` holds, and the message saying so.

    >>> compare("brief/records/written", 3, ">=", 10, "BRIEF_MIN_RECORDS")
    (False, 'brief/records/written is 3, expected >= 10 (BRIEF_MIN_RECORDS)')
    >>> compare("log_count/ERROR", 0, "<=", 5, "BRIEF_MAX_ERRORS")[0]
    True
    """
    return OPERATORS[assert_type](value, threshold), (
        f"{stat} is {_number(value)}, expected {assert_type} {_number(threshold)} ({setting})"
    )


def coverage_rules(settings: BaseSettings) -> dict[str, float]:
    """Return ``BRIEF_MIN_COVERAGE`` checked: extracted field -> least share (0 to 1) of records.

    Raises ValueError naming the setting for an unknown field or a share outside 0..1.
    """
    rules = settings.getdict("BRIEF_MIN_COVERAGE")
    checked = {}
    for field, share in rules.items():
        if field not in EXTRACTED_FIELDS:
            raise ValueError(
                f"BRIEF_MIN_COVERAGE: {field!r} is not an extracted field ({', '.join(EXTRACTED_FIELDS)})"
            )
        try:
            checked[field] = float(share)
        except (TypeError, ValueError):
            checked[field] = -1.0
        if not 0 <= checked[field] <= 1:
            raise ValueError(f"BRIEF_MIN_COVERAGE: {field}: {share!r} is not a share from 0 to 1")
    return checked


ITEMS_SCRAPED = "item_scraped_count"  # Scrapy's: items that passed every pipeline


def records_stat(settings: BaseSettings) -> str:
    """Return the stat counting the records a run kept: ``brief/records/written``, or
    ``item_scraped_count`` when the writer is off (``BRIEF_OUTPUT_DIR`` empty)."""
    return RECORDS_WRITTEN if settings.get("BRIEF_OUTPUT_DIR") else ITEMS_SCRAPED


def _number(value: float) -> str:
    """Return a count as an integer, a share with at most three decimals.

    >>> _number(12), _number(0.95), _number(2 / 3), _number(1.0)
    ('12', '0.95', '0.667', '1')
    """
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}".rstrip("0")


class StatCheck(base.BaseStatMonitor):
    """A stat (a missing one is 0), plus any ``plus_stats``, compared with a threshold setting."""

    __test__ = False  # a Spidermon monitor (a unittest TestCase) that only Spidermon runs

    check_name: ClassVar[str] = ""  # the check's name in the run report
    plus_stats: ClassVar[tuple[str, ...]] = ()
    threshold_datatype = int
    message = ""

    def stat_names(self) -> tuple[str, ...]:
        """Return the stats whose sum is compared."""
        return (self.stat_name, *self.plus_stats)

    def test_stat_monitor(self) -> None:
        """Compare the stat with its threshold; fail with stat, value, threshold and setting."""
        names = self.stat_names()
        value = sum(self.stats.get(name, 0) for name in names)
        threshold = self._get_threshold_value()
        ok, self.message = compare(
            " + ".join(names), value, self.assert_type, threshold, self.threshold_setting
        )
        if not ok:
            self.fail(self.message)


class MinRecordsMonitor(StatCheck):
    """Enough records found: written, or skipped as unchanged since an earlier run."""

    check_name = "min_records"
    stat_name = RECORDS_WRITTEN
    plus_stats = (SKIPPED_UNCHANGED,)
    threshold_setting = "BRIEF_MIN_RECORDS"
    assert_type = ">="

    def stat_names(self) -> tuple[str, ...]:
        return (records_stat(self.crawler.settings), *self.plus_stats)

    def test_stat_monitor(self) -> None:
        """As StatCheck's; a failure also names what was dropped, by reason (robots 12...)."""
        try:
            super().test_stat_monitor()
        except self.failureException:
            if reason_counts(self.stats):
                self.message += f"; dropped by reason: {describe_counts(reason_counts(self.stats))}"
            raise self.failureException(self.message) from None


class MaxErrorsMonitor(StatCheck):
    """Few enough errors logged: failed downloads after retries, spider exceptions."""

    check_name = "max_errors"
    stat_name = "log_count/ERROR"
    threshold_setting = "BRIEF_MAX_ERRORS"
    assert_type = "<="


class MaxInvalidMonitor(StatCheck):
    """Few enough records failed validation (kept in the run's rejected file)."""

    check_name = "max_invalid"
    stat_name = dropped_key("invalid")
    threshold_setting = "BRIEF_MAX_INVALID"
    assert_type = "<="


class LostPagesMonitor(base.BaseScrapyMonitor):
    """Most of the pages asked for were got: few lost to robots.txt, redirects, HTTP errors..."""

    __test__ = False

    check_name = "lost_pages"
    message = ""

    def test_lost_pages(self) -> None:
        """Compare brief/pages/lost / brief/pages/requested with BRIEF_MAX_LOST_SHARE."""
        requested, lost = self.stats.get(PAGES_REQUESTED, 0), self.stats.get(PAGES_LOST, 0)
        if not requested:
            self.message = f"{PAGES_REQUESTED} is 0: no request to judge"
            self.skipTest(self.message)
        ok, self.message = compare(
            f"{PAGES_LOST} / {PAGES_REQUESTED} ({lost}/{requested})", lost / requested, "<=",
            self.crawler.settings.getfloat("BRIEF_MAX_LOST_SHARE"), "BRIEF_MAX_LOST_SHARE",
        )  # fmt: skip
        self.message += f"; dropped by reason: {describe_counts(reason_counts(self.stats))}"
        if not ok:
            self.fail(self.message)


class FinishReasonMonitor(base.BaseScrapyMonitor):
    """The run closed for an expected reason: it got through its work."""

    __test__ = False

    check_name = "finish_reason"
    message = ""

    def test_finish_reason(self) -> None:
        """Check finish_reason against BRIEF_EXPECTED_FINISH_REASONS."""
        expected = self.crawler.settings.getlist("BRIEF_EXPECTED_FINISH_REASONS")
        reason = self.stats.get("finish_reason")
        self.message = (
            f"finish_reason is {reason!r}, expected one of {expected} (BRIEF_EXPECTED_FINISH_REASONS)"
        )
        if reason not in expected:
            self.fail(self.message)


def coverage_max_drop(settings: BaseSettings) -> float:
    """Return ``BRIEF_COVERAGE_MAX_DROP`` checked: a share from 0 to 1, else ValueError naming it."""
    try:
        drop = float(settings.get("BRIEF_COVERAGE_MAX_DROP"))
    except (TypeError, ValueError):
        drop = -1.0
    if not 0 <= drop <= 1:
        raise ValueError(
            f"BRIEF_COVERAGE_MAX_DROP: {settings.get('BRIEF_COVERAGE_MAX_DROP')!r} is not a share from 0 to 1"
        )
    return drop


class FieldCoverageMonitor(base.BaseScrapyMonitor):
    """A field has a value in enough of the records found (one monitor per rule)."""

    __test__ = False

    field: ClassVar[str] = ""
    message = ""

    @property
    def check_name(self) -> str:
        return f"coverage/{self.field}"

    def _found_or_skip(self) -> int:
        """Return the records found; skip the check when they are too few to judge."""
        found = self.stats.get(RECORDS_FOUND, 0)
        least = self.crawler.settings.getint("BRIEF_COVERAGE_MIN_RECORDS")
        if found < max(least, 1):
            self.message = (
                f"{RECORDS_FOUND} is {found}: coverage is judged on {least} or more "
                "(BRIEF_COVERAGE_MIN_RECORDS)"
            )
            self.skipTest(self.message)
        return found

    def test_field_coverage(self) -> None:
        """Compare brief/fields/<field> / brief/records/found with BRIEF_MIN_COVERAGE[field]."""
        found = self._found_or_skip()
        stat = fields_key(self.field)
        covered = self.stats.get(stat, 0)
        ok, self.message = compare(
            f"{stat} / {RECORDS_FOUND} ({covered}/{found})", covered / found, ">=",
            coverage_rules(self.crawler.settings)[self.field], f"BRIEF_MIN_COVERAGE[{self.field!r}]",
        )  # fmt: skip
        if not ok:
            self.fail(self.message)


def coverage_monitor(field: str) -> type[FieldCoverageMonitor]:
    """Return the coverage monitor of one field (a subclass naming it)."""
    doc = f"Enough records found have a {field}."
    return type(f"FieldCoverageMonitor[{field}]", (FieldCoverageMonitor,), {"field": field, "__doc__": doc})


def judge_drop(
    share_of: str, now: tuple[int, int], was: tuple[int, int], run: str, settings: BaseSettings
) -> tuple[bool, str]:
    """Return whether a share (covered, found) fell by at most BRIEF_COVERAGE_MAX_DROP against
    the previous run's, and the message saying so.

    >>> from scrapy.settings import Settings
    >>> judge_drop("brief/fields/title / brief/records/found", (6, 10), (10, 10), "r1",
    ...            Settings({"BRIEF_COVERAGE_MAX_DROP": 0.1}))  # doctest: +NORMALIZE_WHITESPACE
    (False, 'brief/fields/title / brief/records/found is 0.6 (6/10), was 1 (10/10) in run r1:
     its fall is 0.4, expected <= 0.1 (BRIEF_COVERAGE_MAX_DROP)')
    """
    share, before = now[0] / now[1], was[0] / was[1]
    ok, comparison = compare(
        "its fall", max(before - share, 0.0), "<=", coverage_max_drop(settings), "BRIEF_COVERAGE_MAX_DROP"
    )
    return ok, (
        f"{share_of} is {_number(share)} ({now[0]}/{now[1]}), was {_number(before)} ({was[0]}/{was[1]})"
        f" in run {run}: {comparison}"
    )


class CoverageDropMonitor(FieldCoverageMonitor):
    """A field's coverage did not fall much against the previous run (one monitor per rule).

    Only the fields of the coverage rules are judged: a field found on a third of the pages
    (a series) moves with the pages a run happens to find, while a field the spider's owner
    set a rule for is one whose fall means a broken selector, even above its floor.

    The previous run (``brief_scraper.runs.history.previous_run``) comes in the suite's data as
    ``previous_run``; without one (a first run) the check is skipped.
    """

    @property
    def check_name(self) -> str:
        return f"coverage_drop/{self.field}"

    def test_field_coverage(self) -> None:
        """Compare the fall of brief/fields/<field> / brief/records/found with BRIEF_COVERAGE_MAX_DROP."""
        found = self._found_or_skip()
        previous = self.data.get("previous_run")
        if previous is None:
            self.message = "no previous run found enough records to compare with"
            self.skipTest(self.message)
        stat = fields_key(self.field)
        ok, self.message = judge_drop(
            f"{stat} / {RECORDS_FOUND}", (self.stats.get(stat, 0), found),
            (previous.covered(self.field), previous.found), previous.name, self.crawler.settings,
        )  # fmt: skip
        if not ok:
            self.fail(self.message)


def coverage_drop_monitor(field: str) -> type[CoverageDropMonitor]:
    """Return the coverage drop monitor of one field (a subclass naming it)."""
    doc = f"The share of records found with a {field} fell little against the previous run."
    return type(f"CoverageDropMonitor[{field}]", (CoverageDropMonitor,), {"field": field, "__doc__": doc})


class SourceCheck(base.BaseScrapyMonitor):
    """A check of one source of a sources file, named ``source/<key>/<what>``."""

    __test__ = False

    source: ClassVar[str] = ""
    what: ClassVar[str] = ""
    setting: ClassVar[str] = ""  # where its threshold comes from, as the message says it
    message = ""

    @property
    def check_name(self) -> str:
        return f"source/{self.source}/{self.what}"


class SourceRecordsMonitor(SourceCheck):
    """One source of a sources file gave enough records (its ``min_records``, else BRIEF_MIN_RECORDS)."""

    what = "min_records"
    least: ClassVar[int] = 1

    def test_source_records(self) -> None:
        """Compare brief/source/<key>/records with the source's least; a failure names its losses."""
        stat = source_key(self.source, "records")
        ok, comparison = compare(stat, self.stats.get(stat, 0), ">=", self.least, self.setting)
        self.message = f"source {self.source}: {comparison}"
        counts = source_counts(self.stats, self.source)
        if not ok and counts["dropped"]:
            self.message += f"; dropped by reason: {describe_counts(counts['dropped'])}"
        if not ok:
            self.fail(self.message)


class SourceCoverageMonitor(SourceCheck):
    """A field has a value in enough of one source's records (one monitor per source and field)."""

    field: ClassVar[str] = ""
    least: ClassVar[float] = 0.0

    @property
    def check_name(self) -> str:
        return f"source/{self.source}/coverage/{self.field}"

    def _found_or_skip(self) -> int:
        """Return the source's records found; skip the check when they are too few to judge."""
        found = self.stats.get(source_key(self.source, "records"), 0)
        least = self.crawler.settings.getint("BRIEF_COVERAGE_MIN_RECORDS")
        if found < max(least, 1):
            self.message = (
                f"source {self.source}: {found} records: coverage is judged on {least} or more "
                "(BRIEF_COVERAGE_MIN_RECORDS)"
            )
            self.skipTest(self.message)
        return int(found)

    def test_source_coverage(self) -> None:
        """Compare brief/source/<key>/fields/<field> / its records with the source's rule."""
        found = self._found_or_skip()
        stat = source_key(self.source, f"fields/{self.field}")
        covered = self.stats.get(stat, 0)
        ok, comparison = compare(f"{stat} / records ({covered}/{found})", covered / found, ">=", self.least,
                                 self.setting)  # fmt: skip
        self.message = f"source {self.source}: {comparison}"
        if not ok:
            self.fail(self.message)


class SourceCoverageDropMonitor(SourceCoverageMonitor):
    """A field's share of one source's records did not fall much against the previous run.

    A site that changes under the crawl shows here first, above its floor: the previous run's
    report holds the same per-source counts. Skipped when that run found too few of the
    source's records (or did not crawl it).
    """

    @property
    def check_name(self) -> str:
        return f"source/{self.source}/coverage_drop/{self.field}"

    def test_source_coverage(self) -> None:
        """Compare the fall of the source's share with the field with BRIEF_COVERAGE_MAX_DROP."""
        found = self._found_or_skip()
        previous = self.data.get("previous_run")
        least = max(self.crawler.settings.getint("BRIEF_COVERAGE_MIN_RECORDS"), 1)
        records, fields = source_key(self.source, "records"), source_key(self.source, f"fields/{self.field}")
        was_found = int(previous.stats.get(records, 0) or 0) if previous is not None else 0
        if previous is None or was_found < least:
            self.message = (
                f"source {self.source}: no previous run found enough of its records to compare with"
            )
            self.skipTest(self.message)
        ok, comparison = judge_drop(
            f"{fields} / records", (self.stats.get(fields, 0), found),
            (int(previous.stats.get(fields, 0) or 0), was_found), previous.name, self.crawler.settings,
        )  # fmt: skip
        self.message = f"source {self.source}: {comparison}"
        if not ok:
            self.fail(self.message)


def source_monitors(spider: Any, settings: BaseSettings) -> list[type[base.BaseScrapyMonitor]]:
    """Return the health checks of each source a spider follows (its ``sources``, a sources file's).

    Per source: its records (``min_records``, else ``BRIEF_MIN_RECORDS``), and the coverage of
    each field its ``min_coverage`` names, over the spider's ``DEFAULT_SOURCE_COVERAGE``, and
    that coverage's fall against the previous run (``BRIEF_COVERAGE_MAX_DROP``).
    """
    monitors: list[type[base.BaseScrapyMonitor]] = []
    defaults = dict(getattr(spider, "DEFAULT_SOURCE_COVERAGE", {}))
    for source in getattr(spider, "sources", ()):
        least = source.min_records if source.min_records is not None else settings.getint("BRIEF_MIN_RECORDS")
        where = (
            f"sources file: {source.key} min_records"
            if source.min_records is not None
            else "BRIEF_MIN_RECORDS"
        )
        monitors.append(type(
            f"SourceRecordsMonitor[{source.key}]", (SourceRecordsMonitor,),
            {"source": source.key, "least": least, "setting": where,
             "__doc__": f"Source {source.key} gave enough records."},
        ))  # fmt: skip
        for field, share in {**defaults, **source.min_coverage}.items():
            where = (f"sources file: {source.key} min_coverage" if field in source.min_coverage
                     else "DEFAULT_SOURCE_COVERAGE")  # fmt: skip
            monitors.append(type(
                f"SourceCoverageMonitor[{source.key}:{field}]", (SourceCoverageMonitor,),
                {"source": source.key, "field": field, "least": share, "setting": f"{where}[{field!r}]",
                 "__doc__": f"Enough records of source {source.key} have a {field}."},
            ))  # fmt: skip
            monitors.append(type(
                f"SourceCoverageDropMonitor[{source.key}:{field}]", (SourceCoverageDropMonitor,),
                {"source": source.key, "field": field,
                 "__doc__": f"The share of source {source.key}'s records with a {field} fell little."},
            ))  # fmt: skip
    return monitors


class HealthCheckSuite(MonitorSuite):
    """brief-scraper's health checks: records, errors, invalid records, lost pages, finish reason,
    coverage.

    The coverage monitors follow ``BRIEF_MIN_COVERAGE``: for each field it names, one judges
    the share of records with a value, one its fall against the previous run. A crawl of a
    sources file adds each source's checks (:func:`source_monitors`), named
    ``source/<key>/...``, so one broken site is named in the failure. To add
    Spidermon actions (Slack, e-mail...), subclass this suite, list them in
    ``monitors_failed_actions``, and name the subclass in ``BRIEF_HEALTH_SUITE``.
    """

    monitors: ClassVar[list[Any]] = [
        MinRecordsMonitor, MaxErrorsMonitor, MaxInvalidMonitor, FinishReasonMonitor, LostPagesMonitor,
    ]  # fmt: skip

    def __init__(self, *args: Any, crawler: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        if crawler is not None:
            for field in coverage_rules(crawler.settings):
                self.add_monitor(coverage_monitor(field))
                self.add_monitor(coverage_drop_monitor(field))
            for monitor in source_monitors(getattr(crawler, "spider", None), crawler.settings):
                self.add_monitor(monitor)


def result_name(monitor: Any) -> str:
    """Return the name a monitor's result has in the run report (``min_records``, ``coverage/title``)."""
    return getattr(monitor, "check_name", "") or monitor.name
