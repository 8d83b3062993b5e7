"""Start tests/fake_twilio.py in its own process (its own GIL and core) for a benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def fake_twilio(latency: float, *extra: str):
    """Yields (base URL, the environment the dispatcher needs); ``extra`` are more
    options of tests/fake_twilio.py (``--create-delay``, ``--faults`` ...)."""
    sys.path.insert(0, str(ROOT))
    from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_twilio.py"),
                             "--latency", str(latency), *extra], stdout=subprocess.PIPE,
                            text=True)
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the fake Twilio did not start")
        yield url, {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_BASE_URL": url}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def stats(url: str) -> dict:
    """What the fake received: count and arrival times (its monotonic clock)."""
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=10) as response:
        return json.loads(response.read())


def counts(url: str) -> dict:
    """Messages the fake created per number, and POSTs per number."""
    with urllib.request.urlopen(f"{url}/_fake/counts", timeout=10) as response:
        return json.loads(response.read())
