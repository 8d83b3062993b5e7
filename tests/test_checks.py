"""Message-design checks: each fires on a deliberately broken template or catalog in a
temporary copy of the bundled data, and the shipped content passes with no errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from messaging.checks import (
    ERROR,
    WARNING,
    Finding,
    Message,
    check_time_zone,
    fact_tokens,
    locate,
    parse_msgfmt,
    run_checks,
)
from messaging.cli import cli
from messaging.message_types import CHANNELS, MESSAGE_TYPES
from messaging.rendering import Renderer, RenderResult

from .conftest import EARTHQUAKE, HURRICANE

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def data(data_copy) -> tuple[Path, Path]:
    """A private copy of message_templates/ and locales/ to break (conftest's data_copy)."""
    return data_copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def es_po(locales: Path) -> Path:
    return locales / "es" / "LC_MESSAGES" / "messages.po"


def check(data, scenario, types=("early_warning",), languages=("en", "es"),
          channels=("sms",), modes=(False,), catalogs=False):
    templates, locales = data
    renderer = Renderer(templates, locales)
    return run_checks(renderer, scenario, types=types, languages=languages,
                      channels=channels, modes=modes, catalogs=catalogs)


def found(report, check_name, severity=None, language=None, channel=None) -> list[Finding]:
    return [f for f in report.findings if f.check == check_name
            and (severity is None or f.severity == severity)
            and (language is None or f.language == language)
            and (channel is None or f.channel == channel)]


# -- the shipped content ---------------------------------------------------------------------

@pytest.mark.parametrize("scenario_file", [HURRICANE, EARTHQUAKE], ids=["hurricane",
                                                                        "earthquake"])
def test_shipped_content_has_no_errors(renderer, scenario_file):
    from messaging.scenarios import load_scenario

    report = run_checks(renderer, load_scenario(scenario_file), types=MESSAGE_TYPES,
                        languages=renderer.languages.codes(), channels=CHANNELS,
                        modes=(False, True))
    assert report.errors == []
    # 6 types x 16 languages x 4 channels x 2 modes
    assert len(report.messages) == 6 * 16 * 4 * 2


def test_fuzzy_translations_are_warnings_not_errors(renderer, hurricane):
    report = run_checks(renderer, hurricane, types=["early_warning"], languages=["es"],
                        channels=["sms"])
    fuzzy = [f for f in report.findings if "unreviewed" in f.reason]
    assert fuzzy, "the bundled es catalog is fuzzy: expected a warning"
    assert {f.severity for f in fuzzy} == {WARNING}
    assert found(report, "unreviewed", WARNING, "es", "sms")
    assert found(report, "catalog", WARNING, "es")


def test_cli_check_passes_on_shipped_content(runner):
    result = runner.invoke(cli, ["check", "--lang", "all"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
    assert "earthquake-guatemala.toml" in result.output
    assert "hurricane-tapachula.toml" in result.output


# -- each check fires on something broken --------------------------------------------------

def test_missing_design_element_is_an_error(data, hurricane):
    templates, _ = data
    edit(templates / "early_warning" / "sms.j2",
         "{% trans %}{{ source }}: {{ hazard }} warning for {{ area }}.{% endtrans %}",
         "{% trans %}{{ source }}: {{ hazard }} warning.{% endtrans %}")
    report = check(data, hurricane)
    [finding] = found(report, "elements", ERROR, "en", "sms")
    assert "no location" in finding.reason and "area" in finding.reason
    # es has no translation of the new sentence: it falls back to en, visibly
    assert found(report, "fallback", WARNING, "es", "sms")
    assert found(report, "elements", ERROR, "es", "sms")


def test_elements_out_of_order_is_a_warning(data, hurricane):
    templates, _ = data
    sms = templates / "early_warning" / "sms.j2"
    text = sms.read_text(encoding="utf-8")
    onset = "{% trans %}Expected from {{ onset }}.{% endtrans %}\n"
    text = text.replace(onset, "").replace("{{ m.marker() }}\n", "{{ m.marker() }}\n" + onset)
    sms.write_text(text, encoding="utf-8")
    report = check(data, hurricane, languages=["en"])
    [finding] = found(report, "order", WARNING, "en", "sms")
    assert finding.reason.startswith("elements read time > source")
    assert not report.errors


def test_time_without_zone_is_an_error(data, hurricane):
    templates, _ = data
    edit(templates / "early_warning" / "sms.j2", "{{ m.marker() }}\n",
         "{{ m.marker() }}\nShelters open at 18:00.\n")
    report = check(data, hurricane, languages=["en"])
    [finding] = found(report, "time-zone", ERROR, "en", "sms")
    assert "'18:00'" in finding.reason


def test_time_role_that_is_not_a_datetime_is_an_error(data, hurricane):
    templates, _ = data
    edit(templates / "early_warning" / "template.toml",
         'onset = { type = "datetime"', 'onset = { type = "text"')
    report = check(data, hurricane.with_overrides(["onset=tomorrow evening"]),
                   languages=["en"])
    [finding] = [f for f in found(report, "time-zone", ERROR) if f.channel is None]
    assert finding.type == "early_warning" and "onset" in finding.reason


def test_over_the_template_sms_limit_is_an_error(data, hurricane):
    templates, _ = data
    edit(templates / "early_warning" / "template.toml", "sms_segments = 7", "sms_segments = 1")
    edit(templates / "early_warning" / "template.toml", "long_characters = 1000",
         "long_characters = 100")
    report = check(data, hurricane, languages=["en"], channels=["sms", "long"])
    [sms] = found(report, "length", ERROR, "en", "sms")
    assert sms.reason == "3 SMS segments (GSM-7), over the early_warning limit of 1"
    [long] = found(report, "length", ERROR, "en", "long")
    assert "over the long limit of 100" in long.reason


def test_alert_profiles_are_warnings(data, hurricane):
    long_area = check(data, hurricane.with_overrides(["area=" + "Tapachula " * 15]),
                      languages=["en"], channels=["sms"])
    [sms] = found(long_area, "length", WARNING, "en", "sms")
    assert sms.reason.endswith("too long for a 360-character wireless alert")
    assert not long_area.errors  # 3 segments: within the template's limit
    report = check(data, hurricane.with_overrides(["area=" + "Tapachula " * 8]),
                   languages=["en"], channels=["cap"])
    [cap] = found(report, "length", WARNING, "en", "cap")
    assert cap.reason == ("CAP headline has 102 characters: too long for a 90-character "
                          "wireless alert")
    assert not report.errors  # the CAP headline limit is 160


def test_leftover_placeholder_is_an_error(data, hurricane):
    _, locales = data
    edit(es_po(locales), 'msgstr "Ayuda gratuita: %(hotline)s"',
         'msgstr "Ayuda gratuita: %(hotline)s {{ hotline }}"')
    report = check(data, hurricane)
    [finding] = found(report, "placeholder", ERROR, "es", "sms")
    assert "'{{'" in finding.reason and "'}}'" in finding.reason
    assert not found(report, "placeholder", language="en")


def test_mostly_capitals_is_a_warning(data, hurricane):
    templates, _ = data
    (templates / "early_warning" / "sms.j2").write_text(
        '{% import "_macros.j2" as m with context %}\n{{ m.marker() }}\n'
        "{{ source|upper }}: {{ hazard|upper }} WARNING FOR {{ area|upper }}. PREPARE NOW: "
        "WATER, MEDICINE, DOCUMENTS. IF TOLD TO LEAVE, GO TO {{ shelter|upper }}. "
        "EXPECTED FROM {{ onset }}. FREE HELP: {{ hotline }}\n", encoding="utf-8")
    report = check(data, hurricane, languages=["en"])
    [finding] = found(report, "capitals", WARNING, "en", "sms")
    assert "of letters are capitals" in finding.reason
    untouched = check(data, hurricane, languages=["en"], channels=["long"])
    assert not found(untouched, "capitals")


def test_numbers_that_differ_across_languages_are_an_error(data, hurricane):
    _, locales = data
    edit(es_po(locales), '"Si le piden salir, vaya a %(shelter)s."',
         '"Si le piden salir, vaya a %(shelter)s. Emergencias: 911."')
    report = check(data, hurricane, languages=["en", "es", "fr"])
    [finding] = found(report, "consistency", ERROR, "es", "sms")
    assert finding.reason == ("numbers, times or links differ from en: not in English: 911")
    assert not found(report, "consistency", language="fr")


def test_spoken_times_compare_by_value_not_by_wording(renderer, hurricane):
    mt = renderer.message_type("early_warning")
    facts = renderer.facts("early_warning", hurricane)
    from messaging.checks import describe

    en = describe(renderer, mt, facts, renderer.render("early_warning", "en", "voice", facts))
    es = describe(renderer, mt, facts, renderer.render("early_warning", "es", "voice", facts))
    assert "6 in the evening" in en.text and "6 de la tarde" in es.text  # spoken differently
    assert fact_tokens(en) == fact_tokens(es)  # ... the same instant and number
    assert ("time", "2026-09-15T18:00:00-06:00") in fact_tokens(en)
    sms = describe(renderer, mt, facts, renderer.render("early_warning", "es", "sms", facts))
    assert ("time", "18:00") in fact_tokens(sms)  # written: the same 24-hour digits


def test_exercise_marker_missing_in_exercise_mode_is_an_error(data, hurricane):
    _, locales = data
    edit(es_po(locales), 'msgstr "SIMULACRO: este mensaje es un ejercicio, no una emergencia '
                         'real."', 'msgstr "Este mensaje es un ejercicio, no una emergencia '
                                   'real."')
    report = check(data, hurricane, channels=["sms", "long"], modes=(False, True))
    [finding] = found(report, "exercise", ERROR, "es", "long")
    assert finding.exercise is True
    assert finding.reason == "exercise message without the marker 'SIMULACRO'"
    assert not found(report, "exercise", channel="sms")  # the SMS marker is intact


def test_exercise_marker_in_a_real_message_is_an_error(data, hurricane):
    _, locales = data
    edit(es_po(locales), 'msgstr "Ayuda gratuita: %(hotline)s"',
         'msgstr "SIMULACRO de ayuda: %(hotline)s"')
    report = check(data, hurricane, modes=(False,))
    [finding] = found(report, "exercise", ERROR, "es", "sms")
    assert finding.exercise is False
    assert "real message carries the exercise marker 'SIMULACRO'" == finding.reason


def test_catalog_placeholder_mismatch_is_an_error(data, hurricane):
    _, locales = data
    edit(es_po(locales), 'msgstr "%(source)s: alerta de %(hazard)s para %(area)s."',
         'msgstr "%(source)s: alerta de %(hazard)s para %(zona)s."')
    report = check(data, hurricane, languages=["es"], catalogs=True)
    [problem] = [f for f in found(report, "catalog", ERROR, "es")]
    assert "drops %(area)s" in problem.reason and "invents %(zona)s" in problem.reason
    assert "messages.po:" in problem.reason  # file:line
    # the broken entry is never used: the message falls back to English, visibly
    assert found(report, "fallback", WARNING, "es", "sms")


@pytest.mark.skipif(shutil.which("msgfmt") is None,
                    reason="GNU gettext's msgfmt is not installed (apt-get install gettext)")
def test_msgfmt_check_errors_are_errors(data, hurricane):
    _, locales = data
    edit(es_po(locales), 'msgstr "%(source)s: alerta de %(hazard)s para %(area)s."',
         'msgstr "%(source)s: alerta de %(hazard)s para %(zona)s."')
    report = check(data, hurricane, languages=["es"], catalogs=True)
    errors = found(report, "msgfmt", ERROR, "es")
    assert errors and "messages.po:" in errors[0].reason
    assert "'area'" in errors[0].reason


def test_missing_catalog_strings_are_warnings(data, hurricane):
    _, locales = data
    edit(es_po(locales), 'msgstr "Ayuda gratuita: %(hotline)s"', 'msgstr ""')
    report = check(data, hurricane, languages=["es"], catalogs=True)
    [missing] = [f for f in found(report, "catalog", WARNING, "es") if "not translated"
                 in f.reason]
    assert missing.reason.startswith("1 of ") and "fall back to en" in missing.reason
    assert not report.errors


def test_parse_msgfmt_output():
    out = ("locales/es/LC_MESSAGES/messages.po:77: a format specification for argument "
           "'ended' doesn't exist in 'msgstr'\n"
           "locales/es/LC_MESSAGES/messages.po:8: warning: header field 'Last-Translator' "
           "still has the initial default value\n"
           "/tmp/x.po: warning: Charset missing in header.\n"
           "                         Message conversion to user's charset will not work.\n"
           "msgfmt: found 1 fatal error\n")
    findings = parse_msgfmt(out, "es")
    assert [(f.severity, f.language) for f in findings] == [
        (ERROR, "es"), (WARNING, "es"), (WARNING, "es")]
    assert findings[0].reason.startswith("locales/es/LC_MESSAGES/messages.po:77: a format")
    assert findings[2].reason.endswith("Message conversion to user's charset will not work.")


def test_a_template_that_cannot_render_is_an_error_and_the_rest_is_checked(data, hurricane):
    templates, _ = data
    edit(templates / "evacuation" / "sms.j2", "{{ m.marker() }}", "{% if %}")
    report = check(data, hurricane, types=["evacuation", "early_warning"], languages=["en"])
    [finding] = found(report, "render", ERROR, "en", "sms")
    assert finding.type == "evacuation" and "sms.j2" in finding.reason
    assert [m.result.type for m in report.messages] == ["early_warning"]


# -- pure pieces ---------------------------------------------------------------------------------

def test_locate_lets_longer_values_claim_their_span_first():
    text = "Consulado en Tapachula: alerta para Tapachula."
    assert locate(text, {"source": "Consulado en Tapachula", "area": "Tapachula"}) == {
        "source": 0, "area": 36}


def _message(text: str, channel: str = "long") -> Message:
    result = RenderResult(type="early_warning", language="en", language_used="en",
                          channel=channel, text=text)
    return Message(result, {}, {}, {}, "EXERCISE")


@pytest.mark.parametrize("text, ok", [
    ("Leave before Tue, Sep 15, 18:00 UTC-6.", True),
    ("Leave before 6:00 PM (Central Standard Time).", True),
    ("Salga antes de las 6:00 p. m. (hora estándar central).", True),
    ("Leave before 18:00.", False),
    ("Partez avant 18 h 00, ce soir.", False),
    ("Call +52 962 620 1000 or see https://example.org:8080/a.", True),
])
def test_time_zone_check(text, ok):
    assert (check_time_zone(_message(text)) == []) is ok


# -- the command line -------------------------------------------------------------------------

def test_cli_check_exits_1_and_names_type_language_channel(runner, data):
    templates, locales = data
    edit(templates / "early_warning" / "template.toml", "sms_segments = 7", "sms_segments = 1")
    result = runner.invoke(cli, ["check", "early_warning", "--scenario", str(HURRICANE),
                                 "--lang", "en", "--channel", "sms", "--mode", "real",
                                 "--allow-expired",
                                 "--templates", str(templates), "--locales", str(locales)])
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("error")]
    assert line.split()[:3] == ["error", "en", "early_warning/sms"]
    assert line.endswith("length: 3 SMS segments (GSM-7), over the early_warning limit of 1")
    assert "Traceback" not in result.output


def test_cli_check_json(runner, data):
    templates, locales = data
    edit(templates / "early_warning" / "template.toml", "sms_segments = 7", "sms_segments = 1")
    result = runner.invoke(cli, ["check", "early_warning", "--scenario", str(HURRICANE),
                                 "--lang", "en,es", "--channel", "sms", "--format", "json",
                                 "--templates", str(templates), "--locales", str(locales)])
    assert result.exit_code == 1, result.output
    data_out = json.loads(result.output)
    assert data_out["ok"] is False and data_out["errors"] >= 2
    keys = {"severity", "check", "reason", "type", "language", "channel", "exercise",
            "scenario"}
    assert all(set(f) == keys for f in data_out["findings"])
    errors = {(f["language"], f["exercise"]) for f in data_out["findings"]
              if f["severity"] == "error" and f["check"] == "length"}
    assert errors == {("en", False), ("en", True), ("es", False), ("es", True)}


def test_cli_check_bad_input_is_one_line(runner, tmp_path):
    result = runner.invoke(cli, ["check", "--scenario", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'nope.toml'}: file not found"]


# -- the preview page -----------------------------------------------------------------------------

def test_preview_escapes_hostile_facts(runner, tmp_path):
    out = tmp_path / "preview.html"
    result = runner.invoke(cli, ["preview", "early_warning", "--scenario", str(HURRICANE),
                                 "--var", f"area={HOSTILE}", "--var", f"source={HOSTILE}",
                                 "--lang", "es,ar", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "default-src 'none'" in html  # and nothing could run or load anyway


def test_preview_page_content(runner, tmp_path):
    out = tmp_path / "p.html"
    result = runner.invoke(cli, ["preview", "early_warning", "safety_check", "--scenario",
                                 str(HURRICANE), "--lang", "es,quc,ar", "--exercise",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: 2 type(s) x 3 language(s) x 3 channel(s)")
    html = out.read_text(encoding="utf-8")
    assert html.count('<article class="card"') == 6
    assert 'data-lang="ar" data-dir="rtl"' in html
    assert 'lang="ar" dir="rtl"' in html
    assert '<mark class="ucs2">á</mark>' in html  # "huracán": the letter that costs UCS-2
    assert 'id="exercise-banner"' in html
    assert "SIMULACRO" in html
    # safety_check's guidance is its hazard's protective actions: a tick, no longer "?"
    assert 'data-element="guidance" data-state="unknown"' not in html
    assert html.count('data-element="guidance" data-state="yes"') == 6
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing to fetch


def test_preview_unwritable_output_is_one_line(runner, tmp_path):
    target = tmp_path / "missing-dir" / "p.html"
    result = runner.invoke(cli, ["preview", "early_warning", "--lang", "es", "-o",
                                 str(target)])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {target}: -o: cannot write")
    assert not list(tmp_path.rglob("*.tmp"))


def test_unreadable_catalog_is_an_error_finding_not_a_crash(runner, data):
    templates, locales = data
    with es_po(locales).open("a", encoding="utf-8") as f:
        f.write('\nmsgid "unterminated\n')
    result = runner.invoke(cli, ["check", "early_warning", "--scenario", str(HURRICANE),
                                 "--lang", "en,es,fr", "--channel", "sms", "--mode", "real",
                                 "--allow-expired",
                                 "--templates", str(templates), "--locales", str(locales),
                                 "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    bad = {(f["check"], f["language"]) for f in findings if f["severity"] == "error"}
    assert ("catalog", "es") in bad
    # Spanish messages are still checked: they fall back to English, visibly, naming the file.
    fallback = [f for f in findings if f["check"] == "fallback" and f["language"] == "es"]
    assert fallback and fallback[0]["reason"] == "not available in es: shown in en"
    assert not any(f["language"] == "fr" and f["severity"] == "error" for f in findings)


def test_preview_to_standard_output(runner):
    result = runner.invoke(cli, ["preview", "awareness", "--lang", "ht", "--channel", "sms",
                                 "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!DOCTYPE html>")
    assert result.output.count('<article class="card"') == 1


def test_page_template_ships_inside_the_package():
    import messaging
    from messaging.preview import TEMPLATES

    assert (TEMPLATES / "preview.html.j2").is_file()
    assert TEMPLATES.parent == Path(messaging.__file__).resolve().parent
