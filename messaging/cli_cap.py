"""``emsg cap export`` and ``emsg cap import``: a thin layer over cap_export / cap_import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .cap import SCOPES
from .cli import (
    BadInput,
    choose_languages,
    data_options,
    echo_json,
    facts_options,
    format_option,
    input_paths,
    load_facts,
    make_renderer,
)


@click.group()
def cap():
    """Export CAP 1.2 alerts; turn an official CAP alert into a scenario.

    \b
    Examples:
      emsg cap export early_warning --scenario hurricane-tapachula --lang es,ht,quc \\
          --exercise -o alert.xml
      emsg cap import official-alert.xml -o scenario.toml
    """


def _references(values: tuple[str, ...]) -> tuple[str, ...]:
    from .cap_import import alert_reference

    out = []
    for value in values:
        if Path(value).is_file():
            out.append(alert_reference(value))
        elif len(value.split(",")) == 3 and not any(c.isspace() for c in value):
            out.append(value)
        else:
            raise BadInput(f"--references: {value!r} is neither a CAP file nor "
                           "sender,identifier,sent")
    return tuple(out)


@cap.command("export")
@click.argument("message_type", metavar="TYPE")
@facts_options
@click.option("--lang", "langs", default=None, metavar="CODES",
              help="Comma-separated language codes, or 'all' [default: the scenario's "
                   "languages, else all]. One <info> block per language.")
@click.option("--exercise/--real", "exercise", default=None,
              help="status Exercise, and the EXERCISE marker in every headline; or a real "
                   "alert [default: real, unless the scenario's status (from an Exercise, "
                   "Test or Draft CAP alert) says exercise].")
@click.option("--msg-type", type=click.Choice(["Alert", "Update", "Cancel"]),
              default="Alert", show_default=True)
@click.option("--references", multiple=True, metavar="REF|FILE",
              help="The alert an Update or Cancel refers to: its CAP file, or "
                   "sender,identifier,sent. Repeatable.")
@click.option("--scope", type=click.Choice(SCOPES), default="Public", show_default=True)
@click.option("--restriction", help="Who may see a Restricted alert.")
@click.option("--addresses", help="Recipients of a Private alert.")
@click.option("--sender", help="CAP sender id [default: the url fact's host name].")
@click.option("--identifier", help="CAP identifier [default: derived from type, time, "
                                   "content].")
@click.option("--sent", "sent_text", metavar="TIME",
              help="When the alert is sent, ISO 8601 with offset [default: the issued "
                   "fact, else now].")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="Where to write the alert; - for standard output.")
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
@data_options
@format_option
def cap_export(message_type, scenario_path, variables, langs, exercise, msg_type, references,
               scope, restriction, addresses, sender, identifier, sent_text, output,
               force, templates_dir, locales_dir, fmt):
    """Write one CAP 1.2 alert with one <info> block per language.

    \b
    Example:
      emsg cap export early_warning --scenario hurricane-tapachula --lang es,ht,quc \\
          --exercise -o alert.xml
    """
    from .cap_export import AlertOptions, export_alert
    from .outputs import check_output, write_atomic

    inputs = input_paths(scenario_path, templates_dir, locales_dir,
                         *(r for r in references if Path(r).is_file()))
    if output != "-":  # refused before any work, so nothing is done in vain
        check_output(output, inputs=inputs, force=force)
    renderer = make_renderer(templates_dir, locales_dir)
    scenario = load_facts(scenario_path, variables)
    exercise = scenario.exercise_mode(exercise)
    chosen = choose_languages(renderer, langs, scenario)
    sent = None
    if sent_text:
        try:
            sent = dt.datetime.fromisoformat(sent_text)
        except ValueError:
            raise BadInput(f"--sent: not an ISO 8601 time: {sent_text!r}") from None
    options = AlertOptions(exercise=exercise, msg_type=msg_type,
                           references=_references(references), scope=scope,
                           restriction=restriction, addresses=addresses, sender=sender,
                           identifier=identifier, sent=sent)
    result = export_alert(renderer, message_type, scenario, chosen, options)
    to_stdout = output == "-"
    if to_stdout:
        click.echo(result.xml.decode("utf-8"), nl=False)
    else:
        write_atomic(output, result.xml, force=force, inputs=inputs)
    if fmt == "json":
        summary = {"output": output, "identifier": result.identifier,
                   "sender": result.sender, "sent": result.sent, "status": result.status,
                   "msgType": result.msg_type, "reference": result.reference,
                   "infos": [{"language": i.language, "language_used": i.language_used,
                              "tag": i.tag, "unreviewed": i.unreviewed}
                             for i in result.infos],
                   "warnings": list(result.warnings)}
        _echo_summary(summary, to_stdout)
        return
    where = "standard output" if to_stdout else output
    lines = [f"wrote {where}: CAP 1.2 {result.status} {result.msg_type} "
             f"{result.identifier}, {len(result.infos)} <info> block(s)"]
    for info in result.infos:
        flags = []
        if info.language_used != info.language:
            flags.append(f"fell back to {info.language_used}")
        if info.unreviewed:
            flags.append("unreviewed")
        lines.append(f"  {info.language:<4} -> {info.tag:<6}" +
                     (f" ({', '.join(flags)})" if flags else ""))
    lines += [f"  ! {w}" for w in result.warnings]
    lines.append(f"reference (for --references of an Update or Cancel): {result.reference}")
    for line in lines:
        click.echo(line, err=to_stdout)


def _echo_summary(summary: dict, to_stdout: bool) -> None:
    """The JSON report; on stderr, as one line, when the XML itself went to stdout."""
    if to_stdout:
        click.echo(_json_line(summary), err=True)
    else:
        echo_json(summary)


def _json_line(data) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


@cap.command("import")
@click.argument("alert_file", metavar="ALERT.xml")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="Scenario TOML to write; - for standard output.")
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
@click.option("--info-lang", metavar="TAG",
              help="Take the facts from the <info> block in this language "
                   "[default: the first block].")
@click.option("--timezone", help="The event's IANA time zone, e.g. America/Guatemala.")
@click.option("--region", help="Country for local phone numbers, e.g. GT "
                               "[default: from the <info> language tag].")
@data_options
@format_option
def cap_import(alert_file, output, force, info_lang, timezone, region, templates_dir,
               locales_dir, fmt):
    """Read an official CAP alert (1.1 or 1.2) into a scenario file; report what did not map.

    \b
    Example:
      emsg cap import official-alert.xml -o scenario.toml
      emsg draft early_warning --scenario scenario.toml --var shelter='Escuela 5'
    """
    from .cap_import import read_alert
    from .cap_scenario import scenario_toml
    from .outputs import check_output, write_atomic

    inputs = input_paths(None, templates_dir, locales_dir, alert_file)
    if output != "-":
        check_output(output, inputs=inputs, force=force)
    renderer = make_renderer(templates_dir, locales_dir)
    if region is not None and (len(region) != 2 or not region.isalpha()):
        raise BadInput(f"--region: expected a two-letter country code, got {region!r}")
    imported = read_alert(alert_file, renderer=renderer, info_language=info_lang,
                          timezone=timezone, region=region.upper() if region else None)
    text = scenario_toml(imported, renderer)
    to_stdout = output == "-"
    if to_stdout:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"), force=force, inputs=inputs)
    if fmt == "json":
        summary = {"input": alert_file, "output": output, "version": imported.version,
                   "identifier": imported.identifier, "status": imported.status,
                   "msgType": imported.msg_type, "language": imported.language,
                   "facts": {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                             for k, v in imported.facts.items()},
                   "area": imported.area, "mapped": imported.mapped,
                   "unmapped": imported.unmapped, "notes": imported.notes}
        _echo_summary(summary, to_stdout)
        return
    where = "standard output" if to_stdout else output
    lines = [f"read {alert_file}: CAP {imported.version} {imported.status} "
             f"{imported.msg_type} {imported.identifier} ({imported.language}); "
             f"wrote {where}", "mapped:"]
    lines += [f"  {item}" for item in imported.mapped]
    if imported.unmapped:
        lines.append("not mapped:")
        lines += [f"  - {item}" for item in imported.unmapped]
    lines += [f"  ! {note}" for note in imported.notes]
    if not to_stdout:
        suggested = "all_clear" if imported.msg_type == "Cancel" else "early_warning"
        lines.append(f"next: emsg draft {suggested} --scenario {output}"
                     + ("" if imported.timezone else " --var timezone=<IANA zone, e.g. "
                        "America/Mexico_City>")
                     + (" --exercise" if imported.status != "Actual" else ""))
    for line in lines:
        click.echo(line, err=to_stdout)
