"""Run a campaign: send every open row of a journal through a backend, exactly once.

For each recipient a worker thread:

1. skips it if the number is on the opt-out list;
2. waits for the rate limit (segments per second) and any global backoff;
3. marks the row ``sending`` (committed, with the time the request's deadline passes),
   sends, and records ``sent`` with the SID, ``failed`` with the code (permanent errors:
   never retried; 21610 also opts the number out), ``pending`` again for a transient
   failure (retried after an exponential backoff with jitter; a 429 slows every worker),
   or ``unknown`` when the request may have gone out (a timeout, a dropped connection, a
   5xx after sending).

**Settling.** An unknown outcome is never reconciled at once: the request, or Twilio's
handling of it, may still be in flight, and a list read too early finds nothing and texts
the person twice. A row whose outcome is unknown (from this run, or left ``sending`` or
``unknown`` by a run that died) waits until its attempt's deadline plus ``settle``
seconds have passed, while other recipients go on; then the provider's list is read
(:meth:`Backend.find_sent`: same To, same body fingerprint, created at or after the first
attempt) and, if nothing is there, read once more ``settle`` seconds later before the
row is sent again. At the end of a run the dispatcher waits for the rows still settling.

**Configuration errors.** :class:`Unreachable` failures (connection refused, DNS, TLS, a
redirect, a proxy's answer) leave the row pending; ``config_failures`` of them in a row,
with no success between, stop the run with :class:`BackendConfigError`.

**Stopping.** :meth:`Dispatcher.stop` takes no new row and lets requests in flight finish
(each within its deadline) and be recorded; :meth:`Dispatcher.abandon` returns at once,
leaving rows in flight ``unknown`` (which settling makes safe). ``messaging.stopping``
maps SIGINT, SIGTERM and SIGHUP onto them.

Nothing here depends on click; progress is reported through callbacks.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import queue
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .backends import (
    Backend,
    BackendConfigError,
    Outgoing,
    PermanentFailure,
    TransientFailure,
    UncertainOutcome,
    Unreachable,
)
from .journal import OPEN_STATES, Journal, Row
from .optouts import OptOutList
from .ratelimit import TokenBucket

UNSUBSCRIBED = 21610
#: seconds an unknown outcome waits past its request's deadline before the provider is
#: asked (and again before "not sent" is concluded); ``emsg send --settle``
DEFAULT_SETTLE = 10.0
#: outcomes that finish a recipient for good (the progress bar counts these)
FINAL = ("sent", "failed", "skipped")


@dataclass
class DispatchOptions:
    concurrency: int = 10
    rate: float | None = None  # segments per second; None: no limit
    max_attempts: int = 6  # requests per recipient in one run, before leaving it pending
    backoff_base: float = 0.5  # seconds, doubled per retry, with jitter
    backoff_cap: float = 30.0
    settle: float = DEFAULT_SETTLE  # see the module docstring
    skew: float = 300.0  # seconds of clock difference tolerated when reconciling
    config_failures: int = 3  # Unreachable failures in a row that stop the run

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive")
        if self.settle < 0:
            raise ValueError("settle must not be negative")


@dataclass
class DispatchReport:
    """What this run did (the journal has the whole campaign)."""

    outcomes: Counter = field(default_factory=Counter)  # sent/failed/skipped/unknown/pending
    retries: Counter = field(default_factory=Counter)  # why requests were repeated
    reconciled: Counter = field(default_factory=Counter)  # found / absent / unresolved
    requests: int = 0
    segments: int = 0
    opted_out: list[str] = field(default_factory=list)
    interrupted: bool = False  # stopped before the end (a signal, Ctrl-C)
    abandoned: bool = False  # stopped without waiting for requests in flight
    signal: int | None = None  # the signal that stopped the run, if one did
    settling_left: int = 0  # unknown outcomes not reconciled when the run stopped
    elapsed: float = 0.0

    @property
    def processed(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class _Item:
    """A row on its way through this run: ``look`` 0 sends, 1 and 2 reconcile first."""

    row: Row
    look: int = 0
    attempt: int = 0  # requests sent for it in this run
    errors: int = 0  # failed attempts to read the provider's list


class _Backoff:
    """Exponential backoff with jitter, plus a gate every worker waits at after a 429."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base, self.cap = base, cap
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._until = 0.0

    def delay(self, attempt: int, at_least: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(attempt - 1, 0))
        with self._lock:
            delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)  # "equal jitter"
        return max(delay, at_least or 0.0)

    def pause_all(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def remaining(self) -> float:
        with self._lock:
            return self._until - time.monotonic()


class Dispatcher:
    def __init__(self, journal: Journal, backend: Backend,
                 options: DispatchOptions | None = None, *,
                 opt_outs: OptOutList | None = None,
                 on_progress: Callable[[str, Row], None] | None = None,
                 on_event: Callable[[str, dict], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.journal = journal
        self.backend = backend
        self.options = options or DispatchOptions()
        self.opt_outs = opt_outs if opt_outs is not None else OptOutList()
        #: called with (outcome, row) when a recipient is done for this run
        self.on_progress = on_progress
        #: called with ("retry", {"why"}), ("waiting", {"why", "seconds"}) and
        #: ("settling", {"rows", "seconds"}) as they happen
        self.on_event = on_event
        self.limiter = TokenBucket(self.options.rate) if self.options.rate else None
        self._backoff = _Backoff(self.options.backoff_base, self.options.backoff_cap, rng)
        self._stop = threading.Event()
        self._abandon = threading.Event()
        self._lock = threading.Lock()
        self._fatal: BaseException | None = None
        self._settling: list[tuple[float, int, _Item]] = []
        self._seq = itertools.count()
        self._busy = 0  # items handed to workers and not finished
        self._inflight: dict[int, Row] = {}
        self._unreachable = 0  # Unreachable failures in a row
        self.report = DispatchReport()

    # -- control --------------------------------------------------------------------------

    def stop(self, signum: int | None = None) -> None:
        """Take no new recipient; requests in flight finish and are recorded."""
        if signum is not None and self.report.signal is None:
            self.report.signal = int(signum)
        self.report.interrupted = True
        self._stop.set()

    def abandon(self) -> None:
        """Stop at once: :meth:`run` returns without waiting for requests in flight, whose
        rows are left ``unknown`` (reconciled, after settling, by the next run)."""
        self.stop()
        self.report.abandoned = True
        self._abandon.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> DispatchReport:
        """Send to every open recipient; returns when done or stopped.

        Raises the first error that stops the campaign (bad credentials, a configuration
        that reaches no Twilio ...) after the other workers have recorded what they were
        doing. A ``KeyboardInterrupt`` (when no signal handler is installed) stops as
        :meth:`stop` does, a second one as :meth:`abandon`; the report says so.
        """
        started = time.monotonic()
        work: queue.Queue[_Item | None] = queue.Queue(maxsize=self.options.concurrency * 2)
        workers = [threading.Thread(target=self._worker, args=(work,), daemon=True,
                                    name=f"emsg-send-{n}")
                   for n in range(self.options.concurrency)]
        for w in workers:
            w.start()
        try:
            self._feed(work)
        except KeyboardInterrupt:
            self.stop(signal.SIGINT)
        finally:
            for _ in workers:
                self._put(work, None, force=True)
            self._join(workers)
            with self._lock:
                self.report.settling_left = len(self._settling)
            self.report.elapsed = time.monotonic() - started
        if self._fatal is not None:
            raise self._fatal
        return self.report

    def _join(self, workers: list[threading.Thread]) -> None:
        while True:
            try:
                while any(w.is_alive() for w in workers):
                    if self._abandon.wait(0.1):
                        self._leave_inflight_unknown()
                        return
                return
            except KeyboardInterrupt:
                self.abandon()

    def _leave_inflight_unknown(self) -> None:
        with self._lock:
            rows = list(self._inflight.values())
        for row in rows:
            self.journal.mark_unknown(row.id, "the run was stopped while this request was "
                                              "in flight")

    def _feed(self, work: queue.Queue) -> None:
        """Hand rows to the workers: new ones from the journal, settled ones when due;
        then wait for the rows still settling."""
        rows = self.journal.rows(OPEN_STATES)
        exhausted = False
        announced = -1
        while not self.stopping:
            item = self._due()
            if item is not None:
                if not self._put(work, item):
                    return
                continue
            if not exhausted:
                row = next(rows, None)
                if row is None:
                    exhausted = True
                elif row.state in ("sending", "unknown"):  # a run died, or left it unknown
                    self._defer(_Item(row, look=1), self._settle_delay(row.inflight_until))
                elif not self._put(work, _Item(row)):
                    return
                continue
            with self._lock:
                busy, settling = self._busy, len(self._settling)
                next_due = self._settling[0][0] if self._settling else None
                last_due = max((d for d, _, _ in self._settling), default=None)
            if busy == 0 and settling == 0:
                return
            if settling and busy == 0 and settling != announced and last_due is not None:
                announced = settling
                self._event("settling", rows=settling,
                            seconds=max(0.0, last_due - time.monotonic()))
            wait = 0.05 if next_due is None else min(0.2, max(0.0, next_due - time.monotonic()))
            self._stop.wait(wait)

    def _settle_delay(self, inflight_until: dt.datetime | None) -> float:
        """Seconds from now until an attempt in flight until then may be reconciled."""
        if inflight_until is None:
            return self.options.settle
        left = (inflight_until - dt.datetime.now(dt.UTC)).total_seconds()
        return max(0.0, left) + self.options.settle

    def _defer(self, item: _Item, delay: float) -> None:
        with self._lock:
            heapq.heappush(self._settling, (time.monotonic() + delay, next(self._seq), item))

    def _due(self) -> _Item | None:
        with self._lock:
            if self._settling and self._settling[0][0] <= time.monotonic():
                return heapq.heappop(self._settling)[2]
        return None

    def _put(self, work: queue.Queue, item: _Item | None, force: bool = False) -> bool:
        if item is not None:
            with self._lock:
                self._busy += 1
        while True:  # workers drain the queue even when stopping, so this ends
            if self.stopping and not force:
                if item is not None:
                    with self._lock:
                        self._busy -= 1
                return False
            try:
                work.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue

    def _worker(self, work: queue.Queue) -> None:
        while True:
            item = work.get()
            if item is None:
                return
            try:
                if self.stopping:
                    continue  # drain: leave the row as it is for the next run
                try:
                    outcome = self._process(item)
                except BaseException as exc:  # noqa: BLE001 - handed to run(), which re-raises
                    with self._lock:
                        if self._fatal is None:
                            self._fatal = exc
                    self._stop.set()
                    continue
                if outcome is None:  # settling: back later
                    continue
                with self._lock:
                    self.report.outcomes[outcome] += 1
                if self.on_progress is not None:
                    self.on_progress(outcome, item.row)
            finally:
                with self._lock:
                    self._busy -= 1

    # -- one recipient --------------------------------------------------------------------

    def _process(self, item: _Item) -> str | None:
        """The row's outcome in this run, or ``None`` when it was deferred to settle."""
        row = item.row
        if row.phone in self.opt_outs:
            self.journal.skip(row.id, "opted out")
            return "skipped"
        if item.look:
            found = self._look(item)
            if found != "absent":
                return found
            if item.attempt >= self.options.max_attempts:
                return "pending"
        return self._send(item)

    def _send(self, item: _Item) -> str | None:
        journal, options, row = self.journal, self.options, item.row
        message = Outgoing(to=row.phone, body=row.text.text, segments=row.text.segments,
                           language=row.text.language_used, encoding=row.text.encoding)
        deadline = float(getattr(self.backend, "deadline", 0.0) or 0.0)
        while True:
            item.attempt += 1
            if not self._wait_turn(message.segments):
                return "pending"
            started = journal.claim(row.id, deadline)
            if started is None:  # not open any more
                return journal.get(row.id).get("state", "unknown")
            if row.first_attempt_at is None:
                item.row = row = _with_first_attempt(row, started)
            with self._lock:
                self.report.requests += 1
                self._inflight[row.id] = row
            try:
                sent = self.backend.send(message)
            except PermanentFailure as exc:
                self._reachable()
                journal.mark_failed(row.id, exc.code, str(exc))
                if exc.code == UNSUBSCRIBED and self.opt_outs.add(row.phone,
                                                                  "Twilio 21610 unsubscribed"):
                    with self._lock:
                        self.report.opted_out.append(row.phone)
                return "failed"
            except TransientFailure as exc:
                journal.release(row.id, str(exc), exc.code)
                if isinstance(exc, Unreachable):
                    self._unreachable_again(exc)
                    why = "unreachable"
                else:
                    self._reachable()
                    why = "throttled" if exc.throttled else "transient"
                self._count_retry(why)
                delay = self._backoff.delay(item.attempt, exc.retry_after)
                if exc.throttled:
                    self._backoff.pause_all(delay)
                if item.attempt >= options.max_attempts or self._stop.wait(delay):
                    return "pending"
                continue
            except UncertainOutcome as exc:
                journal.mark_unknown(row.id, str(exc))
                self._count_retry("uncertain")
                item.look = 1
                self._defer(item, self._settle_delay(
                    started + dt.timedelta(seconds=deadline)))
                return None
            except BackendConfigError:
                journal.release(row.id, "campaign stopped before this message was accepted")
                raise
            finally:
                with self._lock:
                    self._inflight.pop(row.id, None)
            self._reachable()
            journal.mark_sent(row.id, sent.sid)
            with self._lock:
                self.report.segments += message.segments
            return "sent"

    def _look(self, item: _Item) -> str | None:
        """Ask the provider whether an earlier attempt went out.

        "sent" (found: recorded with its SID), "absent" (looked twice, ``settle`` seconds
        apart, and found nothing: the row is pending again and may be sent), ``None``
        (deferred: the second look, or a retry after the list could not be read), or
        "unknown" (the provider could not be asked; left for the next run).
        """
        row, options = item.row, self.options
        since = (row.first_attempt_at or dt.datetime.now(dt.UTC)) - \
            dt.timedelta(seconds=options.skew)
        try:
            sid = self.backend.find_sent(row.phone, row.text.text, since)
        except (TransientFailure, UncertainOutcome) as exc:
            if isinstance(exc, Unreachable):
                self._unreachable_again(exc)
            self.journal.mark_unknown(row.id, f"could not reconcile: {exc}")
            item.errors += 1
            if item.errors >= options.max_attempts:
                with self._lock:
                    self.report.reconciled["unresolved"] += 1
                return "unknown"
            self._defer(item, self._backoff.delay(item.errors))
            return None
        self._reachable()
        if sid:
            self.journal.mark_sent(row.id, sid)
            with self._lock:
                self.report.reconciled["found"] += 1
            return "sent"
        if item.look == 1:
            item.look = 2
            self._defer(item, options.settle)
            return None
        self.journal.release(row.id, "not found at the provider, looked twice after the "
                                     "request could no longer be in flight; sending again")
        with self._lock:
            self.report.reconciled["absent"] += 1
        item.look = 0
        return "absent"

    def _wait_turn(self, segments: int) -> bool:
        """Wait out any global backoff, then the rate limit. ``False`` if stopping."""
        waited = 0.0
        while (remaining := self._backoff.remaining()) > 0:
            self._event("waiting", why="backoff after a 429", seconds=remaining)
            if self._stop.wait(remaining):
                return False
        if self.limiter is not None:
            before = time.monotonic()
            self.limiter.acquire(segments, wait=self._stop.wait)
            waited = time.monotonic() - before
            if waited > 0.05:
                self._event("waiting", why="rate limit", seconds=waited)
        return not self.stopping

    def _unreachable_again(self, exc: Unreachable) -> None:
        """Count one more Unreachable in a row; stop the run once there are enough."""
        with self._lock:
            self._unreachable += 1
            enough = self._unreachable >= self.options.config_failures
        if enough:
            raise BackendConfigError(str(exc), status=exc.status)

    def _reachable(self) -> None:
        with self._lock:
            self._unreachable = 0

    def _count_retry(self, why: str) -> None:
        with self._lock:
            self.report.retries[why] += 1
        self._event("retry", why=why)

    def _event(self, kind: str, **info: object) -> None:
        if self.on_event is not None:
            self.on_event(kind, info)


def _with_first_attempt(row: Row, at: dt.datetime) -> Row:
    from dataclasses import replace

    return replace(row, first_attempt_at=at)

