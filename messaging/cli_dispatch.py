"""``emsg send`` and ``emsg status``: a thin click layer over campaign, journal and dispatch."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from .chronology import freshness, refuse_expired
from .cli import (
    BadInput,
    data_options,
    echo_json,
    exercise_option,
    facts_options,
    format_option,
    input_paths,
    load_facts,
    make_renderer,
)
from .cli_progress import Progress
from .dispatch import DEFAULT_SETTLE
from .encoding import POLICIES
from .stopping import exit_status, stop_on_signals


@click.command()
@click.argument("message_type", metavar="TYPE")
@facts_options
@click.option("--recipients", "recipients_path", required=True, metavar="CSV",
              help="CSV or .xlsx with 'phone' and 'language' columns (comma, semicolon or tab; "
                   "UTF-8, UTF-16 or Windows-1252; headers such as teléfono/idioma); '-' "
                   "reads standard input. See docs/recipient-lists.md.")
@exercise_option
@click.option("--via", type=click.Choice(["drafts", "twilio"]), default="drafts",
              show_default=True, help="drafts prints (or writes) every message and sends "
                                      "nothing; twilio sends them.")
@click.option("--outbox", metavar="DIR", type=click.Path(file_okay=False),
              help="drafts: write messages to DIR/outbox.jsonl instead of printing them.")
@click.option("--journal", "journal_path", metavar="PATH", type=click.Path(dir_okay=False),
              help="Campaign journal (SQLite). Re-running the same command resumes it. "
                   "[default for twilio: emsg-campaigns/TYPE-SCENARIO-RECIPIENTS-...sqlite; "
                   "drafts keep none unless given]")
@click.option("--region", metavar="XX", default=None,
              help="Country for phone numbers written without + (ISO code, e.g. MX) "
                   "[default: the scenario's region].")
@click.option("--concurrency", type=click.IntRange(1, 200), default=10, show_default=True,
              help="Requests in flight at once.")
@click.option("--rate", type=click.FloatRange(min=0.01), default=None, metavar="R",
              help="At most R SMS segments per second (a token bucket charging each "
                   "message its segments). [default: no limit]")
@click.option("--validity-period", type=click.IntRange(1, 36000), default=3600,
              show_default=True, metavar="SECONDS",
              help="Twilio drops a message still queued after this long, rather than "
                   "deliver a stale warning.")
@click.option("--status-callback", metavar="URL", default=None,
              help="URL Twilio posts delivery status to (see emsg listen).")
@click.option("--opt-outs", "opt_outs_path", metavar="FILE", type=click.Path(dir_okay=False),
              default=None, help="Opt-out list, one E.164 number a line (honoured; Twilio "
                                 "21610 adds to it). [default: emsg-campaigns/opt-outs.txt]")
@click.option("--timeout", type=click.FloatRange(min=0.5), default=20.0, show_default=True,
              help="Total deadline of one request to Twilio, in seconds (connecting, "
                   "waiting and reading the answer).")
@click.option("--settle", type=click.FloatRange(min=0.0), default=DEFAULT_SETTLE,
              show_default=True, metavar="SECONDS",
              help="A message whose outcome is unknown (a timeout, a dropped connection, "
                   "a run that died) is looked up at Twilio only SECONDS after its request "
                   "could last, and again SECONDS later before it is sent again.")
@click.option("--policy", type=click.Choice(POLICIES), default="smart", show_default=True,
              help="SMS text sent: as written, smart-encoded (lossless), or accent-folded.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--allow-unreviewed", is_flag=True,
              help="Send even though some translations are unreviewed (fuzzy).")
@click.option("--allow-expired", is_flag=True,
              help="Send a real alert even though its expires (for an evacuation, its "
                   "evacuate_by) has passed.")
@data_options
@format_option
def send(message_type, scenario_path, variables, recipients_path, exercise, via, outbox,
         journal_path, region, concurrency, rate, validity_period, status_callback,
         opt_outs_path, timeout, settle, policy, yes, allow_unreviewed, allow_expired,
         templates_dir, locales_dir, fmt):
    """Send one message type to every recipient, in their language (or print the drafts).

    \b
    Examples:
      emsg send early_warning --scenario hurricane-tapachula --recipients people.csv --exercise
      emsg send early_warning --scenario hurricane-tapachula --recipients people.csv \\
          --exercise --via twilio --rate 20 --journal tapachula.sqlite

    A campaign is journaled: stop it at any point (Ctrl-C, SIGTERM, a crash) and run the
    same command again to resume; nobody is skipped and nobody is texted twice. Exit
    status: 0 done, 1 recipients left (or nobody could be texted), 2 bad input or a
    configuration Twilio cannot be reached with, 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.
    """
    from .backends import make_backend
    from .campaign import CAMPAIGNS_DIR, OPT_OUTS_FILE, Campaign, prepare
    from .dispatch import Dispatcher, DispatchOptions
    from .journal import Journal
    from .language_names import first_audience_language
    from .optouts import OptOutList
    from .outputs import check_apart
    from .recipients import ListSource

    if outbox and via != "drafts":
        raise BadInput("--outbox is for --via drafts")
    check_apart({"--journal": journal_path, "--opt-outs": opt_outs_path,
                 "--outbox": Path(outbox) / "outbox.jsonl" if outbox else None},
                input_paths(scenario_path, templates_dir, locales_dir, recipients_path))
    if status_callback and not status_callback.startswith(("http://", "https://")):
        raise BadInput(f"--status-callback: expected an http(s) URL, got {status_callback!r}")
    renderer = make_renderer(templates_dir, locales_dir, policy)
    scenario = load_facts(scenario_path, variables)
    facts = renderer.facts(message_type, scenario)
    fresh = freshness(scenario, message_type)
    if via == "twilio" and exercise is False:
        scenario.refuse_real_send()
    exercise = scenario.exercise_mode(exercise)
    if via == "twilio" and not exercise and not allow_expired:
        refuse_expired(scenario, message_type, "a live send")
    default_language, default_why = first_audience_language(scenario, renderer.languages)
    campaign = Campaign(message_type, facts, ListSource.open(recipients_path), exercise, via,
                        region=region or scenario.region, scenario=scenario_path,
                        default_language=default_language, default_why=default_why)
    out = sys.stdout
    if via == "twilio":
        backend = make_backend("twilio", validity_period=validity_period,
                               status_callback=status_callback,
                               timeout=(min(5.0, timeout), timeout), pool_size=concurrency)
    else:
        backend = make_backend("drafts", stream=out, outbox=outbox)
    if journal_path is None and via == "twilio":
        journal_path = campaign.default_journal()
    opt_outs = OptOutList(opt_outs_path or CAMPAIGNS_DIR / OPT_OUTS_FILE)
    for warning in opt_outs.warnings:  # a bad line is skipped, never fatal
        click.echo(f"Warning: {warning}", err=True)
    journal = Journal(journal_path, durable=via == "twilio") if journal_path else \
        Journal.scratch()  # drafts without --journal: on disk all the same, then removed
    with backend, journal:
        prepared = prepare(journal, renderer, campaign, opt_outs=opt_outs)
        summary = journal.summary()
        if fmt == "text":
            _report_prepared(prepared, summary, journal_path)
        if not prepared.resumed and prepared.added == 0:
            rows = prepared.tally.rows if prepared.tally else 0
            raise BadInput(f"{campaign.recipients}: no valid recipient ({rows} row(s): "
                           f"{prepared.invalid} invalid, {prepared.duplicates} duplicate(s)); "
                           "nothing to send")
        if via == "twilio":
            _check_live(summary, allow_unreviewed, yes, exercise, fresh)
        # emsg listen answers replies with unreviewed translations only if this allowed them
        journal.set_meta("allow_unreviewed", "yes" if allow_unreviewed else "no")
        if summary.open == 0:
            if fmt == "text":
                click.echo("Nothing left to send in this campaign.", err=True)
        else:
            progress = Progress(summary.open, show=fmt == "text" and
                                (via == "twilio" or outbox is not None))
            # Drafts go out in the order of the file: nothing to wait for, nothing to gain.
            options = DispatchOptions(concurrency=concurrency if backend.live else 1,
                                      rate=rate, settle=settle)
            dispatcher = Dispatcher(journal, backend, options, opt_outs=opt_outs,
                                    on_progress=progress.update, on_event=progress.event)
            try:
                with stop_on_signals(dispatcher, progress.stopping):
                    report = dispatcher.run()
            finally:
                progress.close()
            if fmt == "text" and (line := progress.summary_line()):
                click.echo(line, err=True)
            if report.interrupted:
                _interrupted(report, journal.summary(), journal_path)
            if report.opted_out and fmt == "text":
                click.echo(f"{len(report.opted_out)} number(s) added to the opt-out list "
                           f"{opt_outs.path} (Twilio 21610)", err=True)
        summary = journal.summary()
    if fmt == "json":
        echo_json({**summary.to_dict(), "rejected_rows": [
            {"line": r.line, "field": r.field, "value": r.value, "reason": r.reason}
            for r in prepared.rejected],
            **({"list": prepared.tally.to_dict()} if prepared.tally else {})})
    else:
        _print_summary(summary, via)
    if summary.open:
        click.echo(f"{summary.open} recipient(s) not sent yet "
                   f"(pending {summary.states['pending']}, unknown "
                   f"{summary.states['unknown'] + summary.states['sending']}): run the same "
                   "command again to resume.", err=True)
        sys.exit(1)
    if summary.states["sent"] == 0 and summary.states["failed"]:
        click.echo(f"Nobody was texted: all {summary.states['failed']} recipient(s) failed "
                   "(see the failures by Twilio code above).", err=True)
        sys.exit(1)


def _interrupted(report, summary, journal_path) -> None:
    """The one line after a signal or Ctrl-C, then the signal's exit status."""
    left = summary.states["unknown"] + summary.states["sending"]
    unknown = (f"; {left} whose outcome is unknown will be looked up at Twilio first"
               if left else "")
    where = f"the journal {journal_path}" if journal_path else "nothing was journaled"
    click.echo(f"\nInterrupted. {summary.states['sent']} sent so far{unknown}; {where} "
               "holds the rest: run the same command again to resume.", err=True)
    sys.exit(exit_status(report.signal or signal.SIGINT))


