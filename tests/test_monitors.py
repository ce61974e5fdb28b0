"""The health checks (brief_scraper/runs/monitors.py), run through Spidermon on stats set by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

import brief_scraper.settings as project_settings
from brief_scraper.runs.monitors import HealthCheckSuite, coverage_rules
from brief_scraper.runs.runreport import CheckResult, run_checks
from spiders.generic import GenericSpider
from spiders.wilsoncenter import WilsonCenterSpider
from tests.pipeline_support import make_crawler

PROJECT = {name: value for name, value in vars(project_settings).items() if name.isupper()}
HEALTHY = {"brief/records/written": 20, "brief/records/found": 20, "brief/fields/title": 20,
           "finish_reason": "finished", "brief/pages/requested": 22}  # fmt: skip


def checks_of(stats: dict[str, Any], **settings: Any) -> dict[str, CheckResult]:
    """Run the suite with the project's settings (updated with *settings*) on *stats*."""
    crawler = make_crawler({**PROJECT, **settings})
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    return {check.name: check for check in run_checks(crawler, HealthCheckSuite)}


@pytest.mark.parametrize(
    ("written", "unchanged", "threshold", "passes"),
    [(0, 0, 1, False), (1, 0, 1, True), (0, 7, 1, True), (9, 0, 10, False), (4, 6, 10, True)],
)
def test_min_records_counts_written_and_unchanged(written, unchanged, threshold, passes):
    stats = {**HEALTHY, "brief/records/written": written, "brief/skipped/unchanged": unchanged}
    assert checks_of(stats, BRIEF_MIN_RECORDS=threshold)["min_records"].passed is passes


@pytest.mark.parametrize(("errors", "threshold", "passes"), [(None, 0, True), (5, 5, True), (6, 5, False)])
def test_max_errors(errors, threshold, passes):
    stats = {**HEALTHY, **({"log_count/ERROR": errors} if errors is not None else {})}
    assert checks_of(stats, BRIEF_MAX_ERRORS=threshold)["max_errors"].passed is passes


@pytest.mark.parametrize(("invalid", "threshold", "passes"), [(None, 0, True), (1, 0, False), (2, 3, True)])
def test_max_invalid(invalid, threshold, passes):
    stats = {**HEALTHY, **({"brief/dropped/invalid": invalid} if invalid is not None else {})}
    assert checks_of(stats, BRIEF_MAX_INVALID=threshold)["max_invalid"].passed is passes


@pytest.mark.parametrize(
    ("reason", "passes"), [("finished", True), ("max_items", True), ("shutdown", False), (None, False)]
)
def test_finish_reason(reason, passes):
    stats = {**HEALTHY, "finish_reason": reason}
    assert checks_of(stats)["finish_reason"].passed is passes


@pytest.mark.parametrize(
    ("covered", "found", "share", "status"),
    [
        (20, 20, 1.0, "passed"),
        (19, 20, 1.0, "failed"),
        (19, 20, 0.95, "passed"),
        (0, 20, 0.5, "failed"),
        (3, 9, 0.95, "skipped"),  # fewer than BRIEF_COVERAGE_MIN_RECORDS (10): not judged
        (0, 0, 0.95, "skipped"),
    ],
)
def test_field_coverage_on_records_found(covered, found, share, status):
    stats = {**HEALTHY, "brief/records/written": 0, "brief/records/found": found,
             "brief/fields/posted_date": covered}  # fmt: skip
    checks = checks_of(stats, BRIEF_MIN_COVERAGE={"posted_date": share})
    assert checks["coverage/posted_date"].status == status
    assert checks["coverage/posted_date"].passed is (status != "failed")


def test_one_coverage_check_per_rule():
    checks = checks_of(HEALTHY, BRIEF_MIN_COVERAGE={"title": 1.0, "summary": 0.5, "download_url": 0.5})
    assert sorted(name for name in checks if name.startswith("coverage/")) == [
        "coverage/download_url", "coverage/summary", "coverage/title",
    ]  # fmt: skip
    assert list(checks)[:4] == ["min_records", "max_errors", "max_invalid", "finish_reason"]


