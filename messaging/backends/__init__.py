"""Where campaign messages go: one small interface, several backends.

Like an httpx transport, a backend does one thing — hand one message to a provider —
and says precisely how it went, so that the dispatcher can decide what to retry::

    class Backend:
        def send(self, message: Outgoing) -> Sent              # or raise, see below
        def find_sent(self, to, body, since) -> str | None      # reconcile an unknown outcome
        def close(self)                                         # also a context manager
        deadline: float     # seconds a request can stay in flight (0: answers at once)

Backends: ``drafts`` (prints or writes every message, sends nothing; the default),
``twilio`` (twilio-python), and ``memory`` (records to a list; for tests and benchmarks).

Failures, as a tree::

    BackendError
    ├── PermanentFailure    this recipient can never get this message (21211 invalid number,
    │                       21610 unsubscribed, ...): recorded, never retried
    ├── TransientFailure    the message certainly did not go out (429, 503): retry after a
    │   │                   backoff
    │   └── Unreachable     nothing that answers like Twilio was reached (connection refused,
    │                       DNS, TLS, a redirect, a proxy's 4xx): a few in a row stop the run
    ├── UncertainOutcome    the request may have gone out (timeout after sending, dropped
    │                       connection, 5xx from a gateway): reconcile before any retry
    └── BackendConfigError  the campaign cannot go on (bad credentials, a sender Twilio
                            rejects): stop, one line, exit status 2 (also an InputError)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass

from ..errors import EmsgError, InputError

__all__ = [
    "Backend",
    "BackendConfigError",
    "BackendError",
    "Outgoing",
    "PermanentFailure",
    "Sent",
    "TransientFailure",
    "UncertainOutcome",
    "Unreachable",
    "body_fingerprint",
]


@dataclass(frozen=True)
class Outgoing:
    """One SMS to one recipient."""

    to: str  # E.164
    body: str
    segments: int
    language: str  # the language the body is in
    encoding: str = "GSM-7"


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str = "queued"


class BackendError(EmsgError):
    def __init__(self, message: str, *, code: int | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class PermanentFailure(BackendError):
    """This recipient cannot get this message; never retried."""


class TransientFailure(BackendError):
    """The message did not go out; try again after a backoff."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after

    @property
    def throttled(self) -> bool:
        return self.status == 429 or self.code == 20429


class Unreachable(TransientFailure):
    """Nothing answering like Twilio was reached, so the message did not go out; but a
    configuration is the likely cause (the message says what to check), so the dispatcher
    stops the run after a few of these in a row instead of marching on."""


class UncertainOutcome(BackendError):
    """The request may have reached the provider; ask it before sending again."""


class BackendConfigError(BackendError, InputError):
    """The whole campaign must stop: credentials, sender or configuration."""

    def __init__(self, message: str, *, code: int | None = None,
                 status: int | None = None) -> None:
        InputError.__init__(self, message)
        self.code = code
        self.status = status


class Backend:
    """Base class. ``live`` backends reach a real provider (and need confirmation)."""

    name = "base"
    live = False
    #: the longest a request can stay in flight, in seconds: an outcome left unknown is
    #: reconciled only after this (plus the dispatcher's settle margin)
    deadline = 0.0

    def send(self, message: Outgoing) -> Sent:
        raise NotImplementedError(f"{type(self).__name__} must implement send()")

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The SID of a message with ``body`` sent to ``to`` at or after ``since``, if the
        provider has one; ``None`` if it has none. Raises Transient/Uncertain failures if
        the provider cannot be asked."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def body_fingerprint(body: str) -> str:
    """What reconciliation compares: the body, NFC-normalised with whitespace collapsed
    (a provider may store the text with other line breaks or a decomposed accent)."""
    text = " ".join(unicodedata.normalize("NFC", body).split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_backend(name: str, **options: object) -> Backend:
    """``drafts`` / ``twilio`` / ``memory`` by name (twilio-python imported only here)."""
    if name == "drafts":
        from .drafts import DraftsBackend

        return DraftsBackend(**options)  # type: ignore[arg-type]
    if name == "twilio":
        from .twilio import TwilioBackend

        return TwilioBackend.from_env(**options)  # type: ignore[arg-type]
    if name == "memory":
        from .memory import MemoryBackend

        return MemoryBackend()
    raise InputError(f"unknown backend {name!r} (choose drafts or twilio)", field="--via")
