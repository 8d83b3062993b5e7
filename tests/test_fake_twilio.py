"""The fake Twilio itself: its slow mode and faults behave as the dispatcher's tests assume."""

from __future__ import annotations

import time

import pytest
import requests

from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

FORM = {"To": "+529621000001", "Body": "Hola", "From": "+15005550006"}


def post(fake: FakeTwilio, **options):
    url = f"{fake.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    return requests.post(url, data=FORM, auth=(ACCOUNT_SID, AUTH_TOKEN), **options)


def test_slow_mode_creates_the_message_after_the_client_gave_up():
    with FakeTwilio.slow(0.6) as fake:
        with pytest.raises(requests.Timeout):
            post(fake, timeout=0.1)
        assert fake.received == []  # not yet: a client listing now finds nothing
        deadline = time.monotonic() + 10
        while not fake.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.count_to(FORM["To"]) == 1


def test_configuration_faults_answer_without_a_twilio_code():
    with FakeTwilio() as fake:
        fake.redirect_next(location="https://api.twilio.com/x")
        answer = post(fake, allow_redirects=False)
        assert answer.status_code == 307 and answer.headers["Location"].endswith("/x")
        fake.proxy_error_next(403)
        answer = post(fake)
        assert answer.status_code == 403 and "code" not in answer.text
        assert fake.received == []


def test_drops_trickles_huge_bodies_and_random_faults():
    with FakeTwilio() as fake:
        fake.drop_next(1, accept=False)
        fake.drop_next(1)
        for _ in range(2):
            with pytest.raises(requests.ConnectionError):
                post(fake)
        assert len(fake.received) == 1  # only the second was accepted
        fake.trickle_next(1, 0.001)
        assert post(fake).json()["to"] == FORM["To"]
        fake.huge_next(1, 100_000)
        assert len(post(fake).content) > 100_000
        fake.faults = {"429": 0.5, "drop": 0.5}
        seen = set()
        for _ in range(20):
            try:
                seen.add(post(fake).status_code)
            except requests.ConnectionError:
                seen.add("drop")
        assert seen == {429, "drop"}
        counts = requests.get(f"{fake.url}/_fake/counts", timeout=5).json()
        assert counts["posts"][FORM["To"]] == 24
        assert counts["received"][FORM["To"]] == len(fake.received)
