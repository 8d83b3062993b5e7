"""``emsg demo``: the facilitator's tour of one message in every language."""

from __future__ import annotations

import click

from . import encoding
from .cli import data_options, echo_json, format_option, load_facts, make_renderer
from .message_types import MESSAGE_TYPES


@click.command()
@click.option("--scenario", "scenario_path", default="hurricane-tapachula", show_default=True,
              metavar="FILE", help="Scenario to tour (a file or a bundled name).")
@click.option("--type", "type_name", default="early_warning", show_default=True,
              type=click.Choice(MESSAGE_TYPES), help="Message type to show.")
@click.option("--exercise/--real", default=True, show_default=True,
              help="Show the messages as a drill (the default) or as real alerts.")
@format_option
@data_options
def demo(scenario_path, type_name, exercise, fmt, templates_dir, locales_dir):
    """The facilitator's tour: one message in every language, what each SMS costs, and why.

    Needs no credentials and no configuration; sends nothing.
    """
    from .demo import tour

    renderer = make_renderer(templates_dir, locales_dir)
    scenario = load_facts(scenario_path, ())
    t = tour(renderer, scenario, type_name=type_name, exercise=exercise)
    if fmt == "json":
        echo_json({"scenario": scenario.title, "type": type_name,
                   "messages": [r.to_dict() for r in t.sms], "lessons": t.lessons})
        return
    click.echo(f"emsg demo - {scenario.title}")
    click.echo(f"Scenario: {scenario.path}")
    click.echo(f"Message: {type_name}, SMS channel, {'EXERCISE' if exercise else 'real'} mode\n")
    click.echo(f"{'lang':<5} {'language':<16} {'used':<5} {'as written':<18} "
               f"{'smart (sent)':<18} {'accents folded':<18} review")
    for r in t.sms:
        a = r.sms
        lang = renderer.languages.get(r.language)
        click.echo(
            f"{r.language:<5} {lang.name:<16} {r.language_used:<5} "
            f"{_cost(a.raw):<18} {_cost(a.smart):<18} {_cost(a.folded):<18} "
            f"{_review(r)}"
        )
    click.echo()
    for r in t.sms:
        lang = renderer.languages.get(r.language)
        direction = " (right-to-left)" if r.direction == "rtl" else ""
        click.echo(f"-- {r.language} {lang.native}{direction}: "
                   f"{r.sms.sent.encoding}, {r.sms.sent.segments} segment(s)")
        click.echo(r.text)
        click.echo()
    click.echo("What the numbers show:")
    for number, lesson in enumerate(t.lessons, start=1):
        click.echo(f" {number}. {lesson}")
    click.echo("\nNext: emsg draft early_warning --scenario hurricane-tapachula --channel all")


def _review(r) -> str:
    if r.unreviewed:
        return "unreviewed"
    return "source text" if r.language_used == "en" else "reviewed"


def _cost(count: encoding.SmsCount) -> str:
    return f"{count.encoding} {count.segments} seg"
