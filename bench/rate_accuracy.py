"""Rate accuracy: ``emsg send --rate 20`` measured at the (fake) provider over 30 s.

Not a test: it prints figures measured in one run. Usage:

    python bench/rate_accuracy.py [--rate 20] [--seconds 30] [--language es]

Runs the real command (``python -m messaging.cli send early_warning ... --via twilio
--rate 20 --concurrency 10``) against tests/fake_twilio.py in its own process (50 ms per
request), and reads the arrival times the fake recorded. The Spanish early warning is 5
SMS segments, so 20 segments/s is 4 messages/s. Reported: segments per second over the
first 30 s from the first arrival, and the most segments in any one-second window (each
window starting at an arrival).

Targets (issue 3): within 2 % of the rate; no one-second window over it.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._fake import fake_twilio, stats  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--language", default="es")
    args = parser.parse_args()
    from messaging.rendering import Renderer
    from messaging.scenarios import load_scenario

    renderer = Renderer()
    scenario = load_scenario(ROOT / "scenarios" / "hurricane-tapachula.toml")
    segments = renderer.render("early_warning", args.language, "sms",
                               renderer.facts("early_warning", scenario),
                               exercise=True).segments or 1
    per_second = args.rate / segments
    count = math.ceil(per_second * (args.seconds + 2)) + 1
    with fake_twilio(0.05) as (url, env), tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "people.csv"
        csv.write_text("phone,language\n" + "".join(
            f"+52962{1000000 + n},{args.language}\n" for n in range(count)), encoding="utf-8")
        command = [sys.executable, "-m", "messaging.cli", "send", "early_warning",
                   "--scenario", "hurricane-tapachula", "--recipients", str(csv),
                   "--exercise", "--via", "twilio", "--yes", "--allow-unreviewed",
                   "--rate", str(args.rate), "--concurrency", "10",
                   "--journal", str(Path(tmp) / "j.sqlite")]
        proc = subprocess.run(command, cwd=tmp, env={**os.environ, **env},
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        arrived = sorted(stats(url)["arrived"])
    t0 = arrived[0]
    in_window = [t for t in arrived if t < t0 + args.seconds]
    measured = len(in_window) * segments / args.seconds
    worst = max(sum(1 for u in arrived if t <= u < t + 1.0) for t in arrived) * segments
    error = measured / args.rate - 1
    print(f"{count} messages of {segments} segments ({args.language}), --rate {args.rate:g} "
          f"segments/s = {per_second:g} messages/s")
    print(f"measured at the fake over {args.seconds:g} s: {len(in_window)} messages = "
          f"{measured:.2f} segments/s = {measured / args.rate:.4f} of the rate "
          f"({error * 100:+.2f} %; target within 2 %: "
          f"{'PASS' if abs(error) <= 0.02 else 'FAIL'})")
    span = arrived[-1] - arrived[0]
    paced = (len(arrived) - 1) * segments / span
    print(f"all {len(arrived)} arrivals, first to last ({span:.2f} s): {paced:.3f} segments/s "
          f"= {paced / args.rate:.4f} of the rate ({(paced / args.rate - 1) * 100:+.2f} %)")
    print(f"busiest one-second window: {worst} segments (cap {args.rate:g}: "
          f"{'PASS' if worst <= args.rate else 'FAIL'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
