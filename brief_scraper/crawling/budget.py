"""Call a function with a time budget: past it, the call is abandoned and ``OverBudget`` raised.

Extraction is pure Python over one parsed page, so a pathological page can hold the
process for minutes. Python cannot stop a function from another thread, but a signal
reaches the main thread between two bytecodes: :func:`call_within` arms a timer
(``signal.setitimer(ITIMER_REAL)``), and when it fires, ``SIGALRM``'s handler raises inside
the call, as Ctrl-C would (and again every 0.1 s until the call has left). The exception is
a ``BaseException``, so that the callee's own ``except Exception`` (``extract()`` turns any
failure into an empty record) lets it through; the caller gets ``OverBudget``.

Used where extraction runs: in the crawl's process (Scrapy's reactor runs there, in the
main thread; the timer is disarmed and the previous handler put back before the call
returns, so the reactor never sees the signal) and in each worker process
(``brief_scraper/crawling/workers.py``). What it cannot stop is a call stuck in C code that never
returns to Python (one long library call; Python's own regular expressions do check for
signals); a worker stuck like that is killed by the crawl instead. Where there is no
``setitimer`` (Windows) or the caller is not the main thread, the call runs without a
budget, and :func:`can_interrupt` says so.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

T = TypeVar("T")
_REPEAT_SECONDS = 0.1


class OverBudget(Exception):
    """The call ran past its time budget and was abandoned."""


class _Interrupt(BaseException):
    """Raised by the timer's handler inside the call; only call_within() catches it."""


def can_interrupt() -> bool:
    """Return whether :func:`call_within` can enforce a budget here (POSIX, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_within(seconds: float | None, function: Callable[..., T], *args: Any) -> T:
    """Return ``function(*args)``; raise OverBudget if it runs more than *seconds*.

    No budget (*seconds* None or 0, or :func:`can_interrupt` false): a plain call.

    >>> call_within(1.0, sum, [1, 2, 3])
    6
    >>> def spin():
    ...     while True:
    ...         pass
    >>> call_within(0.05, spin)
    Traceback (most recent call last):
    ...
    brief_scraper.crawling.budget.OverBudget: ran past its budget of 0.05 s
    """
    if not seconds or seconds <= 0 or not can_interrupt():
        return function(*args)
    armed = True

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if armed:  # a late signal, after the call returned, is ignored
            raise _Interrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        # Then again every 0.1 s, in case the callee swallows one (an "except BaseException").
        signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_SECONDS)
        try:
            return function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            armed = False
    except _Interrupt:
        raise OverBudget(f"ran past its budget of {seconds:g} s") from None
    finally:
        signal.signal(signal.SIGALRM, previous)
