"""The scenario's times as findings: contradictions, zone offsets, an expired alert.

The rules are :mod:`messaging.chronology`'s (the same ones ``draft``, ``send``, ``preview``
and ``cap export`` apply); here they become findings of ``emsg check`` so that every
violation is listed, not only the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..chronology import check_chronology, freshness
from ..errors import ScenarioError
from ..facts import forecast
from ..rendering import Renderer
from ..scenarios import Scenario
from .findings import ERROR, WARNING, Finding


def check_timeline(renderer: Renderer, scenario: Scenario, types: Sequence[str]) -> list[Finding]:
    """Chronology errors and warnings of one scenario (``types`` tells the hazard's data)."""
    if not types:
        return []
    found = check_chronology(scenario, forecast=forecast(renderer.message_type(types[0]),
                                                          scenario))
    return [Finding(ERROR if p.severity == "error" else WARNING, "chronology", str(p))
            for p in found.problems]


def check_expired(scenario: Scenario, types: Sequence[str], severity: str,
                  now: dt.datetime | None = None) -> list[Finding]:
    """An alert past its deadline (``expires``; ``evacuate_by`` for an evacuation)."""
    out = []
    for type_name in types:
        fresh = freshness(scenario, type_name, now)
        if fresh is not None and fresh.expired:
            if severity == ERROR:
                reason = str(fresh.refusal("an expired alert is not fit to send"))
            else:
                reason = str(ScenarioError(
                    f"{fresh.deadline.isoformat()}: as a real alert, {fresh.describe()} "
                    "(a live send refuses it without --allow-expired)",
                    path=fresh.path, line=fresh.line, field=fresh.field))
            out.append(Finding(severity, "expired", reason, type=type_name, exercise=False))
    return out
