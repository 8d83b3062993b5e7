"""The progress ``emsg send`` shows: finished sends, retries and waits as they happen.

It counts only recipients done for good (sent, failed, skipped): work cancelled by a stop
is not progress. Retries (429, 5xx, an uncertain outcome, an unreachable provider) and
rate-limit or backoff waits are shown beside the bar on a terminal, and summed up in one
line at the end (a log file gets that line).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

import click

from .dispatch import FINAL
from .stopping import exit_status

RETRY_NAMES = {"throttled": "429", "transient": "5xx", "uncertain": "unknown outcome",
               "unreachable": "unreachable"}


class Progress:
    """A click progress bar on stderr, fed from the dispatcher's worker threads."""

    def __init__(self, total: int, show: bool) -> None:
        self._lock = threading.Lock()
        self._bar = None
        self.retries: Counter = Counter()
        self.waited: Counter = Counter()  # seconds, by why
        self._waiting = ""
        self._waiting_until = 0.0
        self.done = 0
        self.show = show
        if show:
            self._bar = click.progressbar(length=total, label="Sending", file=sys.stderr,
                                          show_pos=True, show_eta=True,
                                          item_show_func=lambda status: status)
            self._bar.__enter__()

    def update(self, outcome: str, row: object) -> None:
        if outcome not in FINAL:
            return
        with self._lock:
            self.done += 1
            if self._bar is not None:
                self._bar.update(1, self._status())

    def event(self, kind: str, info: dict) -> None:
        with self._lock:
            if kind == "retry":
                self.retries[info["why"]] += 1
            elif kind == "waiting":
                self.waited[info["why"]] += float(info["seconds"])
                self._waiting = f"waiting {float(info['seconds']):.1f} s ({info['why']})"
                self._waiting_until = time.monotonic() + float(info["seconds"])
            elif kind == "settling":
                self._echo(f"Waiting {float(info['seconds']):.0f} s for {info['rows']} "
                           "message(s) whose outcome is unknown to settle, then asking "
                           "Twilio whether they went out (--settle)")
                return
            if self._bar is not None:
                self._bar.update(0, self._status())

    def stopping(self, signum: int, abandoning: bool) -> None:
        """A signal arrived (called from the signal handler, in the main thread)."""
        name = {130: "Ctrl-C", 143: "SIGTERM", 129: "SIGHUP"}.get(exit_status(signum),
                                                                   f"signal {signum}")
        if abandoning:
            self._echo("Stopping at once: requests in flight are left unknown (reconciled "
                       "when you resume).")
        else:
            self._echo(f"{name}: stopping; no new messages, waiting for the requests in "
                       "flight (Ctrl-C again to stop at once).")

    def _status(self) -> str:
        bits = [f"{RETRY_NAMES.get(k, k)} x{n}" for k, n in sorted(self.retries.items())]
        if self._waiting and time.monotonic() < self._waiting_until:
            bits.append(self._waiting)
        return ("retries: " + ", ".join(bits)) if bits else ""

    def _echo(self, line: str) -> None:
        if self.show:
            click.echo(f"\n{line}" if self._bar is not None else line, err=True)

    def summary_line(self) -> str | None:
        """One line for the end: what was retried and waited for, if anything."""
        with self._lock:
            parts = [f"{n} {RETRY_NAMES.get(k, k)}" for k, n in sorted(self.retries.items())]
            waits = [f"{s:.1f} s for the {why}" for why, s in sorted(self.waited.items())
                     if s >= 0.05]
        if not parts and not waits:
            return None
        line = "Retries: " + (", ".join(parts) if parts else "none")
        return line + (f"; waited {', '.join(waits)} (summed over the workers)"
                       if waits else "")

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.__exit__(None, None, None)
                self._bar = None
