"""The segments-per-second token bucket, on a clock the test controls (no wall clock)."""

from __future__ import annotations

import threading

import pytest

from messaging.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def send_all(bucket: TokenBucket, clock: Clock, costs: list[int]) -> list[tuple[float, int]]:
    sent = []
    for cost in costs:
        bucket.acquire(cost, wait=clock.sleep)
        sent.append((clock.now, cost))
    return sent


def max_window(sent: list[tuple[float, int]], span: float = 1.0) -> int:
    """The most segments in any half-open window [t, t + span) starting at a send."""
    return max(sum(c for u, c in sent if t <= u < t + span) for t, _ in sent)


@pytest.mark.parametrize("rate, costs", [
    (20, [1] * 600),
    (20, [5] * 120),
    (20, [4] * 150),
    (1, [1] * 30),
])
def test_rate_is_kept_and_no_second_goes_over(rate, costs):
    clock = Clock()
    bucket = TokenBucket(rate, clock=clock)
    sent = send_all(bucket, clock, costs)
    assert measured_rate(sent, rate) == pytest.approx(rate, rel=0.02)
    assert max_window(sent) <= rate


@pytest.mark.parametrize("rate, costs, best", [
    (20, [3] * 200, 18),  # six 3-segment messages fit in a second, not seven
    (7.5, [2] * 100, 6),
    (20, [1, 3, 5, 2, 4] * 40, 20),
])
def test_the_one_second_cap_wins_over_the_average(rate, costs, best):
    """When messages do not divide the cap, no second may go over it: the average is
    then what fits, a little less than the rate."""
    clock = Clock()
    bucket = TokenBucket(rate, clock=clock)
    sent = send_all(bucket, clock, costs)
    assert max_window(sent) <= rate
    assert 0.88 * best <= measured_rate(sent, rate) <= best * 1.001


def measured_rate(sent: list[tuple[float, int]], rate: float) -> float:
    elapsed = sent[-1][0] - sent[0][0] + sent[-1][1] / rate
    return sum(c for _, c in sent) / elapsed


def test_no_burst_after_an_idle_spell():
    clock = Clock()
    bucket = TokenBucket(20, clock=clock)
    sent = send_all(bucket, clock, [1] * 20)
    clock.now += 30  # nothing to send for half a minute: tokens must not pile up
    sent += send_all(bucket, clock, [1] * 60)
    assert max_window(sent) <= 20


def test_a_message_larger_than_a_second_goes_alone():
    clock = Clock()
    bucket = TokenBucket(3, clock=clock)
    sent = send_all(bucket, clock, [5, 1, 5])
    times = [t for t, _ in sent]
    assert times[1] - times[0] >= 1.0 and times[2] - times[1] >= 1.0


def test_reservations_from_many_threads_are_spaced():
    clock = Clock()
    bucket = TokenBucket(10, clock=clock)
    reserved: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            at = bucket.reserve(1)
            with lock:
                reserved.append(at)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reserved.sort()
    assert len(reserved) == 200
    assert max_window([(t, 1) for t in reserved]) <= 10
    gaps = [b - a for a, b in zip(reserved, reserved[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-9


def test_rate_must_be_positive():
    with pytest.raises(ValueError):
        TokenBucket(0)
