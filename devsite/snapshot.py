"""The offline site's content: fixture pages, generated variants, listings, sitemaps, robots.txt.

Built once, deterministically, from what is on disk when it is built:

- every ``tests/fixtures/wilsoncenter/<case>/page.html``, served at its ``meta.json`` URL's path;
- variants from ``tests/fixtures/offline_site/site.json``: each a copy of a design A/B fixture
  page of its type with a new title, slug and date (or, when no fixture can be rewritten
  cleanly, the bundled template of its type), so the site has at least 30 items however few
  fixtures exist;
- the special entries of ``site.json``: a redirect, a robots-disallowed page, a 404, a 500,
  a PDF and links to other hosts.

:class:`Snapshot` also says what a crawl should find (``entries``), so tests compare a crawl
with the site instead of with numbers that change as fixtures are added. Serving is
``devsite.offline_site``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import quote, urlsplit

from w3lib.encoding import html_body_declared_encoding

from brief_scraper.page import Page
from brief_scraper.parsing import decode_html, parse_root
from brief_scraper.sites.wilsoncenter import WILSON_CENTER
from brief_scraper.urls import host_of

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = ROOT / "tests" / "fixtures" / "wilsoncenter"
SITE_DIR = ROOT / "tests" / "fixtures" / "offline_site"
LIVE_ORIGIN = "https://www.wilsoncenter.org"  # canonical URLs of a snapshot name the live site
TEMPLATE_OF_KIND = {"publication": "publication-a.html", "article": "article-b.html"}
VARIANT_DESIGNS = frozenset({"wilsoncenter/a", "wilsoncenter/b"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One item the site lists: a page, or a link that leads elsewhere (``role``).

    ``role`` is ``page`` (served, 200), ``redirect`` (301 to ``target``), ``disallowed``
    (served, but robots.txt forbids it), ``missing`` (404), ``error`` (500), ``document``
    (a PDF) or ``external`` (another host; ``{port}`` stands for the server's port).
    """

    path: str
    kind: str
    title: str
    posted_date: str | None
    program: bool
    role: str = "page"
    origin: str = "variant"  # "fixture", "variant" (from a fixture), "template", "special"
    target: str | None = None  # the page a redirect leads to

    def href(self, port: int) -> str:
        """The link as listings write it (external ones get the server's port)."""
        return self.path.replace("{port}", str(port)) if self.role == "external" else quote(self.path)


@dataclass(frozen=True, slots=True)
class Served:
    """A response body the site serves at one path."""

    body: bytes
    content_type: str
    status: int = 200


@dataclass
class Snapshot:
    """Everything the offline site serves, and what it lists."""

    config: dict[str, Any]
    pages: dict[str, Served] = field(default_factory=dict)  # path -> response
    redirects: dict[str, str] = field(default_factory=dict)  # old path -> new path
    errors: dict[str, int] = field(default_factory=dict)  # path -> status to answer
    items: dict[str, Entry] = field(default_factory=dict)  # every served item page, by path
    entries: list[Entry] = field(default_factory=list)  # what listings show, newest first

    @property
    def program(self) -> dict[str, str]:
        """The program the site has a page for: ``slug``, ``id``, ``name``."""
        return self.config["program"]

    def listed(self, program_only: bool = False) -> list[Entry]:
        """Return the listed entries, newest first (undated last), optionally the program's only."""
        return [e for e in self.entries if e.program or not program_only]

    def target(self, entry: Entry) -> Entry:
        """Return the page a redirect entry leads to (any other entry itself)."""
        return self.items[entry.target] if entry.role == "redirect" and entry.target else entry

    def record_url(self, entry: Entry, base_url: str) -> str:
        """Return the URL the record of *entry*'s page has: its canonical, else where it is served."""
        page = self.target(entry)
        served = f"{base_url}{quote(page.path)}"
        return Page(parse_root(self.pages[page.path].body), served).canonical_url or served

    def records(self, entries: list[Entry], types: tuple[str, ...], base_url: str) -> set[str]:
        """Return the record URLs a crawl that reaches *entries* emits for items of *types*."""
        pages = [e for e in entries if e.role in ("page", "redirect") and e.kind in types]
        return {self.record_url(e, base_url) for e in pages}


