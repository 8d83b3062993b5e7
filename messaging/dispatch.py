"""Run a campaign: send every open row of a journal through a backend, exactly once.

For each recipient a worker thread:

1. skips it if the number is on the opt-out list;
2. if the journal says ``sending`` (the last run died mid-request) or ``unknown`` (a
   timeout after the request went out), asks the backend whether the message exists
   (:meth:`Backend.find_sent`) and sends only if it does not;
3. waits for the rate limit (segments per second) and any global backoff;
4. marks the row ``sending`` (committed), sends, and records ``sent`` with the SID,
   ``failed`` with the code (permanent errors: never retried; 21610 also opts the number
   out), ``pending`` again for a transient failure (retried after an exponential backoff
   with jitter; a 429 slows every worker), or ``unknown`` (reconciled, then perhaps sent).

Nothing here depends on click; progress is reported through a callback.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
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
)
from .journal import OPEN_STATES, Journal, Row
from .optouts import OptOutList
from .ratelimit import TokenBucket

UNSUBSCRIBED = 21610


@dataclass
class DispatchOptions:
    concurrency: int = 10
    rate: float | None = None  # segments per second; None: no limit
    max_attempts: int = 6  # requests per recipient in one run, before leaving it pending
    backoff_base: float = 0.5  # seconds, doubled per retry, with jitter
    backoff_cap: float = 30.0
    reconcile_delay: float = 1.0  # seconds to let the provider settle before asking it
    skew: float = 300.0  # seconds of clock difference tolerated when reconciling

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive")


@dataclass
class DispatchReport:
    """What this run did (the journal has the whole campaign)."""

    outcomes: Counter = field(default_factory=Counter)  # sent/failed/skipped/unknown/pending
    retries: Counter = field(default_factory=Counter)  # why requests were repeated
    reconciled: Counter = field(default_factory=Counter)  # found / absent / unresolved
    requests: int = 0
    segments: int = 0
    opted_out: list[str] = field(default_factory=list)
    interrupted: bool = False
    elapsed: float = 0.0

    @property
    def processed(self) -> int:
        return sum(self.outcomes.values())


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
                 rng: random.Random | None = None) -> None:
        self.journal = journal
        self.backend = backend
        self.options = options or DispatchOptions()
        self.opt_outs = opt_outs if opt_outs is not None else OptOutList()
        self.on_progress = on_progress
        self.limiter = TokenBucket(self.options.rate) if self.options.rate else None
        self._backoff = _Backoff(self.options.backoff_base, self.options.backoff_cap, rng)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._fatal: BaseException | None = None
        self.report = DispatchReport()

    # -- control --------------------------------------------------------------------------

    def stop(self) -> None:
        """Take no new recipient; requests in flight finish and are recorded."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> DispatchReport:
        """Send to every open recipient; returns when done, stopped or failed.

        Raises the first error that stops the campaign (bad credentials ...) after the
        other workers have recorded what they were doing. ``KeyboardInterrupt`` stops
        taking new work, lets requests in flight finish, and is re-raised.
        """
        started = time.monotonic()
        work: queue.Queue[Row | None] = queue.Queue(maxsize=self.options.concurrency * 2)
        workers = [threading.Thread(target=self._worker, args=(work,), daemon=True,
                                    name=f"emsg-send-{n}")
                   for n in range(self.options.concurrency)]
        for w in workers:
            w.start()
        try:
            for row in self.journal.rows(OPEN_STATES):
                if not self._put(work, row):
                    break
        except KeyboardInterrupt:
            self.report.interrupted = True
            self.stop()
        finally:
            for _ in workers:
                self._put(work, None, force=True)
            try:
                while any(w.is_alive() for w in workers):
                    for w in workers:
                        w.join(0.2)
            except KeyboardInterrupt:
                self.report.interrupted = True
                self.stop()
                for w in workers:
                    w.join()
            self.report.elapsed = time.monotonic() - started
        if self._fatal is not None:
            raise self._fatal
        if self.report.interrupted:
            raise KeyboardInterrupt
        return self.report

    def _put(self, work: queue.Queue, item: Row | None, force: bool = False) -> bool:
        while True:  # workers drain the queue even when stopping, so this ends
            if self.stopping and not force:
                return False
            try:
                work.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue

    def _worker(self, work: queue.Queue) -> None:
        while True:
            row = work.get()
            if row is None:
                return
            if self.stopping:
                continue  # drain: leave the row as it is for the next run
            try:
                outcome = self._process(row)
            except BaseException as exc:  # noqa: BLE001 - handed to run(), which re-raises
                with self._lock:
                    if self._fatal is None:
                        self._fatal = exc
                self.stop()
                continue
            with self._lock:
                self.report.outcomes[outcome] += 1
            if self.on_progress is not None:
                self.on_progress(outcome, row)

    # -- one recipient --------------------------------------------------------------------

    def _process(self, row: Row) -> str:
        journal, options = self.journal, self.options
        if row.phone in self.opt_outs:
            journal.skip(row.id, "opted out")
            return "skipped"
        first_attempt = row.first_attempt_at
        if row.state in ("sending", "unknown"):
            found = self._reconcile(row, first_attempt)
            if found != "absent":
                return found
        message = Outgoing(to=row.phone, body=row.text.text, segments=row.text.segments,
                           language=row.text.language_used, encoding=row.text.encoding)
        attempt = 0
        while True:
            attempt += 1
            if not self._wait_turn(message.segments):
                return "pending"
            started = journal.claim(row.id)
            if started is None:  # not open any more
                return journal.get(row.id).get("state", "unknown")
            first_attempt = first_attempt or started
            with self._lock:
                self.report.requests += 1
            try:
                sent = self.backend.send(message)
            except PermanentFailure as exc:
                journal.mark_failed(row.id, exc.code, str(exc))
                if exc.code == UNSUBSCRIBED and self.opt_outs.add(row.phone,
                                                                  "Twilio 21610 unsubscribed"):
                    with self._lock:
                        self.report.opted_out.append(row.phone)
                return "failed"
            except TransientFailure as exc:
                journal.release(row.id, str(exc), exc.code)
                self._count_retry("throttled" if exc.throttled else "transient")
                delay = self._backoff.delay(attempt, exc.retry_after)
                if exc.throttled:
                    self._backoff.pause_all(delay)
                if attempt >= options.max_attempts or self._stop.wait(delay):
                    return "pending"
                continue
            except UncertainOutcome as exc:
                journal.mark_unknown(row.id, str(exc))
                self._count_retry("uncertain")
                if self._stop.wait(max(options.reconcile_delay,
                                       self._backoff.delay(attempt))):
                    return "unknown"
                found = self._reconcile(row, first_attempt)
                if found != "absent":
                    return found
                if attempt >= options.max_attempts:
                    return "pending"
                continue
            except BackendConfigError:
                journal.release(row.id, "campaign stopped before this message was accepted")
                raise
            journal.mark_sent(row.id, sent.sid)
            with self._lock:
                self.report.segments += message.segments
            return "sent"

    def _wait_turn(self, segments: int) -> bool:
        """Wait out any global backoff, then the rate limit. ``False`` if stopping."""
        while (remaining := self._backoff.remaining()) > 0:
            if self._stop.wait(remaining):
                return False
        if self.limiter is not None:
            self.limiter.acquire(segments, wait=self._stop.wait)
        return not self.stopping

    def _reconcile(self, row: Row, since: dt.datetime | None) -> str:
        """Ask the provider whether an earlier attempt went out.

        "sent" (found: recorded with its SID), "absent" (the row is pending again and may
        be sent), or "unknown" (the provider could not be asked; left for the next run).
        """
        since = (since or dt.datetime.now(dt.UTC)) - \
            dt.timedelta(seconds=self.options.skew)
        for attempt in range(1, self.options.max_attempts + 1):
            try:
                sid = self.backend.find_sent(row.phone, row.text.text, since)
            except (TransientFailure, UncertainOutcome) as exc:
                self.journal.mark_unknown(row.id, f"could not reconcile: {exc}")
                if attempt == self.options.max_attempts or \
                        self._stop.wait(self._backoff.delay(attempt)):
                    with self._lock:
                        self.report.reconciled["unresolved"] += 1
                    return "unknown"
                continue
            if sid:
                self.journal.mark_sent(row.id, sid)
                with self._lock:
                    self.report.reconciled["found"] += 1
                return "sent"
            self.journal.release(row.id, "not found at the provider after an unknown "
                                         "outcome; sending again")
            with self._lock:
                self.report.reconciled["absent"] += 1
            return "absent"
        return "unknown"

    def _count_retry(self, why: str) -> None:
        with self._lock:
            self.report.retries[why] += 1
