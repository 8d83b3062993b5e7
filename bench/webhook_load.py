"""Load on ``emsg listen``: 10,000 signed status callbacks from 50 concurrent clients.

Not a test: it prints what it measured. Usage:

    python bench/webhook_load.py [--callbacks 10000] [--clients 50] [--time-limit 120]

A campaign of callbacks/2 recipients is journaled by the dispatcher (in-memory backend,
real SIDs). ``emsg listen`` runs in its own process on 127.0.0.1 (loopback only; durable
commits, as in production). 50 client threads, each on one keep-alive connection, post the
callbacks — every message a "sent" and a final status (delivered, or undelivered 30003 /
failed 30008 for some), shuffled so about half arrive out of order — each signed with
twilio-python's RequestValidator. Bounded: at most --callbacks requests and --time-limit
seconds. Afterwards the journal must hold every callback (sum of the per-SID counts) and
every message's final status; the script exits 1 if not.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from messaging.backends.memory import MemoryBackend  # noqa: E402
from messaging.campaign import Campaign, prepare  # noqa: E402
from messaging.dispatch import Dispatcher, DispatchOptions  # noqa: E402
from messaging.journal import Journal  # noqa: E402
from messaging.rendering import Renderer  # noqa: E402
from messaging.scenarios import load_scenario  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
PUBLIC = "https://example.org"
HOST = "127.0.0.1"
LANGS = ["es", "ht", "quc", "mam", "fr", "pt", "ar", "en"]


def final_status(i: int) -> tuple[str, int | None]:
    if i % 25 == 0:
        return "failed", 30008
    if i % 10 == 0:
        return "undelivered", 30003
    return "delivered", None


def make_journal(folder: Path, messages: int) -> tuple[Path, list[str]]:
    csv = folder / "people.csv"
    csv.write_text("phone,language\n" + "".join(
        f"+52962{3000000 + i},{LANGS[i % len(LANGS)]}\n" for i in range(messages)),
        encoding="utf-8")
    renderer = Renderer()
    facts = renderer.facts("early_warning",
                           load_scenario(ROOT / "scenarios" / "hurricane-tapachula.toml"))
    path = folder / "campaign.sqlite"
    with Journal(path, durable=False) as journal:
        prepare(journal, renderer, Campaign("early_warning", facts, csv, True, "twilio",
                                            region="MX", scenario="hurricane-tapachula"))
        Dispatcher(journal, MemoryBackend(), DispatchOptions(concurrency=8)).run()
        sids = [r[0] for r in journal.db.execute(
            "SELECT sid FROM recipients WHERE state='sent' ORDER BY id")]
    assert len(sids) == messages, (len(sids), messages)
    return path, sids


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    if args.callbacks % 2 or not 0 < args.callbacks <= 100_000:
        parser.error("--callbacks: an even number up to 100,000")
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        messages = args.callbacks // 2
        journal, sids = make_journal(folder, messages)
        requests = []
        for i, sid in enumerate(sids, start=1):
            final, code = final_status(i)
            for status, error in (("sent", None), (final, code)):
                params = {"MessageSid": sid, "MessageStatus": status,
                          "AccountSid": "AC" + "1" * 32, "ApiVersion": "2010-04-01"}
                if error:
                    params["ErrorCode"] = str(error)
                signature = validator.compute_signature(PUBLIC + "/twilio/status", params)
                requests.append((urlencode(params).encode(), signature))
        random.Random(4).shuffle(requests)

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", "from messaging.cli import main; main()", "listen",
             "--journal", str(journal), "--host", HOST, "--port", str(port), "--public-url",
             PUBLIC, "--opt-outs", str(folder / "opt-outs.txt")],
            cwd=folder, env={**os.environ, "TWILIO_AUTH_TOKEN": TOKEN,
                             "PYTHONPATH": str(ROOT)},
            stderr=subprocess.PIPE, text=True)
        banner = ""
        while "Ctrl-C stops." not in banner:
            line = server.stderr.readline()
            if not line:
                print(banner, file=sys.stderr)
                return 1
            banner += line
        drain = threading.Thread(target=lambda: setattr(server, "log", server.stderr.read()),
                                 daemon=True)
        drain.start()

        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors: list[str] = []
        lock = threading.Lock()
        next_index = iter(range(len(requests)))
        deadline = time.monotonic() + args.time_limit

        def client() -> None:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            mine = []
            codes: dict[int, int] = {}
            while time.monotonic() < deadline:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    break
                body, signature = requests[index]
                started = time.perf_counter()
                try:
                    conn.request("POST", "/twilio/status", body=body, headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": signature})
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(repr(exc))
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    continue
                mine.append(time.perf_counter() - started)
                codes[response.status] = codes.get(response.status, 0) + 1
            conn.close()
            with lock:
                latencies.extend(mine)
                for code, n in codes.items():
                    statuses[code] = statuses.get(code, 0) + n

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        drain.join(10)

        with sqlite3.connect(journal) as db:
            recorded = db.execute("SELECT coalesce(sum(callbacks), 0) FROM deliveries")\
                .fetchone()[0]
            finals = dict(db.execute("SELECT sid, status FROM deliveries"))
            codes = dict(db.execute("SELECT sid, error_code FROM deliveries"))
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        wrong = [sid for i, sid in enumerate(sids, start=1)
                 if (finals.get(sid), codes.get(sid)) != final_status(i)]

    latencies.sort()
    done = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(done - 1, int(p * done))] * 1000 if done else float("nan")

    print(f"emsg listen on {HOST} (uvicorn, 1 process), {args.clients} concurrent clients, "
          f"{os.cpu_count()} CPU(s)")
    print(f"  {done:,} of {len(requests):,} signed callbacks answered in {elapsed:.2f} s: "
          f"{done / elapsed:,.0f} callbacks/s; HTTP statuses {statuses}; "
          f"client errors {len(errors)}")
    print(f"  latency: p50 {pct(0.50):.1f} ms, p90 {pct(0.90):.1f} ms, p99 {pct(0.99):.1f} ms, "
          f"max {latencies[-1] * 1000 if done else float('nan'):.1f} ms")
    print(f"  journal: {recorded:,} callbacks recorded for {len(finals):,} messages; "
          f"final status wrong for {len(wrong)}; integrity_check {integrity}")
    print("  server: " + (getattr(server, "log", "") or "").strip().splitlines()[-1])
    ok = (done == len(requests) and statuses == {200: len(requests)} and
          recorded == len(requests) and not wrong and integrity == "ok")
    print("  OK: the journal reflects every callback" if ok else "  FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
