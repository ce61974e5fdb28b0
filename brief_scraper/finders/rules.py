"""What a site means by its links and labels, whatever its markup: ``SiteRules``.

The text layer reads every unknown site with ``GENERIC_RULES``; a site profile gives its
own (the Wilson Center's programs live under ``/program/``), and they hold through a
redesign, since URLs and words outlive class names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SiteRules:
    """A site's conventions: which links are people, programs and topics."""

    person_path: re.Pattern[str]  # a link to an author's profile
    program_path: re.Pattern[str]  # a link to a program, center or institute: an organization
    topic_link: re.Pattern[str]  # a link to a tag, topic or region listing
    # True: a program link anywhere in the article files the piece under it (a site whose
    # program links are all filings); False: only near the headline or in an author block.
    programs_in_whole_article: bool = False


GENERIC_RULES = SiteRules(
    person_path=re.compile(
        r"/(?:person|people|experts?|staff|authors?|scholars?|fellows?|profiles?|contributors?|bios?"
        r"|autor(?:es|en)?|auteurs?|equipe|équipe|equipo|team)/[^/?#]+",
        re.I,
    ),
    program_path=re.compile(
        r"/(?:programs?|programmes?|programas?|centers?|centres?|centros?|institutes?|divisions?"
        r"|initiatives?)/[^/?#]+",
        re.I,
    ),
    topic_link=re.compile(
        r"/(?:tags?|topics?|subjects?|issues?|regions?|themen|schlagworte?|temas?|tem[aá]ticas?|th[eè]mes?"
        r"|th[ée]matiques?|etiquetas?|assuntos?)/[^/?#]+"
        r"|[?&](?:tags?|topics?|regions?)=",
        re.I,
    ),
)
