"""The webhook server Twilio calls during a campaign (Starlette, served by uvicorn).

    POST /twilio/status    message status callbacks (MessageSid, MessageStatus, ErrorCode)
    POST /twilio/inbound   incoming SMS (MessageSid, From, Body); answered with TwiML

Every request is checked in this order, and refused without touching the journal:

1. ``Content-Type: application/x-www-form-urlencoded`` (UTF-8), else 415;
2. a body of at most ``max_body`` bytes (64 KiB; Twilio's are under 2), else 413;
3. a well-formed form body in UTF-8, each field we read given once, else 400;
4. ``X-Twilio-Signature``: twilio-python's RequestValidator over the *public* URL (what
   Twilio signed: ``--public-url`` plus the path), else 403.

Then status callbacks are merged into the journal (forward only, see
:mod:`messaging.tracking`); a callback for a SID not in the campaign is logged and answered
200. Inbound messages are classified (:mod:`messaging.keywords`), recorded once per
MessageSid (a replayed request is answered with an empty TwiML response and changes
nothing), and answered in the sender's language.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from .errors import EmsgError, InputError
from .keywords import KeywordBook
from .optouts import is_e164
from .tracking import Inbound, StatusCallback, TrackingStore
from .webhook_server import ServerLimits, WebhookServer

__all__ = ["INBOUND_PATH", "STATUS_PATH", "ListenConfig", "ListenStats", "ReplyBooks",
           "ServerLimits", "WebhookServer", "create_app", "split_sender"]

log = logging.getLogger("emsg.listen")

MAX_BODY = 64 * 1024
FORM = "application/x-www-form-urlencoded"
STATUS_PATH = "/twilio/status"
INBOUND_PATH = "/twilio/inbound"
_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")
_DIGITS = re.compile(r"[0-9]{1,12}")
_ERROR_CODE = re.compile(r"[0-9]{1,9}")
#: channel prefixes Twilio puts before the sender's number
_CHANNELS = ("whatsapp", "messenger", "rcs")


def split_sender(sender: str) -> tuple[str, str]:
    """Twilio's ``From`` as (channel, number): ``whatsapp:+50499998888`` is the WhatsApp
    channel of +50499998888, the same person as an SMS from it (STOP there stops the SMS
    too, and the opt-out list only ever holds the E.164 number)."""
    prefix, colon, rest = sender.partition(":")
    if colon and prefix.lower() in _CHANNELS:
        return prefix.lower(), rest.strip()
    return "sms", sender


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Params(dict):
    """Form fields as lists (a field may repeat); ``getall`` is what RequestValidator uses."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def one(self, name: str, *, required: bool = True) -> str | None:
        values = self.get(name)
        if not values:
            if required:
                raise Rejected(400, f"missing field {name}")
            return None
        if len(values) > 1:
            raise Rejected(400, f"field {name} given {len(values)} times")
        return values[0]

    def message_sid(self) -> str:
        sid = self.one("MessageSid") or ""
        if not _SID.fullmatch(sid):
            raise Rejected(400, "MessageSid is not a message SID")
        return sid


@dataclass
class ListenConfig:
    auth_token: str
    public_url: str
    max_body: int = MAX_BODY

    def __post_init__(self) -> None:
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise InputError(f"expected the server's public base URL such as "
                             f"https://example.org, got {self.public_url!r}",
                             field="--public-url")
        self.public_url = self.public_url.rstrip("/")


@dataclass
class ListenStats:
    """What the server did, for the operator (``emsg listen`` prints it when it stops)."""

    status: Counter = field(default_factory=Counter)  # updated/duplicate/stale/unknown/ignored
    inbound: Counter = field(default_factory=Counter)  # stop/start/help/safe/... /duplicate
    rejected: Counter = field(default_factory=Counter)  # by HTTP status


@dataclass
class ReplyBooks:
    """Which translations answer people. With ``allow_unreviewed`` None (``emsg listen``
    without ``--allow-unreviewed``), the decision the campaign's ``emsg send`` recorded in
    the journal: a campaign sent with unreviewed translations is answered with them too, so
    that a Spanish campaign is not answered in English. True or False: the operator's."""

    reviewed: KeywordBook  # loaded without unreviewed replies (they follow the fallback)
    unreviewed: KeywordBook  # loaded with them
    allow_unreviewed: bool | None = None

    def pick(self, meta: dict[str, str]) -> KeywordBook:
        allow = self.allow_unreviewed if self.allow_unreviewed is not None \
            else meta.get("allow_unreviewed") == "yes"
        return self.unreviewed if allow else self.reviewed


