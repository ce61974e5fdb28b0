"""Files named by spider arguments (``-a urls_file=``): read whole, bounded, never echoed.

A file argument is read when the arguments are checked, before the crawl starts, so it must
not hang (a FIFO with no writer), exhaust memory (``/dev/zero``, a log file by mistake) or
leak what it holds into a message (``/etc/passwd``). Each failure is one ValueError line
that names the argument and the path, never the content.
"""

from __future__ import annotations

import os
import stat
from typing import Any

ARGUMENT_FILE_MAX_BYTES = 8 * 1024 * 1024  # 8 MiB: about 100,000 URLs


def read_argument_file(path: Any, name: str, max_bytes: int = ARGUMENT_FILE_MAX_BYTES) -> str:
    """Return the UTF-8 text of the regular file at *path*, read only up to *max_bytes*.

    Raises ValueError naming the argument and the path, never the file's content: for a
    file that cannot be opened, one that is no regular file (a directory, a device such as
    ``/dev/zero``, a FIFO: opened without blocking, never read), one over *max_bytes*
    (checked before reading, and again while reading, for files that grow or lie about
    their size), and one that is not UTF-8.

    >>> read_argument_file("/dev/zero", "urls_file")
    Traceback (most recent call last):
    ...
    ValueError: urls_file: '/dev/zero' is not a regular file (a character device)
    >>> read_argument_file("/", "urls_file")
    Traceback (most recent call last):
    ...
    ValueError: urls_file: '/' is not a regular file (a directory)
    """
    where = repr(str(path))
    flags = os.O_RDONLY
    for name_of_flag in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC"):  # POSIX only; a FIFO must not block
        flags |= getattr(os, name_of_flag, 0)
    try:
        descriptor = os.open(path, flags)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a path"
        raise ValueError(f"{name}: cannot read {where} ({reason})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{name}: {where} is not a regular file ({_file_kind(info.st_mode)})")
        too_big = f"{name}: {where} is larger than {max_bytes:,} bytes, the limit of a file argument"
        if info.st_size > max_bytes:
            raise ValueError(too_big)
        chunks, left = [], max_bytes + 1
        while left > 0 and (chunk := os.read(descriptor, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as error:
        raise ValueError(f"{name}: cannot read {where} ({error.strerror})") from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise ValueError(too_big)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{name}: {where} is not UTF-8 text (byte {error.start:,} is not)") from None


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
    )  # fmt: skip
    return next((kind for test, kind in kinds if test(mode)), "not a file")
