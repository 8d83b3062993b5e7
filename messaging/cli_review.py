"""``emsg check`` and ``emsg preview``: is a message fit to send, and what does it look like.

Thin click commands over :mod:`messaging.checks` and :mod:`messaging.preview`.
"""

from __future__ import annotations

from pathlib import Path

import click

from . import encoding
from .cli import (
    BadInput,
    choose_languages,
    data_options,
    echo_json,
    exercise_option,
    facts_options,
    format_option,
    input_paths,
    load_facts,
    make_renderer,
    split_choice,
)
from .message_types import CHANNELS, DRAFT_CHANNELS

_MODES = {"both": (False, True), "real": (False,), "exercise": (True,)}


def _lang_option(f):
    return click.option("--lang", "langs", default=None, metavar="CODES",
                        help="Comma-separated language codes, or 'all' [default: the "
                             "scenario's languages, else all].")(f)


def _choose(renderer, types, scenario, langs, channels, all_channels):
    from .message_types import list_types

    known_types = list_types(renderer.templates_dir)
    chosen_types = list(types) or known_types
    for name in chosen_types:
        renderer.message_type(name)  # unknown type: one clear error
    languages = choose_languages(renderer, langs, scenario)
    available = sorted({c for name in chosen_types
                        for c in renderer.message_type(name).channels()}, key=CHANNELS.index)
    if channels == "all":
        chans = [c for c in all_channels if c in available]
    else:
        chans = split_choice(channels, available, "channel")
    return chosen_types, languages, chans


def _scenarios(scenario_path, variables):
    """The scenarios to check: the one given, or (none given) every bundled one."""
    if scenario_path or variables:
        return [load_facts(scenario_path, variables)]
    from .resources import scenarios_dir
    from .scenarios import load_scenario

    return [load_scenario(p) for p in sorted(scenarios_dir().glob("*.toml"))]


@click.command()
@click.argument("types", nargs=-1, metavar="[TYPE]...")
@facts_options
@_lang_option
@click.option("--channel", "channels", default="all", show_default=True, metavar="CHANNELS",
              help="sms, long, voice, cap (comma-separated) or 'all' (all four).")
@click.option("--mode", type=click.Choice(list(_MODES)), default="both", show_default=True,
              help="Check messages as real alerts, as exercises (drills), or both.")
@click.option("--no-catalogs", is_flag=True,
              help="Skip the catalog checks (missing, fuzzy, broken, msgfmt --check).")
@click.option("--allow-expired", is_flag=True,
              help="With --mode real: an alert past its expires (evacuate_by for an "
                   "evacuation) is a warning, not an error.")
@data_options
@format_option
def check(types, scenario_path, variables, langs, channels, mode, no_catalogs,
          allow_expired, templates_dir, locales_dir, fmt):
    """Check messages against the message-design rules; exit 1 when any is not fit to send.

    Every message type (or the TYPEs given), in every language and channel, is checked:
    source, hazard, location, guidance and time present and in order; times with a zone
    named by place, dates in full words of the language, no "12 p.m.", voice numbers with
    nothing left to misread; right-to-left runs isolated and each script's punctuation;
    the channel's length limit; no leftover placeholder; not mostly capitals; the same
    numbers, times and links in every language; the exercise marker exactly in exercise
    mode; and the catalogs (missing, fuzzy, placeholder mismatch, msgfmt --check). First of
    all the scenario's times: issued <= onset < expires, evacuate_by before expires, ended
    after onset, offsets that are the zone's; with --mode real an alert already expired is
    an error (a warning with --allow-expired, or in --mode both). Errors
    make a message unfit to send; warnings are worth a look. Without --scenario or --var,
    every bundled scenario is used.

    \b
    Examples:
      emsg check
      emsg check evacuation --scenario hurricane-tapachula --lang es,ht --channel sms
      emsg check --templates my_templates --locales my_locales --format json
    """
    from .checks import ERROR, WARNING, Report, check_catalogs, run_checks

    renderer = make_renderer(templates_dir, locales_dir)
    report = Report()
    counts = []
    all_languages: list[str] = []
    expired = None if mode == "exercise" else (
        ERROR if mode == "real" and not allow_expired else WARNING)
    for scenario in _scenarios(scenario_path, variables):
        chosen_types, languages, chans = _choose(renderer, types, scenario, langs, channels,
                                                 CHANNELS)
        part = run_checks(renderer, scenario, types=chosen_types, languages=languages,
                          channels=chans, modes=_MODES[mode], catalogs=False,
                          expired=expired)
        counts.append((scenario, len(part.messages)))
        report.merge(part)
        all_languages += [code for code in languages if code not in all_languages]
    if not no_catalogs:
        report.merge(check_catalogs(renderer, all_languages))
    if fmt == "json":
        echo_json({
            "ok": not report.errors,
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "messages": sum(n for _, n in counts),
            "scenarios": [s.path or s.title for s, _ in counts],
            "notes": report.notes,
            "findings": [f.to_dict() for f in report.findings],
        })
    else:
        _print_findings(report.findings)
        for note in report.notes:
            click.echo(f"note: {note}")
        checked = ", ".join(f"{n} in {Path(s.path).name if s.path else s.title}"
                            for s, n in counts)
        click.echo(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s); "
                   f"messages checked: {checked}")
    if report.errors:
        raise SystemExit(1)