@pytest.mark.parametrize(
    ("stats", "settings", "name", "message"),
    [
        ({"brief/records/written": 0}, {}, "min_records",
         "brief/records/written + brief/skipped/unchanged is 0, expected >= 1 (BRIEF_MIN_RECORDS)"),
        ({"log_count/ERROR": 12}, {"BRIEF_MAX_ERRORS": 5}, "max_errors",
         "log_count/ERROR is 12, expected <= 5 (BRIEF_MAX_ERRORS)"),
        ({"brief/dropped/invalid": 3}, {}, "max_invalid",
         "brief/dropped/invalid is 3, expected <= 0 (BRIEF_MAX_INVALID)"),
        ({"finish_reason": "shutdown"}, {}, "finish_reason",
         "finish_reason is 'shutdown', expected one of ['finished', 'max_items']"
         " (BRIEF_EXPECTED_FINISH_REASONS)"),
        ({"brief/fields/posted_date": 10}, {"BRIEF_MIN_COVERAGE": {"posted_date": 0.95}},
         "coverage/posted_date",
         "brief/fields/posted_date / brief/records/found (10/20) is 0.5, expected >= 0.95"
         " (BRIEF_MIN_COVERAGE['posted_date'])"),
    ],
)  # fmt: skip
def test_failure_message_names_stat_value_threshold_and_setting(stats, settings, name, message):
    check = checks_of({**HEALTHY, **stats}, **settings)[name]
    assert check.status == "failed"
    assert check.message == message


