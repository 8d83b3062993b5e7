"""The Twilio backend: twilio-python's ``messages.create`` and ``messages.list``.

What twilio-python does not do, this module does:

- **Timeouts.** twilio-python sets none; every request here has a connect and a read
  timeout.
- **Retries.** Its ``max_retries`` retries neither POST nor 429; here nothing is retried
  inside the client at all (``max_retries=0``): each failure is classified (see
  ``messaging.backends``) and the dispatcher decides, with the journal at hand.
- **A base URL override** (``TWILIO_API_BASE_URL``, for a local mock or Prism) is used as
  is: twilio-python would rewrite its host for ``TWILIO_EDGE`` / ``TWILIO_REGION``, so both
  are ignored when the URL is overridden.
- **Connection pool** sized to the dispatcher's concurrency, for http:// (a local mock) as
  well as https://.

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
)

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

DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds)


def _http_client(timeout: tuple[float, float], pool_size: int):
    """twilio-python's own HTTP client, with timeouts, no retries and a sized pool."""
    from requests.adapters import HTTPAdapter
    from twilio.http.http_client import TwilioHttpClient

    client = TwilioHttpClient(pool_connections=True, timeout=timeout[1])
    client.timeout = timeout  # type: ignore[assignment]  # requests takes (connect, read)
    for prefix in ("https://", "http://"):
        client.session.mount(prefix, HTTPAdapter(pool_connections=4, pool_maxsize=pool_size,
                                                 max_retries=0))
    return client


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
        self.http = _http_client(timeout, pool_size)
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
        """Twilio's messages to ``to``, newest first, created at or after ``since``.

        The date is checked here on ``date_created``, not with Twilio's ``DateSent>``
        filter: a message still queued has no ``date_sent`` and would be missed.
        """
        from twilio.base import values

        try:
            listed = self._messages.list(to=to, from_=self.from_number or values.unset,
                                         limit=200, page_size=100)
        except _errors() as exc:
            error = self._classify(exc, sending=False)
            if isinstance(error, PermanentFailure):  # e.g. 21211 on a list: nothing there
                return None
            raise error from None
        for m in listed:
            created = m.date_created
            if m.body == body and (created is None or created >= since):
                return m.sid
        return None

    def _classify(self, exc: Exception, *, sending: bool) -> Exception:
        """twilio-python's or requests' exception → one of ours (or ``exc`` itself)."""
        import requests
        from twilio.base.exceptions import TwilioException, TwilioRestException

        if isinstance(exc, TwilioRestException):
            status, code = int(exc.status or 0), exc.code
            text = f"HTTP {status}" + (f", Twilio error {code}" if code else "")
            detail = _clean(exc.msg)
            if status in (401, 403) or code in CAMPAIGN_CODES:
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
            if status == 404 and not code:
                return BackendConfigError(f"Twilio API not found at the base URL ({text})",
                                          code=code, status=status)
            reason = PERMANENT_CODES.get(code or 0, detail)
            return PermanentFailure(f"{reason} ({text})", code=code, status=status)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransientFailure("could not connect to Twilio (timeout)")
        if isinstance(exc, requests.exceptions.ConnectionError) and _refused(exc):
            return TransientFailure("could not connect to Twilio (connection refused)")
        if isinstance(exc, requests.exceptions.RequestException):
            kind = "the request timed out" if isinstance(exc, requests.exceptions.Timeout) \
                else "the connection was lost"
            error = UncertainOutcome if sending else TransientFailure
            return error(f"{kind} before Twilio answered")
        error = UncertainOutcome if sending else TransientFailure
        kind = "answer" if isinstance(exc, (TwilioException, ValueError)) else "error"
        return error(f"unexpected {kind} from Twilio ({type(exc).__name__}: "
                     f"{_clean(str(exc))})")

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


def _refused(exc: Exception) -> bool:
    """Did the connection fail before any byte of the request was sent?"""
    from urllib3.exceptions import NewConnectionError

    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError):
            return True
        if isinstance(item, BaseException):
            stack.extend([item.__cause__, item.__context__, *item.args,
                          getattr(item, "reason", None)])
    return False


def _clean(text: object) -> str:
    """One line, no trailing noise; Twilio's messages never hold our credentials."""
    return " ".join(str(text or "").split())[:300]
