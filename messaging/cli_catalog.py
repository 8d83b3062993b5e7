"""``emsg catalog``: extract, update, init and stats of the translation catalogs, and the
review sheet (export, import)."""

from __future__ import annotations

from pathlib import Path

import click

from .cli import data_options, echo_json, format_option, input_paths, load_facts, make_renderer


@click.group()
def catalog():
    """Maintain translation catalogs (extract, update, init, stats)."""


@catalog.command("stats")
@format_option
@data_options
def catalog_stats(fmt, templates_dir, locales_dir):
    """Per language: translated, fuzzy (unreviewed) and missing strings."""
    from .catalogs import language_report

    rows = language_report(make_renderer(templates_dir, locales_dir))
    if fmt == "json":
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['code']:<5} translated {r['translated']:>3}  fuzzy {r['fuzzy']:>3}  "
                   f"missing {r['missing']:>3}  reviewed {r['reviewed']:>3}  "
                   f"problems {r['problems']:>2}  {r['status']}")


@catalog.command("extract")
def catalog_extract():
    """Extract messages from templates and the glossary into locales/messages.pot."""
    from .catalog_tools import extract

    click.echo(extract())


@catalog.command("update")
@data_options
def catalog_update(templates_dir, locales_dir):
    """Merge messages.pot into every language's messages.po (of --locales DIR if given)."""
    from .catalog_tools import update

    click.echo(update(Path(locales_dir) if locales_dir else None))


@catalog.command("init")
@click.argument("code")
@click.option("--name", required=True, help="English name, e.g. Kaqchikel.")
@click.option("--native", default=None, help="The language's own name.")
@click.option("--fallback", default="", help="Comma-separated fallback languages, e.g. es.")
@click.option("--direction", type=click.Choice(["ltr", "rtl"]), default="ltr")
@click.option("--formatting-locale", default=None,
              help="CLDR locale for dates and numbers, e.g. es_GT [default: the language's "
                   "own, else its first fallback's].")
@click.option("--plural-forms", default=None, metavar="RULE",
              help="gettext Plural-Forms, used when CLDR has no rule for the language "
                   "[default: nplurals=1; plural=0;].")
@data_options
def catalog_init(code, name, native, fallback, direction, formatting_locale, plural_forms,
                 templates_dir, locales_dir):
    """Add a language: a new messages.po and an entry in languages.toml.

    \b
    Example (Kaqchikel, not in CLDR):
      emsg catalog init cak --name Kaqchikel --native Kaqchikel --fallback es \\
          --formatting-locale es_GT
    """
    from .catalog_init import init_language

    click.echo(init_language(code, name=name, native=native or name,
                             fallback=[f for f in fallback.split(",") if f],
                             direction=direction,
                             formatting_locale=formatting_locale,
                             plural_forms=plural_forms,
                             locales=Path(locales_dir) if locales_dir else None))


@catalog.command("export")
@click.argument("language", metavar="LANG")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="review.csv or review.xlsx (by extension).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option("--scenario", "scenario_path", default="hurricane-tapachula", show_default=True,
              metavar="FILE", help="Scenario whose messages show each string in its sentence.")
@data_options
def catalog_export(language, output, force, scenario_path, templates_dir, locales_dir):
    """Write LANG's review sheet: one row per string, for reviewers who use a spreadsheet.

    Columns: id, context, comment, source, translation, status, used_in, rendered, sms_cost,
    and the reviewer's corrected, approved (yes / no) and reviewer_notes; SMS strings first.

    \b
    Example:
      emsg catalog export quc -o review.xlsx
    """
    from .review_sheet import build_sheet, write_sheet

    renderer = make_renderer(templates_dir, locales_dir)
    scenario = load_facts(scenario_path, ())
    rows = build_sheet(renderer, language, scenario)
    path = write_sheet(rows, Path(output), force=force,
                       inputs=input_paths(scenario_path, templates_dir, locales_dir,
                                          renderer.catalog_path(language)))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    click.echo(f"wrote {path}: {len(rows)} string(s) of {language} ("
               + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) + ")")


@catalog.command("import")
@click.argument("sheet", metavar="SHEET")
@click.option("--reviewer", required=True, metavar="NAME",
              help="Who reviewed: recorded as 'reviewed by NAME on DATE' and Last-Translator.")
@data_options
def catalog_import(sheet, reviewer, templates_dir, locales_dir):
    """Apply a reviewed sheet to its language's catalog, all or nothing.

    A non-empty 'corrected' replaces the translation; approved = yes marks the string
    reviewed (no longer fuzzy); approved = no marks it fuzzy again. A row whose correction
    drops or invents a placeholder, or fails msgfmt --check, refuses the whole import.

    \b
    Example:
      emsg catalog import review.xlsx --reviewer "Ana Tzul (ALMG)"
    """
    from .catalog_tools import writable_locales
    from .catalogs import catalog_path
    from .review_import import apply_review, read_sheet

    lines = read_sheet(Path(sheet))
    writable = writable_locales(Path(locales_dir) if locales_dir else None)
    renderer = make_renderer(templates_dir, locales_dir)
    language = next((line.get("language") for line in lines if line.get("language")), "")
    renderer.languages.get(language)
    target = catalog_path(writable, language)
    result = apply_review(Path(sheet), target, renderer.catalog_path(language),
                          reviewer=reviewer)
    click.echo(result.summary())
    for message in result.messages:
        click.echo(message)