@click.command()
@click.option("--journal", "journal_path", required=True, metavar="PATH",
              type=click.Path(dir_okay=False), help="The campaign journal to summarise.")
@format_option
def status(journal_path, fmt):
    """Summarise a campaign journal: sends, deliveries, STOP replies and check-in answers.

    Delivery (from Twilio's status callbacks, see emsg listen) is shown per language with
    Twilio's error codes; for a safety_check campaign, who needs help comes first, with
    what they wrote, then who is safe and who has not answered.

    \b
    Example:
      emsg status --journal tapachula.sqlite --format json
    """
    from .journal import Journal
    from .tracking_report import tracking_report

    with Journal(journal_path, readonly=True) as journal:
        summary = journal.summary()
        rejected = journal.rejected(limit=20)
        tracking = tracking_report(journal.db, campaign_type=summary.meta.get("type"))
    if fmt == "json":
        echo_json({**summary.to_dict(), "rejected_rows": rejected, **tracking.to_dict()})
        return
    meta = summary.meta
    click.echo(f"Journal: {journal_path}")
    if meta:
        mode = "exercise" if meta.get("exercise") == "yes" else "REAL"
        click.echo(f"Campaign: {meta.get('type')} ({mode}), via {meta.get('backend')}, "
                   f"scenario {meta.get('scenario') or '-'}, recipients "
                   f"{meta.get('recipients')}, started {meta.get('created_at', '?')[:19]}Z")
    _print_summary(summary, meta.get("backend", ""))
    for state, last in summary.errors.items():
        if state == "skipped" and last["error"] == "opted out":
            continue
        click.echo(f"  last error ({state}, {last['rows']} row(s) with one): "
                   f"{last['error']} [{(last['at'] or '?')[:19]}Z]")
    for r in rejected:
        click.echo(f"  line {r['line']}: {r['field']}: {r['reason']}")
    _print_tracking(tracking, meta.get("backend", ""))