def slugify(title: str) -> str:
    """Return the URL slug of a title, as the site makes them.

    >>> slugify("The State of Mexico's Judicial Reform: A Data Brief")
    'state-mexicos-judicial-reform-data-brief'
    """
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text.replace("'", ""))
    return "-".join(w for w in words if w not in {"the", "a", "an", "of", "and", "on", "in", "for", "to"})


def display_date(day: str) -> str:
    """Return ``YYYY-MM-DD`` as the site shows it.

    >>> display_date("2026-06-05")
    'June 5, 2026'
    """
    parsed = date.fromisoformat(day)
    return f"{parsed:%B} {parsed.day}, {parsed.year}"


@dataclass(frozen=True, slots=True)
class Fixture:
    """A fixture page and the facts its hand-written expected record gives."""

    path: str
    url: str
    design: str
    body: bytes
    title: str | None
    posted_date: str | None
    posted_raw: str | None
    program: bool

    @property
    def kind(self) -> str:
        """First segment of the URL path (``publication``, ``person``...)."""
        return self.path.strip("/").split("/")[0]


def load_fixtures(fixtures_dir: Path = FIXTURES_DIR) -> list[Fixture]:
    """Return the fixture pages found now (sorted by folder), skipping incomplete ones."""
    found = []
    for case in sorted(fixtures_dir.glob("*/page.html")):
        try:
            meta = json.loads((case.parent / "meta.json").read_text(encoding="utf-8"))
            expected_path = case.parent / "expected.json"
            expected = json.loads(expected_path.read_text(encoding="utf-8")) if expected_path.exists() else {}
            body = case.read_bytes()
        except (OSError, ValueError):
            logger.info("Fixture not ready, skipped: %(case)s", {"case": case.parent.name})
            continue
        url = str(meta.get("url") or "")
        path = urlsplit(url).path
        if not path.startswith("/") or path == "/":
            continue
        programs = expected.get("programs") or []
        found.append(
            Fixture(
                path=path, url=url, design=str(meta.get("design") or ""), body=body,
                title=expected.get("title"), posted_date=expected.get("posted_date"),
                posted_raw=expected.get("posted_raw"),
                program=any("/program/mexico-institute" in str(p.get("url")) for p in programs),
            )
        )  # fmt: skip
    return found


def rewrite_page(fixture: Fixture, path: str, title: str, posted_date: str) -> bytes | None:
    """Return *fixture*'s page with a new path, title and date; None if it cannot be done cleanly.

    Every spelling of the old title, path, shown date and ISO day is replaced; a page where
    any of them is left (written some other way) is not used, so a variant never says two
    things at once.
    """
    if not (fixture.title and fixture.posted_date and fixture.posted_raw):
        return None
    text = decode_html(fixture.body)  # as extract() reads it
    if "\ufffd" in text:
        return None  # bytes the page's encoding cannot say: a copy would not be clean
    encoding = html_body_declared_encoding(fixture.body) or "utf-8"  # undeclared: write UTF-8
    new_raw = display_date(posted_date)
    pairs = [(fixture.path, path), (fixture.posted_raw, new_raw), (fixture.posted_date, posted_date)]
    old, new = fixture.title, title
    pairs += [
        (html.escape(old), html.escape(new)),
        (html.escape(old, quote=False), html.escape(new, quote=False)),
        (json.dumps(old)[1:-1], json.dumps(new)[1:-1]),
        (old, new),
    ]
    for old, new in pairs:
        text = text.replace(old, new)
    olds = [fixture.path, fixture.posted_raw, fixture.posted_date, fixture.title, html.escape(fixture.title)]
    if any(old in text for old in olds) or html.unescape(fixture.title) in html.unescape(text):
        return None
    try:
        body = text.encode(encoding, errors="xmlcharrefreplace")
    except LookupError:
        return None
    return body if decode_html(body) == text else None


def _template(site_dir: Path, name: str) -> Template:
    return Template((site_dir / "templates" / name).read_text(encoding="utf-8"))


def render_page(site_dir: Path, config: dict[str, Any], kind: str, path: str, title: str, day: str) -> bytes:
    """Return a page of *kind* from the bundled template (design A publication, B article)."""
    program = config["program"]
    values = {
        "title": html.escape(title), "canonical": f"{LIVE_ORIGIN}{quote(path)}",
        "date_iso": day, "date_raw": display_date(day), "type_label": kind.replace("-", " ").title(),
        "summary": html.escape(f"{title}: a {kind} of the {program['name']} on the offline site."),
        "pdf_path": quote(config["pdf"]), "program_slug": program["slug"], "program_name": program["name"],
    }  # fmt: skip
    name = TEMPLATE_OF_KIND.get(kind, TEMPLATE_OF_KIND["publication"])
    return _template(site_dir, name).substitute(values).encode("utf-8")


