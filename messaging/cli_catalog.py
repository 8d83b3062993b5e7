"""``emsg catalog``: extract, update, init and stats of the translation catalogs."""

from __future__ import annotations

from pathlib import Path

import click

from .cli import data_options, echo_json, format_option, make_renderer


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
                   f"missing {r['missing']:>3}  problems {r['problems']:>2}  {r['status']}")


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
