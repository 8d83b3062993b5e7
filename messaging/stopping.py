"""SIGINT, SIGTERM and SIGHUP stop a campaign gracefully; a second Ctrl-C stops it at once.

systemd, docker and ``timeout`` send SIGTERM; a closed terminal sends SIGHUP. Left to their
default action they kill the process like ``kill -9``, abandoning requests in flight. Here
the first of them asks the dispatcher to stop (no new rows; requests in flight finish
within their deadline and are recorded); a second SIGINT abandons the requests in flight,
whose rows stay ``unknown`` and are reconciled, after settling, by the next run.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Stoppable(Protocol):
    stopping: bool

    def stop(self, signum: int | None = None) -> None: ...

    def abandon(self) -> None: ...


#: the signals that stop a campaign gracefully (SIGHUP only where it exists)
SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP"))
                if s is not None)


def exit_status(signum: int) -> int:
    """The shell's convention: 128 + the signal's number (130 INT, 143 TERM, 129 HUP)."""
    return 128 + int(signum)


@contextmanager
def stop_on_signals(target: Stoppable,
                    on_signal: Callable[[int, bool], None] | None = None) -> Iterator[None]:
    """While inside, the signals stop ``target``; ``on_signal(signum, abandoning)`` is
    told (to say so on screen). Outside the main thread this does nothing (Python
    delivers signals to the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        abandoning = signum == signal.SIGINT and target.stopping
        if abandoning:
            target.abandon()
        else:
            target.stop(signum)
        if on_signal is not None:
            on_signal(signum, abandoning)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
