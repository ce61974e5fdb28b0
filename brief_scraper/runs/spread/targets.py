"""The Scrapyd nodes a spread run uses: the ``[deploy:NAME]`` targets of ``scrapy.cfg``.

The same sections ``scrapyd-deploy NAME`` reads, so a node declared for one works for the
other::

    [deploy:node1]
    url = http://10.0.0.11:6800/
    project = brief_scraper

The plain ``[deploy]`` section is ``scrapyd-deploy``'s default target; a spread run uses the
named ones (all, or those ``--targets`` names). Pure: no Scrapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from brief_scraper.crawling.arguments import check_url

if TYPE_CHECKING:
    from configparser import ConfigParser

DEFAULT_PROJECT = "brief_scraper"
_SECTION_PREFIX = "deploy:"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # goes into file names and messages
_PROJECT_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")  # Scrapyd puts it in paths


@dataclass(frozen=True, slots=True)
class Target:
    """One Scrapyd node: its name in ``scrapy.cfg``, its URL (ending in ``/``) and the project."""

    name: str
    url: str
    project: str = DEFAULT_PROJECT


def deploy_targets(config: ConfigParser, names: str | None = None) -> tuple[Target, ...]:
    """Return the ``[deploy:NAME]`` targets of *config*, in file order, or those *names* lists.

    Raises ValueError (one line, naming the target and the key, never a value but the URL's
    own checks) for no named target, an unknown name, a bad URL or project.

    >>> from configparser import ConfigParser
    >>> config = ConfigParser()
    >>> config.read_string("[deploy]\\nurl = http://127.0.0.1:6800/\\n"
    ...                    "[deploy:a]\\nurl = http://127.0.0.1:6801\\n[deploy:b]\\nurl = http://127.0.0.1:6802/\\n")
    >>> [(t.name, t.url, t.project) for t in deploy_targets(config)]
    [('a', 'http://127.0.0.1:6801/', 'brief_scraper'), ('b', 'http://127.0.0.1:6802/', 'brief_scraper')]
    >>> deploy_targets(config, "b,c")
    Traceback (most recent call last):
    ...
    ValueError: --targets: 'c' is no [deploy:NAME] target of scrapy.cfg (a, b)
    """
    found = {}
    for section in config.sections():
        if not section.startswith(_SECTION_PREFIX):
            continue
        name = section.removeprefix(_SECTION_PREFIX).strip()
        if not _NAME_RE.match(name):
            raise ValueError(f"scrapy.cfg: [deploy:{name[:40]}]: a target name is letters, digits, _ . -")
        found[name] = _target(name, config[section].get("url"), config[section].get("project"))
    if not found:
        raise ValueError(
            "scrapy.cfg has no [deploy:NAME] target: add one per Scrapyd node (url = http://host:6800/)"
        )
    if not names:
        return tuple(found.values())
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    for name in wanted:
        if name not in found:
            raise ValueError(
                f"--targets: {name[:40]!r} is no [deploy:NAME] target of scrapy.cfg ({', '.join(found)})"
            )
    return tuple(found[n] for n in dict.fromkeys(wanted))


def _target(name: str, url: str | None, project: str | None) -> Target:
    where = f"scrapy.cfg: [deploy:{name}]"
    if not url:
        raise ValueError(f"{where}: url: missing (url = http://host:6800/)")
    try:
        check_url(url.strip(), f"{where}: url")
    except ValueError as error:
        raise ValueError(str(error)) from None
    project = (project or DEFAULT_PROJECT).strip()
    if not _PROJECT_RE.match(project):
        raise ValueError(f"{where}: project: a project name is letters, digits, _ . -")
    return Target(name, url.strip().rstrip("/") + "/", project)
