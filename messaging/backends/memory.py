"""An in-memory backend for tests and benchmarks: records every message, fails on demand.

``failures`` maps a phone number to an exception (or a list of them, raised one per attempt)
— ``PermanentFailure(..., code=21610)``, ``TransientFailure(..., status=429)``, or an
``UncertainOutcome`` whose message is nevertheless recorded (as a timeout after Twilio
accepted it would be).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field

from . import Backend, Outgoing, Sent, UncertainOutcome


@dataclass
class Record:
    sid: str
    message: Outgoing
    at: dt.datetime


@dataclass
class MemoryBackend(Backend):
    name = "memory"
    live = False

    failures: dict[str, list[Exception]] = field(default_factory=dict)
    outbox: list[Record] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, phone: str, *errors: Exception) -> None:
        self.failures.setdefault(phone, []).extend(errors)

    def send(self, message: Outgoing) -> Sent:
        with self._lock:
            queued = self.failures.get(message.to)
            error = queued.pop(0) if queued else None
            if error is not None and not isinstance(error, UncertainOutcome):
                raise error
            sid = f"SM{next(self._ids):032x}"
            self.outbox.append(Record(sid, message, dt.datetime.now(dt.UTC)))
        if error is not None:
            raise error  # accepted, but the caller never learns it
        return Sent(sid=sid)

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        with self._lock:
            for record in reversed(self.outbox):
                if record.message.to == to and record.message.body == body \
                        and record.at >= since:
                    return record.sid
        return None

    def sent_to(self, phone: str) -> int:
        return sum(1 for r in self.outbox if r.message.to == phone)