# -- helpers -----------------------------------------------------------------------------

def _report_prepared(prepared, summary, journal_path) -> None:
    err = sys.stderr
    if prepared.resumed:
        click.echo(f"Resuming the campaign in {journal_path}: {summary.states['sent']} sent, "
                   f"{summary.open} to go.", file=err)
        return
    bits = [f"{prepared.added} recipient(s)"]
    if prepared.duplicates:
        bits.append(f"{prepared.duplicates} duplicate row(s) collapsed")
    if prepared.invalid:
        bits.append(f"{prepared.invalid} invalid row(s) skipped")
    if prepared.opted_out:
        bits.append(f"{prepared.opted_out} opted out")
    click.echo("Recipients: " + ", ".join(bits), file=err)
    for row in prepared.rejected:
        click.echo(f"  {row}", file=err)
    shown = len(prepared.rejected)
    if shown < prepared.invalid + prepared.duplicates:
        more = prepared.invalid + prepared.duplicates - shown
        where = f"emsg status --journal {journal_path}" if journal_path else "--journal"
        click.echo(f"  ... and {more} more (see {where})", file=err)
    if prepared.tally is not None:
        from .list_report import tally_lines

        for line in tally_lines(prepared.tally, added=prepared.added,
                                duplicates=prepared.duplicates, invalid=prepared.invalid):
            click.echo(line, file=err)
    for language, result in prepared.rendered.items():
        for warning in result.warnings:
            click.echo(f"  {language}: ! {warning}", file=err)


