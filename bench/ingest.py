"""Ingest of a 1,000,000-row recipients CSV: validated, deduplicated, rendered, journaled.

Not a test: it prints figures measured in one run. Usage:

    python bench/ingest.py [--rows 1000000] [--keep DIR] [--memory]

The CSV is made first (8 languages as in the Tapachula scenario's audiences, numbers
from Mexico and Guatemala, some written without +, 2 % duplicates, 1 % invalid, some
unknown languages). The ingest then runs in a child process — what ``emsg send`` does
before it sends: stream the CSV, parse every phone with phonenumbers, resolve languages,
render once per language, and write every recipient into a fresh SQLite journal in one
transaction — so that the child's peak RSS can be read from the operating system. It runs
twice: into a journal file (``--journal PATH``), and into the temporary on-disk journal a drafts
campaign without ``--journal`` uses (``Journal.scratch()``); ``--memory`` adds the
in-memory SQLite database drafts used before, for comparison.

Targets (issue 3): <= 60 s, peak RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIX = ["es"] * 10 + ["ht"] * 4 + ["fr", "quc", "quc", "mam", "mam", "pt", "ar", "en",
                                  "es-MX", "", "xx"]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from messaging.campaign import Campaign, prepare
from messaging.journal import Journal
from messaging.rendering import Renderer
from messaging.scenarios import load_scenario

csv, journal_path, scenario, mode = sys.argv[1:5]
started = time.perf_counter()
renderer = Renderer()
facts = renderer.facts("early_warning", load_scenario(scenario))
campaign = Campaign("early_warning", facts, Path(csv), exercise=True, backend="twilio",
                    region="MX", scenario=scenario)
journal = {"file": lambda: Journal(journal_path), "scratch": Journal.scratch,
           "memory": lambda: Journal(":memory:", durable=False)}[mode]()
with journal:
    prepared = prepare(journal, renderer, campaign)
    summary = journal.summary()
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "added": prepared.added,
                  "duplicates": prepared.duplicates, "invalid": prepared.invalid,
                  "fell_back": prepared.fell_back, "languages": len(summary.languages),
                  "texts": len(prepared.rendered), "states": summary.states,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def make_csv(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    made = {"rows": rows, "duplicates": 0, "invalid": 0}
    recent: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("phone,language,name,group\n")
        for n in range(rows):
            roll = rng.random()
            if roll < 0.01:
                phone = rng.choice(["12345", "+52 1", "call me", "", "+999 123 4567"])
                made["invalid"] += 1
            elif roll < 0.03 and recent:
                phone = rng.choice(recent)
                made["duplicates"] += 1
            else:
                if n % 3 == 0:  # Guatemala, international format
                    phone = f"+502 {rng.randint(3000, 5999)} {rng.randint(0, 9999):04d}"
                elif n % 3 == 1:  # Mexico, national format (region MX)
                    phone = f"962 {rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
                else:
                    phone = f"+52962{rng.randint(1000000, 9999999)}"
                recent.append(phone)
                if len(recent) > 1000:
                    recent.pop(0)
            f.write(f"{phone},{MIX[n % len(MIX)]},Persona {n},G{n % 7}\n")
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="make the CSV and journal in DIR and keep them")
    parser.add_argument("--memory", action="store_true",
                        help="also ingest into an in-memory SQLite database, to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv, journal = folder / "recipients.csv", folder / "journal.sqlite"
        for old in folder.glob("journal.sqlite*"):
            old.unlink()
        t = time.perf_counter()
        made = make_csv(csv, args.rows)
        print(f"made {csv.name}: {args.rows:,} rows, {csv.stat().st_size / 1e6:.1f} MB, "
              f"~{made['duplicates']:,} duplicate and {made['invalid']:,} invalid rows "
              f"({time.perf_counter() - t:.1f} s)")
        scenario = ROOT / "scenarios" / "hurricane-tapachula.toml"
        modes = ["file", "scratch"] + (["memory"] if args.memory else [])
        for mode in modes:
            for old in folder.glob("journal.sqlite*"):
                old.unlink()
            proc = subprocess.run([sys.executable, "-c", CHILD, str(csv), str(journal),
                                   str(scenario), mode], cwd=ROOT, capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 1
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            rss_mb = result["maxrss_kb"] / 1024
            seconds = result["seconds"]
            what = {"file": "with --journal (a journal file)",
                    "scratch": "without --journal (drafts: a temporary on-disk journal)",
                    "memory": "in-memory SQLite (what drafts did before, for comparison)"}
            print(f"{what[mode]}:")
            print(f"  ingest: {seconds:.1f} s for {args.rows:,} rows = "
                  f"{args.rows / seconds:,.0f} rows/s")
            print(f"  journaled {result['added']:,} recipients, collapsed "
                  f"{result['duplicates']:,} duplicates, reported {result['invalid']:,} "
                  f"invalid rows, {result['fell_back']:,} language fallbacks; rendered "
                  f"{result['texts']} texts for {result['languages']} languages")
            if mode == "file":
                print(f"  journal: {journal.stat().st_size / 1e6:.1f} MB")
            print(f"  time:   {seconds:.1f} s  / 60 s   = {seconds / 60:.2f} of the budget "
                  f"({'PASS' if seconds <= 60 else 'FAIL'})")
            print(f"  memory: {rss_mb:.1f} MB / 200 MB = {rss_mb / 200:.2f} of the budget "
                  f"({'PASS' if rss_mb <= 200 else 'FAIL'}) peak RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
