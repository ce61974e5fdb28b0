"""JSON lines files a crash cannot cut mid-line: each line reaches the disk with one ``write(2)``.

Shared by the components that write records as JSON lines (JsonlWriterPipeline's run file,
ValidatePipeline's rejected file); ``pipelines/jsonl.py`` says why a killed run's file holds
whole lines only.
"""

from __future__ import annotations

import gzip
import io
import os
from typing import IO, TYPE_CHECKING, Any, Self, cast

import jsonlines

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


class LineFile(io.RawIOBase):
    """A file opened for appending that commits each line with one ``write(2)`` on flush.

    jsonlines writes a record and its newline, then flushes (``flush=True``): the two reach
    the disk together, and with *compress* as one whole gzip member.
    """

    def __init__(self, path: Path, compress: bool) -> None:
        super().__init__()
        self.path = path
        self.compress = compress
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        self._pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data)
        self._pending += view
        return view.nbytes

    def flush(self) -> None:
        if self.closed or not self._pending:
            return
        line = bytes(self._pending)
        self._pending.clear()
        chunk = gzip.compress(line, compresslevel=6, mtime=0) if self.compress else line
        while chunk:  # one write(2) for the line, unless the OS takes only part of it
            chunk = chunk[os.write(self._fd, chunk) :]

    def close(self) -> None:
        if not self.closed:
            try:
                super().close()  # flushes
            finally:
                os.close(self._fd)


class RecordFile:
    """JSON lines written with ``jsonlines`` into a new :class:`LineFile`, one record per line."""

    def __init__(self, path: Path, compress: bool, dumps: Callable[[Any], str] | None = None) -> None:
        self._file = LineFile(path, compress)
        options: dict[str, Any] = {"dumps": dumps} if dumps else {"compact": True}
        # LineFile is a binary file object, which jsonlines writes to; its stubs want IO.
        self._lines = jsonlines.Writer(cast("IO[bytes]", self._file), flush=True, **options)

    def write(self, record: Any) -> None:
        self._lines.write(record)

    def close(self) -> None:
        self._lines.close()  # jsonlines leaves closing the file to its opener
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_lines(path: Path) -> Iterator[bytes]:
    """Yield the lines of a run file (plain or gzip), without their newline."""
    opener = gzip.open if path.name.endswith((".gz", ".gz.part")) else open
    with opener(path, "rb") as lines:
        for line in lines:
            yield line.rstrip(b"\n")
