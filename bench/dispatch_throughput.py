"""Dispatch throughput against the physical limit, beside the loop a user would write.

Not a test: it prints figures measured side by side in one run. Usage:

    python bench/dispatch_throughput.py [--messages 6000] [--naive 25]

The fake Twilio (tests/fake_twilio.py, in its own process, over real HTTP on 127.0.0.1)
answers every request after 200 ms. With 50 requests in flight the physical limit is
50 / 0.2 s = 250 messages/s. Measured:

- the dispatcher (``emsg send --via twilio --concurrency 50``'s engine: journal with
  durable commits before and after each request, twilio-python underneath);
- the naive loop: ``client.messages.create(...)`` in a for-loop, whose own limit is
  1 / 0.2 s = 5 messages/s.

Target (issue 3): the dispatcher at >= 0.9 of the physical limit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._fake import fake_twilio, stats  # noqa: E402
from messaging.backends.twilio import TwilioBackend  # noqa: E402
from messaging.campaign import Campaign, prepare  # noqa: E402
from messaging.dispatch import Dispatcher, DispatchOptions  # noqa: E402
from messaging.journal import Journal  # noqa: E402
from messaging.rendering import Renderer  # noqa: E402
from messaging.scenarios import load_scenario  # noqa: E402

LATENCY = 0.2
CONCURRENCY = 50
LANGS = ["es", "ht", "quc", "mam", "fr", "pt", "ar", "en"]


def naive(url: str, env: dict[str, str], count: int, body: str) -> float:
    from twilio.rest import Client

    client = Client(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
    client.api.base_url = url
    started = time.perf_counter()
    for n in range(count):
        client.messages.create(to=f"+52962{2000000 + n}", from_=env["TWILIO_FROM_NUMBER"],
                               body=body)
    return time.perf_counter() - started


def dispatcher(url: str, env: dict[str, str], count: int, folder: Path) -> tuple[float, dict]:
    csv = folder / "people.csv"
    with csv.open("w", encoding="utf-8") as f:
        f.write("phone,language\n")
        for n in range(count):
            f.write(f"+52962{1000000 + n},{LANGS[n % len(LANGS)]}\n")
    renderer = Renderer()
    scenario = load_scenario(ROOT / "scenarios" / "hurricane-tapachula.toml")
    campaign = Campaign("early_warning", renderer.facts("early_warning", scenario), csv,
                        exercise=True, backend="twilio", region="MX")
    backend = TwilioBackend.from_env(env, validity_period=3600, pool_size=CONCURRENCY)
    with Journal(folder / "journal.sqlite", durable=True) as journal:
        prepare(journal, renderer, campaign)
        started = time.perf_counter()
        report = Dispatcher(journal, backend, DispatchOptions(concurrency=CONCURRENCY)).run()
        elapsed = time.perf_counter() - started
        summary = journal.summary()
    backend.close()
    return elapsed, {"sent": summary.states["sent"], "requests": report.requests,
                     "retries": dict(report.retries)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--naive", type=int, default=25)
    args = parser.parse_args()
    limit = CONCURRENCY / LATENCY
    with fake_twilio(LATENCY) as (url, env), tempfile.TemporaryDirectory() as tmp:
        naive_s = naive(url, env, args.naive, "EXERCISE: hurricane warning for Tapachula")
        elapsed, info = dispatcher(url, env, args.messages, Path(tmp))
        received = stats(url)["count"]
    rate = info["sent"] / elapsed
    naive_rate = args.naive / naive_s
    print(f"fake Twilio: {LATENCY * 1000:.0f} ms per request; physical limit with "
          f"{CONCURRENCY} in flight = {limit:.0f} msg/s")
    print(f"dispatcher: {info['sent']:,} messages in {elapsed:.2f} s = {rate:.1f} msg/s "
          f"= {rate / limit:.3f} of the limit (target >= 0.9: "
          f"{'PASS' if rate / limit >= 0.9 else 'FAIL'}); requests {info['requests']:,}, "
          f"retries {info['retries'] or 0}")
    print(f"naive loop: {args.naive} messages in {naive_s:.2f} s = {naive_rate:.2f} msg/s "
          f"= {naive_rate / limit:.3f} of the limit ({naive_rate * LATENCY:.3f} of its own "
          f"one-at-a-time limit of {1 / LATENCY:.0f} msg/s)")
    print(f"dispatcher / naive loop = {rate / naive_rate:.1f}x")
    print(f"fake received {received:,} messages in all "
          f"({info['sent'] + args.naive:,} expected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
