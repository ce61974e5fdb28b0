"""Spider arguments checked at start: files read with a limit and never echoed, URLs the crawl
can request (brief_scraper/crawling/arguments.py and argument_files.py, the crawl command)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from brief_scraper.crawling.argument_files import ARGUMENT_FILE_MAX_BYTES, read_argument_file
from spiders.generic import GenericSpider
from spiders.wilsoncenter import WilsonCenterSpider
from tests.crawl_support import ROOT

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "root:x:0:0:s3cr3t-line:/root:/bin/bash"


def crawl(spider: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy crawl <spider> -a ...``; every URL given here is on 127.0.0.1 or refused."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for argument in arguments:
        command += ["-a", argument]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def error_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The usage-error lines, without the program name (``scrapy``, or ``__main__.py`` with -m)."""
    return [m[1] for m in re.finditer(r"^\S+: error: (.*)$", done.stderr, re.M)]


# --- files named by arguments ------------------------------------------------------------


def test_a_file_argument_never_echoes_its_content(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    done = crawl("generic", f"urls_file={path}")
    assert done.returncode == 2
    assert error_lines(done) == ["generic: urls_file: line 1 is not an http(s) URL"]
    assert "s3cr3t" not in done.stderr + done.stdout


@pytest.mark.parametrize("kind", ["dev-zero", "huge", "fifo", "directory"])
def test_a_device_fifo_directory_or_huge_file_fails_fast_with_one_line(tmp_path: Path, kind: str) -> None:
    if kind == "dev-zero":
        path, expected = "/dev/zero", "is not a regular file (a character device)"
    elif kind == "huge":
        path, expected = tmp_path / "huge.txt", f"is larger than {ARGUMENT_FILE_MAX_BYTES:,} bytes"
        with path.open("wb") as huge:  # sparse: 1 GB that costs nothing to make
            huge.truncate(1 << 30)
    elif kind == "fifo":
        path, expected = tmp_path / "urls.fifo", "is not a regular file (a FIFO)"
        os.mkfifo(path)  # no writer: a blocking open would hang the crawl's start
    else:
        path, expected = tmp_path, "is not a regular file (a directory)"
    started = time.monotonic()
    done = crawl("generic", f"urls_file={path}")
    assert done.returncode == 2
    [line] = error_lines(done)
    assert expected in line
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


def test_a_file_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_text("https://127.0.0.1/a\n" * 10, encoding="utf-8")
    assert read_argument_file(path, "urls_file", max_bytes=1000).count("\n") == 10
    with pytest.raises(ValueError, match=r"urls_file: '.*urls\.txt' is larger than 100 bytes"):
        read_argument_file(path, "urls_file", max_bytes=100)


def test_a_file_that_is_not_utf8_names_no_byte_of_it(tmp_path: Path) -> None:
    path = tmp_path / "urls.bin"
    path.write_bytes(b"https://127.0.0.1/a\n\xff\xfe secret")
    with pytest.raises(ValueError, match=r"is not UTF-8 text \(byte 20 is not\)$") as raised:
        read_argument_file(path, "urls_file")
    assert "secret" not in str(raised.value)


# --- URLs the crawl would reject later ---------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://user:pw@127.0.0.1:9", "a URL with user info (user:password@) is refused"),
        ("http://127.0.0.1:9/a/../b", "has a '.' or '..' path segment"),
        ("http://127.0.0.1:9/./a", "has a '.' or '..' path segment"),
        ("http://127.0.0.1:9/%2E%2E/a", "has a '.' or '..' path segment"),
        ("http://127.0.0.1:9/?page=2", "has a query or fragment"),
        ("http://127.0.0.1:9/#top", "has a query or fragment"),
        ("http://127.0.0.1:9?", "has a query or fragment"),
        ("http://[::1]:9", "has an IPv6 host, which the crawl cannot resolve (use a name or IPv4)"),
        ("http://127.0.0.1:99999", "has no valid host and port"),
        ("http://127.0.0.1:0", "has port 0"),
        ("http://exa mple.org", "holds whitespace"),
        ("http://127.0.0.1:9\\@evil.example", "holds whitespace, a control character or a backslash"),
        ("http://example..org", "has no valid host name"),
        ("ftp://127.0.0.1/", "is not an http(s) URL"),
        ("file:///etc/passwd", "is not an http(s) URL"),
    ],
)
def test_base_url_the_crawl_cannot_use_is_refused(base_url: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        WilsonCenterSpider.check_arguments(base_url=base_url)
    assert str(raised.value).startswith("base_url: ")
    assert "pw" not in str(raised.value)  # user info is never echoed


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"start_urls": "http://user:pw@127.0.0.1:9/a"}, "start_urls: a URL with user info"),
        ({"start_urls": "http://127.0.0.1:9/a/../b"}, "start_urls: 'http://127.0.0.1:9/a/../b' has a '.'"),
        ({"start_urls": "http://[::1]:9/a"}, "start_urls: 'http://[::1]:9/a' has an IPv6 host"),
        ({"sitemap_url": "http://u@127.0.0.1:9/s.xml"}, "sitemap_url: a URL with user info"),
    ],
)
def test_generic_urls_the_crawl_cannot_use_are_refused(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GenericSpider.check_arguments(**arguments)


def test_a_relative_start_url_with_dot_segments_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("start_urls: '/a/../publication/x' has a '.' or '..'")):
        WilsonCenterSpider.check_arguments(base_url="http://127.0.0.1:9", start_urls="/a/../publication/x")


def test_good_urls_still_pass() -> None:
    args = WilsonCenterSpider.check_arguments(
        base_url="http://127.0.0.1:9/", start_urls="/publication/a.b,http://127.0.0.1:9/insight-analysis?x=1#f"
    )
    assert args.base_url == "http://127.0.0.1:9"
    assert args.start_urls == ("http://127.0.0.1:9/publication/a.b", "http://127.0.0.1:9/insight-analysis?x=1")
    assert GenericSpider.check_arguments(start_urls="http://bücher.example/a").urls == (
        "http://xn--bcher-kva.example/a",
    )


def test_a_refused_base_url_stops_the_crawl_command_with_exit_2_and_one_line() -> None:
    done = crawl("wilsoncenter", "base_url=http://user:pw@127.0.0.1:9")
    assert done.returncode == 2
    assert error_lines(done) == [
        "wilsoncenter: base_url: a URL with user info (user:password@) is refused;"
        " the crawl sends no credentials"
    ]
    assert "pw@" not in done.stderr