def create_app(store: TrackingStore, book: KeywordBook | ReplyBooks, config: ListenConfig,
               stats: ListenStats | None = None):
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect
    from starlette.responses import Response
    from starlette.routing import Route
    from twilio.request_validator import RequestValidator, get_signature_algorithm
    from twilio.twiml.messaging_response import MessagingResponse

    validator = RequestValidator(config.auth_token)
    stats = stats if stats is not None else ListenStats()
    books = book if isinstance(book, ReplyBooks) else ReplyBooks(book, book)

    async def read_signed(request) -> _Params:
        mime, _, options = request.headers.get("content-type", "").partition(";")
        if mime.strip().lower() != FORM:
            raise Rejected(415, f"expected Content-Type {FORM}")
        charset = re.search(r"charset\s*=\s*\"?([\w-]+)", options, re.I)
        if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
            raise Rejected(415, f"expected UTF-8, got charset {charset.group(1)}")
        length = request.headers.get("content-length")
        if length is not None:
            if not _DIGITS.fullmatch(length):  # "²".isdigit() is True; int("²") is not
                raise Rejected(400, "bad Content-Length")
            if int(length) > config.max_body:
                raise Rejected(413, "body too large")
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > config.max_body:
                    raise Rejected(413, "body too large")
        except ClientDisconnect:  # closed by the body deadline, or by the client
            raise Rejected(400, "the connection closed before the body arrived") from None
        try:
            text = bytes(body).decode("ascii")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                              encoding="utf-8", errors="strict", max_num_fields=200)
        except (UnicodeDecodeError, ValueError) as exc:
            raise Rejected(400, f"malformed form body ({exc.__class__.__name__})") from None
        params = _Params()
        for name, value in pairs:
            params.setdefault(name, []).append(value)
        signature = request.headers.get("x-twilio-signature")
        if not signature:
            raise Rejected(403, "no X-Twilio-Signature")
        url = config.public_url + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        algorithm = get_signature_algorithm(
            request.headers.get("x-twilio-webhooks-signature-settings"))
        if not validator.validate(url, params, signature, algorithm):
            raise Rejected(403, "X-Twilio-Signature does not match")
        return params

    def refuse(request, exc: Rejected) -> Response:
        stats.rejected[exc.status] += 1
        client = request.client.host if request.client else "?"
        log.warning("%s %s from %s: %d %s", request.method, request.url.path, client,
                    exc.status, exc.reason)
        return Response(exc.reason + "\n", status_code=exc.status, media_type="text/plain")

    async def status(request):
        try:
            params = await read_signed(request)
            sid = params.message_sid()
            value = params.one("MessageStatus", required=False) or params.one("SmsStatus")
            code = params.one("ErrorCode", required=False)
            if code and not _ERROR_CODE.fullmatch(code):  # ASCII digits that fit SQLite
                raise Rejected(400, "ErrorCode is not a Twilio error code")
            callback = StatusCallback(sid, (value or "").strip().lower(),
                                      int(code) if code else None,
                                      params.one("ErrorMessage", required=False))
        except Rejected as exc:
            return refuse(request, exc)
        try:
            outcome = await asyncio.wrap_future(store.submit(store.status_work(callback)))
        except EmsgError as exc:
            log.error("status callback for %s not recorded: %s", callback.sid, exc)
            stats.rejected[503] += 1
            return Response("journal unavailable\n", status_code=503, media_type="text/plain")
        if not outcome.known:
            log.warning("status callback for unknown message %s (%s): not in this "
                        "campaign's journal; ignored", callback.sid, callback.status)
            stats.status["unknown"] += 1
        elif outcome.result == "ignored":
            log.warning("status %r for %s is not a Twilio status emsg knows; ignored",
                        callback.status, callback.sid)
        stats.status[outcome.result] += 1
        return Response(status_code=200)

    async def inbound(request):
        try:
            params = await read_signed(request)
            sid = params.message_sid()
            channel, phone = split_sender((params.one("From") or "").strip())
            if not phone:
                raise Rejected(400, "empty From")
            body = params.one("Body", required=False) or ""
        except Rejected as exc:
            return refuse(request, exc)
        book = books.pick(store.meta)
        classified = book.classify(body, safety_check=store.safety_check)
        message = Inbound(sid, phone, body, channel)
        try:
            outcome = await asyncio.wrap_future(store.submit(
                store.inbound_work(message, classified, book.guess_language(classified))))
        except EmsgError as exc:
            log.error("inbound message %s not recorded: %s", sid, exc)
            stats.rejected[503] += 1
            return Response("journal unavailable\n", status_code=503, media_type="text/plain")
        twiml = MessagingResponse()
        if outcome.duplicate:
            stats.inbound["duplicate"] += 1
            log.info("inbound %s from %s: already recorded (replayed); not answered again",
                     sid, phone)
        else:
            stats.inbound[classified.kind] += 1
            reply = book.reply(classified.kind, outcome.language)
            twiml.message(reply.text)
            if classified.kind == "stop" and not is_e164(phone):
                log.warning("STOP from %r (%s): not a phone number, so not added to the "
                            "opt-out list", phone[:40], channel)
            where = "" if outcome.recipient_id else " (not in this campaign)"
            flag = "; a person should read it" if classified.needs_person else ""
            log.info("inbound from %s%s: %s, answered in %s%s", phone, where,
                     classified.kind, reply.language, flag)
        return Response(str(twiml), media_type="application/xml")

    app = Starlette(routes=[Route(STATUS_PATH, status, methods=["POST"]),
                            Route(INBOUND_PATH, inbound, methods=["POST"])])
    app.state.stats = stats
    return app
