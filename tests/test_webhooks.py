"""emsg listen: Twilio's status callbacks and replies over real HTTP, signed as Twilio signs.

The server (Starlette on uvicorn) runs on a free port of 127.0.0.1; requests are signed with
twilio-python's RequestValidator algorithm and a test auth token, against the public URL.
Campaigns are real journals written by the dispatcher (with the in-memory backend).
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from messaging.backends import TransientFailure
from messaging.backends.memory import MemoryBackend
from messaging.campaign import Campaign, prepare
from messaging.cli import cli
from messaging.dispatch import Dispatcher, DispatchOptions
from messaging.journal import Journal
from messaging.keywords import HELP_REPLY, KeywordBook, normalize, split_list
from messaging.optouts import OptOutList
from messaging.tracking import TrackingStore
from messaging.webhooks import ListenConfig, ReplyBooks, WebhookServer, create_app

from .conftest import ROOT

TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC = "https://example.org"
LANGS = ["es", "ht", "quc", "mam", "fr", "pt", "ar", "en"]
EXPIRES = "expires=2026-09-16T18:00:00-06:00"
FAST = DispatchOptions(concurrency=4, backoff_base=0.001, backoff_cap=0.002,
                       settle=0.001, max_attempts=1)


#: languages as a list writes them, where that is not the code itself
ASKED = {"pt": "pt_BR", "es": "es-MX"}


def phone_for(i: int) -> str:
    return f"+52962{2000000 + i}"


@pytest.fixture(scope="module")
def book(renderer):
    return KeywordBook.load(renderer, allow_unreviewed=True)


@pytest.fixture
def campaign(tmp_path, renderer, hurricane):
    """A sent campaign: one recipient per language, plus one left pending."""

    def make(type_name: str = "safety_check", pending: bool = False) -> dict:
        phones = {lang: phone_for(i) for i, lang in enumerate(LANGS)}
        rows = "".join(f"{phones[lang]},{ASKED.get(lang, lang)},Persona {lang}\n"
                       for lang in LANGS)
        if pending:
            phones["pending"] = phone_for(99)
            rows += f"{phones['pending']},es,\n"
        csv_path = tmp_path / f"{type_name}.csv"
        csv_path.write_text("phone,language,name\n" + rows, encoding="utf-8")
        scenario = hurricane.with_overrides((EXPIRES,))
        facts = renderer.facts(type_name, scenario)
        journal_path = tmp_path / f"{type_name}.sqlite"
        backend = MemoryBackend()
        if pending:
            backend.fail(phones["pending"], TransientFailure("busy", status=503))
        with Journal(journal_path, durable=False) as journal:
            prepare(journal, renderer, Campaign(type_name, facts, csv_path, True, "twilio",
                                                region="MX", scenario="hurricane-tapachula"))
            Dispatcher(journal, backend, FAST).run()
            sids = {phone: journal.get(i + 1)["sid"]
                    for i, phone in enumerate(phones.values())}
        by_phone = {r.message.to: r.sid for r in backend.outbox}
        assert by_phone == {p: s for p, s in sids.items() if s}
        return {"journal": journal_path, "phones": phones, "sids": by_phone,
                "csv": csv_path, "backend": backend}

    return make


class Client:
    """Speaks HTTP to the server as Twilio does (or as an attacker might)."""

    def __init__(self, server: WebhookServer) -> None:
        self.host, self.port = "127.0.0.1", server.port
        self.validator = RequestValidator(TOKEN)

    def signature(self, path: str, params: dict, url: str | None = None) -> str:
        return self.validator.compute_signature(url or PUBLIC + path, params)

    def raw(self, path: str, body: bytes, headers: dict[str, str], method: str = "POST"):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            conn.close()

    def post(self, path: str, params: dict, *, sign: bool = True,
             signature: str | None = None):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        elif sign:
            headers["X-Twilio-Signature"] = self.signature(path, params)
        return self.raw(path, urlencode(params).encode(), headers)

    def status(self, sid: str, status: str, code: int | None = None, **kw):
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32}
        if code is not None:
            params["ErrorCode"] = str(code)
        return self.post("/twilio/status", params, **kw)

    def sms(self, sid_number: int, phone: str, body: str, **kw):
        params = {"MessageSid": f"SM{sid_number:032x}", "From": phone, "To": "+15005550006",
                  "Body": body, "AccountSid": "AC" + "1" * 32}
        return self.post("/twilio/inbound", params, **kw)


@pytest.fixture
def listening(renderer):
    """Start a server on a free port for a journal; yields (client, store)."""
    started = []

    def start(journal: Path, opt_outs: Path, *, allow_unreviewed: bool | None = True,
              max_body: int | None = None):
        """``allow_unreviewed=None``: as emsg listen without the flag (the send decides)."""
        store = TrackingStore(journal, opt_outs=OptOutList(opt_outs), durable=False)
        if allow_unreviewed is None:
            book = ReplyBooks(KeywordBook.load(renderer),
                              KeywordBook.load(renderer, allow_unreviewed=True))
        else:
            book = KeywordBook.load(renderer, allow_unreviewed=allow_unreviewed)
        config = ListenConfig(TOKEN, PUBLIC)
        if max_body:
            config.max_body = max_body
        server = WebhookServer(create_app(store, book, config), "127.0.0.1", 0).start()
        started.append((server, store))
        return Client(server), store

    yield start
    for server, store in started:
        server.stop()
        store.close()


def message_text(twiml: str) -> str:
    import defusedxml.ElementTree as ET

    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    messages = root.findall("Message")
    return messages[0].text if messages else ""


def status_json(runner, journal: Path) -> dict:
    result = runner.invoke(cli, ["status", "--journal", str(journal), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def snapshot(journal: Path) -> tuple:
    with sqlite3.connect(journal) as db:
        return (db.execute("SELECT * FROM deliveries ORDER BY sid").fetchall(),
                db.execute("SELECT * FROM replies ORDER BY id").fetchall(),
                db.execute("SELECT * FROM recipients ORDER BY id").fetchall())


# -- signatures ------------------------------------------------------------------------------

def test_signed_unsigned_and_tampered_requests(campaign, listening, tmp_path, runner):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    sid = c["sids"][c["phones"]["es"]]
    params = {"MessageSid": sid, "MessageStatus": "delivered"}

    before = snapshot(c["journal"])
    refused = [
        client.post("/twilio/status", params, sign=False),
        # signed, then a field changed on the way
        client.post("/twilio/status", {**params, "MessageStatus": "failed"},
                    signature=client.signature("/twilio/status", params)),
        # signed for another URL (the local address, not the public one)
        client.post("/twilio/status", params, signature=client.signature(
            "/twilio/status", params, url=f"http://127.0.0.1:{client.port}/twilio/status")),
        # signed with another account's token
        client.post("/twilio/status", params, signature=RequestValidator("other-token")
                    .compute_signature(PUBLIC + "/twilio/status", params)),
        client.post("/twilio/status", params, signature="not base64 at all"),
        client.sms(1, c["phones"]["es"], "ALTO", sign=False),
    ]
    assert [status for status, _ in refused] == [403] * len(refused)
    assert snapshot(c["journal"]) == before
    assert not (tmp_path / "opt.txt").exists()

    assert client.post("/twilio/status", params)[0] == 200
    assert status_json(runner, c["journal"])["delivery"]["es"]["delivered"] == 1


# -- status callbacks ------------------------------------------------------------------------

def test_out_of_order_and_duplicate_callbacks_never_move_backwards(campaign, listening,
                                                                   tmp_path, runner):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    sid = {lang: c["sids"][c["phones"][lang]] for lang in LANGS}
    sequences = {
        "es": [("delivered", None), ("sent", None), ("queued", None), ("delivered", None)],
        "ht": [("sent", None), ("queued", None), ("undelivered", 30003), ("sent", None)],
        "fr": [("failed", 30008), ("sending", None), ("failed", 30008)],
        "pt": [("undelivered", 30005), ("delivered", None), ("undelivered", 30005)],
        "ar": [("queued", None), ("sent", None)],
        "quc": [("delivered", None)] * 3,
    }
    for lang, events in sequences.items():
        for status, code in events:
            assert client.status(sid[lang], status, code)[0] == 200
    with sqlite3.connect(c["journal"]) as db:
        final = dict(db.execute("SELECT sid, status FROM deliveries"))
        counts = dict(db.execute("SELECT sid, callbacks FROM deliveries"))
    assert {lang: final[sid[lang]] for lang in sequences} == {
        "es": "delivered", "ht": "undelivered", "fr": "failed", "pt": "delivered",
        "ar": "sent", "quc": "delivered"}
    assert {lang: counts[sid[lang]] for lang in sequences} == {
        lang: len(events) for lang, events in sequences.items()}

    delivery = status_json(runner, c["journal"])["delivery"]
    assert delivery["es"] == {"messages": 1, "delivered": 1, "undelivered": 0, "failed": 0,
                              "awaiting": 0, "error_codes": {}}
    assert delivery["ht"]["undelivered"] == 1 and delivery["ht"]["error_codes"] == {"30003": 1}
    assert delivery["fr"]["failed"] == 1 and delivery["fr"]["error_codes"] == {"30008": 1}
    assert delivery["ar"]["awaiting"] == 1 and delivery["mam"]["awaiting"] == 1

    text = runner.invoke(cli, ["status", "--journal", str(c["journal"])]).stdout
    assert "Delivery (from 19 Twilio status callback(s)):" in text
    assert [line.split() for line in text.splitlines() if line.startswith("  ht ")][-1] == \
        ["ht", "1", "0", "1", "0", "0", "30003", "x1"]


def test_any_order_of_the_same_callbacks_gives_the_same_result(campaign, listening, tmp_path):
    import itertools

    c = campaign("early_warning")
    _, store = listening(c["journal"], tmp_path / "opt.txt")
    from messaging.tracking import StatusCallback

    events = [("queued", None), ("sent", None), ("undelivered", 30003), ("delivered", None)]
    for n, order in enumerate(itertools.permutations(events)):
        sid = f"SM{0xabc000 + n:032x}"
        for status, code in order:
            store.apply_status(StatusCallback(sid, status, code))
        row = store.db.execute("SELECT status, error_code, callbacks FROM deliveries "
                               "WHERE sid=?", (sid,)).fetchone()
        assert row == ("delivered", None, 4), order


def test_unknown_message_sid_is_logged_answered_200_and_ignored(campaign, listening,
                                                                 tmp_path, runner, caplog):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    before = status_json(runner, c["journal"])
    with caplog.at_level("WARNING", logger="emsg.listen"):
        assert client.status("SM" + "e" * 32, "delivered") == (200, "")
    after = status_json(runner, c["journal"])
    assert after["delivery"] == before["delivery"]
    assert after["unmatched_callbacks"] == 1
    assert any("unknown message SM" + "e" * 32 in r.getMessage() for r in caplog.records)


# -- replies: STOP / START / HELP ----------------------------------------------------------

def test_stop_then_start(campaign, listening, tmp_path, runner, book):
    c = campaign("early_warning", pending=True)
    opt = tmp_path / "opt.txt"
    client, store = listening(c["journal"], opt)
    es, pending = c["phones"]["es"], c["phones"]["pending"]
    with Journal(c["journal"], readonly=True) as journal:
        assert journal.state_of(pending) == "pending"

    status, twiml = client.sms(1, es, "Alto.")
    assert status == 200
    assert message_text(twiml) == book.reply("stop", "es").text
    assert "ALTA" in message_text(twiml)  # the Spanish START word, quoted
    assert es in OptOutList(opt)

    # a STOP from someone the running campaign has not reached yet: never texted
    assert message_text(client.sms(2, pending, "stop")[1]) == book.reply("stop", "es").text
    with Journal(c["journal"], durable=False) as journal:
        assert journal.state_of(pending) == "skipped"
        report = Dispatcher(journal, c["backend"], FAST, opt_outs=OptOutList(opt)).run()
    assert report.processed == 0 and c["backend"].sent_to(pending) == 0

    shown = status_json(runner, c["journal"])["replied_stop"]
    assert [(r["phone"], r["reply"]) for r in shown] == [(es, "Alto."), (pending, "stop")]

    status, twiml = client.sms(3, es, "ALTA")
    assert status == 200
    assert message_text(twiml) == book.reply("start", "es").text
    assert es not in OptOutList(opt) and pending in OptOutList(opt)
    assert [r["phone"] for r in status_json(runner, c["journal"])["replied_stop"]] == [pending]

    client.sms(4, es, "PARAR")
    assert es in OptOutList(opt)
    # a replayed START (same MessageSid) changes nothing and is not answered again
    status, twiml = client.sms(3, es, "ALTA")
    assert status == 200 and message_text(twiml) == ""
    assert es in OptOutList(opt)


def test_start_comments_the_number_out_and_keeps_the_rest(tmp_path):
    from messaging.optins import opt_back_in

    opt = tmp_path / "opt.txt"
    opt.write_text("\ufeff+529620000001  # a\n# note\n  +529620000002\n+529620000001 # b\n",
                   encoding="utf-8")
    fresh = opt_back_in(OptOutList(opt), "+529620000001", "replied START")
    assert "+529620000001" not in fresh and "+529620000002" in fresh
    lines = opt.read_text(encoding="utf-8-sig").splitlines()
    assert lines[:4] == ["#529620000001  # a", "# note", "  +529620000002",
                         "#529620000001 # b"]
    assert lines[4].startswith("# +529620000001 opted back in: replied START, ")


@pytest.mark.parametrize("lang", LANGS)
def test_help_in_each_language(lang, campaign, listening, tmp_path, book, renderer):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    word = book.first_words[(lang, "help")]
    status, twiml = client.sms(7, c["phones"][lang], word)
    assert status == 200
    reply = book.reply("help", lang)
    assert reply.language == lang
    assert message_text(twiml) == reply.text
    english = book.reply("help", "en").text
    if lang != "en":
        entry = renderer.catalog(lang).lookup("reply", HELP_REPLY)
        assert entry is not None and reply.text != english
        assert book.first_words[(lang, "stop")] in reply.text
    # the word is a HELP keyword, not a message for a person
    with sqlite3.connect(c["journal"]) as db:
        assert db.execute("SELECT kind, needs_person, language FROM replies").fetchall() == \
            [("help", 0, lang)]


def test_keyword_from_a_number_not_in_the_campaign_is_answered_in_its_language(
        campaign, listening, tmp_path, book):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    stranger = "+33612345678"
    status, twiml = client.sms(9, stranger, "ARRÊT")
    assert status == 200 and message_text(twiml) == book.reply("stop", "fr").text
    assert stranger in OptOutList(tmp_path / "opt.txt")


def test_unreviewed_replies_need_consent(renderer, campaign, listening, tmp_path):
    """Without --allow-unreviewed, fuzzy replies are not sent: the fallback chain is."""
    strict = KeywordBook.load(renderer, allow_unreviewed=False)
    assert strict.reply("stop", "es").language == "en"
    assert strict.reply("stop", "ht").language == "en"
    assert any(note.startswith("es: replies in en") for note in strict.notes)
    # recognising a keyword never needs consent
    assert strict.classify("ALTO").kind == "stop"
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt", allow_unreviewed=False)
    assert message_text(client.sms(1, c["phones"]["es"], "ALTO")[1]) == \
        strict.reply("stop", "en").text


def test_keyword_lists_are_consistent_in_every_catalog(book):
    phrases = book.phrases
    for a, b in (("safe", "need_help"), ("stop", "start"), ("stop", "safe"),
                 ("stop", "need_help"), ("start", "safe"), ("start", "need_help"),
                 ("help", "safe"), ("stop", "help"), ("start", "help")):
        assert not set(phrases[a]) & set(phrases[b]), (a, b, set(phrases[a]) & set(phrases[b]))
    for lang in LANGS:
        for kind in ("stop", "start", "help", "safe", "need_help"):
            assert (lang, kind) in book.first_words, (lang, kind)
        # the word a reply quotes is recognised as what it says
        assert book.classify(book.first_words[(lang, "start")]).kind == "start"
        assert book.classify(book.first_words[(lang, "stop")]).kind == "stop"


# -- safety check-in answers -----------------------------------------------------------------

ANSWERS = [
    ("es", "sí", "safe", False), ("es", "Si", "safe", False), ("es", "1", "safe", False),
    ("es", "Estoy bien.", "safe", False), ("es", "AYUDA", "need_help", False),
    ("es", "2", "need_help", False), ("es", "necesito ayuda", "need_help", False),
    ("es", "2 estamos en la calle 5, somos 4", "need_help", True),
    ("es", "sí, pero necesito ayuda", "need_help", True), ("es", "1 todo bien", "safe", True),
    ("ht", "wi", "safe", False), ("ht", "Mwen byen", "safe", False),
    ("ht", "mwen bezwen èd", "need_help", False), ("ht", "anmwe", "need_help", False),
    ("fr", "oui", "safe", False), ("fr", "Je vais bien", "safe", False),
    ("fr", "au secours", "need_help", False), ("fr", "À l'aide !", "need_help", False),
    ("pt", "sim", "safe", False), ("pt", "Estou bem", "safe", False),
    ("pt", "ajuda", "need_help", False), ("pt", "preciso de ajuda", "need_help", False),
    ("ar", "نعم", "safe", False), ("ar", "أنا بخير", "safe", False),
    ("ar", "مساعدة", "need_help", False), ("ar", "٢", "text", True),
    ("quc", "sí", "safe", False), ("quc", "ayuda", "need_help", False),
    ("mam", "1", "safe", False), ("mam", "2", "need_help", False),
    ("en", "safe", "safe", False), ("en", "help", "need_help", False),
    ("en", "I'm safe", "safe", False), ("en", "I’M SAFE", "safe", False),
    ("es", "no", "text", True), ("es", "¿qué pasa?", "text", True), ("es", "", "text", True),
]


@pytest.mark.parametrize(("lang", "body", "kind", "flagged"), ANSWERS)
def test_check_in_answer_parsing(lang, body, kind, flagged, book):
    found = book.classify(body, safety_check=True)
    assert (found.kind, found.needs_person) == (kind, flagged)
    if kind in ("safe", "need_help") and not body.strip()[0].isdigit():
        assert lang in found.languages or "en" in found.languages


def test_outside_a_safety_check_help_words_are_help(book):
    assert book.classify("AYUDA").kind == "help"
    assert book.classify("1").kind == "text"
    assert book.classify("sí").kind == "text"


def test_safety_check_over_http_lists_who_needs_help_first(campaign, listening, tmp_path,
                                                             runner, book):
    c = campaign("safety_check")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    p = c["phones"]
    replies = [(p["es"], "2 estamos en el techo, somos 3"), (p["ht"], "wi"),
               (p["fr"], "oui"), (p["pt"], "ajuda"), (p["ar"], "نعم"),
               (p["quc"], "¿Dónde está el albergue?"), (p["fr"], "2")]
    for n, (phone, body) in enumerate(replies, start=1):
        status, twiml = client.sms(100 + n, phone, body)
        assert status == 200
        kind = book.classify(body, safety_check=True).kind
        language = next(lang for lang in LANGS if p[lang] == phone)
        assert message_text(twiml) == book.reply(kind, language).text

    data = status_json(runner, c["journal"])["safety_check"]
    assert data["counts"] == {"need_help": 3, "unclear": 1, "safe": 2, "no_answer": 2,
                              "opted_out": 0}
    assert [(i["phone"], [r["text"] for r in i["replies"]]) for i in data["need_help"]] == [
        (p["es"], ["2 estamos en el techo, somos 3"]), (p["fr"], ["oui", "2"]),
        (p["pt"], ["ajuda"])]
    assert [i["phone"] for i in data["safe"]] == [p["ht"], p["ar"]]
    assert [i["phone"] for i in data["unclear"]] == [p["quc"]]
    assert {i["phone"] for i in data["no_answer"]} == {p["mam"], p["en"]}

    text = runner.invoke(cli, ["status", "--journal", str(c["journal"])]).stdout
    section = text.split("Safety check:", 1)[1]
    assert section.startswith(" 3 need help, 1 replied without answering (read them), 2 safe,"
                              " 2 not answered")
    lines = section.splitlines()[1:]
    assert lines[0].startswith(f"  NEED HELP {p['es']} (es): '2 estamos en el techo")
    assert lines[3].startswith(f"  TO READ   {p['quc']} (quc): ")
    assert lines[4].startswith("  safe ")


def read_export(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_export_names_its_columns_and_never_writes_a_formula(campaign, listening, tmp_path,
                                                             runner):
    c = campaign("safety_check")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    p = c["phones"]
    client.status(c["sids"][p["es"]], "delivered")
    client.status(c["sids"][p["ht"]], "undelivered", 30003)
    client.sms(1, p["es"], "=HYPERLINK(\"http://evil\")")
    client.sms(2, p["fr"], "oui")
    client.sms(3, p["pt"], "PARAR")
    client.sms(4, "+15551230000", "help")
    client.sms(5, p["quc"], "ok\r=cmd|' /C calc'!A0")
    client.sms(6, p["ar"], "ayuda")
    client.sms(7, p["mam"], "bien\n  @SUM(1+1)\r\n-2+3")
    out = tmp_path / "outcome.csv"
    result = runner.invoke(cli, ["export", "--journal", str(c["journal"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = read_export(out)
    header, data = table[0], table[1:]
    assert header == ["line", "phone", "name", "language_as_written", "language",
                      "message_language", "send_state", "message_sid", "delivery",
                      "error_code", "error", "opted_out", "needs_help",
                      "needs_a_person_to_read", "replies", "last_reply", "last_reply_at"]
    assert all(len(row) == len(header) for row in data)  # the CR split no row
    named = [dict(zip(header, row, strict=True)) for row in data]
    rows = {r["phone"].lstrip("'"): r for r in named}
    assert len(rows) == len(LANGS) + 1
    # every cell quoted, the phone column guarded too (E.164 starts with "+")
    raw = out.read_text(encoding="utf-8-sig")
    assert raw.startswith('"line","phone","name",')
    assert all(r["phone"].startswith("'+") for r in rows.values())
    es, quc, mam = rows[p["es"]], rows[p["quc"]], rows[p["mam"]]
    assert es["last_reply"] == "'=HYPERLINK(\"http://evil\")"
    assert quc["last_reply"] == "ok\r'=cmd|' /C calc'!A0"
    assert mam["last_reply"] == "bien\n'  @SUM(1+1)\r\n'-2+3"
    for row in rows.values():
        for value in row.values():
            for line in value.replace("\r", "\n").split("\n"):
                assert line.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t")
    assert (es["name"], es["language_as_written"], es["language"], es["message_language"]) \
        == ("Persona es", "es-MX", "es", "es")
    assert rows[p["pt"]]["language_as_written"] == "pt_BR"
    assert es["delivery"] == "delivered"
    assert (es["needs_help"], es["needs_a_person_to_read"]) == ("no answer", "yes")
    assert (rows[p["ht"]]["delivery"], rows[p["ht"]]["error_code"]) == ("undelivered", "30003")
    assert (rows[p["ht"]]["needs_help"], rows[p["ht"]]["needs_a_person_to_read"]) == \
        ("no answer", "no")
    assert (rows[p["fr"]]["needs_help"], rows[p["fr"]]["needs_a_person_to_read"]) == \
        ("no", "no")
    # "ayuda" alone: needs help, and a person reads it (never a blank read as "no")
    assert (rows[p["ar"]]["needs_help"], rows[p["ar"]]["needs_a_person_to_read"]) == \
        ("yes", "yes")
    assert (rows[p["pt"]]["opted_out"], rows[p["es"]]["opted_out"]) == ("yes", "no")
    outside = rows["+15551230000"]
    assert (outside["send_state"], outside["needs_help"]) == ("not in campaign", "yes")
    assert not list(tmp_path.glob("*.partial"))


def test_a_number_that_replied_stop_shows_as_opted_out_not_as_no_answer(
        campaign, listening, tmp_path, runner):
    c = campaign("safety_check")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    p = c["phones"]
    client.sms(1, p["pt"], "PARAR")
    client.sms(2, p["fr"], "ARRÊT")
    client.sms(3, p["fr"], "DÉMARRER")  # and back in: waiting for an answer again
    check = status_json(runner, c["journal"])["safety_check"]
    assert [i["phone"] for i in check["opted_out"]] == [p["pt"]]
    assert p["pt"] not in {i["phone"] for i in check["no_answer"]}
    assert p["fr"] in {i["phone"] for i in check["no_answer"]}
    assert check["counts"]["opted_out"] == 1
    text = runner.invoke(cli, ["status", "--journal", str(c["journal"])]).stdout
    assert f"  opted out {p['pt']} (pt)" in text
    assert "1 opted out (replied STOP)" in text.split("Safety check:", 1)[1].splitlines()[0]


def test_status_and_export_read_a_journal_written_before_tracking(campaign, runner, tmp_path):
    c = campaign("early_warning")
    with sqlite3.connect(c["journal"]) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "deliveries" not in names
    data = status_json(runner, c["journal"])
    assert data["delivery"]["es"]["awaiting"] == 1 and data["callbacks"] == 0
    assert data["safety_check"] is None and data["replied_stop"] == []
    out = tmp_path / "o.csv"
    assert runner.invoke(cli, ["export", "--journal", str(c["journal"]), "-o", str(out)])\
        .exit_code == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == len(LANGS) + 1


def test_listen_writes_while_a_send_holds_the_journal(campaign, tmp_path):
    """emsg listen runs during a campaign: it takes no campaign lock."""
    from messaging.tracking import StatusCallback

    c = campaign("early_warning")
    with Journal(c["journal"]) as journal, TrackingStore(c["journal"]) as store:
        sid = c["sids"][c["phones"]["es"]]
        assert store.apply_status(StatusCallback(sid, "delivered")).known
        journal.mark_failed(8, 21211, "invalid")
        assert store.db.execute("SELECT status FROM deliveries").fetchall() == [("delivered",)]


# -- bad input -------------------------------------------------------------------------------

def test_bad_requests_are_refused_and_change_nothing(campaign, listening, tmp_path):
    c = campaign("safety_check")
    client, store = listening(c["journal"], tmp_path / "opt.txt", max_body=4096)
    sid = c["sids"][c["phones"]["es"]]
    good = {"MessageSid": sid, "MessageStatus": "delivered"}
    signed = {"Content-Type": "application/x-www-form-urlencoded",
              "X-Twilio-Signature": client.signature("/twilio/status", good)}
    body = urlencode(good).encode()
    before = snapshot(c["journal"])

    cases = [
        (415, "/twilio/status", body, {**signed, "Content-Type": "application/json"}),
        (415, "/twilio/status", body, {**signed, "Content-Type": "text/plain"}),
        (415, "/twilio/status", body, {**signed, "Content-Type":
                                       "application/x-www-form-urlencoded; charset=latin-1"}),
        (415, "/twilio/status", b'{"MessageSid": "x"}', {"X-Twilio-Signature": "x"}),
        (413, "/twilio/status", b"a=" + b"x" * 5000, signed),
        (400, "/twilio/status", b"MessageSid=SM1&&MessageStatus", signed),
        (400, "/twilio/status", b"MessageSid=%FF%FE", signed),
        (400, "/twilio/status", "MessageSid=sí".encode(), signed),
        (400, "/twilio/status", body + b"&" + body, signed),
        (403, "/twilio/inbound", b"", {"Content-Type": "application/x-www-form-urlencoded"}),
    ]
    for expected, path, raw, headers in cases:
        status, _ = client.raw(path, raw, headers)
        assert status == expected, (expected, raw[:40], headers.get("Content-Type"))

    # fields we read, signed but wrong
    for params in ({"MessageStatus": "delivered"}, {"MessageSid": "hello", "MessageStatus": "x"},
                   {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "3000x"},
                   {"MessageSid": sid}):
        assert client.post("/twilio/status", params)[0] == 400, params
    assert client.post("/twilio/inbound", {"MessageSid": "SM" + "1" * 32})[0] == 400
    assert client.status(sid, "teleported")[0] == 200  # a status emsg does not know: ignored

    # a body sent in chunks with no Content-Length, past the limit
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
    conn.putrequest("POST", "/twilio/status")
    for name, value in signed.items():
        conn.putheader(name, value)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    chunk = b"a=" + b"x" * 3000
    for _ in range(3):
        conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    try:
        conn.send(b"0\r\n\r\n")
        assert conn.getresponse().status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered 413 and closed before the rest arrived
    conn.close()

    # not HTTP at all, and a connection dropped mid-body
    for junk in (b"\x00\xff garbage\r\n\r\n", b"POST /twilio/status HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 100\r\n\r\nMessageSid="):
        with socket.create_connection(("127.0.0.1", client.port), timeout=5) as s:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            s.recv(1024)

    assert client.raw("/twilio/status", b"", {}, method="GET")[0] == 405
    assert client.raw("/elsewhere", body, signed)[0] == 404

    assert snapshot(c["journal"]) == before  # nothing recorded, no recipient changed
    # the server still works and the journal is sound
    assert client.post("/twilio/status", good)[0] == 200
    with sqlite3.connect(c["journal"]) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT status FROM deliveries WHERE sid=?", (sid,)).fetchone() == \
            ("delivered",)


def test_replayed_inbound_is_recorded_once(campaign, listening, tmp_path):
    c = campaign("safety_check")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    es = c["phones"]["es"]
    first = client.sms(5, es, "2")
    again = client.sms(5, es, "2")
    assert first[0] == again[0] == 200
    assert message_text(first[1]) and message_text(again[1]) == ""
    with sqlite3.connect(c["journal"]) as db:
        assert db.execute("SELECT count(*) FROM replies").fetchone() == (1,)


# -- the command -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_emsg_listen_serves_until_ctrl_c(stop, campaign, tmp_path, runner):
    c = campaign("safety_check")
    port = _free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from messaging.cli import main; main()", "listen",
         "--journal", str(c["journal"]), "--port", str(port), "--public-url", PUBLIC + "/",
         "--opt-outs", str(tmp_path / "opt.txt"), "--allow-unreviewed"],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        banner = ""
        while "Ctrl-C stops." not in banner:
            line = proc.stderr.readline()
            assert line, f"emsg listen exited: {banner}"
            banner += line
        assert f"Listening on http://127.0.0.1:{port}" in banner
        assert f"status callbacks: {PUBLIC}/twilio/status" in banner

        class Server:
            pass

        server = Server()
        server.port = port
        client = Client(server)  # type: ignore[arg-type]
        assert client.status(c["sids"][c["phones"]["ht"]], "delivered")[0] == 200
        assert client.sms(1, c["phones"]["ht"], "mwen bezwen èd")[0] == 200
        assert client.status(c["sids"][c["phones"]["ht"]], "sent", sign=False)[0] == 403
    finally:
        proc.send_signal(stop)
        _, rest = proc.communicate(timeout=30)
    assert proc.returncode == 0, rest
    assert "Stopped. Status callbacks: updated 1. Replies: need_help 1. Refused requests: " \
           "403 1." in rest
    data = status_json(runner, c["journal"])
    assert data["delivery"]["ht"]["delivered"] == 1
    assert [i["phone"] for i in data["safety_check"]["need_help"]] == [c["phones"]["ht"]]


@pytest.mark.parametrize(("args", "env", "fragment"), [
    (["--public-url", PUBLIC], {}, "TWILIO_AUTH_TOKEN is not set"),
    (["--public-url", "example.org"], {"TWILIO_AUTH_TOKEN": TOKEN},
     "--public-url: expected the server's public base URL"),
    (["--public-url", PUBLIC, "--journal", "notes.txt/j.sqlite"], {"TWILIO_AUTH_TOKEN": TOKEN},
     "notes.txt/j.sqlite: --journal: cannot write journal"),
])
def test_listen_bad_input_is_one_line(args, env, fragment, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    (tmp_path / "notes.txt").write_text("not a folder\n")
    if "--journal" not in args:
        args = [*args, "--journal", "j.sqlite"]
        (tmp_path / "j.sqlite").write_bytes(b"")
    result = runner.invoke(cli, ["listen", *args], env=env)
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_listen_refuses_a_file_that_is_not_a_journal(runner, tmp_path):
    bogus = tmp_path / "notes.sqlite"
    with sqlite3.connect(bogus) as db:
        db.execute("CREATE TABLE notes (x)")
    result = runner.invoke(cli, ["listen", "--journal", str(bogus), "--public-url", PUBLIC],
                           env={"TWILIO_AUTH_TOKEN": TOKEN})
    assert result.exit_code == 2 and "not a campaign journal" in result.output
    with sqlite3.connect(bogus) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_normalize():
    assert normalize("  ¡ARRÊT!  ") == "arret"
    assert normalize("Kʼicheʼ") == "k'iche"
    assert split_list("توقف، STOP, إيقاف") == ["توقف", "stop", "ايقاف"]


# -- what must never break a later command: whatsapp:, a bad opt-out line, bad numbers --------

LATER_EXPIRES = "expires=2099-09-16T18:00:00-06:00"


def send_drafts(runner, tmp_path, phones: list[str], opt_outs, *extra: str):
    people = tmp_path / "later.csv"
    people.write_text("phone,language\n" + "".join(f"{p},es\n" for p in phones),
                      encoding="utf-8")
    return runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                               "--recipients", str(people), "--opt-outs", str(opt_outs),
                               "--journal", str(tmp_path / "later.sqlite"), "--exercise",
                               "--var", LATER_EXPIRES, "--format", "json", *extra])


def test_a_whatsapp_stop_is_recorded_and_the_next_send_honours_it(campaign, listening,
                                                                  tmp_path, runner):
    c = campaign("safety_check")
    opt = tmp_path / "opt.txt"
    client, _ = listening(c["journal"], opt)
    es = c["phones"]["es"]
    status, _ = client.sms(1, f"whatsapp:{es}", "ALTO")
    assert status == 200
    assert [line.split()[0] for line in opt.read_text().splitlines()] == [es]
    reread = OptOutList(opt)
    assert es in reread and reread.warnings == []
    with sqlite3.connect(c["journal"]) as db:
        assert db.execute("SELECT phone, channel, kind, recipient_id IS NOT NULL FROM replies")\
            .fetchall() == [(es, "whatsapp", "stop", 1)]
    db.close()
    # a later campaign to the same number: it runs, and skips the number
    other = "+529629999999"
    result = send_drafts(runner, tmp_path, [es, other], opt)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    with sqlite3.connect(tmp_path / "later.sqlite") as db:
        assert dict(db.execute("SELECT phone, state FROM recipients")) == \
            {es: "skipped", other: "sent"}
    db.close()
    # START over WhatsApp takes it off again
    assert client.sms(2, f"WhatsApp:{es}", "ALTA")[0] == 200
    assert es not in OptOutList(opt)


def test_a_bad_opt_out_line_is_skipped_with_a_warning_never_fatal(campaign, listening,
                                                                 tmp_path, runner):
    good, bad_line = "+529625550202", "whatsapp:+50499998888"
    opt = tmp_path / "opt.txt"
    opt.write_text(f"{bad_line}  # replied STOP, 2026-11-27T00:17:00Z\n{good}  # by hand\n",
                   encoding="utf-8")
    listed = OptOutList(opt)
    assert good in listed and len(listed) == 1
    assert listed.warnings == [f"{opt}:1: skipped {bad_line!r}: not an E.164 number such as "
                               "+529626201000"]
    result = send_drafts(runner, tmp_path, [good, "+529629999999"], opt)
    assert result.exit_code == 0, result.output
    assert f"Warning: {opt}:1: skipped {bad_line!r}" in result.stderr
    with sqlite3.connect(tmp_path / "later.sqlite") as db:
        assert db.execute("SELECT state FROM recipients WHERE phone=?", (good,)).fetchone() \
            == ("skipped",)
    db.close()
    # the listener still records STOP and START with that line in the file
    c = campaign("early_warning")
    client, _ = listening(c["journal"], opt)
    es = c["phones"]["es"]
    assert client.sms(1, es, "ALTO")[0] == 200
    assert client.sms(2, good, "START")[0] == 200
    after = OptOutList(opt)
    assert es in after and good not in after
    assert OptOutList(opt).warnings == listed.warnings  # the bad line is left as it was


def test_malformed_numeric_fields_are_400_not_500(campaign, listening, tmp_path):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt")
    sid = c["sids"][c["phones"]["es"]]
    before = snapshot(c["journal"])
    for code in ("1" * 30, "²", "٣٠٠٠٣", "30003 ", "-1", "0x1F"):
        params = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": code}
        status, text = client.post("/twilio/status", params)
        assert (status, text) == (400, "ErrorCode is not a Twilio error code\n"), code
    good = {"MessageSid": sid, "MessageStatus": "delivered"}
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": client.signature("/twilio/status", good),
               "Content-Length": "²"}
    status, _ = client.raw("/twilio/status", urlencode(good).encode(), headers)
    assert status == 400
    assert snapshot(c["journal"]) == before
    assert client.status(sid, "undelivered", 30003)[0] == 200  # a real code still works


# -- listening before the campaign, and as the campaign decided ------------------------------

def test_listen_starts_before_the_campaign_and_loses_no_early_callback(campaign, listening,
                                                                       tmp_path, runner):
    journal = tmp_path / "safety_check.sqlite"  # where the campaign below journals
    assert not journal.exists()
    client, _ = listening(journal, tmp_path / "opt.txt")
    assert journal.exists()
    # the SIDs the campaign's backend will hand out, reported before the send records them
    early = [f"SM{i:032x}" for i in range(1, len(LANGS) + 1)]
    for sid in early:
        assert client.status(sid, "delivered")[0] == 200
    assert status_json(runner, journal)["unmatched_callbacks"] == len(LANGS)
    c = campaign("safety_check")  # emsg send fills the journal listen created
    assert c["journal"] == journal and sorted(c["sids"].values()) == early
    p = c["phones"]
    status, _ = client.sms(1, p["fr"], "oui")  # now a safety check: "oui" is "safe"
    assert status == 200
    data = status_json(runner, journal)
    assert data["unmatched_callbacks"] == 0
    assert all(data["delivery"][lang]["delivered"] == 1 for lang in LANGS)
    assert [i["phone"] for i in data["safety_check"]["safe"]] == [p["fr"]]


def test_listen_follows_the_sends_decision_on_unreviewed_replies(campaign, listening,
                                                                 tmp_path, renderer):
    c = campaign("early_warning")
    client, _ = listening(c["journal"], tmp_path / "opt.txt", allow_unreviewed=None)
    strict = KeywordBook.load(renderer)
    lenient = KeywordBook.load(renderer, allow_unreviewed=True)
    es = c["phones"]["es"]
    assert strict.reply("help", "es").language != "es"  # the shipped es replies are fuzzy
    # no decision recorded: the reviewed-only answer (along the fallback chain)
    assert message_text(client.sms(1, es, "AYUDA")[1]) == strict.reply("help", "es").text
    with Journal(c["journal"]) as journal:  # as emsg send --allow-unreviewed records it
        journal.set_meta("allow_unreviewed", "yes")
    assert message_text(client.sms(2, es, "AYUDA")[1]) == lenient.reply("help", "es").text
    assert lenient.reply("help", "es").language == "es"


@pytest.mark.parametrize("allow", [True, False])
def test_send_records_its_decision_on_unreviewed_strings(allow, runner, tmp_path):
    extra = ("--allow-unreviewed",) if allow else ()
    result = send_drafts(runner, tmp_path, ["+529621234567"], tmp_path / "opt.txt", *extra)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "later.sqlite") as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
    db.close()
    assert meta["allow_unreviewed"] == ("yes" if allow else "no")


# -- slow clients, and logs that cannot flood -------------------------------------------------

def test_slow_connections_cannot_starve_signed_callbacks(campaign, renderer, tmp_path):
    """Slow clients (a request head or body that never finishes) against listen on
    loopback, past the connection cap: every signed callback is still answered 200, and
    every slow connection is closed by the server (by its deadline, or evicted)."""
    import time

    from messaging.webhook_server import ServerLimits

    c = campaign("early_warning")
    store = TrackingStore(c["journal"], opt_outs=OptOutList(tmp_path / "opt.txt"),
                          durable=False)
    limits = ServerLimits(header_timeout=0.5, body_timeout=0.5, max_connections=40)
    app = create_app(store, KeywordBook.load(renderer, allow_unreviewed=True),
                     ListenConfig(TOKEN, PUBLIC))
    server = WebhookServer(app, "127.0.0.1", 0, limits=limits).start()
    client = Client(server)
    slow: list[socket.socket] = []
    head = b"POST /twilio/status HTTP/1.1\r\nHost: example.org\r\n"
    body = (head + b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\nMessageSid=SM")

    def open_slow(n: int, start: bytes) -> None:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(start)
            slow.append(s)

    try:
        open_slow(100, head)
        open_slow(50, body)
        sids = list(c["sids"].values())
        answers = [client.status(sid, "delivered")[0] for sid in sids]
        open_slow(50, head)
        answers += [client.status(sid, "read")[0] for sid in sids]
        assert answers == [200] * (2 * len(sids))
        deadline = time.monotonic() + 30  # a bound on the test, not an assertion
        for s in slow:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            except TimeoutError:
                pytest.fail("a slow connection was left open")
            assert data == b"", data[:80]
    finally:
        for s in slow:
            s.close()
        server.stop()
        store.close()
    closed = limits.closed
    assert closed["evicted"] + closed["head timeout"] + closed["body timeout"] >= len(slow)
    assert closed["refused"] == 0  # a newcomer always found a slow one to evict
    with sqlite3.connect(c["journal"]) as db:
        assert {r[0] for r in db.execute("SELECT status FROM deliveries")} == {"read"}
    db.close()
    assert app.state.stats.status["updated"] == 2 * len(sids)


def test_repeated_log_messages_are_rate_limited():
    import logging

    from messaging.webhook_server import RateLimitFilter

    now = [0.0]
    limiter = RateLimitFilter(burst=3, window=60, clock=lambda: now[0])

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, msg, None, None)

    accept = "socket.accept() out of system resource"
    assert sum(limiter.filter(record(accept)) for _ in range(1000)) == 3
    assert limiter.filter(record("another message"))  # counted apart
    now[0] = 61.0
    later = record(accept)
    assert limiter.filter(later)
    assert later.getMessage() == f"{accept} (and 997 more like it left out of the log)"


def test_listen_logs_through_the_rate_limit(monkeypatch):
    import logging

    from messaging.cli_webhooks import _configure_logging
    from messaging.webhook_server import RateLimitFilter

    for name in ("emsg.listen", "uvicorn.error", "asyncio"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", [])
        monkeypatch.setattr(logger, "propagate", logger.propagate)
        monkeypatch.setattr(logger, "level", logger.level)
    _configure_logging()
    for name in ("emsg.listen", "uvicorn.error", "asyncio"):
        (handler,) = logging.getLogger(name).handlers
        assert any(isinstance(f, RateLimitFilter) for f in handler.filters)
