"""twilio-python's HTTP client with a total deadline per request and a bounded body.

requests has only per-read timeouts: a server that trickles one byte a second keeps a
request alive for ever, and a body of any size is read into memory. Both matter here: the
dispatcher reconciles an unknown outcome only once the request "can no longer be in
flight", which needs a bound on how long a request can last. So each request:

- waits at most ``connect`` seconds for the connection and ``deadline`` seconds for the
  first byte of the answer (requests' own timeouts, the deadline as the read timeout);
- reads the body under a watchdog that shuts the socket down at the deadline, counted from
  the start of the request, and raises ``requests.exceptions.ReadTimeout``;
- refuses a body past ``max_body`` bytes (a Twilio message is a few KB, a page of 100 a
  few hundred) with :class:`BodyTooLarge`;
- follows no redirect (a 307 is an answer, classified by the backend).

It also names, for the backend, what a transport error means: connection refused, DNS,
TLS, or a connect timeout, with the host and port (never credentials).
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

#: bytes; a page of 100 messages of 1,600 characters is under 1 MB
MAX_BODY = 4 << 20


class BodyTooLarge(ValueError):
    """The answer's body passed the size bound: not Twilio's API answering."""


def deadline_client(connect: float, deadline: float, pool_size: int,
                    max_body: int = MAX_BODY):
    """A ``TwilioHttpClient`` whose requests each end by ``deadline`` seconds."""
    import requests
    from requests.adapters import HTTPAdapter
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class DeadlineHttpClient(TwilioHttpClient):
        def request(self, method, url, params=None, data=None, headers=None, auth=None,
                    timeout=None, allow_redirects=False):
            started = time.monotonic()
            kwargs = {"method": method.upper(), "url": url, "params": params,
                      "headers": headers, "auth": auth, "hooks": self.request_hooks}
            if headers and headers.get("Content-Type") in ("application/json",
                                                           "application/scim+json"):
                kwargs["json"] = data
            else:
                kwargs["data"] = data
            self.log_request(kwargs)
            self._test_only_last_response = None
            session = self.session
            prepped = session.prepare_request(requests.Request(**kwargs))
            settings = session.merge_environment_settings(prepped.url, self.proxy, None,
                                                          None, None)
            settings["stream"] = True
            response = session.send(prepped, allow_redirects=False,
                                    timeout=(connect, deadline), **settings)
            try:
                body = _read_body(response, started + deadline, max_body)
            finally:
                response.close()
            text = body.decode(response.encoding or "utf-8", errors="replace")
            self.log_response(response.status_code, response)
            # twilio-python's own attribute, which its callers and the contract tests read
            self._test_only_last_response = Response(int(response.status_code), text,
                                                     response.headers)
            return self._test_only_last_response

    client = DeadlineHttpClient(pool_connections=True, timeout=deadline)
    for prefix in ("https://", "http://"):
        client.session.mount(prefix, HTTPAdapter(pool_connections=4, pool_maxsize=pool_size,
                                                 max_retries=0))
    return client


def _read_body(response, until: float, max_body: int) -> bytes:
    """The whole body by ``until`` (monotonic), at most ``max_body`` bytes."""
    import requests

    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_body:
        raise BodyTooLarge(f"an answer of {int(length):,} bytes (more than {max_body:,})")
    fired = threading.Event()
    sock = _socket_of(response)

    def cut() -> None:
        fired.set()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    remaining = until - time.monotonic()
    if remaining <= 0:
        raise requests.exceptions.ReadTimeout("the request's total deadline passed")
    watchdog = threading.Timer(remaining, cut)
    watchdog.daemon = True
    watchdog.start()
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(8192):
            size += len(chunk)
            if size > max_body:
                raise BodyTooLarge(f"an answer of more than {max_body:,} bytes")
            chunks.append(chunk)
            if time.monotonic() >= until:
                fired.set()
                break
    except requests.exceptions.RequestException:
        if not fired.is_set():
            raise
    finally:
        watchdog.cancel()
    if fired.is_set():
        raise requests.exceptions.ReadTimeout("the request's total deadline passed while "
                                              "the answer was arriving")
    return b"".join(chunks)


def _socket_of(response):
    connection = getattr(response.raw, "connection", None) or \
        getattr(response.raw, "_connection", None)
    return getattr(connection, "sock", None)


def where(url: str | None) -> str:
    """``host:port`` of a base URL (Twilio's when none), for messages."""
    parts = urlsplit(url or "https://api.twilio.com")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def transport_problem(exc: BaseException) -> str | None:
    """Why nothing was reached, when the request certainly did not go out: "connection
    refused", "DNS failure", "TLS failure", "connect timeout"; ``None`` otherwise."""
    import requests
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failure"
    seen: set[int] = set()
    stack: list[object] = [exc]
    found = None
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        if isinstance(item, NameResolutionError) or isinstance(item, socket.gaierror):
            return "DNS failure"
        if isinstance(item, ConnectionRefusedError):
            found = "connection refused"
        if isinstance(item, NewConnectionError) and found is None:
            found = "could not connect"
        if isinstance(item, BaseException):
            stack.extend([item.__cause__, item.__context__, *item.args,
                          getattr(item, "reason", None)])
    if found is None:
        return None
    if found == "could not connect" and "refused" in str(exc).lower():
        return "connection refused"
    return found
