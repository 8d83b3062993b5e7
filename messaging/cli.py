"""The ``emsg`` command line: a thin click layer over the library.

Each command builds a library object, calls it, and prints. Library errors
(``messaging.errors``) become one ``Error: ...`` line and exit status 2; nothing here
imports twilio, the web server or a browser unless the command needs it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import encoding
from .errors import EmsgError
from .message_types import DRAFT_CHANNELS

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BadInput(click.ClickException):
    """Bad input: one line, exit status 2 (as click's own usage errors)."""

    exit_code = 2


#: Commands defined in their own modules, imported only when used, so that ``emsg draft``
#: never pays for twilio, a web server or an XML parser. A module that does not exist
#: (a feature not built yet) simply has no command.
LAZY_COMMANDS = {
    "segments": "messaging.cli_segments:segments",
    "demo": "messaging.cli_demo:demo",
    "send": "messaging.cli_dispatch:send",
    "status": "messaging.cli_dispatch:status",
    "listen": "messaging.cli_webhooks:listen",
    "export": "messaging.cli_webhooks:export",
    "check": "messaging.cli_review:check",
    "preview": "messaging.cli_review:preview",
    "cap": "messaging.cli_cap:cap",
    "catalog": "messaging.cli_catalog:catalog",
}


class EmsgGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = [name for name, target in LAZY_COMMANDS.items() if _module_exists(target)]
        return sorted({*super().list_commands(ctx), *lazy})

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is None and name in LAZY_COMMANDS and _module_exists(LAZY_COMMANDS[name]):
            import importlib

            module_name, attr = LAZY_COMMANDS[name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EmsgError as exc:
            raise BadInput(str(exc)) from None
        except BrokenPipeError:  # `emsg draft ... | head`
            sys.stderr.close()
            ctx.exit(0)


def _module_exists(target: str) -> bool:
    module = target.split(":")[0].rsplit(".", 1)[-1]
    return (Path(__file__).parent / f"{module}.py").is_file()


# -- shared options ------------------------------------------------------------------------

def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="text for people, json for programs")(f)


def data_options(f):
    f = click.option("--locales", "locales_dir", type=click.Path(file_okay=False),
                     envvar="EMSG_LOCALES", show_envvar=True, metavar="DIR",
                     help="Your catalog folder, over the bundled ones: its languages.toml "
                          "adds or replaces languages, its <lang>/LC_MESSAGES/messages.po "
                          "replaces that language's catalog.")(f)
    f = click.option("--templates", "templates_dir", type=click.Path(file_okay=False),
                     help="Use message templates from this folder instead of the bundled ones.")(f)
    return f


def facts_options(f):
    f = click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
                     help="Set or override one fact, e.g. --var shelter='Escuela 5'.")(f)
    f = click.option("--scenario", "scenario_path", metavar="FILE",
                     help="Scenario TOML with the facts, or the name of a bundled one "
                          "(hurricane-tapachula, earthquake-guatemala).")(f)
    return f


def exercise_option(f):
    """``--exercise`` / ``--real``; neither: the scenario's mode (an exercise when it comes
    from an Exercise, Test or Draft CAP alert, else real)."""
    return click.option("--exercise/--real", "exercise", default=None,
                        help="Mark every message as an exercise (drill), or as a real alert "
                             "[default: real, unless the scenario's status (from an "
                             "Exercise, Test or Draft CAP alert) says exercise].")(f)


def exercise_notice(scenario, requested: bool | None) -> str | None:
    """What to tell the user when the scenario, not a flag, chose exercise mode."""
    if requested is None and scenario.exercise_only:
        return (f"scenario status {scenario.status}: every message is an exercise "
                "(--real to override)")
    return None


def make_renderer(templates_dir=None, locales_dir=None, policy="smart"):
    from .rendering import Renderer

    return Renderer(templates_dir, locales_dir, policy=policy)


def load_facts(scenario_path: str | None, variables: tuple[str, ...]):
    from .scenarios import Scenario, load_scenario

    scenario = Scenario()
    if scenario_path:
        scenario = load_scenario(_scenario_file(scenario_path))
    return scenario.with_overrides(variables)


