"""Scrapyd's JSON API, the few endpoints a spread run needs, over urllib.

``daemonstatus.json`` (is the node there), ``addversion.json`` (the egg), ``schedule.json``,
``listjobs.json``, ``cancel.json``, ``listversions.json`` and ``delversion.json`` (old eggs),
and the files Scrapyd serves (``/logs/...``,
``/items/...``). Two failures are told apart, since they call for different answers: a node
that does not answer (:class:`NodeUnreachable`: refused, timed out, a broken connection, an
HTTP 5xx) has its jobs moved to the others; a node that answers no
(:class:`ScrapydRefused`: ``"status": "error"``, a 4xx) is reported as it said. Pure: no
Scrapy.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from brief_scraper.runs.spread.targets import Target

REQUEST_TIMEOUT_SECONDS = 30.0  # addversion.json lists the egg's spiders in a new process first
_MAX_JSON_BYTES = 64 * 1024 * 1024  # listjobs.json of a busy node is large, never this large


class NodeUnreachable(Exception):
    """The node did not answer: it gets no (more) jobs, and its unfinished ones move."""


class ScrapydRefused(Exception):
    """The node answered, and said no: its message is reported as it is."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Scrapyd never redirects: a node that does is answered as one that said no, not followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class ScrapydClient:
    """Calls to Scrapyd nodes (one client for all of them; each call names its target)."""

    def __init__(self, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)  # requests go to the node's address only

    def daemon_status(self, target: Target) -> dict[str, Any]:
        """Return the node's ``daemonstatus.json`` (pending, running, finished)."""
        return self._json(target, "daemonstatus.json")

    def add_version(self, target: Target, version: str, egg: bytes) -> dict[str, Any]:
        """Upload *egg* as *version* of the target's project (``addversion.json``)."""
        body, content_type = multipart(
            [("project", target.project), ("version", version)], ("egg", "project.egg", egg)
        )
        return self._json(target, "addversion.json", body, content_type)

    def schedule(self, target: Target, fields: Sequence[tuple[str, str]]) -> str:
        """Schedule a job (``schedule.json``) with *fields* (project added); return its id."""
        body = urllib.parse.urlencode([("project", target.project), *fields]).encode()
        answer = self._json(target, "schedule.json", body, "application/x-www-form-urlencoded")
        job = answer.get("jobid")
        if not isinstance(job, str) or not job:
            raise ScrapydRefused("schedule.json answered no jobid")
        return job

    def list_jobs(self, target: Target) -> dict[str, Any]:
        """Return the project's ``listjobs.json``: pending, running and finished jobs."""
        return self._json(target, "listjobs.json?" + urllib.parse.urlencode({"project": target.project}))

    def cancel(self, target: Target, job: str) -> dict[str, Any]:
        """Cancel a pending or running job (``cancel.json``)."""
        body = urllib.parse.urlencode([("project", target.project), ("job", job)]).encode()
        return self._json(target, "cancel.json", body, "application/x-www-form-urlencoded")

    def list_versions(self, target: Target) -> list[str]:
        """Return the project's egg versions on the node, oldest first (``listversions.json``)."""
        query = urllib.parse.urlencode({"project": target.project})
        answer = self._json(target, f"listversions.json?{query}")
        versions = answer.get("versions")
        return [v for v in versions if isinstance(v, str)] if isinstance(versions, list) else []

    def delete_version(self, target: Target, version: str) -> None:
        """Delete one egg version of the target's project (``delversion.json``)."""
        body = urllib.parse.urlencode([("project", target.project), ("version", version)]).encode()
        self._json(target, "delversion.json", body, "application/x-www-form-urlencoded")

    def download(self, target: Target, path: str, dest: Path) -> int:
        """Copy a file the node serves (*path* from ``listjobs.json``: ``/logs/...``) to *dest*;
        return its size. A missing file is :class:`ScrapydRefused` (HTTP 404)."""
        url = urllib.parse.urljoin(target.url, path)
        if urllib.parse.urlsplit(url).netloc != urllib.parse.urlsplit(target.url).netloc:
            raise ScrapydRefused(f"{path[:80]!r} is not a path of the node")  # files come from the node only
        with self._open(url) as response, dest.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
            return out.tell()

    def _json(self, target: Target, endpoint: str, body: bytes | None = None, content_type: str = "") -> Any:
        headers = {"Content-Type": content_type} if body is not None else {}
        with self._open(urllib.parse.urljoin(target.url, endpoint), body, headers) as response:
            data = response.read(_MAX_JSON_BYTES + 1)
        try:
            answer = json.loads(data)
        except ValueError:
            raise ScrapydRefused(f"{endpoint.split('?')[0]} answered no JSON: is this a Scrapyd?") from None
        if not isinstance(answer, dict):
            raise ScrapydRefused(f"{endpoint.split('?')[0]} answered no JSON object")
        if answer.get("status") != "ok":
            raise ScrapydRefused(str(answer.get("message") or answer.get("status") or "no status")[:500])
        return answer

    def _open(self, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        request = urllib.request.Request(url, body, headers or {})
        try:
            return self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code >= 500:
                raise NodeUnreachable(f"HTTP {error.code}") from None
            raise ScrapydRefused(f"HTTP {error.code} for {urllib.parse.urlsplit(url).path}") from None
        except (urllib.error.URLError, OSError) as error:  # refused, timed out, reset, no such host
            reason = getattr(error, "reason", error)
            raise NodeUnreachable(str(getattr(reason, "strerror", None) or reason)) from None


def multipart(fields: Sequence[tuple[str, str]], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    """Return a ``multipart/form-data`` body of *fields* and one *file* (name, filename, bytes),
    and its Content-Type.

    >>> body, kind = multipart([("project", "p")], ("egg", "p.egg", b"PK"))
    >>> kind.startswith("multipart/form-data; boundary="), body.count(b"Content-Disposition")
    (True, 2)
    >>> body.endswith(b"--\\r\\n")
    True
    """
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    name, filename, data = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
