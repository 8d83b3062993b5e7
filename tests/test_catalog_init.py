"""Adding a language: `emsg catalog init` writes a catalog that loads, and one broken catalog
never stops the other languages."""

from __future__ import annotations

import json
import tomllib

from babel.messages.pofile import read_po

from messaging.catalog_init import plural_rule
from messaging.cli import cli

from .conftest import HURRICANE


def _invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def test_init_language_with_an_apostrophe_then_languages_and_draft(runner, data_copy):
    _, locales = data_copy
    result = _invoke(runner, "catalog", "init", "tzj", "--name", "Tz'utujil", "--native",
                     "Tzʼutujil", "--fallback", "es", "--formatting-locale", "es_GT",
                     "--locales", locales)
    assert result.exit_code == 0, result.output
    assert "1 plural form(s)" in result.output and "from --plural-forms" in result.output
    data = tomllib.loads((locales / "languages.toml").read_text(encoding="utf-8"))
    assert data["tzj"]["name"] == "Tz'utujil" and data["tzj"]["fallback"] == ["es"]
    assert "# Every language emsg ships" in (locales / "languages.toml").read_text()  # kept
    with (locales / "tzj" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = read_po(f, abort_invalid=True)
    assert po.num_plurals == 1
    assert all(len(m.string) == 1 for m in po if m.pluralizable)

    rows = json.loads(_invoke(runner, "languages", "--locales", locales, "--format",
                              "json").output)
    row = next(r for r in rows if r["code"] == "tzj")
    assert row["name"] == "Tz'utujil" and row["status"] == "not translated"
    assert row["translated"] == 0 and row["missing"] > 0

    drafted = _invoke(runner, "draft", "early_warning", "--scenario", HURRICANE, "--lang",
                      "tzj", "--channel", "sms", "--locales", locales)
    assert drafted.exit_code == 0, drafted.output
    assert "FALLBACK to es" in drafted.output
    assert "Consulado de Guatemala" in drafted.output


def test_init_takes_cldr_plural_rule_where_babel_knows_the_language(runner, data_copy):
    _, locales = data_copy
    result = _invoke(runner, "catalog", "init", "tr", "--name", "Turkish", "--native",
                     "Türkçe", "--locales", locales, "--plural-forms", "nplurals=1; plural=0;")
    assert result.exit_code == 0, result.output
    assert "from CLDR" in result.output and "--plural-forms ignored" in result.output
    with (locales / "tr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = read_po(f, abort_invalid=True)
    assert po.num_plurals == plural_rule("tr").count == 2
    assert all(len(m.string) == 2 for m in po if m.pluralizable)
    assert "plural_forms" not in tomllib.loads((locales / "languages.toml").read_text())["tr"]


def test_init_refuses_bad_input_and_changes_nothing(runner, data_copy):
    _, locales = data_copy
    before = (locales / "languages.toml").read_text(encoding="utf-8")
    cases = [
        (["tzj", "--name", "T", "--fallback", "es", "--plural-forms", "nplurals=2; plural=n>5?2:0"],
         "Error: --plural-forms: plural expression gives a form outside 0..1 for n=6"),
        (["tzj", "--name", "T", "--fallback", "xx"], "Error: --fallback: 'xx' is not a"),
        (["tzj", "--name", "T"], "Error: --formatting-locale: CLDR does not know 'tzj'"),
        (["kek", "--name", "Q'eqchi'"], "language 'kek' already exists"),
        (["Kek!", "--name", "K"], "Error: code: 'Kek!' is not a language code"),
    ]
    for args, message in cases:
        result = _invoke(runner, "catalog", "init", *args, "--locales", locales)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    assert (locales / "languages.toml").read_text(encoding="utf-8") == before
    assert not (locales / "tzj").exists()


def _break_plural(locales, code="fr"):
    """The issue's failure: a header allowing one plural form, an entry with two."""
    po = locales / code / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index("\n", text.index("\\n\"", start))
    po.write_text(text[:start] + '"Plural-Forms: nplurals=1; plural=0;\\n"' + text[end:],
                  encoding="utf-8")
    return po


def test_one_broken_catalog_never_stops_the_others(runner, data_copy):
    templates, locales = data_copy
    po = _break_plural(locales, "fr")
    common = ["--templates", templates, "--locales", locales]

    listed = _invoke(runner, "languages", *common)
    assert listed.exit_code == 0, listed.output
    fr_line = next(line for line in listed.output.splitlines() if line.startswith("fr "))
    assert f"broken: {po}:" in fr_line and "more translations than num_plurals" in fr_line
    es_line = next(line for line in listed.output.splitlines() if line.startswith("es "))
    assert "unreviewed (fuzzy)" in es_line

    stats = _invoke(runner, "catalog", "stats", *common)
    assert stats.exit_code == 0, stats.output
    assert any(line.startswith("fr ") and "broken" in line for line in stats.output.splitlines())

    drafted = _invoke(runner, "draft", "early_warning", "--scenario", HURRICANE, "--lang",
                      "es,fr,ht", "--channel", "sms", *common)
    assert drafted.exit_code == 0, drafted.output
    assert "== early_warning / es (español) / sms ==" in drafted.output
    assert f"not rendered in fr (catalog cannot be read: {po}:" in drafted.output

    checked = _invoke(runner, "check", "early_warning", "--scenario", HURRICANE, "--lang",
                      "es,fr", "--channel", "sms", "--format", "json", *common)
    assert checked.exit_code == 1  # a broken catalog is an error, but the run completes
    report = json.loads(checked.output)
    broken = [f for f in report["findings"] if f["check"] == "catalog"
              and f["severity"] == "error" and f["language"] == "fr"]
    assert broken and f"{po}:" in broken[0]["reason"]
    assert report["messages"] == 4  # es and fr, real and exercise: every message rendered


def test_locales_folder_overlays_the_bundled_catalogs_per_language(runner, tmp_path):
    import shutil

    from .conftest import ROOT

    mine = tmp_path / "mine"
    (mine / "es" / "LC_MESSAGES").mkdir(parents=True)
    po = mine / "es" / "LC_MESSAGES" / "messages.po"
    shutil.copy(ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po", po)
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "Ayuda gratuita: %(hotline)s"' in text
    po.write_text(text.replace('msgstr "Ayuda gratuita: %(hotline)s"',
                               'msgstr "Línea gratuita: %(hotline)s"'), encoding="utf-8")
    args = ["draft", "early_warning", "--scenario", str(HURRICANE), "--lang", "es,pt",
            "--channel", "sms"]
    out = runner.invoke(cli, [*args, "--locales", str(mine)]).output
    assert "Línea gratuita: +52" in out  # the overlay's Spanish
    bundled = runner.invoke(cli, args).output
    assert "Ayuda gratuita: +52" in bundled and "Línea gratuita" not in bundled
    # Portuguese, absent from the overlay, is the bundled one in both.
    assert out.split("== early_warning / pt")[1] == bundled.split("== early_warning / pt")[1]
    # The same folder from the environment.
    env = runner.invoke(cli, args, env={"EMSG_LOCALES": str(mine)}).output
    assert "Línea gratuita: +52" in env

    updated = runner.invoke(cli, ["catalog", "update", "--locales", str(mine)])
    assert updated.exit_code == 0, updated.output
    assert "Línea gratuita" in po.read_text(encoding="utf-8")  # kept by the merge
