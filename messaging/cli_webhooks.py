"""``emsg listen`` and ``emsg export``: a thin click layer over webhooks and tracking."""

from __future__ import annotations

import logging
import os
import sys

import click

from .cli import BadInput, data_options, make_renderer


@click.command()
@click.option("--journal", "journal_path", required=True, metavar="PATH",
              type=click.Path(dir_okay=False), help="The campaign journal (from emsg send).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (put a TLS proxy or tunnel in front).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--public-url", required=True, metavar="URL",
              help="The base URL Twilio calls, e.g. https://example.org: signatures are "
                   "checked against it.")
@click.option("--opt-outs", "opt_outs_path", metavar="FILE", type=click.Path(dir_okay=False),
              default=None, help="Opt-out list STOP adds to and START removes from (the "
                                 "same as emsg send's). [default: emsg-campaigns/opt-outs.txt]")
@click.option("--allow-unreviewed", is_flag=True,
              help="Answer in languages whose replies are unreviewed (fuzzy) translations. "
                   "[default: as the campaign's emsg send decided; a language whose replies "
                   "are not allowed is answered along its fallback chain]")
@data_options
def listen(journal_path, host, port, public_url, opt_outs_path, allow_unreviewed,
           templates_dir, locales_dir):
    """Receive Twilio's delivery status callbacks and people's replies for a campaign.

    \b
    Example:
      export TWILIO_AUTH_TOKEN=...
      emsg listen --journal tapachula.sqlite --public-url https://example.org

    Twilio must reach this server at the public URL (a TLS reverse proxy or tunnel to
    --host:--port): status callbacks at /twilio/status (emsg send --status-callback
    URL/twilio/status) and replies at /twilio/inbound (the number's incoming-message
    webhook). Every request must carry a valid X-Twilio-Signature. STOP/START/HELP are
    understood in every shipped language; safety check answers (1 / 2, "sí", "wi", ...)
    are recorded. See the results with emsg status; Ctrl-C stops.
    """
    from .campaign import CAMPAIGNS_DIR, OPT_OUTS_FILE
    from .keywords import KeywordBook
    from .optouts import OptOutList
    from .outputs import check_apart
    from .tracking import TrackingStore
    from .webhooks import (
        INBOUND_PATH,
        STATUS_PATH,
        ListenConfig,
        ReplyBooks,
        WebhookServer,
        create_app,
    )

    check_apart({"--journal": journal_path, "--opt-outs": opt_outs_path},
                [p for p in (templates_dir, locales_dir) if p])
    token = os.environ.get("TWILIO_AUTH_TOKEN", "")
    if not token:
        raise BadInput("TWILIO_AUTH_TOKEN is not set: emsg listen needs the account's auth "
                       "token to verify Twilio's signatures")
    config = ListenConfig(token, public_url)
    renderer = make_renderer(templates_dir, locales_dir)
    books = ReplyBooks(KeywordBook.load(renderer),
                       KeywordBook.load(renderer, allow_unreviewed=True),
                       True if allow_unreviewed else None)
    opt_outs = OptOutList(opt_outs_path or CAMPAIGNS_DIR / OPT_OUTS_FILE)
    _configure_logging()
    with TrackingStore(journal_path, opt_outs=opt_outs) as store:
        app = create_app(store, books, config)
        server = WebhookServer(app, host, port)
        meta = store.meta
        err = sys.stderr
        if meta.get("type"):
            click.echo(f"Listening on {server.url} for the campaign in {journal_path} "
                       f"({meta['type']}, "
                       f"{'exercise' if meta.get('exercise') == 'yes' else 'REAL'})", file=err)
        else:
            click.echo(f"Listening on {server.url} for the campaign emsg send will journal "
                       f"in {journal_path} (none yet: give it --journal {journal_path})",
                       file=err)
        click.echo(f"  status callbacks: {config.public_url}{STATUS_PATH}", file=err)
        click.echo(f"  incoming SMS:     {config.public_url}{INBOUND_PATH}", file=err)
        click.echo(f"  opt-out list:     {opt_outs.path}", file=err)
        limits = server.limits
        click.echo(f"  limits:           request head {limits.header_timeout:g} s, body "
                   f"{limits.body_timeout:g} s, idle {limits.keep_alive} s, "
                   f"{limits.max_connections} connections", file=err)
        for warning in opt_outs.warnings:
            click.echo(f"  ! {warning}", file=err)
        if not allow_unreviewed:
            decided = {"yes": "it allowed them", "no": "it did not"}.get(
                meta.get("allow_unreviewed", ""), "no send yet; until then, not")
            click.echo("  replies:          unreviewed translations as the campaign's send "
                       f"decided ({decided})", file=err)
        for note in books.pick(meta).notes:
            click.echo(f"  ! {note}", file=err)
        click.echo("Ctrl-C stops.", file=err)
        server.serve_forever()
        stats = app.state.stats
    click.echo(_stats_line(stats, server.limits.closed), file=sys.stderr)


def _configure_logging() -> None:
    """One handler on stderr for emsg's, uvicorn's and asyncio's messages, rate-limited:
    a flood of bad or slow connections (or of accept errors) cannot fill the disk."""
    from .webhook_server import RateLimitFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RateLimitFilter())
    for name, level in (("emsg.listen", logging.INFO), ("uvicorn.error", logging.WARNING),
                        ("asyncio", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False


def _stats_line(stats, closed=None) -> str:
    def fmt(counter) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=str)) or "none"

    line = (f"Stopped. Status callbacks: {fmt(stats.status)}. Replies: {fmt(stats.inbound)}. "
            f"Refused requests: {fmt(stats.rejected)}.")
    if closed:
        line += f" Connections closed: {fmt(closed)}."
    return line


@click.command()
@click.option("--journal", "journal_path", required=True, metavar="PATH",
              type=click.Path(dir_okay=False), help="The campaign journal.")
@click.option("-o", "--output", "output", required=True, metavar="FILE.csv",
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the CSV ('-' for standard output).")
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
def export(journal_path, output, force):
    """Write one CSV row per recipient: send state, delivery, STOP, check-in answer, reply.

    \b
    Example:
      emsg export --journal tapachula.sqlite -o outcome.csv

    Replies are written as text, never as spreadsheet formulas. Numbers that replied but
    are not in the campaign come last ("not in campaign").
    """
    from .export import export_rows, write_csv
    from .journal import Journal
    from .outputs import atomic_writer, check_output, journal_files

    if output != "-":
        check_output(output, inputs=journal_files(journal_path), force=force)
    with Journal(journal_path, readonly=True) as journal:
        if output == "-":
            count = write_csv(sys.stdout, export_rows(journal.db))
        else:
            with atomic_writer(output, force=force, encoding="utf-8-sig", newline="") as f:
                count = write_csv(f, export_rows(journal.db))
    if output != "-":
        click.echo(f"wrote {count} row(s) to {output}", err=True)