def _scenario_file(name: str) -> Path:
    path = Path(name)
    if path.exists() or path.suffix:
        return path
    from .resources import scenarios_dir

    bundled = scenarios_dir() / f"{name}.toml"
    if bundled.exists():
        return bundled
    from .names import unknown

    names = sorted(p.stem for p in scenarios_dir().glob("*.toml"))
    raise BadInput(f"--scenario: {unknown('scenario', name, names, known_as='bundled')}: "
                   "not a file either")


def input_paths(scenario_path: str | None, templates_dir=None, locales_dir=None,
                *more) -> list[Path]:
    """What a command reads, for :func:`messaging.outputs.check_output` to protect."""
    paths = [_scenario_file(scenario_path)] if scenario_path else []
    return paths + [Path(p) for p in (templates_dir, locales_dir, *more) if p]


def split_choice(value: str, known: list[str], what: str) -> list[str]:
    """``es,ht`` or ``all`` → a checked list."""
    from .names import canonical, unknown

    if value.strip().lower() == "all":
        return list(known)
    items = []
    for item in (v.strip() for v in value.split(",") if v.strip()):
        spelled = canonical(item, known)
        if spelled is None:
            raise BadInput(f"--{what}: " + unknown(_WHAT.get(what, what), item, known))
        items.append(spelled)
    return items


_WHAT = {"lang": "language"}


def choose_languages(renderer, value: str | None, scenario) -> list[str]:
    """``--lang`` (any case; ``all``), else the scenario's languages, else all; as codes."""
    from .errors import ScenarioError, UnknownName

    codes = renderer.languages.codes()
    if value and value.strip().lower() != "all":
        items, where = [v.strip() for v in value.split(",") if v.strip()], None
    elif value or not scenario.languages:
        return codes
    else:
        items, where = scenario.languages, scenario.origin("scenario.languages")
    chosen: list[str] = []
    for item in items:
        try:
            code = renderer.languages.get(item).code
        except UnknownName as exc:
            if where is None:
                raise BadInput(f"--lang: {exc.reason}") from None
            raise ScenarioError(exc.reason, path=where[0], line=where[1],
                                field="scenario.languages") from None
        if code not in chosen:
            chosen.append(code)
    return chosen


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# -- the application -------------------------------------------------------------------------

@click.group(cls=EmsgGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="emsg", message="emsg %(version)s")
def cli():
    """Draft emergency messages for migrants in their languages, per channel.

    \b
    Start here:
      emsg demo                                   the facilitator's tour
      emsg draft early_warning --scenario hurricane-tapachula --lang es,ht --channel sms
      emsg segments "Evacúe ahora"                what an SMS costs, and why
    """


@cli.command()
@format_option
@data_options
def templates(fmt, templates_dir, locales_dir):
    """List message types, their channels and the facts they need."""
    renderer = make_renderer(templates_dir, locales_dir)
    from .message_types import list_types

    types = [renderer.message_type(name) for name in list_types(renderer.templates_dir)]
    if fmt == "json":
        echo_json([{
            "type": t.name, "title": t.title, "purpose": t.purpose, "channels": t.channels(),
            "variables": {v.name: {"type": v.type, "role": v.role, "required": v.required}
                          for v in t.variables.values()},
            "cap": t.cap, "limits": t.limits,
            "actions": ({"phase": t.actions.phase, "role": t.actions.role,
                         "channels": list(t.actions.channels)} if t.actions else None),
        } for t in types])
        return
    for t in types:
        click.echo(f"{t.name}  ({t.title}) - {', '.join(t.channels())}")
        click.echo(f"    {t.purpose}")
        needs = [f"{v.name}:{v.type}" + ("" if v.required else "?") for v in t.variables.values()]
        click.echo(f"    facts: {' '.join(needs)}")
        if t.actions:
            click.echo(f"    guidance: the hazard's protective actions for {t.actions.phase} "
                       f"(hazards.toml), in {', '.join(t.actions.channels)}")