def _check_live(summary, allow_unreviewed: bool, yes: bool, exercise: bool,
                fresh=None) -> None:
    if summary.unreviewed_languages and not allow_unreviewed:
        raise BadInput(f"unreviewed (fuzzy) translations in "
                       f"{', '.join(summary.unreviewed_languages)}: a live send needs "
                       "--allow-unreviewed (or review the catalogs first)")
    if yes or summary.open == 0:
        return
    click.echo(f"About to send {summary.open} SMS via Twilio "
               f"({'EXERCISE' if exercise else 'REAL ALERT'}):", err=True)
    if fresh is not None:
        click.echo(f"  {fresh.describe()} ({fresh.field} {fresh.deadline.isoformat()})",
                   err=True)
    for language, entry in summary.languages.items():
        todo = sum(entry.get(s, 0) for s in ("pending", "sending", "unknown"))
        if todo:
            used = f" (in {entry['in']})" if entry["in"] != language else ""
            click.echo(f"  {language}{used}: {todo} recipient(s), "
                       f"{entry['segments'] // max(entry['recipients'], 1)} segment(s) each",
                       err=True)
    open_segments = sum(
        sum(entry.get(s, 0) for s in ("pending", "sending", "unknown"))
        * (entry["segments"] // max(entry["recipients"], 1))
        for entry in summary.languages.values())
    click.echo(f"  total: {open_segments} segment(s)", err=True)
    if not click.confirm("Send now?", default=False, err=True):
        raise BadInput("not confirmed; nothing sent (the journal is kept)")


def _print_summary(summary, via: str) -> None:
    verb = "drafted" if via == "drafts" else "sent"
    states = summary.states
    click.echo(f"Summary: {summary.recipients} recipient(s); {verb} {states['sent']}, "
               f"failed {states['failed']}, skipped {states['skipped']} (opted out), "
               f"pending {states['pending']}, unknown "
               f"{states['unknown'] + states['sending']}; {summary.segments['sent']} of "
               f"{summary.segments['total']} segment(s) {verb}")
    extra = []
    if summary.invalid:
        extra.append(f"{summary.invalid} invalid row(s) skipped")
    if summary.duplicates:
        extra.append(f"{summary.duplicates} duplicate(s) collapsed")
    if summary.fell_back:
        extra.append(f"{summary.fell_back} recipient(s) without a known language "
                     "(fallback used)")
    if summary.failures:
        extra.append("failures by Twilio code: " + ", ".join(
            f"{code} x{n}" for code, n in sorted(summary.failures.items())))
    for line in extra:
        click.echo(f"  {line}")
    click.echo(f"  {'lang':<6}{'in':<5}{'recipients':>10}{verb:>9}{'failed':>8}{'open':>6}"
               f"{'encoding':>9}{'segments':>10}  review")
    for language, e in summary.languages.items():
        open_ = sum(e.get(s, 0) for s in ("pending", "sending", "unknown"))
        review = "unreviewed" if language in summary.unreviewed_languages else ""
        click.echo(f"  {language:<6}{e['in']:<5}{e['recipients']:>10}{e.get('sent', 0):>9}"
                   f"{e.get('failed', 0):>8}{open_:>6}{e['encoding']:>9}{e['segments']:>10}"
                   f"  {review}".rstrip())


_LIST_LIMIT = 20


def _print_tracking(report, via: str) -> None:
    """Delivery, STOP replies and check-in answers (``emsg listen`` records them)."""
    if report.delivery and (report.callbacks or via != "drafts"):
        unmatched = (f", {report.unmatched_callbacks} for messages not in this journal"
                     if report.unmatched_callbacks else "")
        click.echo(f"Delivery (from {report.callbacks} Twilio status callback(s){unmatched}):")
        click.echo(f"  {'lang':<6}{'messages':>9}{'delivered':>10}{'undelivered':>12}"
                   f"{'failed':>8}{'awaiting':>9}  error codes")
        for language, e in report.delivery.items():
            codes = ", ".join(f"{c} x{n}" for c, n in sorted(e["error_codes"].items()))
            click.echo(f"  {language:<6}{e['messages']:>9}{e['delivered']:>10}"
                       f"{e['undelivered']:>12}{e['failed']:>8}{e['awaiting']:>9}  "
                       f"{codes}".rstrip())
    if report.opted_out:
        click.echo(f"Replied STOP ({len(report.opted_out)}):")
        for r in report.opted_out:
            click.echo(f"  {r['phone']} ({r['language'] or '?'}) {r['reply']!r} at "
                       f"{r['at'][:19]}Z")
    check = report.safety_check
    if check is not None:
        counts = check["counts"]
        click.echo(f"Safety check: {counts['need_help']} need help, {counts['unclear']} "
                   f"replied without answering (read them), {counts['safe']} safe, "
                   f"{counts['no_answer']} not answered"
                   + (f", {counts['opted_out']} opted out (replied STOP)"
                      if counts.get("opted_out") else ""))
        for title, key in (("NEED HELP", "need_help"), ("TO READ", "unclear")):
            for item in check[key]:
                where = "" if item.get("in_campaign", True) else ", not in this campaign"
                texts = " / ".join(repr(r["text"]) for r in item["replies"])
                click.echo(f"  {title:<9} {item['phone']} ({item['language'] or '?'}{where}):"
                           f" {texts}")
        for title, key in (("safe", "safe"), ("no answer", "no_answer"),
                           ("opted out", "opted_out")):
            items = check.get(key, [])
            for item in items[:_LIST_LIMIT]:
                extra = f" [{item['delivery']}]" if "delivery" in item else ""
                click.echo(f"  {title:<9} {item['phone']} ({item['language'] or '?'}){extra}")
            if len(items) > _LIST_LIMIT:
                click.echo(f"  ... and {len(items) - _LIST_LIMIT} more {title} "
                           "(emsg export lists everyone)")
    else:
        for r in report.to_read:
            where = "" if r["in_campaign"] else ", not in this campaign"
            click.echo(f"  TO READ   {r['phone']} ({r['language'] or '?'}{where}): "
                       f"{r['reply']!r}")