def _where(items: list[tuple]) -> str:
    """A compact "type/channel" for one finding, or a summary for a group of them."""
    types = [t for t in dict.fromkeys(i[0] for i in items) if t]
    chans = [c for c in dict.fromkeys(i[2] for i in items) if c]
    modes = {i[3] for i in items}
    type_part = ",".join(types) if len(types) <= 2 else f"{len(types)} types"
    where = "/".join(x for x in (type_part, ",".join(chans)) if x) or "-"
    if modes == {True}:
        where += " (exercise)"
    return where + (f" ({len(items)} messages)" if len(items) > 1 and chans else "")


def _print_findings(findings) -> None:
    """One line per finding; identical findings on many messages folded into one line."""
    groups: dict[tuple, list[tuple]] = {}
    for f in findings:
        key = (f.severity, f.check, f.language, f.reason)
        groups.setdefault(key, []).append((f.type, f.language, f.channel, f.exercise,
                                           f.scenario))
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0] != "error", kv[0][1]))
    for (severity, check_name, language, reason), items in ordered:
        click.echo(f"{severity:<7} {language or '-':<4} {_where(items):<36} "
                   f"{check_name}: {reason}")


@click.command()
@click.argument("types", nargs=-1, metavar="[TYPE]...")
@facts_options
@_lang_option
@click.option("--channel", "channels", default="all", show_default=True, metavar="CHANNELS",
              help="sms, long, voice, cap (comma-separated) or 'all' (sms,long,voice).")
@exercise_option
@click.option("--policy", type=click.Choice(encoding.POLICIES), default="smart",
              show_default=True,
              help="SMS text sent: as written, smart-encoded (lossless), or accent-folded.")
@click.option("-o", "--output", "output", required=True, metavar="FILE.html",
              help="Where to write the page ('-' for standard output).")
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
@data_options
def preview(types, scenario_path, variables, langs, channels, exercise, policy, output,
            force, templates_dir, locales_dir):
    """Write one self-contained HTML page showing messages side by side, for a projector.

    For each message type, every language side by side: the SMS as a phone shows it, the
    long and voice versions, badges with encoding, segments and characters, the characters
    that force UCS-2 highlighted with what smart encoding or accent folding would save,
    right-to-left languages right-to-left, fallbacks and unreviewed strings flagged, and
    the design checklist (source, hazard, location, guidance, time) per language. Opens
    without a network. Without --scenario, the bundled hurricane-tapachula is shown.

    \b
    Example:
      emsg preview early_warning --scenario hurricane-tapachula -o preview.html
    """
    from .checks import WARNING, run_checks
    from .outputs import check_output, write_atomic
    from .preview import render_page

    if not scenario_path and not variables:
        scenario_path = "hurricane-tapachula"
    inputs = input_paths(scenario_path, templates_dir, locales_dir)
    if output != "-":
        check_output(output, inputs=inputs, force=force)
    renderer = make_renderer(templates_dir, locales_dir, policy)
    scenario = load_facts(scenario_path, variables)
    exercise = scenario.exercise_mode(exercise)
    chosen_types, languages, chans = _choose(renderer, types, scenario, langs, channels,
                                             DRAFT_CHANNELS)
    if not chans:
        raise BadInput("--channel: nothing to show")
    report = run_checks(renderer, scenario, types=chosen_types, languages=languages,
                        channels=chans, modes=(exercise,),
                        expired=None if exercise else WARNING)
    contradictions = [f for f in report.errors if f.check == "chronology"]
    if contradictions:  # as draft: nothing worth a page until the times agree
        raise BadInput(contradictions[0].reason)
    html = render_page(renderer, scenario, report, types=chosen_types, languages=languages,
                       channels=chans, exercise=exercise)
    if output == "-":
        click.echo(html, nl=False)
        return
    path = write_atomic(output, html, force=force, inputs=inputs)
    click.echo(f"wrote {path}: {len(chosen_types)} type(s) x {len(languages)} language(s) x "
               f"{len(chans)} channel(s); {len(report.errors)} error(s), "
               f"{len(report.warnings)} warning(s)")