@cli.command()
@format_option
@data_options
def languages(fmt, templates_dir, locales_dir):
    """List languages, their fallbacks, and how complete and reviewed each catalog is."""
    from .catalogs import language_report

    renderer = make_renderer(templates_dir, locales_dir)
    rows = language_report(renderer)
    if fmt == "json":
        echo_json(rows)
        return
    click.echo(f"{'code':<5} {'name':<16} {'native':<16} {'dir':<4} {'format':<10} "
               f"{'fallback':<9} {'done':>5} {'fuzzy':>5} {'miss':>5} {'rev':>5}  {'dates':<12} "
               "status")
    for r in rows:
        click.echo(f"{r['code']:<5} {r['name']:<16} {r['native']:<16} {r['direction']:<4} "
                   f"{r['formatting_locale']:<10} {'>'.join(r['fallback']) or '-':<9} "
                   f"{r['translated']:>5} {r['fuzzy']:>5} {r['missing']:>5} {r['reviewed']:>5}  "
                   f"{r['dates']:<12} {r['status']}")
    click.echo("\ndone: translated, not fuzzy; rev: of those, approved by a named reviewer "
               "(emsg catalog import); emsg languages --format json lists who and when.")
    click.echo("dates: where weekday and month names, the date pattern and the zone "
               "names come from (CLDR, the catalog, or both); --format json for each part.")


@cli.command()
@click.argument("message_type", metavar="TYPE")
@facts_options
@click.option("--lang", "langs", default=None, metavar="CODES",
              help="Comma-separated language codes, or 'all' [default: the scenario's "
                   "languages, else all].")
@click.option("--channel", "channels", default="all", show_default=True, metavar="CHANNELS",
              help="sms, long, voice, cap (comma-separated) or 'all' (sms,long,voice).")
@exercise_option
@click.option("--policy", type=click.Choice(encoding.POLICIES), default="smart",
              show_default=True,
              help="SMS text sent: as written, smart-encoded (lossless), or accent-folded.")
@data_options
@format_option
def draft(message_type, scenario_path, variables, langs, channels, exercise, policy,
          templates_dir, locales_dir, fmt):
    """Draft a message in each language and channel.

    \b
    Example:
      emsg draft early_warning --scenario hurricane-tapachula --lang es,quc --channel sms
    """
    renderer = make_renderer(templates_dir, locales_dir, policy)
    scenario = load_facts(scenario_path, variables)
    facts = renderer.facts(message_type, scenario)
    notice = exercise_notice(scenario, exercise)
    exercise = scenario.exercise_mode(exercise)
    chosen = choose_languages(renderer, langs, scenario)
    available = renderer.message_type(message_type).channels()
    chans = list(DRAFT_CHANNELS) if channels == "all" else split_choice(channels, available,
                                                                         "channel")
    results = [renderer.render(message_type, code, channel, facts, exercise=exercise)
               for code in chosen for channel in chans]
    if fmt == "json":
        echo_json([{**r.to_dict(), "warnings": [*facts.warnings, *r.warnings]}
                   for r in results])
        return
    for warning in facts.warnings + ((notice,) if notice else ()):
        click.echo(f"! {warning}", err=True)
    for r in results:
        click.echo(_heading(r, renderer))
        click.echo(r.text)
        for warning in r.warnings:
            click.echo(f"  ! {warning}")
        click.echo()


def _heading(r, renderer) -> str:
    lang = renderer.languages.get(r.language)
    bits = [r.type, f"{r.language} ({lang.native})", r.channel]
    facts = []
    if r.sms:
        facts.append(f"{r.sms.sent.encoding}, {r.sms.sent.segments} segment(s), "
                     f"{r.sms.sent.characters} chars")
    else:
        facts.append(f"{len(r.text)} chars")
    if r.fell_back:
        facts.append(f"FALLBACK to {r.language_used}")
    if r.unreviewed:
        facts.append("UNREVIEWED")
    if r.direction == "rtl":
        facts.append("right-to-left")
    return f"== {' / '.join(bits)} == " + "; ".join(facts)


def main() -> None:
    cli(prog_name="emsg")


if __name__ == "__main__":
    main()
