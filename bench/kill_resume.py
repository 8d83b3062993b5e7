"""kill -9 and SIGTERM at random moments, then resume: does anyone get texted twice, or never?

Not a test: it prints figures measured in one run. Usage:

    python bench/kill_resume.py [--cycles 20] [--recipients 600] [--seed 1]

The fake Twilio (tests/fake_twilio.py, its own process, real HTTP on 127.0.0.1) answers
every request after 400 ms, in slow mode (a message is created only when those 400 ms have
passed, whether or not the client still waits), with random faults: 5 % 429, 3 % 503,
2 % 500 and 3 % dropped connections after accepting. ``emsg send --via twilio`` runs as a
real subprocess (``--concurrency 8 --timeout 2 --settle 1``) and, after a random 0.3-3 s,
gets kill -9 or SIGTERM (chosen at random), then is started again at once. After the
cycles, one last run finishes the campaign. Then the fake's own count per number says:

- duplicates: messages beyond the first to one number (target 0);
- lost: recipients the fake never got a message for (target 0).

Target (issue 9): 0 and 0 over at least 20 cycles.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._fake import counts, fake_twilio  # noqa: E402

LATENCY = 0.4
FAULTS = "429=0.05,503=0.03,500=0.02,drop=0.03"
LANGS = ["es", "ht", "quc", "mam", "fr", "pt", "ar", "en"]


def command(csv: Path, journal: Path) -> list[str]:
    return [sys.executable, "-m", "messaging.cli", "send", "early_warning", "--scenario",
            "hurricane-tapachula", "--recipients", str(csv), "--exercise", "--via", "twilio",
            "--journal", str(journal), "--yes", "--allow-unreviewed", "--concurrency", "8",
            "--timeout", "2", "--settle", "1"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--recipients", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    numbers = [f"+52962{1000000 + n}" for n in range(args.recipients)]
    with fake_twilio(LATENCY, "--create-delay", str(LATENCY), "--faults", FAULTS,
                     "--seed", str(args.seed)) as (url, env), \
            tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv, journal = folder / "people.csv", folder / "journal.sqlite"
        csv.write_text("phone,language\n" + "".join(
            f"{p},{LANGS[i % len(LANGS)]}\n" for i, p in enumerate(numbers)), encoding="utf-8")
        child_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        kills = {"SIGKILL": 0, "SIGTERM": 0, "finished before the signal": 0}
        statuses: dict[int, int] = {}
        started = time.monotonic()
        for _ in range(args.cycles):
            proc = subprocess.Popen(command(csv, journal), cwd=folder, env=child_env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 3.0))
            if proc.poll() is None:
                signum = rng.choice([signal.SIGKILL, signal.SIGTERM])
                proc.send_signal(signum)
                kills[signum.name] += 1
            else:
                kills["finished before the signal"] += 1
            code = proc.wait(timeout=120)
            statuses[code] = statuses.get(code, 0) + 1
        final = subprocess.run(command(csv, journal), cwd=folder, env=child_env,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=600)
        while final.returncode == 1:  # transient faults left some pending: resume again
            final = subprocess.run(command(csv, journal), cwd=folder, env=child_env,
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=600)
        elapsed = time.monotonic() - started
        time.sleep(LATENCY * 2)  # let any request still in the fake's hands land
        seen = counts(url)
        db = sqlite3.connect(journal)
        states = dict(db.execute("SELECT state, count(*) FROM recipients GROUP BY state"))
        db.close()
    received = seen["received"]
    duplicates = sum(max(0, received.get(p, 0) - 1) for p in numbers)
    twice = sum(1 for p in numbers if received.get(p, 0) > 1)
    lost = sum(1 for p in numbers if received.get(p, 0) == 0)
    posts = sum(seen["posts"].values())
    print(f"fake Twilio: {LATENCY * 1000:.0f} ms per request, slow mode, faults {FAULTS}")
    print(f"cycles: {args.cycles} ({kills['SIGKILL']} kill -9, {kills['SIGTERM']} SIGTERM, "
          f"{kills['finished before the signal']} finished first); exit statuses "
          f"{dict(sorted(statuses.items()))}; then a final run (exit {final.returncode})")
    print(f"recipients: {args.recipients}; POSTs {posts} (faults and retries included); "
          f"journal states {states}; {elapsed:.0f} s in all")
    print(f"duplicates: {duplicates} ({twice} recipient(s) texted more than once)   "
          f"target 0: {'PASS' if duplicates == 0 else 'FAIL'}")
    print(f"lost: {lost} (recipients never texted)   target 0: "
          f"{'PASS' if lost == 0 else 'FAIL'}")
    if final.returncode != 0:
        print(final.stderr[-2000:], file=sys.stderr)
    return 0 if duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
