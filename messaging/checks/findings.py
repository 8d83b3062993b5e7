"""What a check finds (:class:`Finding`), and one run's collection of them (:class:`Report`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .messages import Message

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem with one message (or one catalog, or one message type)."""

    severity: str
    check: str
    reason: str
    type: str | None = None
    language: str | None = None
    channel: str | None = None
    #: ``True``/``False`` for a message rendered in exercise/real mode; ``None`` otherwise
    exercise: bool | None = None
    scenario: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = "/".join(x for x in (self.type, self.language, self.channel) if x) or "-"
        mode = " (exercise)" if self.exercise else ""
        return f"{self.severity}: {where}{mode}: {self.check}: {self.reason}"



@dataclass
class Report:
    """Every finding of one run, and the messages checked."""

    findings: list[Finding] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def add(self, findings: Iterable[Finding]) -> None:
        seen = set(self.findings)
        for f in findings:
            if f not in seen:
                self.findings.append(f)
                seen.add(f)

    def merge(self, other: Report) -> None:
        self.add(other.findings)
        self.messages.extend(other.messages)
        self.notes.extend(n for n in other.notes if n not in self.notes)
