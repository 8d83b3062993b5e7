"""A hotline may be a short emergency or service number valid in the scenario's region
(issue 12, item 4): 911 in Mexico, 110 in Guatemala; shown as dialled, read digit by digit."""

from __future__ import annotations

from messaging.cli import cli


def _draft(runner, scenario, hotline, channel="sms"):
    return runner.invoke(cli, ["draft", "early_warning", "--scenario", scenario, "--lang", "es",
                               "--channel", channel, "--var", f"hotline={hotline}"])


def test_911_in_mexico_is_a_hotline(runner):
    result = _draft(runner, "hurricane-tapachula", "911")
    assert result.exit_code == 0, result.output
    assert "Ayuda gratuita: 911" in result.stdout and "+911" not in result.stdout
    voice = _draft(runner, "hurricane-tapachula", "911", "voice")
    assert voice.exit_code == 0, voice.output
    assert "9 1 1" in voice.stdout and "más 9 1 1" not in voice.stdout


def test_110_in_guatemala_is_a_hotline(runner):
    result = _draft(runner, "earthquake-guatemala", "110")
    assert result.exit_code == 0, result.output
    assert "110" in result.stdout


def test_a_short_number_not_valid_in_the_region_is_still_an_error(runner):
    result = _draft(runner, "hurricane-tapachula", "119")  # not a Mexican short number
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: --var: hotline: not a valid phone number: '119'")
