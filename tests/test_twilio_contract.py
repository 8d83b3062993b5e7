"""Contract: the dispatcher's requests, as Twilio's own OpenAPI spec says they must be.

Stoplight Prism serves ``../shared/twilio-oai/twilio_api_v2010.json`` as a mock with
``--errors``: a request that breaks the spec gets a 422 naming the violation instead of a
mock answer. The dispatcher (twilio-python underneath) sends its real requests to it.

Prism comes from ``.tools/`` (``python tests/setup_tools.py`` installs it with npm) or,
failing that, ``npx --yes @stoplight/prism-cli@5``. Skipped, saying so, only where Node is
absent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from messaging.backends import Outgoing, TransientFailure
from messaging.backends.twilio import TwilioBackend
from messaging.campaign import Campaign, prepare
from messaging.dispatch import Dispatcher, DispatchOptions
from messaging.journal import Journal

from .conftest import shared_dir
from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN

ROOT = Path(__file__).resolve().parent.parent
SID = re.compile(r"^SM[0-9a-fA-F]{32}$")


def _prism_command() -> list[str] | None:
    for local in (ROOT / ".tools" / "node_modules" / ".bin" / "prism",
                  ROOT / ".tools" / "prism" / "node_modules" / ".bin" / "prism"):
        if local.exists() and shutil.which("node"):
            return [str(local)]
    if shutil.which("npx") and shutil.which("node"):
        return ["npx", "--yes", "@stoplight/prism-cli@5"]
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory):
    shared = shared_dir()
    if shared is None:
        pytest.skip("../shared (Twilio's OpenAPI spec) is not beside this checkout; set "
                    "EMSG_SHARED to its path")
    spec = shared / "twilio-oai" / "twilio_api_v2010.json"
    command = _prism_command()
    if command is None:
        pytest.skip("Node.js (node/npx) is not installed: Prism cannot run the contract test")
    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("w") as out:
        proc = subprocess.Popen([*command, "mock", "--errors", "-h", "127.0.0.1", "-p",
                                 str(port), str(spec)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180  # npx may have to fetch Prism first
        while "Prism is listening" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"Prism did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def backend(url: str, **options) -> TwilioBackend:
    options.setdefault("from_number", "+15005550006")
    return TwilioBackend(ACCOUNT_SID, AUTH_TOKEN, base_url=url, **options)


def test_create_message_requests_follow_the_spec(prism_url):
    message = Outgoing("+529621234567", "SIMULACRO: alerta de huracán", 5, "es", "UCS-2")
    for options in ({}, {"validity_period": 3600,
                         "status_callback": "https://example.org/twilio/status"},
                    {"from_number": None, "messaging_service_sid": "MG" + "a" * 32}):
        sent = backend(prism_url, **options).send(message)
        assert SID.match(sent.sid), sent


def test_list_messages_request_follows_the_spec(prism_url):
    """Prism validates our GET, then (with --errors) also checks its own example answer,
    whose relative ``uri`` fields break the spec's ``format: uri``: that 500 must name
    only response fields, never our request."""
    b = backend(prism_url)
    since = dt.datetime(2026, 9, 14, tzinfo=dt.UTC)
    try:
        found = b.find_sent("+529621234567", "SIMULACRO", since)
    except TransientFailure:
        answer = json.loads(b.http._test_only_last_response.text)
        locations = [v["location"] for v in answer["validation"]]
        assert locations and all(loc[0] == "response" for loc in locations), locations
    else:
        assert found is None or SID.match(found)


def test_prism_does_reject_a_request_that_breaks_the_spec(prism_url):
    """The control: the contract tests above could fail."""
    b = backend(prism_url)
    url = f"{prism_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    response = b.client.request("POST", url, data={"Body": "no To"})
    assert response.status_code == 422
    violations = json.loads(response.text)["validation"]
    assert any(v["location"] == ["body"] and "required property 'To'" in v["message"]
               for v in violations), violations


def test_a_whole_campaign_against_the_spec(prism_url, tmp_path, renderer, hurricane):
    csv = tmp_path / "people.csv"
    csv.write_text("phone,language\n+529621000001,es\n+529621000002,ht\n+50255123456,mam\n",
                   encoding="utf-8")
    campaign = Campaign("early_warning", renderer.facts("early_warning", hurricane), csv,
                        exercise=True, backend="twilio", region="MX")
    with Journal(tmp_path / "j.sqlite") as journal:
        prepare(journal, renderer, campaign)
        report = Dispatcher(journal, backend(prism_url, validity_period=600),
                            DispatchOptions(concurrency=3)).run()
        summary = journal.summary()
    assert summary.states["sent"] == 3, summary.states
    assert report.requests == 3 and not report.retries
