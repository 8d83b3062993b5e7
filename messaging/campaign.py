"""A campaign: one message type and scenario, a recipients file, and its journal.

:func:`prepare` reads the recipients (streaming), renders the SMS once per language, and
writes every recipient into the journal in one transaction; re-running it on a journal
that already holds the campaign checks that it is the same campaign and does nothing
else. Sending is :mod:`messaging.dispatch`'s job.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .facts import Facts
from .journal import Journal
from .optouts import OptOutList
from .recipients import InvalidRow, ListTally, file_digest, read_recipients
from .rendering import Renderer, RenderResult

#: where journals (and the shared opt-out list) go when --journal is not given
CAMPAIGNS_DIR = Path("emsg-campaigns")
OPT_OUTS_FILE = "opt-outs.txt"


@dataclass
class Campaign:
    type_name: str
    facts: Facts
    recipients: Path  # or a recipients.ListSource (standard input, a pipe: read once)
    exercise: bool
    backend: str
    region: str | None = None
    scenario: str | None = None  # the scenario's path or name, for the journal's name
    #: what a row with a blank or unknown language gets, and why (see language_names)
    default_language: str | None = None
    default_why: str = "the default language"

    def fingerprint(self, policy: str) -> str:
        key = self.facts.key
        key = key() if callable(key) else key  # a method in some versions of facts.py
        data = json.dumps([self.type_name, repr(key), self.exercise, policy])
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def identity(self, policy: str) -> dict[str, str]:
        """What the campaign is, by content: a resume must match all of it."""
        return {
            "type": self.type_name,
            "exercise": "yes" if self.exercise else "no",
            "backend": self.backend,
            "fingerprint": self.fingerprint(policy),
            "recipients_sha256": file_digest(self.recipients),
            "region": self.region or "",
        }

    def labels(self) -> dict[str, str]:
        """Where the files were when the campaign started: shown by ``emsg status``,
        never compared (a resume from another folder or a copy is the same campaign)."""
        return {"recipients": str(self.recipients), "scenario": self.scenario or ""}

    def default_journal(self) -> Path:
        """``emsg-campaigns/TYPE-SCENARIO-RECIPIENTS-exercise-twilio.sqlite``: one per
        campaign and backend, so a drafts run never marks anyone as texted."""
        parts = [self.type_name, Path(self.scenario).stem if self.scenario else "facts",
                 self.recipients.stem, "exercise" if self.exercise else "real", self.backend]
        name = "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", p) for p in parts)
        return CAMPAIGNS_DIR / f"{name}.sqlite"


@dataclass
class Prepared:
    """What :func:`prepare` found: this run's ingest, or a journal ready to resume."""

    resumed: bool
    added: int = 0
    duplicates: int = 0
    invalid: int = 0
    opted_out: int = 0
    fell_back: int = 0
    #: the first invalid or duplicate rows, for the report (all are in the journal)
    rejected: list[InvalidRow] = field(default_factory=list)
    #: per language: the rendered SMS
    rendered: dict[str, RenderResult] = field(default_factory=dict)
    #: where every physical line of the list went (see recipients.ListTally)
    tally: ListTally | None = None


def prepare(journal: Journal, renderer: Renderer, campaign: Campaign, *,
            opt_outs: OptOutList | None = None, keep_rejected: int = 20) -> Prepared:
    identity = campaign.identity(renderer.policy)
    journal.check_campaign(identity)
    identity = {**identity, **campaign.labels()}
    if journal.ingested:
        return Prepared(resumed=True)
    opt_outs = opt_outs if opt_outs is not None else OptOutList()
    prepared = Prepared(resumed=False)
    text_ids: dict[str, int] = {}
    rows = read_recipients(campaign.recipients, renderer.languages, region=campaign.region,
                           default_language=campaign.default_language,
                           default_why=campaign.default_why)
    with journal.ingest(identity) as ingest:
        for item in rows:
            if isinstance(item, InvalidRow):
                ingest.add_invalid(item.line, item.field, item.value, item.reason)
                if len(prepared.rejected) < keep_rejected:
                    prepared.rejected.append(item)
                continue
            text_id = text_ids.get(item.language)
            if text_id is None:
                result = renderer.render(campaign.type_name, item.language, "sms",
                                         campaign.facts, exercise=campaign.exercise)
                prepared.rendered[item.language] = result
                text_id = text_ids[item.language] = ingest.add_text(
                    item.language, result.language_used, result.text,
                    result.encoding or "GSM-7", result.segments or 1, result.unreviewed)
            opted_out = item.phone in opt_outs
            if ingest.add(item.line, item.phone, item.asked, item.fell_back, text_id,
                          state="skipped" if opted_out else "pending",
                          error="opted out" if opted_out else None,
                          name=item.name):
                prepared.opted_out += opted_out
                prepared.fell_back += item.fell_back
            elif len(prepared.rejected) < keep_rejected:
                first = ingest.db.execute("SELECT reason FROM rejected WHERE line=? AND "
                                          "kind='duplicate'", (item.line,)).fetchone()
                prepared.rejected.append(InvalidRow(item.line, "phone", item.phone,
                                                    first[0] if first else "duplicate"))
    prepared.tally = rows.tally
    prepared.added = ingest.added
    prepared.duplicates = ingest.duplicates
    prepared.invalid = ingest.invalid
    return prepared