def test_passing_checks_say_what_they_measured():
    checks = checks_of(HEALTHY)
    assert all(c.status == "passed" for name, c in checks.items() if "drop" not in name), checks
    assert all(c.status == "skipped" for name, c in checks.items() if "drop" in name), (
        checks
    )  # no previous run
    assert checks["min_records"].message.startswith("brief/records/written + brief/skipped/unchanged is 20")
    assert checks["coverage/title"].description == "Enough records found have a title."


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"titel": 1.0}, "BRIEF_MIN_COVERAGE: 'titel' is not an extracted field"),
        ({"title": 1.5}, "BRIEF_MIN_COVERAGE: title: 1.5 is not a share from 0 to 1"),
        ({"title": "most"}, "BRIEF_MIN_COVERAGE: title: 'most' is not a share from 0 to 1"),
    ],
)
def test_bad_coverage_rule_is_refused_naming_the_setting(rules, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        coverage_rules(make_crawler({"BRIEF_MIN_COVERAGE": rules}).settings)


def test_each_spider_has_its_own_coverage_rules_and_generic_is_looser():
    wilson = WilsonCenterSpider.custom_settings["BRIEF_MIN_COVERAGE"]
    generic = GenericSpider.custom_settings["BRIEF_MIN_COVERAGE"]
    assert wilson["title"] == 1.0
    assert wilson["posted_date"] >= 0.95
    assert "download_url" in wilson
    assert all(share <= wilson.get(field, 1.0) for field, share in generic.items())
    assert generic["posted_date"] < wilson["posted_date"]
    for rules in (wilson, generic):
        assert coverage_rules(make_crawler({"BRIEF_MIN_COVERAGE": rules}).settings) == rules


@pytest.mark.parametrize(
    ("requested", "lost", "share", "status"),
    [(12, 9, 0.5, "failed"), (12, 6, 0.5, "passed"), (10, 1, 0.0, "failed"), (0, 0, 0.5, "skipped")],
)
def test_lost_pages(requested, lost, share, status):
    stats = {**HEALTHY, "brief/pages/requested": requested, "brief/pages/lost": lost}
    if lost:
        stats.update({"brief/dropped/http_404": lost, "brief/dropped/robots": 1})
    check = checks_of(stats, BRIEF_MAX_LOST_SHARE=share)["lost_pages"]
    assert check.status == status
    if lost:
        assert check.message.endswith(f"dropped by reason: http_404 {lost}, robots 1")


def test_min_records_failing_names_the_drops_by_reason():
    stats = {**HEALTHY, "brief/records/written": 0, "brief/dropped/robots": 12}
    check = checks_of(stats)["min_records"]
    assert not check.passed
    assert check.message == (
        "brief/records/written + brief/skipped/unchanged is 0, expected >= 1 (BRIEF_MIN_RECORDS);"
        " dropped by reason: robots 12"
    )


def write_report(folder, run, stats):
    """Write a run report ``<run>.stats.json`` holding *stats*, as RunReport would."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run}.stats.json").write_text(json.dumps({"stats": stats}), encoding="utf-8")


@pytest.mark.parametrize(
    ("before", "now", "max_drop", "status"),
    [
        ((20, 20), (20, 20), 0.1, "passed"),
        ((20, 20), (18, 20), 0.1, "passed"),  # a fall of 0.1: at the limit
        ((20, 20), (17, 20), 0.1, "failed"),
        ((10, 20), (20, 20), 0.0, "passed"),  # a rise is no fall
        ((20, 20), (0, 20), 1.0, "passed"),  # 1: the check never fails
        ((5, 5), (0, 20), 0.1, "skipped"),  # the previous run found too few to compare with
        ((20, 20), (0, 5), 0.1, "skipped"),  # this run found too few to judge
    ],
)
def test_coverage_drop_against_the_previous_run(tmp_path, before, now, max_drop, status):
    folder = tmp_path / "wilsoncenter"
    write_report(
        folder, "20261127T090000Z", {"brief/records/found": before[1], "brief/fields/summary": before[0]}
    )
    crawler = make_crawler(
        {**PROJECT, "BRIEF_COVERAGE_MAX_DROP": max_drop, "BRIEF_MIN_COVERAGE": {"summary": 0.0}}
    )
    for key, value in {**HEALTHY, "brief/records/found": now[1], "brief/fields/summary": now[0]}.items():
        crawler.stats.set_value(key, value)
    checks = {c.name: c for c in run_checks(crawler, HealthCheckSuite, folder / "20261128T090000Z.jsonl")}
    assert checks["coverage_drop/summary"].status == status, checks["coverage_drop/summary"].message


def test_coverage_drop_message_gives_both_figures_and_compares_with_the_newest_earlier_run(tmp_path):
    folder = tmp_path / "wilsoncenter"
    write_report(folder, "20261126T090000Z", {"brief/records/found": 30, "brief/fields/posted_date": 0})
    write_report(folder, "20261127T090000Z", {"brief/records/written": 33, "brief/fields/posted_date": 33})
    write_report(
        folder, "20261129T090000Z", {"brief/records/found": 30, "brief/fields/posted_date": 0}
    )  # later
    crawler = make_crawler({**PROJECT, "BRIEF_MIN_COVERAGE": {"posted_date": 0.2}})
    for key, value in {**HEALTHY, "brief/records/found": 33, "brief/fields/posted_date": 9}.items():
        crawler.stats.set_value(key, value)
    checks = {c.name: c for c in run_checks(crawler, HealthCheckSuite, folder / "20261128T090000Z.jsonl")}
    check = checks["coverage_drop/posted_date"]
    assert check.status == "failed"
    assert check.message == (
        "brief/fields/posted_date / brief/records/found is 0.273 (9/33), was 1 (33/33) in run"
        " 20261127T090000Z: its fall is 0.727, expected <= 0.1 (BRIEF_COVERAGE_MAX_DROP)"
    )


def test_coverage_drop_is_skipped_on_a_first_run(tmp_path):
    crawler = make_crawler(PROJECT)
    for key, value in HEALTHY.items():
        crawler.stats.set_value(key, value)
    checks = {c.name: c for c in run_checks(crawler, HealthCheckSuite, tmp_path / "20261128T090000Z.jsonl")}
    assert {c.status for name, c in checks.items() if name.startswith("coverage_drop/")} == {"skipped"}


def test_coverage_drop_is_judged_on_the_fields_of_the_coverage_rules():
    checks = checks_of(HEALTHY, BRIEF_MIN_COVERAGE={"title": 1.0, "download_url": 0.5})
    assert sorted(name for name in checks if name.startswith("coverage_drop/")) == [
        "coverage_drop/download_url", "coverage_drop/title",
    ]  # fmt: skip
