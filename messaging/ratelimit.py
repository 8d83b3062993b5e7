"""A rate limit in SMS segments per second, shared by the dispatcher's workers.

Twilio meters senders in segments, not messages: a five-segment Spanish warning costs five
times a one-segment "EXERCISE" test. :class:`TokenBucket` charges each message its segment
count. Tokens refill at ``rate`` per second and the bucket holds ``burst`` tokens (by
default one message's worth: no bursts), so the workers are paced evenly; a reservation is
made under a lock and the caller sleeps outside it, so many threads can wait at once.

On top of the bucket a sliding window guarantees the promise people actually check: no
one-second window ever holds more than ``rate`` segments (a lone message larger than that
goes out alone). ``margin`` (seconds) widens that window slightly so that thread wake-up
jitter of a few milliseconds cannot push two messages into one second at the provider.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate: float, *, burst: float = 0.0, margin: float = 0.005,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst)
        self.margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._next = clock()  # when the bucket next holds enough for a message: GCRA's TAT
        self._window: deque[tuple[float, float]] = deque()  # (time, segments) reserved
        self._in_window = 0.0

    def reserve(self, segments: float) -> float:
        """Reserve ``segments``; returns the clock time at which they may be sent."""
        cost = max(float(segments), 0.0)
        with self._lock:
            now = self._clock()
            # Token bucket as GCRA: the earliest time is the theoretical arrival time less
            # the burst allowance, never earlier than now.
            at = max(now, self._next - self.burst / self.rate)
            at = self._fit_window(at, cost)
            self._next = max(self._next, at) + cost / self.rate
            self._window.append((at, cost))
            self._in_window += cost
            return at

    def _fit_window(self, at: float, cost: float) -> float:
        span = 1.0 + self.margin
        window = self._window
        while window:
            while window and window[0][0] <= at - span:
                self._in_window -= window.popleft()[1]
            if not window or self._in_window + cost <= self.rate + 1e-9:
                return at
            at = window[0][0] + span  # wait for the oldest to leave the window
        return at

    def acquire(self, segments: float, wait: Callable[[float], object] = time.sleep) -> None:
        """Block until ``segments`` may be sent. ``wait(seconds)`` may return early (an
        interrupt); the reservation stands."""
        delay = self.reserve(segments) - self._clock()
        if delay > 0:
            wait(delay)
