"""CAP 1.2: export validated against the OASIS schema and the rules it cannot express;
import of official alerts (1.1 and 1.2, several languages), round trips, hostile XML."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from messaging.cap import (
    CAP_12,
    CapError,
    check_rules,
    format_time,
    language_tag,
    parse_circle,
    parse_polygon,
)
from messaging.cap_export import AlertOptions, export_alert
from messaging.cap_import import hazard_terms, match_hazard, read_alert
from messaging.cap_scenario import scenario_toml
from messaging.cli import cli
from messaging.errors import MissingVariable, ScenarioError
from messaging.message_types import MESSAGE_TYPES
from messaging.scenarios import Scenario, load_scenario

from .conftest import EARTHQUAKE, HURRICANE

DATA = Path(__file__).parent / "data" / "cap"
NS = {"cap": CAP_12}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")
_SCHEMAS: dict[Path, object] = {}


@pytest.fixture
def schema(shared):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (a test dependency) is "
                                    "not installed: pip install xmlschema")
    path = shared / "cap" / "CAP-v1.2.xsd"
    if not path.is_file():
        pytest.skip(f"the CAP 1.2 schema is not at {path}")
    if path not in _SCHEMAS:
        _SCHEMAS[path] = xmlschema.XMLSchema(str(path))
    return _SCHEMAS[path]


def _root(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)


def _infos(root: ET.Element) -> list[ET.Element]:
    return root.findall("cap:info", NS)


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None else found.text


# -- export ----------------------------------------------------------------------------------

@pytest.mark.parametrize("type_name", MESSAGE_TYPES)
def test_every_type_in_every_language_is_valid_cap(renderer, hurricane, schema, type_name):
    for code in renderer.languages.codes():
        result = export_alert(renderer, type_name, hurricane, [code])
        schema.validate(result.xml.decode("utf-8"))
        root = _root(result.xml)
        assert check_rules(root) == []
        (info,) = _infos(root)
        rendered = renderer.render(type_name, code, "cap", hurricane)
        used = renderer.languages.get(rendered.language_used)
        assert _text(info, "cap:language") == language_tag(used.code, "MX", used.cap_language)
        used_code = rendered.language_used  # the corridor languages with empty catalogs: es
        assert _text(info, "cap:language") == {"es": "es-MX", "zh": "zh-CN"}.get(used_code,
                                                                                used_code)
        assert _text(info, "cap:headline") == rendered.parts["headline"]
        assert _text(info, "cap:description") == rendered.parts["description"]
        assert _text(info, "cap:instruction") == rendered.parts["instruction"]
        assert _text(root, "cap:status") == "Actual"


@pytest.mark.parametrize("type_name", MESSAGE_TYPES)
def test_all_languages_in_one_exercise_alert_is_valid(renderer, earthquake, schema,
                                                      type_name):
    codes = renderer.languages.codes()
    result = export_alert(renderer, type_name, earthquake, codes,
                          AlertOptions(exercise=True))
    schema.validate(result.xml.decode("utf-8"))
    root = _root(result.xml)
    assert _text(root, "cap:status") == "Exercise"
    tags = [_text(i, "cap:language") for i in _infos(root)]
    assert len(tags) == len(set(tags)) == len(result.infos)
    for info in _infos(root):
        circle = _text(info, "cap:area/cap:circle")
        assert circle == "14.6349,-90.5069 25"
        assert _text(info, "cap:area/cap:areaDesc") == "Ciudad de Guatemala y Mixco"


def test_export_fields_come_from_template_and_scenario(renderer, hurricane, schema):
    result = export_alert(renderer, "evacuation", hurricane, ["es", "ht"])
    root = _root(result.xml)
    schema.validate(result.xml.decode("utf-8"))
    es, ht = _infos(root)
    assert _text(es, "cap:language") == "es-MX"
    assert _text(ht, "cap:language") == "ht"
    cap = renderer.message_type("evacuation").cap
    for info in (es, ht):
        assert _text(info, "cap:urgency") == cap["urgency"] == "Immediate"
        assert _text(info, "cap:severity") == cap["severity"]
        assert _text(info, "cap:certainty") == cap["certainty"]
        assert _text(info, "cap:responseType") == "Evacuate"
        assert _text(info, "cap:category") == "Safety"
        assert _text(info, "cap:senderName") == "Consulado de Guatemala en Tapachula"
        assert _text(info, "cap:contact") == "+52 962 620 1000"
        assert _text(info, "cap:web") == "https://example.org/tapachula"
        assert _text(info, "cap:area/cap:polygon") == hurricane.extra["area"]["polygon"]
    assert _text(es, "cap:event") == "Huracán"
    assert _text(root, "cap:sender") == "example.org"
    assert _text(root, "cap:sent") == "2026-09-14T09:00:00-06:00"


def test_times_have_numeric_offsets_never_z(renderer, hurricane):
    utc = hurricane.with_overrides(["timezone=UTC"])
    result = export_alert(renderer, "early_warning", utc, ["en"])
    root = _root(result.xml)
    times = [_text(root, "cap:sent")] + [_text(_infos(root)[0], f"cap:{n}")
                                         for n in ("onset", "expires")]
    assert times == ["2026-09-14T15:00:00-00:00", "2026-09-16T00:00:00-00:00",
                     "2026-09-16T18:00:00-00:00"]
    assert b"Z<" not in result.xml
    assert format_time(dt.datetime(2026, 1, 1, 12, 30, 15, 999, tzinfo=dt.UTC)) \
        == "2026-01-01T12:30:15-00:00"


def test_category_follows_the_hazard(renderer, earthquake, hurricane):
    quake = _root(export_alert(renderer, "early_warning", earthquake, ["es"]).xml)
    storm = _root(export_alert(renderer, "early_warning", hurricane, ["es"]).xml)
    assert _text(_infos(quake)[0], "cap:category") == "Geo"  # the template says Met
    assert _text(_infos(storm)[0], "cap:category") == "Met"
    assert _text(_infos(quake)[0], "cap:language") == "es-GT"


def test_exercise_marks_status_and_every_headline(renderer, hurricane):
    real = _root(export_alert(renderer, "early_warning", hurricane, ["es", "en"]).xml)
    drill = _root(export_alert(renderer, "early_warning", hurricane, ["es", "en"],
                               AlertOptions(exercise=True)).xml)
    assert _text(real, "cap:status") == "Actual"
    assert _text(drill, "cap:status") == "Exercise"
    headlines = [_text(i, "cap:headline") for i in _infos(drill)]
    assert headlines[0].startswith("SIMULACRO")
    assert headlines[1].startswith("EXERCISE")
    assert not any("EXERCISE" in (_text(i, "cap:headline") or "") or "SIMULACRO" in
                   (_text(i, "cap:headline") or "") for i in _infos(real))


def test_fallback_info_is_labelled_with_the_language_it_is_in(renderer, hurricane):
    # Q'eqchi' (kek) ships with an empty catalog: its messages are Spanish.
    alone = export_alert(renderer, "early_warning", hurricane, ["kek"])
    (info,) = _infos(_root(alone.xml))
    assert _text(info, "cap:language") == "es-MX"
    assert alone.infos[0].language_used == "es"
    assert any("kek: <info> is in es (es-MX), not kek" in w for w in alone.warnings)
    both = export_alert(renderer, "early_warning", hurricane, ["es", "kek"])
    assert [_text(i, "cap:language") for i in _infos(_root(both.xml))] == ["es-MX"]
    assert any("would repeat the es (es-MX) block" in w for w in both.warnings)


def test_update_and_cancel_carry_references(renderer, hurricane, schema):
    first = export_alert(renderer, "early_warning", hurricane, ["es"])
    for msg_type in ("Update", "Cancel"):
        with pytest.raises(CapError, match=f"{msg_type} needs <references>"):
            export_alert(renderer, "early_warning", hurricane, ["es"],
                         AlertOptions(msg_type=msg_type))
        later = export_alert(renderer, "early_warning", hurricane, ["es"],
                             AlertOptions(msg_type=msg_type, references=(first.reference,),
                                          sent=dt.datetime.fromisoformat(
                                              "2026-09-15T09:00:00-06:00")))
        schema.validate(later.xml.decode("utf-8"))
        root = _root(later.xml)
        assert _text(root, "cap:references") == first.reference
        assert _text(root, "cap:msgType") == msg_type
        assert later.identifier != first.identifier


def test_restricted_scope_needs_a_restriction(renderer, hurricane, schema):
    with pytest.raises(CapError, match="Restricted needs a <restriction>"):
        export_alert(renderer, "early_warning", hurricane, ["es"],
                     AlertOptions(scope="Restricted"))
    ok = export_alert(renderer, "early_warning", hurricane, ["es"],
                      AlertOptions(scope="Restricted", restriction="Consular staff only"))
    schema.validate(ok.xml.decode("utf-8"))
    with pytest.raises(CapError, match="Private needs <addresses>"):
        export_alert(renderer, "early_warning", hurricane, ["es"],
                     AlertOptions(scope="Private"))


def test_long_headline_is_refused(renderer, hurricane):
    long_area = hurricane.with_overrides(["area=" + "Colonia Centro, " * 12 + "Tapachula"])
    with pytest.raises(CapError, match=r"<headline> has \d+ characters, over 160"):
        export_alert(renderer, "early_warning", long_area, ["es"])


def _scenario_with_area(tmp_path: Path, area: str) -> Scenario:
    text = HURRICANE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^polygon = .*$", area, text)
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


@pytest.mark.parametrize("area, message", [
    ('polygon = "14.85,-92.35 14.95,-92.20 14.85,-92.35"', "at least 4 points"),
    ('polygon = "14.85,-92.35 14.95,-92.20 14.80,-92.10 14.70,-92.25"', "not closed"),
    ('polygon = "14.85,-92.35 94.95,-92.20 14.80,-92.10 14.85,-92.35"', "latitude 94.95"),
    ('circle = "14.6,-90.5"', "a circle is"),
    ('circle = "14.6,-90.5 -3"', "negative"),
    ('polygons = "14.85,-92.35"', "unknown key"),
])
def test_bad_scenario_area_names_file_line_and_field(renderer, tmp_path, area, message):
    scenario = _scenario_with_area(tmp_path, area)
    with pytest.raises(ScenarioError, match=message) as info:
        export_alert(renderer, "early_warning", scenario, ["es"])
    key = area.split(" =")[0]
    lines = Path(scenario.path).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key} ="))
    assert str(info.value).startswith(f"{scenario.path}:{line}: area.{key}: ")


def test_rules_the_schema_cannot_express():
    def alert(body: str, info: str = "") -> ET.Element:
        return ET.fromstring(
            f'<alert xmlns="{CAP_12}"><identifier>a-1</identifier><sender>s</sender>'
            f"<sent>2026-01-01T00:00:00-06:00</sent><status>Actual</status>{body}"
            f"<info><language>es</language><event>x</event>{info}</info></alert>")

    assert check_rules(alert("<msgType>Alert</msgType><scope>Public</scope>")) == []
    cases = {
        "<msgType>Alert</msgType><scope>Restricted</scope>": "needs a <restriction>",
        "<msgType>Update</msgType><scope>Public</scope>": "needs <references>",
        "<msgType>Cancel</msgType><scope>Public</scope><references>a,b</references>":
            "not sender,identifier,sent",
    }
    for body, message in cases.items():
        (problem,) = check_rules(alert(body))
        assert message in problem
    public = "<msgType>Alert</msgType><scope>Public</scope>"
    info_cases = {
        f"<headline>{'x' * 161}</headline>": "161 characters, over 160",
        "<area><areaDesc>a</areaDesc><polygon>1,1 2,2 1,1</polygon></area>":
            "at least 4 points",
        "<area><areaDesc>a</areaDesc><polygon>1,1 2,2 3,3 4,4</polygon></area>":
            "not closed",
        "<expires>2026-01-01T00:00:00Z</expires>": "never Z",
    }
    for info, message in info_cases.items():
        (problem,) = check_rules(alert(public, info))
        assert message in problem and problem.startswith("info 1 (es)")
    assert check_rules(alert(public, f"<headline>{'x' * 160}</headline>")) == []
    spaced = ET.fromstring(ET.tostring(alert(public)).replace(b"a-1", b"a 1"))
    assert "must not contain spaces" in check_rules(spaced)[0]
    assert len(parse_polygon("1,1 2,2 3,3 1,1")) == 4
    assert parse_circle("14.6,-90.5 25")[1] == 25


# -- round trip ----------------------------------------------------------------------------

@pytest.mark.parametrize("type_name", MESSAGE_TYPES)
@pytest.mark.parametrize("scenario_file", [HURRICANE, EARTHQUAKE], ids=["hurricane",
                                                                        "earthquake"])
def test_round_trip_gives_the_same_facts(renderer, tmp_path, type_name, scenario_file):
    original = load_scenario(scenario_file)
    exported = export_alert(renderer, type_name, original, ["es", "en"])
    imported = read_alert("alert.xml", renderer=renderer, data=exported.xml)
    path = tmp_path / "scenario.toml"
    path.write_text(scenario_toml(imported, renderer), encoding="utf-8")
    again = load_scenario(path)
    before = renderer.facts(type_name, original)
    after = renderer.facts(type_name, again)
    assert after.values == before.values
    assert after.timezone == before.timezone
    assert again.extra["area"] == original.extra["area"]
    assert again.region == original.region
    # and the messages drafted from it are the same
    assert renderer.render(type_name, "ht", "sms", again).text == \
        renderer.render(type_name, "ht", "sms", original).text


def test_round_trip_through_the_cli(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["cap", "export", "early_warning", "--scenario",
                                 "hurricane-tapachula", "--lang", "es,ht,quc", "--exercise",
                                 "-o", "alert.xml"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote alert.xml: CAP 1.2 Exercise Alert emsg-")
    assert "  es   -> es-MX" in result.output
    result = runner.invoke(cli, ["cap", "import", "alert.xml", "-o", "scenario.toml"])
    assert result.exit_code == 0, result.output
    assert "hazard <- eventCode emsg:hazard: hurricane" in result.output
    assert "status is Exercise" in result.output
    assert "next: emsg draft early_warning --scenario scenario.toml --exercise" \
        in result.output
    draft = runner.invoke(cli, ["draft", "early_warning", "--scenario", "scenario.toml",
                                "--lang", "es", "--channel", "sms", "--exercise"])
    original = runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                   "hurricane-tapachula", "--lang", "es", "--channel", "sms",
                                   "--exercise"])
    assert draft.exit_code == 0, draft.output
    assert draft.output == original.output


# -- import of official alerts ---------------------------------------------------------------

def test_import_spanish_hurricane_warning(renderer, tmp_path, schema):
    schema.validate(str(DATA / "hurricane-warning-es.xml"))
    imported = read_alert(DATA / "hurricane-warning-es.xml", renderer=renderer)
    assert imported.version == "1.2" and imported.language == "es-MX"
    facts = imported.facts
    assert facts["source"] == "Servicio Meteorológico Nacional (ejemplo)"
    assert facts["hazard"] == "hurricane"
    assert facts["area"] == "Costa de Chiapas: Tapachula, Suchiate"
    assert facts["onset"] == dt.datetime.fromisoformat("2026-09-15T18:00:00-06:00")
    assert facts["expires"].utcoffset() == dt.timedelta(hours=-6)
    assert facts["hotline"] == "+52 962 626 0000"
    assert facts["url"] == "https://example.org/smn/aviso-huracan"
    assert imported.area["polygon"] == [
        "14.85,-92.35 14.95,-92.20 14.80,-92.10 14.70,-92.25 14.85,-92.35"]
    assert imported.region == "MX"
    assert any("VientoMaximo" in u for u in imported.unmapped)
    assert any("geocode INEGI=07089" in u for u in imported.unmapped)
    assert any("<effective>" in u for u in imported.unmapped)
    assert any("2 <info> blocks (es-MX, en-US)" in n for n in imported.notes)
    path = tmp_path / "s.toml"
    path.write_text(scenario_toml(imported, renderer), encoding="utf-8")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["cap"]["instruction"].startswith("Siga las indicaciones")
    assert "# shelter = ...   # needed by" in path.read_text(encoding="utf-8")
    # Mexico has several time zones: the alert does not say which, the officer does
    assert imported.timezone is None and "# timezone = " in path.read_text(encoding="utf-8")
    # the officer adds the shelter and the zone, and drafts in the migrants' languages
    scenario = load_scenario(path).with_overrides(["shelter=Albergue Municipal",
                                                   "timezone=America/Mexico_City"])
    for code in ("ht", "quc", "mam", "ar"):
        text = renderer.render("early_warning", code, "sms", scenario).text
        assert "+52 962 626 0000" in text


def test_import_english_block_on_request(renderer):
    imported = read_alert(DATA / "hurricane-warning-es.xml", renderer=renderer,
                          info_language="en")
    assert imported.language == "en-US"
    assert imported.facts["area"] == "Chiapas coast: Tapachula, Suchiate"
    assert imported.facts["hazard"] == "hurricane"
    with pytest.raises(CapError, match=r"no <info> in 'fr' \(the alert has es-MX, en-US\)"):
        read_alert(DATA / "hurricane-warning-es.xml", renderer=renderer, info_language="fr")


def test_import_earthquake_with_circle_and_local_number(renderer, schema):
    schema.validate(str(DATA / "earthquake-gt.xml"))
    imported = read_alert(DATA / "earthquake-gt.xml", renderer=renderer)
    assert imported.facts["hazard"] == "earthquake"
    assert imported.facts["area"] == "Ciudad de Guatemala, Mixco"
    assert imported.area == {"circle": ["14.6349,-90.5069 25"]}
    assert imported.region == "GT"
    assert "hotline" not in imported.facts and "url" not in imported.facts
    assert "expires" not in imported.facts
    assert any("'Llame al 1566' holds no phone number" in u for u in imported.unmapped)


def test_import_update_and_cancel(renderer, schema):
    for name in ("hurricane-update.xml", "hurricane-cancel.xml"):
        schema.validate(str(DATA / name))
    update = read_alert(DATA / "hurricane-update.xml", renderer=renderer)
    assert update.msg_type == "Update"
    assert update.references == \
        "smn.example.org,MX-SMN-2026-HU-0917,2026-09-14T08:30:00-06:00"
    assert update.facts["expires"] == dt.datetime.fromisoformat("2026-09-17T12:00:00-06:00")
    cancel = read_alert(DATA / "hurricane-cancel.xml", renderer=renderer)
    assert cancel.msg_type == "Cancel"
    assert len(cancel.references.split()) == 2
    assert any("consider an all_clear" in n for n in cancel.notes)
    assert "onset" not in cancel.facts and cancel.facts["hazard"] == "hurricane"


def test_import_cap_11_in_french_and_haitian_creole(renderer):
    imported = read_alert(DATA / "flood-cap11-fr.xml", renderer=renderer)
    assert imported.version == "1.1"
    assert imported.facts["hazard"] == "flood"
    assert imported.facts["expires"] == dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    assert imported.facts["hotline"] == "+509 28 12 3456"
    assert any("never Z" in n for n in imported.notes)
    creole = read_alert(DATA / "flood-cap11-fr.xml", renderer=renderer, info_language="ht")
    assert creole.facts["source"] == "Pwoteksyon sivil (egzanp)"
    assert creole.facts["hazard"] == "flood"
    assert creole.region is None


def test_hazard_matching_across_languages(renderer):
    terms = hazard_terms(renderer)
    assert match_hazard("AVISO DE HURACÁN", terms)[0] == "hurricane"
    assert match_hazard("Alerta por tormenta tropical", terms)[0] == "tropical_storm"
    assert match_hazard("Tranblemanntè", terms)[0] == "earthquake"
    assert match_hazard("Incendio forestal en Petén", terms)[0] == "wildfire"
    key, named = match_hazard("Flood and landslide warning", terms)
    assert key == "flood" and named == ["flood", "landslide"]
    assert match_hazard("Heat advisory", terms) == (None, [])


def test_unmapped_event_is_reported_not_guessed(renderer, tmp_path):
    text = (DATA / "earthquake-gt.xml").read_text(encoding="utf-8")
    heat = text.replace("<event>Sismo</event>", "<event>Ola de calor</event>")
    heat = heat.replace("<headline>Sismo de", "<headline>Calor de")
    assert read_alert("heat.xml", renderer=renderer,
                      data=heat.encode()).facts["hazard"] == "extreme_heat"
    text = text.replace("<event>Sismo</event>", "<event>Granizada</event>")
    text = text.replace("<headline>Sismo de", "<headline>Granizo de")
    imported = read_alert("hail.xml", renderer=renderer, data=text.encode())
    assert "hazard" not in imported.facts
    assert any("'Granizada' matches no hazard" in u for u in imported.unmapped)
    path = tmp_path / "hail.toml"
    path.write_text(scenario_toml(imported, renderer), encoding="utf-8")
    with pytest.raises(MissingVariable, match="hazard"):
        renderer.facts("early_warning", load_scenario(path))


def test_references_from_a_file_and_existing_output_kept(runner, tmp_path, monkeypatch,
                                                         schema):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["cap", "export", "early_warning", "--scenario",
                                 "hurricane-tapachula", "--lang", "es", "--msg-type",
                                 "Update", "--references",
                                 str(DATA / "hurricane-warning-es.xml"),
                                 "--sent", "2026-09-15T09:00:00-06:00", "-o", "update.xml"])
    assert result.exit_code == 0, result.output
    xml = Path("update.xml").read_bytes()
    schema.validate(xml.decode("utf-8"))
    assert _text(_root(xml), "cap:references") == \
        "smn.example.org,MX-SMN-2026-HU-0917,2026-09-14T08:30:00-06:00"
    Path("mine.toml").write_text("# edited by hand\n", encoding="utf-8")
    result = runner.invoke(cli, ["cap", "import", "update.xml", "-o", "mine.toml"])
    assert result.exit_code == 2
    assert result.output == "Error: mine.toml: -o: already exists (pass --force to replace it)\n"
    assert Path("mine.toml").read_text(encoding="utf-8") == "# edited by hand\n"


def test_export_to_stdout_keeps_the_report_on_stderr(runner):
    result = runner.invoke(cli, ["cap", "export", "awareness", "--scenario",
                                 "earthquake-guatemala", "--lang", "pt"])
    assert result.exit_code == 0, result.output
    root = _root(result.stdout.encode("utf-8"))
    assert _text(_infos(root)[0], "cap:language") == "pt"
    assert result.stderr.startswith("wrote standard output: CAP 1.2 Actual Alert")


@pytest.mark.parametrize("args, message", [
    (["--sent", "2026-09-15T09:00:00"], "--sent: needs a UTC offset"),
    (["--sent", "tomorrow"], "--sent: not an ISO 8601 time"),
    (["--lang", "xx"], "--lang: unknown language 'xx'"),
    (["--references", "nonsense"], "is neither a CAP file nor sender,identifier,sent"),
    (["--sender", "my consulate"], "--sender: 'my consulate' must be non-empty"),
])
def test_export_bad_options_are_one_line(runner, args, message):
    result = runner.invoke(cli, ["cap", "export", "early_warning", "--scenario",
                                 "hurricane-tapachula", *args])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output
    assert "Traceback" not in result.output


# -- hostile and malformed input -----------------------------------------------------------

ALERT_HEAD = f'<alert xmlns="{CAP_12}">'
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
""" + ALERT_HEAD + "<identifier>&lol9;</identifier></alert>"
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
""" + ALERT_HEAD + "<identifier>&secret;</identifier></alert>"
VALID = (DATA / "earthquake-gt.xml").read_text(encoding="utf-8")

MALFORMED = {
    "not-xml": ("this is not XML\n", r":1: not XML \(syntax error at column 1\)"),
    "truncated": (VALID[:600], r":\d+: not XML \(.* at column \d+\)"),
    "html": ("<html><body>Aviso</body></html>",
             r":1: not a CAP alert: the root element is <html> without a namespace"),
    "wrong-namespace": ('<alert xmlns="urn:example"><identifier>x</identifier></alert>',
                        r"the root element is <alert> in namespace urn:example"),
    "atom": ('<feed xmlns="http://www.w3.org/2005/Atom"/>', r"an Atom feed, not a CAP alert"),
    "no-sent": (re.sub(r"<sent>.*</sent>", "", VALID),
                r":\d+: <alert>: missing required <sent>"),
    "bad-sent": (VALID.replace("2026-03-02T06:20:00-06:00", "ayer"),
                 r":\d+: <sent>: not a date and time: 'ayer'"),
    "no-info": (re.sub(r"(?s)<info>.*</info>", "", VALID),
                r"<alert>: the alert has no <info> block"),
    "billion-laughs": (BILLION_LAUGHS, r":\d+: refused: the file declares XML entities"),
    "external-entity": (EXTERNAL_ENTITY, r":\d+: refused: the file declares XML entities"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_input_is_one_line_exit_2_and_writes_nothing(runner, tmp_path, case):
    content, pattern = MALFORMED[case]
    source = tmp_path / f"{case}.xml"
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.toml"
    result = runner.invoke(cli, ["cap", "import", str(source), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {source}")
    assert re.search(pattern, result.output), result.output
    assert not out.exists()
    assert "lollol" not in result.output and "root:" not in result.output


def test_hostile_xml_is_refused_by_the_library_too():
    for content in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        with pytest.raises(CapError, match="refused"):
            read_alert("x.xml", data=content.encode())
    with pytest.raises(CapError, match="too large for a CAP alert"):
        read_alert("big.xml", data=b"<alert>" + b" " * (6 * 1024 * 1024) + b"</alert>")


def test_missing_file(runner, tmp_path):
    result = runner.invoke(cli, ["cap", "import", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path / 'nope.xml'}: file not found\n"


def test_import_names_the_zone_of_a_one_zone_country(renderer):
    """Guatemala has one time zone: an alert from there drafts without asking for one."""
    imported = read_alert(DATA / "earthquake-gt.xml", renderer=renderer)
    assert imported.timezone == "America/Guatemala"
    assert "timezone <- the only time zone of GT: America/Guatemala" in imported.mapped
