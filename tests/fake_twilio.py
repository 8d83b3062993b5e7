"""A fake Twilio: a real HTTP server on 127.0.0.1 speaking Twilio's Messages API wire protocol.

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   form-encoded To, Body, From or
                                                           MessagingServiceSid, ValidityPeriod,
                                                           StatusCallback
    GET  /2010-04-01/Accounts/{AccountSid}/Messages.json   To, From, DateSent>, PageSize,
                                                           Page; newest first, paged

Basic auth (401 with Twilio's code 20003 otherwise), Twilio's JSON error bodies
(``{"code", "message", "more_info", "status"}``), RFC 2822 dates. Faults can be injected:

- ``latency``: seconds before each answer (the message is recorded before the wait, as
  Twilio accepts it, so a client that gives up still leaves it on the server);
- ``create_delay``: the *slow mode*. The message is created only this many seconds after
  the request arrived (the answer comes at ``max(latency, create_delay)``), whether or not
  the client is still waiting: Twilio under load behaves so, and a client that gave up and
  lists the messages at once finds nothing yet. ``FakeTwilio.slow(3.0)`` is that mode;
- ``fail_next(status, code, count, body=, headers=)``: the next POSTs answer an error
  (429/20429, 500, 503 ...) without accepting; with ``body`` (text) the answer is not
  Twilio's JSON but what a proxy would say. ``redirect_next`` (a 307 with a Location) and
  ``proxy_error_next`` (a 4xx HTML page, no Twilio code) are the two a misconfigured base
  URL gives;
- ``drop_next(count, accept=True)``: the next POSTs are accepted and recorded (or not, with
  ``accept=False``), then the connection is closed without an answer;
- ``trickle_next(count, interval)``: the next answers come one byte every ``interval``
  seconds (a per-read timeout never fires; only a total deadline cuts them);
- ``huge_next(count, size)``: the next answers carry a body of ``size`` bytes;
- ``faults``: random faults, a probability per POST for ``429``, ``500``, ``503`` and
  ``drop`` (accepted, then the connection dropped), drawn from ``seed``;
- ``number_errors[phone] = code``: that recipient always fails (21211, 21610, ...);
- ``list_failures``: the next GETs answer 500.

``received`` records every accepted message; ``count_to(phone)`` is how tests assert
exactly-once delivery. ``disable_nagle_algorithm`` is set: without TCP_NODELAY,
http.server's separate header and body writes meet delayed ACKs and cap it near 25 req/s.

Run it alone: ``python tests/fake_twilio.py --latency 0.2`` prints its base URL and serves
``GET /_fake/stats`` (JSON: count, arrival times) and ``GET /_fake/counts`` (messages per
number, POSTs per number) for benchmarks in another process; ``--create-delay`` and
``--faults 429=0.05,503=0.03,500=0.02,drop=0.03`` set the modes above.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import itertools
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"

ERRORS = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    21211: "The 'To' number {to} is not a valid phone number.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the "
           "'To' number: {to}.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
}


@dataclass
class Received:
    sid: str
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    params: dict[str, str]
    created: dt.datetime
    arrived: float  # time.monotonic() at arrival


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    latency: float = 0.0
    #: seconds after arrival at which a message is created (slow mode; see the docstring)
    create_delay: float = 0.0
    #: random faults per POST: {"429": p, "500": p, "503": p, "drop": p}
    faults: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    number_errors: dict[str, int] = field(default_factory=dict)
    #: requests seen (method, path, status) including failures, for assertions
    log: list[tuple[str, str, int]] = field(default_factory=list)
    #: every Authorization-free request header set, to check what clients send
    headers: list[dict[str, str]] = field(default_factory=list)
    #: the 'To' of every POST that reached the API, accepted or not
    posts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[tuple[int, int | None, str | None, dict[str, str]]] = []
        self._drops: list[bool] = []  # accept the message before dropping?
        self._trickles: list[float] = []
        self._huge: list[int] = []
        self._rng = random.Random(self.seed)
        self.list_failures = 0
        self._sids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------

    @classmethod
    def slow(cls, latency: float, **options: object) -> FakeTwilio:
        """Slow mode: each message is created ``latency`` seconds after its request
        arrived, and answered then, whether or not the client still waits."""
        return cls(latency=latency, create_delay=latency, **options)  # type: ignore[arg-type]

    def fail_next(self, status: int, code: int | None = None, count: int = 1, *,
                  body: str | None = None, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, code, body, dict(headers or {}))] * count)

    def redirect_next(self, count: int = 1, location: str = "https://api.twilio.com/") -> None:
        """A 307, as a base URL with the wrong scheme or host answers (no Twilio code)."""
        self.fail_next(307, None, count, body="", headers={"Location": location})

    def proxy_error_next(self, status: int = 403, count: int = 1) -> None:
        """A proxy's 4xx: an HTML page, no Twilio error code."""
        self.fail_next(status, None, count,
                       body="<html><body><h1>Access denied by proxy</h1></body></html>")

    def drop_next(self, count: int = 1, *, accept: bool = True) -> None:
        with self._lock:
            self._drops.extend([accept] * count)

    def trickle_next(self, count: int = 1, interval: float = 0.2) -> None:
        with self._lock:
            self._trickles.extend([interval] * count)

    def huge_next(self, count: int = 1, size: int = 8 << 20) -> None:
        with self._lock:
            self._huge.extend([size] * count)

    def count_to(self, phone: str) -> int:
        with self._lock:
            return sum(1 for r in self.received if r.to == phone)

    def counts(self) -> dict[str, int]:
        with self._lock:
            result: dict[str, int] = {}
            for r in self.received:
                result[r.to] = result.get(r.to, 0) + 1
            return result

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a dispatcher needs to talk to this fake."""
        return {"TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_BASE_URL": self.url, **extra}

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = _quiet(self._server.handle_error)  # type: ignore[method-assign]
        self._server.request_queue_size = 256
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the API ---------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.account_sid and password == self.auth_token

    def _message_json(self, r: Received, status: str = "queued") -> dict:
        date = email.utils.format_datetime(r.created)
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{r.sid}"
        return {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": r.body,
            "date_created": date, "date_updated": date,
            "date_sent": date if status != "queued" else None,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": r.from_, "messaging_service_sid": r.messaging_service_sid,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": r.sid, "status": status, "to": r.to, "uri": f"{path}.json",
            "subresource_uris": {"media": f"{path}/Media.json"},
        }


def _quiet(handle_error):
    """http.server prints a traceback when a client resets its connection (a killed
    dispatcher does): as Twilio, say nothing of it; any other error is still printed."""
    import sys

    def handle(request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        handle_error(request, client_address)

    return handle


def error_body(status: int, code: int | None, message: str) -> dict:
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
            "status": status}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: see the module docstring

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    # -- plumbing ------------------------------------------------------------------------

    def _send_json(self, status: int, data: dict, *, trickle: float = 0.0,
                   pad: int = 0) -> None:
        body = json.dumps(data).encode()
        if pad:
            body = body[:-1] + b', "padding": "' + b"x" * pad + b'"}'
        self._send(status, body, "application/json; charset=utf-8", trickle=trickle)

    def _send(self, status: int, body: bytes, content_type: str, *,
              headers: dict[str, str] | None = None, trickle: float = 0.0) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "1")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if trickle:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(trickle)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: as Twilio
            self.close_connection = True
        with self.fake._lock:
            self.fake.log.append((self.command, self.path, status))

    def _error(self, status: int, code: int | None, message: str) -> None:
        self._send_json(status, error_body(status, code, message))

    def _route(self) -> str | None:
        parts = urlsplit(self.path).path.split("/")
        # ['', '2010-04-01', 'Accounts', SID, 'Messages.json']
        if len(parts) == 5 and parts[1] == "2010-04-01" and parts[2] == "Accounts" \
                and parts[4] == "Messages.json":
            return parts[3]
        return None

    def _check(self) -> bool:
        fake = self.fake
        with fake._lock:
            fake.headers.append({k: v for k, v in self.headers.items()
                                 if k.lower() != "authorization"})
        sid = self._route()
        if sid is None:
            self._error(404, 20404, f"The requested resource {self.path} was not found")
            return False
        if not fake._authorized(self.headers.get("Authorization")) or sid != fake.account_sid:
            self._error(401, 20003, ERRORS[20003])
            return False
        return True

    # -- verbs ---------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/_fake/stats"):
            with self.fake._lock:
                arrived = [r.arrived for r in self.fake.received]
            self._send_json(200, {"count": len(arrived), "arrived": arrived,
                                  "clock": time.monotonic()})
            return
        if self.path.startswith("/_fake/counts"):
            with self.fake._lock:
                posts: dict[str, int] = {}
                for to in self.fake.posts:
                    posts[to] = posts.get(to, 0) + 1
            self._send_json(200, {"received": self.fake.counts(), "posts": posts})
            return
        if not self._check():
            return
        fake = self.fake
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        with fake._lock:
            if fake.list_failures:
                fake.list_failures -= 1
                failing = True
            else:
                failing = False
                rows = list(reversed(fake.received))
        if failing:
            self._error(500, None, "Internal Server Error")
            return
        if "To" in query:
            rows = [r for r in rows if r.to == query["To"]]
        if "From" in query:
            rows = [r for r in rows if r.from_ == query["From"]]
        if "DateSent>" in query:
            since = dt.datetime.fromisoformat(query["DateSent>"].replace("Z", "+00:00"))
            rows = [r for r in rows if r.created >= since]
        size = max(1, min(int(query.get("PageSize", 50)), 1000))
        page = int(query.get("Page", 0))
        chunk = rows[page * size:(page + 1) * size]
        base = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
        keep = urlencode({k: v for k, v in query.items() if k not in ("Page", "PageSize")})
        more = (page + 1) * size < len(rows)
        self._send_json(200, {
            "messages": [fake._message_json(r, "sent") for r in chunk],
            "end": page * size + len(chunk) - 1, "first_page_uri": f"{base}?PageSize={size}",
            "next_page_uri": f"{base}?{keep}&PageSize={size}&Page={page + 1}" if more else None,
            "page": page, "page_size": size, "previous_page_uri": None,
            "start": page * size, "uri": self.path,
        })

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        if not self._check():
            return
        fake = self.fake
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            self._error(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
            return
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        to, body = form.get("To", ""), form.get("Body", "")
        with fake._lock:
            fake.posts.append(to)
        if not to:
            self._error(400, 21604, "A 'To' phone number is required.")
            return
        if not body:
            self._error(400, 21602, "Message body is required.")
            return
        if not (form.get("From") or form.get("MessagingServiceSid")):
            self._error(400, 21603, "A 'From' phone number is required.")
            return
        with fake._lock:
            failure = fake._failures.pop(0) if fake._failures else None
            drop: bool | None = None
            if failure is None and fake._drops:
                drop = fake._drops.pop(0)
            elif failure is None and fake.faults:
                failure, drop = self._random_fault()
            trickle = fake._trickles.pop(0) if fake._trickles else 0.0
            pad = fake._huge.pop(0) if fake._huge else 0
        if failure is not None:
            status, code, text, headers = failure
            if text is None:
                self._error(status, code, ERRORS.get(code or 0, "Service unavailable"))
            else:
                self._send(status, text.encode(), "text/html; charset=utf-8",
                           headers=headers)
            return
        code = fake.number_errors.get(to)
        if code is not None:
            self._error(400, code, ERRORS.get(code, "Error").format(to=to))
            return
        record = None
        if drop is not False:  # accepted (now, or after create_delay in slow mode)
            if fake.create_delay:
                time.sleep(fake.create_delay)
            record = self._create(form, to, body)
        wait = fake.latency - fake.create_delay if drop is not False else fake.latency
        if wait > 0:
            time.sleep(wait)
        if drop is not None:  # the client never hears of it
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            with fake._lock:
                fake.log.append(("POST", self.path, 0))
            return
        assert record is not None
        self._send_json(201, fake._message_json(record), trickle=trickle, pad=pad)

    def _create(self, form: dict[str, str], to: str, body: str) -> Received:
        fake = self.fake
        with fake._lock:
            record = Received(
                sid=f"SM{uuid.UUID(int=next(fake._sids)).hex}", to=to, body=body,
                from_=form.get("From"), messaging_service_sid=form.get("MessagingServiceSid"),
                params=form, created=dt.datetime.now(dt.UTC).replace(microsecond=0),
                arrived=time.monotonic())
            fake.received.append(record)
        return record

    def _random_fault(self) -> tuple[tuple | None, bool | None]:
        """(failure, drop) drawn from ``faults``; called with the fake's lock held."""
        fake = self.fake
        roll = fake._rng.random()
        for kind, p in fake.faults.items():
            if roll < p:
                if kind == "drop":
                    return None, True
                status = int(kind)
                return (status, 20429 if status == 429 else None, None, {}), None
            roll -= p
        return None, None


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--create-delay", type=float, default=0.0)
    parser.add_argument("--faults", default="", help="e.g. 429=0.05,503=0.03,drop=0.03")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    faults = {k: float(v) for k, _, v in (f.partition("=") for f in args.faults.split(",")
                                           if f)}
    fake = FakeTwilio(latency=args.latency, create_delay=args.create_delay, faults=faults,
                      seed=args.seed, port=args.port).start()
    print(fake.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
