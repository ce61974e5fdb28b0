"""What the previous run of a spider found, read from its report ``<run>.stats.json``.

The health checks compare a run's field coverage with the previous run's
(``brief_scraper.runs.monitors.CoverageDropMonitor``): the previous run is the newest run of the
same output folder, started before this one, whose report says it found enough records to
judge (``BRIEF_COVERAGE_MIN_RECORDS``). Reports of runs written before coverage was counted
on every record found (no ``brief/records/found``) count the records written instead. Pure:
no Scrapy.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brief_scraper.runs.files import REPORT_SUFFIX, run_key, run_name
from brief_scraper.runs.stats import RECORDS_FOUND, RECORDS_WRITTEN, fields_key

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PreviousRun:
    """A finished run's name and stats, as its report holds them."""

    name: str
    stats: dict[str, Any]

    @property
    def found(self) -> int:
        """Records the run found (written, or unchanged since an earlier run).

        >>> PreviousRun("r", {"brief/records/found": 30, "brief/records/written": 3}).found
        30
        >>> PreviousRun("r", {"brief/records/written": 12}).found  # a report from before found
        12
        """
        value = self.stats.get(RECORDS_FOUND)
        if value is None:
            value = self.stats.get(RECORDS_WRITTEN, 0)
        return int(value or 0)

    def covered(self, field: str) -> int:
        """Records the run found with a value in *field*."""
        return int(self.stats.get(fields_key(field), 0) or 0)


def previous_run(run_path: Path, least_found: int = 1) -> PreviousRun | None:
    """Return the newest run beside *run_path*, started before it, that found *least_found*
    records or more; None when there is none.

    A report that cannot be read is passed over (and logged).
    """
    current = run_name(run_path.name)
    if current is None or not run_path.parent.is_dir():
        return None
    earlier = []
    for path in run_path.parent.glob(f"*{REPORT_SUFFIX}"):
        name = run_name(path.name, (REPORT_SUFFIX,))
        if name is not None and run_key(name) < run_key(current):
            earlier.append((run_key(name), name, path))
    for _, name, path in sorted(earlier, reverse=True):
        try:
            stats = json.loads(path.read_text(encoding="utf-8"))["stats"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("Run report %(path)s cannot be read: %(error)s", {"path": path, "error": error})
            continue
        run = PreviousRun(name, stats)
        if run.found >= max(least_found, 1):
            return run
    return None
