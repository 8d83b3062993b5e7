"""Render + segment throughput for a 100,000-recipient, 8-language SMS campaign,
and the start-up time of `emsg draft` for one early warning.

Not a test: it prints figures measured side by side in one run. Usage:

    python bench/render_throughput.py [--recipients 100000] [--startup-runs 15]

Targets (issue 2): >= 50,000 messages/s by rendering once per (type, language, channel,
facts); `emsg draft` for one early warning <= 0.3 s wall.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from messaging.encoding import analyse  # noqa: E402
from messaging.rendering import Renderer  # noqa: E402
from messaging.scenarios import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "hurricane-tapachula.toml"
# A campaign's language mix, roughly as in the Tapachula scenario's audiences.
MIX = ["es"] * 10 + ["ht"] * 4 + ["fr", "quc", "quc", "mam", "mam", "pt", "ar", "en"]


def campaign(recipients: int) -> list[str]:
    return list(itertools.islice(itertools.cycle(MIX), recipients))


def cached_run(languages: list[str]) -> tuple[float, int]:
    """What emsg does: one rendering per (type, language, channel, facts), then lookups."""
    renderer = Renderer()
    facts = renderer.facts("early_warning", load_scenario(SCENARIO))
    start = time.perf_counter()
    segments = 0
    for lang in languages:
        result = renderer.render("early_warning", lang, "sms", facts, exercise=True)
        segments += result.segments
    return time.perf_counter() - start, segments


def naive_run(languages: list[str]) -> tuple[float, int]:
    """What a loop without the cache costs: render and count every recipient's message."""
    renderer = Renderer()
    scenario = load_scenario(SCENARIO)
    renderer.render("early_warning", "en", "sms", scenario)  # templates compiled, catalogs read
    start = time.perf_counter()
    segments = 0
    for lang in languages:
        renderer._cache.clear()
        facts = renderer.facts("early_warning", scenario)
        result = renderer.render("early_warning", lang, "sms", facts, exercise=True)
        segments += analyse(result.sms.raw.text).sent.segments
    return time.perf_counter() - start, segments


def startup(runs: int) -> dict[str, float]:
    """Median wall time of three commands, run alternately so noise hits them alike."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "emsg draft (one early warning)": [
            sys.executable, str(ROOT / "cli.py"), "draft", "early_warning", "--scenario",
            str(SCENARIO), "--lang", "es", "--channel", "sms"],
        "python -c 'import twilio.rest'": [sys.executable, "-c", "import twilio.rest"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=2_000,
                        help="recipients rendered without the cache (the rate is extrapolated)")
    parser.add_argument("--startup-runs", type=int, default=15)
    args = parser.parse_args()

    languages = campaign(args.recipients)
    elapsed, segments = cached_run(languages)
    rate = len(languages) / elapsed
    sample = languages[: args.naive_sample]
    naive_elapsed, _ = naive_run(sample)
    naive_rate = len(sample) / naive_elapsed

    print(f"campaign: {len(languages):,} recipients, {len(set(languages))} languages, "
          f"early_warning SMS, {segments:,} segments in all")
    print(f"  render once per language (emsg): {elapsed:8.3f} s  {rate:12,.0f} messages/s"
          f"   target >= 50,000: {'met' if rate >= 50_000 else 'NOT met'}")
    print(f"  render every recipient (naive):   {naive_elapsed:8.3f} s  {naive_rate:12,.0f} "
          f"messages/s  (on {len(sample):,} recipients)")
    print(f"  ratio emsg / naive: {rate / naive_rate:,.0f}x")

    medians = startup(args.startup_runs)
    print(f"start-up, median of {args.startup_runs} runs each (wall):")
    for name, value in medians.items():
        print(f"  {name:<34} {value:6.3f} s")
    draft = medians["emsg draft (one early warning)"]
    print(f"  emsg draft target <= 0.300 s: {'met' if draft <= 0.3 else 'NOT met'}; "
          f"draft / bare python: {draft / medians['python -c pass']:.1f}x")


if __name__ == "__main__":
    main()
