"""The Twilio backend: twilio-python's ``messages.create`` and ``messages.list``.

What twilio-python does not do, this module does:

- **A total deadline per request** and a bounded body (``twilio_http``): twilio-python
  sets no timeout, and requests' read timeout is per read, so a trickling answer would
  keep a request in flight for ever; the dispatcher needs the bound to know when an
  unknown outcome can be reconciled.
- **Retries.** Its ``max_retries`` retries neither POST nor 429; here nothing is retried
  inside the client at all (``max_retries=0``): each failure is classified (see
  ``messaging.backends``) and the dispatcher decides, with the journal at hand.
- **A base URL override** (``TWILIO_API_BASE_URL``, for a local mock or Prism) is used as
  is: twilio-python would rewrite its host for ``TWILIO_EDGE`` / ``TWILIO_REGION``, so both
  are ignored when the URL is overridden.
- **Connection pool** sized to the dispatcher's concurrency, for http:// (a local mock) as
  well as https://.
- **Answers that are not Twilio's** (a redirect, a proxy's 4xx page without a Twilio error
  code, connection refused, DNS, TLS) are :class:`Unreachable`, never a recipient's
  permanent failure: the dispatcher stops the run after a few and says what to check.

Credentials are read from the environment and never printed: no message of this module
includes them, and twilio-python's request log omits the Authorization header.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from . import (
    Backend,
    BackendConfigError,
    Outgoing,
    PermanentFailure,
    Sent,
    TransientFailure,
    UncertainOutcome,
    Unreachable,
    body_fingerprint,
)
from .twilio_http import BodyTooLarge, deadline_client, transport_problem, where

#: Twilio error codes that are final for one recipient: recorded, never retried.
PERMANENT_CODES = {
    21211: "invalid 'To' phone number",
    21408: "permission to send to this region is not enabled",
    21610: "the recipient has unsubscribed (replied STOP)",
    21614: "'To' number is not a mobile number",
    21617: "the message body exceeds the 1,600 character limit",
}
#: Twilio error codes that no recipient would escape: stop the campaign.
CAMPAIGN_CODES = {
    20003: "authentication failed: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
    20005: "the Twilio account is not active",
    20404: "Twilio says the account or resource does not exist (check TWILIO_ACCOUNT_SID "
           "and TWILIO_API_BASE_URL)",
    21212: "the 'From' number is not valid (check TWILIO_FROM_NUMBER)",
    21606: "the 'From' number cannot send SMS (check TWILIO_FROM_NUMBER)",
    21659: "the 'From' number is not a Twilio number of this account",
    21602: "Twilio received no message body",
    21603: "Twilio needs a 'From' number or a messaging service",
    21701: "the messaging service does not exist (check TWILIO_MESSAGING_SERVICE_SID)",
}
RATE_LIMITED = 20429

DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, total deadline of one request (seconds)
#: messages to one number looked through when reconciling, at most (newest first)
LIST_LIMIT = 5000


class TwilioBackend(Backend):
    name = "twilio"
    live = True

    def __init__(self, account_sid: str, auth_token: str, *, from_number: str | None = None,
                 messaging_service_sid: str | None = None, base_url: str | None = None,
                 validity_period: int | None = None, status_callback: str | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, pool_size: int = 10,
                 edge: str | None = None, region: str | None = None) -> None:
        from twilio.rest import Client

        if not (from_number or messaging_service_sid):
            raise BackendConfigError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.validity_period = validity_period
        self.status_callback = status_callback
        self.base_url = base_url.rstrip("/") if base_url else None
        if self.base_url:
            _check_base_url(self.base_url)
        self.deadline = float(timeout[1])
        self.http = deadline_client(timeout[0], self.deadline, pool_size)
        self.client = Client(account_sid, auth_token, http_client=self.http,
                             edge=edge, region=region,
                             environment={"TWILIO_EDGE": edge or "",
                                          "TWILIO_REGION": region or ""})
        if self.base_url:
            # twilio-python would rewrite the override's host for an edge or region.
            self.client.edge = None
            self.client.region = None
            self.client.api.base_url = self.base_url
        self._messages = self.client.api.v2010.account.messages

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 **options: object) -> TwilioBackend:
        """Credentials and sender from the environment; names what is missing, never a
        value."""
        env = os.environ if environ is None else environ
        missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not env.get(n)]
        if not (env.get("TWILIO_FROM_NUMBER") or env.get("TWILIO_MESSAGING_SERVICE_SID")):
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            raise BackendConfigError(f"--via twilio needs {', '.join(missing)} in the "
                                     "environment")
        return cls(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"],
                   from_number=env.get("TWILIO_FROM_NUMBER") or None,
                   messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
                   base_url=env.get("TWILIO_API_BASE_URL") or None,
                   edge=env.get("TWILIO_EDGE") or None,
                   region=env.get("TWILIO_REGION") or None,
                   **options)  # type: ignore[arg-type]

    # -- sending ---------------------------------------------------------------------------

    def send(self, message: Outgoing) -> Sent:
        from twilio.base import values

        unset = values.unset
        try:
            created = self._messages.create(
                to=message.to,
                body=message.body,
                from_=self.from_number or unset,
                messaging_service_sid=self.messaging_service_sid or unset,
                validity_period=self.validity_period or unset,
                status_callback=self.status_callback or unset,
            )
        except _errors() as exc:
            raise self._classify(exc, sending=True) from None
        if not created.sid:
            raise UncertainOutcome("Twilio answered without a message SID")
        return Sent(sid=created.sid, status=str(created.status or "queued"))

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The SID of a message to ``to`` whose body has ``body``'s fingerprint, created at
        or after ``since``; pages through Twilio's list (newest first) until a whole page
        is older than ``since``.

        The date is checked here on ``date_created``, not with Twilio's ``DateSent>``
        filter: a message still queued has no ``date_sent`` and would be missed.
        """
        from twilio.base import values

        wanted = body_fingerprint(body)
        older_in_a_row = seen = 0
        try:
            for m in self._messages.stream(to=to, from_=self.from_number or values.unset,
                                           page_size=100):
                seen += 1
                created = m.date_created
                if created is not None and created < since:
                    older_in_a_row += 1
                    if older_in_a_row >= 100:
                        return None
                    continue
                older_in_a_row = 0
                if m.body is not None and body_fingerprint(m.body) == wanted:
                    return m.sid
                if seen >= LIST_LIMIT:
                    raise TransientFailure(f"more than {LIST_LIMIT:,} messages to {to} "
                                           "since the attempt: could not look through them")
        except _errors() as exc:
            error = self._classify(exc, sending=False)
            if isinstance(error, PermanentFailure):  # e.g. 21211 on a list: nothing there
                return None
            raise error from None
        return None

    def _classify(self, exc: Exception, *, sending: bool) -> Exception:
        """twilio-python's or requests' exception → one of ours (or ``exc`` itself)."""
        import requests
        from twilio.base.exceptions import TwilioException, TwilioRestException

        if isinstance(exc, TwilioRestException):
            status, code = int(exc.status or 0), exc.code
            if code is not None and code < 10000:
                # twilio-python puts the HTTP status here when the body has no Twilio
                # error code (Twilio's codes have five digits)
                code = None
            text = f"HTTP {status}" + (f", Twilio error {code}" if code else "")
            detail = _clean(exc.msg)
            if status == 401 or code in CAMPAIGN_CODES or (status == 403 and code):
                reason = CAMPAIGN_CODES.get(code or 0) or (
                    "Twilio rejected the credentials: check TWILIO_ACCOUNT_SID and "
                    "TWILIO_AUTH_TOKEN" if status == 401 else "Twilio refused the request")
                return BackendConfigError(f"{reason} ({text})", code=code, status=status)
            if status == 429 or code == RATE_LIMITED:
                return TransientFailure(f"rate limited ({text})", code=code, status=status)
            if status == 503:
                return TransientFailure(f"Twilio unavailable ({text})", code=code,
                                        status=status)
            if status >= 500:
                # A 500/502/504 may come after Twilio created the message: reconcile.
                error = UncertainOutcome if sending else TransientFailure
                return error(f"Twilio server error ({text}): {detail}", code=code,
                             status=status)
            if not code:
                # A redirect, a proxy's page, another server: not Twilio's API answering.
                kind = "a redirect" if 300 <= status < 400 else "an answer without a " \
                    "Twilio error code"
                return Unreachable(f"HTTP {status} from {where(self.base_url)} ({kind}, not "
                                   f"Twilio's API): {self._check_hint()}", status=status)
            # Twilio's 4xx with its error code: this recipient's problem, as Twilio says
            # it (recorded with its code, never retried).
            reason = PERMANENT_CODES.get(code, detail)
            return PermanentFailure(f"{reason} ({text})", code=code, status=status)
        problem = transport_problem(exc)
        if problem is not None:
            return Unreachable(f"could not connect to {where(self.base_url)} ({problem}): "
                               f"{self._check_hint()}")
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema |
                      requests.exceptions.MissingSchema):
            return BackendConfigError(f"TWILIO_API_BASE_URL is not a usable URL ({exc})")
        if isinstance(exc, requests.exceptions.RequestException):
            kind = "the request timed out" if isinstance(exc, requests.exceptions.Timeout) \
                else "the connection was lost"
            error = UncertainOutcome if sending else TransientFailure
            return error(f"{kind} before Twilio answered")
        error = UncertainOutcome if sending else TransientFailure
        if isinstance(exc, BodyTooLarge):
            return error(f"{exc} from {where(self.base_url)}, not Twilio's")
        kind = "answer" if isinstance(exc, (TwilioException, ValueError)) else "error"
        return error(f"unexpected {kind} from Twilio ({type(exc).__name__}: "
                     f"{_clean(str(exc))})")

    def _check_hint(self) -> str:
        return "check TWILIO_API_BASE_URL" if self.base_url else \
            "check the network connection and any HTTP proxy"

    def close(self) -> None:
        session = getattr(self.http, "session", None)
        if session is not None:
            session.close()


def _errors() -> tuple[type[BaseException], ...]:
    """What a request may raise: twilio-python's errors, requests' errors, and a response
    body that is not the JSON it should be (ValueError)."""
    import requests
    from twilio.base.exceptions import TwilioException

    return (TwilioException, requests.RequestException, ValueError)


def _check_base_url(url: str) -> None:
    """An http(s) URL with a host, or one line saying what is wrong with it."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BackendConfigError(f"TWILIO_API_BASE_URL must be an http:// or https:// URL "
                                 f"with a host, got {url.split('@')[-1]!r}")


def _clean(text: object) -> str:
    """One line, no trailing noise; Twilio's messages never hold our credentials."""
    return " ".join(str(text or "").split())[:300]
