"""The times of one emergency, checked against each other and against the clock.

One check used by every command that turns a scenario into messages (draft, check,
preview, send, CAP export), so that a scenario whose alert expires before the hazard
starts, or that was issued after it, is refused the same way everywhere:

- ``issued`` ≤ ``onset`` < ``expires``; ``evacuate_by`` before ``expires`` (and a warning
  when it is after ``onset``: people would be told to leave once the hazard is there);
  ``ended`` after ``onset``. Each violation names both facts, each with its file:line.
- A time written with an offset that is not the zone's offset at that instant
  (``20:00-05:00`` in Tegucigalpa, which is at -06:00) is a warning that shows both
  readings: the message will say 19:00, and the author may have meant 20:00.
- :func:`freshness`: how long until the alert goes stale (``expires``, or for an
  evacuation ``evacuate_by``). Live sends and ``check --mode real`` refuse a stale real
  alert unless told ``--allow-expired``.

Facts that are missing or cannot be read as times are skipped here: typing them is
:mod:`messaging.facts`' job, which names the field that is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .errors import InputError
from .scenarios import Scenario

#: the facts that are moments in time, in the order the story happens
TIME_FACTS = ("issued", "onset", "evacuate_by", "expires", "ended")


class ExpiredAlert(InputError):
    """A live real alert, or ``check --mode real``, whose deadline has passed."""


@dataclass(frozen=True)
class TimeProblem:
    """One violation, with where each fact involved was written."""

    severity: str  # "error" or "warning"
    field: str
    reason: str
    path: str | None = None
    line: int | None = None

    def error(self) -> InputError:
        from .errors import ScenarioError

        return ScenarioError(self.reason, path=self.path, line=self.line, field=self.field)

    def __str__(self) -> str:
        return str(self.error())


@dataclass
class Chronology:
    """What :func:`check_chronology` found."""

    problems: list[TimeProblem] = field(default_factory=list)
    times: dict[str, dt.datetime] = field(default_factory=dict)

    @property
    def errors(self) -> list[TimeProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[TimeProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_first(self) -> None:
        """Raise the first error (one ``Error:`` line), if there is one."""
        if self.errors:
            raise self.errors[0].error()


def _moment(raw: object) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if value.utcoffset() is not None else None


def _where(scenario: Scenario, name: str) -> str:
    path, line = scenario.origin(name)
    if path == "--var":
        return "--var"
    if path and line:
        return f"{path}:{line}"
    return path or "--var"


def _show(value: dt.datetime) -> str:
    return value.isoformat()


#: (earlier, later, strictly): ``earlier`` must come before ``later`` (or at the same
#: time when not strict)
_ORDER = (
    ("issued", "onset", False),
    ("onset", "expires", True),
    ("issued", "expires", True),
    ("evacuate_by", "expires", True),
    ("onset", "ended", True),
)

_WHY = {
    ("issued", "onset"): "an alert cannot be issued after the hazard it warns of starts",
    ("onset", "expires"): "the alert would expire before the hazard starts",
    ("issued", "expires"): "the alert would expire before it is issued",
    ("evacuate_by", "expires"): "people would be told to leave after the alert expires",
    ("onset", "ended"): "the hazard would end before it starts",
}


def check_chronology(scenario: Scenario, *, forecast: bool = True) -> Chronology:
    """Check the scenario's times against each other and against its zone.

    ``forecast=False`` for a hazard that strikes without a forecast (an earthquake): its
    alert is rightly issued after the onset, and people leave damaged buildings after it.
    """
    found = Chronology()
    for name in TIME_FACTS:
        if name in scenario.facts:
            value = _moment(scenario.facts[name])
            if value is not None:
                found.times[name] = value
    times = found.times
    for earlier, later, strict in _ORDER:
        if earlier not in times or later not in times:
            continue
        a, b = times[earlier], times[later]
        if (a < b) if strict else (a <= b):
            continue
        if earlier == "issued" and later == "onset" and not forecast:
            continue
        if earlier == "issued" and later == "expires" and forecast and "onset" in times:
            continue  # already said: issued after onset, or onset not before expires
        path, line = scenario.origin(later)
        relation = "before" if a > b else "at the same time as"
        found.problems.append(TimeProblem(
            "error", later,
            f"{_show(b)} is {relation} {earlier} {_show(a)} ({_where(scenario, earlier)}): "
            f"{_WHY[(earlier, later)]}", path, line))
    if forecast and "evacuate_by" in times and "onset" in times \
            and times["evacuate_by"] > times["onset"]:
        path, line = scenario.origin("evacuate_by")
        found.problems.append(TimeProblem(
            "warning", "evacuate_by",
            f"{_show(times['evacuate_by'])} is after onset {_show(times['onset'])} "
            f"({_where(scenario, 'onset')}): people would be told to leave once the hazard "
            "has started", path, line))
    found.problems += _offset_warnings(scenario, times)
    return found


def _offset_warnings(scenario: Scenario, times: dict[str, dt.datetime]) -> list[TimeProblem]:
    tz_name = scenario.facts.get("timezone", scenario.timezone)
    if not isinstance(tz_name, str):
        return []
    from .facts import zone

    try:
        tz = zone(tz_name)
    except ValueError:
        return []  # facts.parse_facts names the bad zone
    out = []
    for name, value in times.items():
        local = value.astimezone(tz)
        if local.utcoffset() == value.utcoffset():
            continue
        path, line = scenario.origin(name)
        out.append(TimeProblem(
            "warning", name,
            f"{_show(value)} has offset {_offset(value)}, but {tz_name} is at "
            f"{_offset(local)} then: messages will say {local:%H:%M} ({tz_name}); if "
            f"{value:%H:%M} local time was meant, write {_show(value.replace(tzinfo=tz))}",
            path, line))
    return out


def _offset(value: dt.datetime) -> str:
    text = value.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if len(text) == 5 else text or "+00:00"


# -- freshness ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Freshness:
    """How long until an alert goes stale, measured at ``now``."""

    field: str
    deadline: dt.datetime
    now: dt.datetime
    path: str | None = None
    line: int | None = None

    @property
    def remaining(self) -> dt.timedelta:
        return self.deadline - self.now

    @property
    def expired(self) -> bool:
        return self.remaining <= dt.timedelta(0)

    def describe(self) -> str:
        """``expires in 3 h``, ``evacuate_by passed 57 days ago``."""
        if self.expired:
            past = "expired" if self.field == "expires" else f"{self.field} passed"
            return f"{past} {_span(-self.remaining)} ago"
        verb = "expires" if self.field == "expires" else f"{self.field} is"
        return f"{verb} in {_span(self.remaining)}"

    def refusal(self, what: str) -> ExpiredAlert:
        return ExpiredAlert(
            f"{_show(self.deadline)} passed {_span(-self.remaining)} ago: {what} (update "
            "the scenario's times, or pass --allow-expired)",
            path=self.path, line=self.line, field=self.field)


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 10:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def freshness(scenario: Scenario, type_name: str | None = None,
              now: dt.datetime | None = None) -> Freshness | None:
    """The deadline that makes this alert stale: ``evacuate_by`` for an evacuation (when
    given), else ``expires``; ``None`` when the scenario states neither."""
    now = now or dt.datetime.now(dt.UTC)
    names = ("evacuate_by", "expires") if type_name == "evacuation" else ("expires",)
    for name in names:
        value = _moment(scenario.facts.get(name))
        if value is not None:
            path, line = scenario.origin(name)
            return Freshness(name, value, now, path, line)
    return None


def refuse_expired(scenario: Scenario, type_name: str | None, what: str,
                   now: dt.datetime | None = None) -> Freshness | None:
    """Raise :class:`ExpiredAlert` when the alert is stale; else its :class:`Freshness`."""
    fresh = freshness(scenario, type_name, now)
    if fresh is not None and fresh.expired:
        raise fresh.refusal(f"{what} of an expired alert is refused")
    return fresh
