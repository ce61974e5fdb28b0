"""Extraction layers: each is a pure ``(Page) -> LayerResult``.

A result holds the record fields the layer found and, apart from them, the evidence that
``reconcile`` weighs afterwards (names the site goes by, a modified date, the date shown
under the headline): facts about the page that are not fields of the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from brief_scraper.record import Layer


@dataclass(slots=True)
class Evidence:
    """What a layer saw that is not a record field."""

    site_names: list[str] = field(default_factory=list)  # og:site_name, publisher, host
    modified_date: str | None = None  # YYYY-MM-DD: the last resort when no posted date exists
    headline_date: str | None = None  # YYYY-MM-DD shown just under the headline
    design: str | None = None  # the site design that matched ("wilsoncenter/a")
    is_publication: bool = True  # False: the design says the page is a person's or a program's


@dataclass(slots=True)
class LayerResult:
    """One layer's answer: the fields it found (only those with a value) and its evidence."""

    layer: Layer
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: Evidence = field(default_factory=Evidence)

    def get(self, name: str) -> Any:
        """Return the layer's value of field *name*, or None."""
        return self.fields.get(name)