def build_snapshot(fixtures_dir: Path = FIXTURES_DIR, site_dir: Path = SITE_DIR) -> Snapshot:
    """Return the offline site as it is on disk now (fixtures, variants, special entries)."""
    config = json.loads((site_dir / "site.json").read_text(encoding="utf-8"))
    snap = Snapshot(config)
    fixtures = load_fixtures(fixtures_dir)
    for fixture in fixtures:
        if fixture.path in snap.pages:
            continue
        snap.pages[fixture.path] = Served(fixture.body, "text/html")  # its own charset declaration
        snap.items[fixture.path] = Entry(
            fixture.path, fixture.kind, fixture.title or fixture.path, fixture.posted_date, fixture.program,
            origin="fixture",
        )  # fmt: skip
    listed = [e for e in snap.items.values() if e.kind in WILSON_CENTER.discovery.item_types]
    variants = [_add_variant(snap, site_dir, fixtures, n, spec) for n, spec in enumerate(config["variants"])]
    listed += variants
    for spec in config["special"]:
        listed.append(_add_special(snap, site_dir, variants, spec))
    hidden = set(snap.redirects.values())  # pages listings reach through their old URL only
    listed = [e for e in listed if e.path not in hidden]
    snap.entries = sorted(listed, key=lambda e: (e.posted_date is None, _neg_day(e.posted_date), e.path))
    return snap


def _add_variant(
    snap: Snapshot, site_dir: Path, fixtures: list[Fixture], number: int, spec: dict[str, Any]
) -> Entry:
    kind, title, day = spec["kind"], spec["title"], spec["posted_date"]
    path = f"/{kind}/{slugify(title)}"
    while path in snap.pages:  # a fixture already there: the variant takes another slug
        path += "-variant"
    sources = [f for f in fixtures if f.design in VARIANT_DESIGNS and f.kind == kind]
    # A page naming its absolute wilsoncenter.org canonical URL is the site's on 127.0.0.1 too.
    sources = [f for f in sources if _names_live_canonical(f.body)] or sources
    body, origin = None, "template"
    for offset in range(len(sources)):  # the variant's own fixture first, then the others
        body = rewrite_page(sources[(number + offset) % len(sources)], path, title, day)
        if body is not None:
            origin = "variant"
            break
    if body is None:
        body = render_page(site_dir, snap.config, kind, path, title, day)
    snap.pages.setdefault(path, Served(body, "text/html; charset=utf-8"))
    entry = Entry(path, kind, title, day, spec["program"], origin=origin)
    snap.items.setdefault(path, entry)
    return entry


def _names_live_canonical(body: bytes) -> bool:
    canonical = Page(parse_root(body), "http://offline.invalid/").canonical_url
    return host_of(canonical) == host_of(LIVE_ORIGIN)


def _neg_day(day: str | None) -> int:
    return -date.fromisoformat(day).toordinal() if day else 0


def _add_special(snap: Snapshot, site_dir: Path, variants: list[Entry], spec: dict[str, Any]) -> Entry:
    role, path = spec["role"], spec["path"]
    if role == "redirect":
        target = variants[spec["variant"]]
        snap.redirects[path] = target.path
        return Entry(path, target.kind, target.title, target.posted_date, target.program, role, "special",
                     target=target.path)  # fmt: skip
    entry = Entry(path, spec["kind"], spec["title"], spec["posted_date"], spec["program"], role, "special")
    if role in ("disallowed", "external"):  # served, so that a crawl breaking the rules would show
        local_path = urlsplit(path.replace("{port}", "0")).path
        body = render_page(site_dir, snap.config, entry.kind, local_path, entry.title, spec["posted_date"])
        snap.pages.setdefault(local_path, Served(body, "text/html; charset=utf-8"))
        snap.items.setdefault(local_path, entry)
    elif role in ("missing", "error"):
        snap.errors[path] = 404 if role == "missing" else 500
    elif role == "document":
        snap.pages[path] = Served((site_dir / "files" / Path(path).name).read_bytes(), "application/pdf")
    return entry
