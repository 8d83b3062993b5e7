"""The HTTP server under ``emsg listen``: uvicorn's h11 protocol with read deadlines and a
connection cap, so that slow or idle clients cannot starve Twilio's callbacks.

uvicorn closes a keep-alive connection idle after a response (``timeout_keep_alive``) but
sets no deadline for reading a request, and its ``limit_concurrency`` answers 503 to every
request once the limit is reached, Twilio's included. So the protocol here adds:

- a **head deadline**: a request's line and headers must arrive within
  ``header_timeout`` of the connection (or of their first byte on a kept-alive one), however
  slowly they trickle; a **body deadline**: the body within ``body_timeout`` of the head.
  A connection past its deadline is closed.
- a **connection cap** (``max_connections``, below the process's file limit so that accept
  never fails for want of descriptors): a connection over the cap evicts the connection
  that has waited longest for its request to arrive, never one whose request is being
  answered; only when none is waiting is the newcomer closed. A flood of slow
  connections thus costs the slowest of them, not the callbacks.
- a **rate-limited log** (:class:`RateLimitFilter`): repeated messages, asyncio's
  "socket.accept() out of system resource" included, are written a few times a minute with
  a count of those left out, not once per event.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .errors import InputError

log = logging.getLogger("emsg.listen")


def _file_limit() -> int:
    try:
        import resource
    except ImportError:  # Windows
        return 512
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft > 0 else 1024


@dataclass
class ServerLimits:
    header_timeout: float = 10.0  # seconds for a request's line and headers
    body_timeout: float = 20.0  # seconds for its body (Twilio's are under 2 KiB)
    keep_alive: int = 15  # seconds an idle kept-alive connection stays open
    #: connections at once; default: 1,000, or fewer when the file limit is low
    max_connections: int = 0
    #: connections closed, by why: "head timeout", "body timeout", "evicted", "refused"
    closed: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if self.max_connections <= 0:
            self.max_connections = max(16, min(1000, _file_limit() - 64))


def guarded_protocol(limits: ServerLimits):
    """uvicorn's H11Protocol with the deadlines and the cap of ``limits`` (a class, which
    ``uvicorn.Config(http=...)`` accepts)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _phase: str | None = None  # "head" or "body": waiting for the client
        _since = 0.0
        _timer = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm("head")
            if len(self.connections) > limits.max_connections and not self._evict():
                self._close("refused")

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._phase is None and self.conn.their_state is h11.IDLE:
                self._arm("head")  # the next request on a kept-alive connection
            super().data_received(data)
            self._follow()

        def _follow(self) -> None:
            state = self.conn.their_state
            if state is h11.IDLE:
                return  # the head is still arriving (its deadline stands)
            if state is h11.SEND_BODY:
                if self._phase != "body":
                    self._arm("body")
                return
            self._disarm()  # the request is in: the app answers it

        def _arm(self, phase: str) -> None:
            self._disarm()
            self._phase, self._since = phase, time.monotonic()
            timeout = limits.header_timeout if phase == "head" else limits.body_timeout
            self._timer = self.loop.call_later(timeout, self._expire, phase)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
            self._phase, self._timer = None, None

        def _expire(self, phase: str) -> None:
            if self._phase == phase:
                self._close(f"{phase} timeout")

        def _close(self, why: str) -> None:
            self._disarm()
            if not self.transport.is_closing():
                limits.closed[why] += 1
                log.warning("closed a connection from %s: %s", self.client and
                            self.client[0], why)
                self.transport.close()

        def _evict(self) -> bool:
            waiting = [c for c in self.connections
                       if c is not self and getattr(c, "_phase", None) is not None]
            if not waiting:
                return False
            min(waiting, key=lambda c: c._since)._close("evicted")
            return True

    return GuardedH11Protocol


class RateLimitFilter(logging.Filter):
    """Let each message (by logger and format) through ``burst`` times per ``window``
    seconds; the first one after a quiet spell says how many were left out."""

    def __init__(self, burst: int = 5, window: float = 60.0, clock=time.monotonic) -> None:
        super().__init__()
        self.burst, self.window, self.clock = burst, window, clock
        self._seen: dict[tuple[str, str], list] = {}  # key -> [window start, count, dropped]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self.clock()
        with self._lock:
            entry = self._seen.get(key)
            if entry is None or now - entry[0] >= self.window:
                dropped = entry[2] if entry else 0
                self._seen[key] = [now, 1, 0]
                if dropped:
                    record.msg = f"{record.msg} (and {dropped} more like it left out of the log)"
                return True
            entry[1] += 1
            if entry[1] <= self.burst:
                return True
            entry[2] += 1
            return False


class WebhookServer:
    """uvicorn serving the app on one socket, in the foreground or in a thread."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 8080,
                 limits: ServerLimits | None = None) -> None:
        import uvicorn

        try:
            info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
            self.socket = socket.socket(info[0], socket.SOCK_STREAM)
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(info[4])
            self.socket.listen(1024)  # connections wait in the backlog until uvicorn serves
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                             field="--port") from None
        self.host = host
        self.port = self.socket.getsockname()[1]
        self.limits = limits if limits is not None else ServerLimits()
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                                lifespan="off", ws="none", http=guarded_protocol(self.limits),
                                h11_max_incomplete_event_size=16 * 1024,
                                timeout_keep_alive=self.limits.keep_alive, backlog=1024)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until SIGINT/SIGTERM: uvicorn finishes the requests in flight, then
        re-raises the signal, which ends here as a normal return."""
        import signal

        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.server.run(sockets=[self.socket])
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.socket.close()

    def start(self) -> WebhookServer:
        self._thread = threading.Thread(target=self.server.run,
                                        kwargs={"sockets": [self.socket]}, daemon=True)
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the webhook server did not start")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.socket.close()

    def __enter__(self) -> WebhookServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
