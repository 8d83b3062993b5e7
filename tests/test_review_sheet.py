"""The review sheet: export -> a reviewer's corrections -> import, all or nothing."""

from __future__ import annotations

import csv
import json

import pytest
from babel.messages.pofile import read_po

from messaging.cli import cli
from messaging.review_sheet import COLUMNS

from .conftest import ROOT

QUC = ROOT / "locales" / "quc" / "LC_MESSAGES" / "messages.po"


def _invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def _read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _po(path):
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


@pytest.fixture
def exported(runner, tmp_path):
    sheet = tmp_path / "review.csv"
    result = _invoke(runner, "catalog", "export", "quc", "-o", sheet)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {sheet}: ")
    return sheet


def test_export_has_the_columns_and_the_reading_order(exported):
    with exported.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == COLUMNS
    rows = _read_csv(exported)
    template = [m for m in _po(ROOT / "locales" / "messages.pot") if m.id]
    plural_forms = sum(1 for m in template if m.pluralizable)  # quc has two forms
    assert len(rows) == len(template) + plural_forms
    assert len({r["id"] for r in rows}) == len(rows)  # ids are unique keys
    sections = [r["used_in"].split(":")[0] for r in rows]
    first_non_sms = sections.index(next(s for s in sections if s != "sms"))
    assert set(sections[:first_non_sms]) == {"sms"} and "sms" not in sections[first_non_sms:]
    assert sections.index("long") < sections.index("voice")
    assert max(i for i, s in enumerate(sections) if s == "voice") < sections.index("replies")
    help_row = next(r for r in rows if r["source"] == "Free help: %(hotline)s")
    assert help_row["status"] == "fuzzy" and help_row["translation"]
    assert "+52 962 620 1000" in help_row["rendered"]  # the string in its sentence
    assert help_row["sms_cost"].startswith("whole SMS: ")
    assert help_row["comment"]
    assert all(r["corrected"] == r["approved"] == r["reviewer_notes"] == "" for r in rows)
    assert {r["language"] for r in rows} == {"quc"}


def test_export_refuses_to_overwrite_without_force(runner, exported):
    before = exported.read_bytes()
    again = _invoke(runner, "catalog", "export", "quc", "-o", exported)
    assert again.exit_code == 2
    assert "already exists (pass --force to replace it)" in again.output
    assert exported.read_bytes() == before
    forced = _invoke(runner, "catalog", "export", "quc", "-o", exported, "--force")
    assert forced.exit_code == 0, forced.output


def _review(rows):
    """A reviewer's work: approve the first three SMS strings, correct the free-help line."""
    for row in rows[:3]:
        row["approved"] = "yes"
    help_row = next(r for r in rows if r["source"] == "Free help: %(hotline)s")
    help_row["corrected"] = "Toʼbʼal majun rajil, chasikʼij: %(hotline)s"
    help_row["approved"] = "yes"
    help_row["reviewer_notes"] = "As said in Santa Cruz del Quiché."
    return rows, help_row


def test_import_applies_corrections_and_approvals(runner, exported, tmp_path):
    mine = tmp_path / "mine"
    rows, help_row = _review(_read_csv(exported))
    _write_csv(exported, rows)
    result = _invoke(runner, "catalog", "import", exported, "--reviewer", "Ana Tzul",
                     "--locales", mine)
    assert result.exit_code == 0, result.output
    assert "1 corrected, 4 approved (reviewed)" in result.output
    po_path = mine / "quc" / "LC_MESSAGES" / "messages.po"
    po = _po(po_path)
    assert po.last_translator == "Ana Tzul"
    assert po.revision_date.date() >= __import__("datetime").date(2026, 1, 1)
    assert "have since been reviewed" in po.header_comment
    message = po.get("Free help: %(hotline)s")
    assert message.string == "Toʼbʼal majun rajil, chasikʼij: %(hotline)s"
    assert not message.fuzzy
    assert any(c.startswith("reviewed by Ana Tzul on ") for c in message.user_comments)
    assert not any("not reviewed by a native speaker" in c for c in message.user_comments)
    assert any("As said in Santa Cruz del Quiché." in c for c in message.user_comments)
    untouched = [m for m in po if m.id and m.fuzzy]
    assert len(untouched) == len([m for m in _po(QUC) if m.id and m.fuzzy]) - 4
    assert QUC.read_bytes() != po_path.read_bytes()  # the bundled catalog is not touched

    # The review counts, and the draft no longer marks the corrected string unreviewed.
    rows_json = json.loads(_invoke(runner, "languages", "--format", "json", "--locales",
                                   mine).output)
    quc = next(r for r in rows_json if r["code"] == "quc")
    assert quc["reviewed"] == 4 and quc["reviewers"] == ["Ana Tzul"]
    assert quc["last_reviewed"] and quc["fuzzy"] == next(
        r for r in json.loads(_invoke(runner, "languages", "--format", "json").output)
        if r["code"] == "quc")["fuzzy"] - 4
    text = _invoke(runner, "languages", "--locales", mine).output
    assert any(line.startswith("quc ") and "4 reviewed" in line for line in text.splitlines())


def test_import_refuses_a_row_that_drops_a_placeholder(runner, exported, tmp_path):
    mine = tmp_path / "mine"
    rows, _ = _review(_read_csv(exported))
    bad = next(r for r in rows if r["source"] == "Your nearest shelter: %(shelter)s.")
    bad["corrected"] = bad["translation"].replace("%(shelter)s", "").strip()
    row_number = rows.index(bad) + 2  # the header is row 1
    _write_csv(exported, rows)
    result = _invoke(runner, "catalog", "import", exported, "--reviewer", "Ana Tzul",
                     "--locales", mine)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {exported}:{row_number}: corrected: "
                                    "translation drops %(shelter)s")
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert not (mine / "quc").exists()  # catalog unchanged: none was even created

    # The same sheet into a catalog that exists: byte for byte unchanged.
    (mine / "quc" / "LC_MESSAGES").mkdir(parents=True)
    po_path = mine / "quc" / "LC_MESSAGES" / "messages.po"
    po_path.write_bytes(QUC.read_bytes())
    again = _invoke(runner, "catalog", "import", exported, "--reviewer", "Ana Tzul",
                    "--locales", mine)
    assert again.exit_code == 2
    assert po_path.read_bytes() == QUC.read_bytes()


def test_import_refuses_a_stale_sheet_and_unknown_answers(runner, exported, tmp_path):
    mine = tmp_path / "mine"
    rows = _read_csv(exported)
    rows[0]["approved"] = "maybe"
    rows[1]["approved"] = "yes"
    rows[1]["translation"] = "something the catalog does not say"
    _write_csv(exported, rows)
    result = _invoke(runner, "catalog", "import", exported, "--reviewer", "R",
                     "--locales", mine)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {exported}:2: approved: write yes, no or "
                                    "nothing, not 'maybe' (1 more row(s) refused)")


def test_xlsx_round_trip(runner, tmp_path):
    from openpyxl import load_workbook

    mine = tmp_path / "mine"
    sheet = tmp_path / "review.xlsx"
    result = _invoke(runner, "catalog", "export", "ht", "-o", sheet)
    assert result.exit_code == 0, result.output
    book = load_workbook(sheet)
    ws = book["review"]
    header = [c.value for c in ws[1]]
    assert tuple(header) == COLUMNS
    col = {name: header.index(name) + 1 for name in header}
    approved = []
    for row in range(2, 5):
        ws.cell(row, col["approved"]).value = "yes"
        approved.append(ws.cell(row, col["source"]).value)
    ws.cell(2, col["reviewer_notes"]).value = "=SUM(1,2) is text, not a formula"
    book.save(sheet)
    result = _invoke(runner, "catalog", "import", sheet, "--reviewer", "Jean Pierre",
                     "--locales", mine)
    assert result.exit_code == 0, result.output
    po = _po(mine / "ht" / "LC_MESSAGES" / "messages.po")
    for source in approved:
        message = next(m for m in po if m.id and (m.id if isinstance(m.id, str)
                                                  else m.id[0]) == source)
        assert not message.fuzzy
        assert any(c.startswith("reviewed by Jean Pierre on ") for c in message.user_comments)


def test_preview_shows_the_reviewed_counts(runner, exported, tmp_path):
    mine = tmp_path / "mine"
    rows, _ = _review(_read_csv(exported))
    _write_csv(exported, rows)
    assert _invoke(runner, "catalog", "import", exported, "--reviewer", "Ana Tzul",
                   "--locales", mine).exit_code == 0
    page = tmp_path / "preview.html"
    result = _invoke(runner, "preview", "early_warning", "--lang", "es,quc", "-o", page,
                     "--locales", mine)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<th>reviewed</th>" in html
    row = html.split('<tr data-lang="quc">', 1)[1].split("</tr>", 1)[0]
    assert 'title="by Ana Tzul, last on ' in row and '">4</td>' in row


def test_a_reviewed_language_sends_live_without_allow_unreviewed(runner, tmp_path,
                                                                  monkeypatch):
    from .fake_twilio import FakeTwilio

    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine"
    sheet = tmp_path / "review-es.csv"
    assert _invoke(runner, "catalog", "export", "es", "-o", sheet).exit_code == 0
    rows = _read_csv(sheet)
    for row in rows:
        if row["status"] == "fuzzy":
            row["approved"] = "yes"
    _write_csv(sheet, rows)
    imported = _invoke(runner, "catalog", "import", sheet, "--reviewer", "María López",
                       "--locales", mine)
    assert imported.exit_code == 0, imported.output

    drafted = _invoke(runner, "draft", "early_warning", "--scenario", "hurricane-tapachula",
                      "--lang", "es", "--channel", "sms", "--exercise", "--locales", mine)
    assert "UNREVIEWED" not in drafted.output and "unreviewed" not in drafted.output

    spanish = tmp_path / "es.csv"
    spanish.write_text("phone,language\n+529621000001,es\n+529621000002,es\n",
                       encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("phone,language\n+529621000003,es\n+529621000004,ht\n", encoding="utf-8")
    with FakeTwilio() as fake:
        def send(recipients, journal):
            return runner.invoke(cli, ["send", "early_warning", "--scenario",
                                       "hurricane-tapachula", "--recipients", str(recipients),
                                       "--exercise", "--via", "twilio", "--yes", "--journal",
                                       str(tmp_path / journal), "--locales", str(mine)],
                                 env=fake.env())

        refused = send(mixed, "mixed.sqlite")
        assert refused.exit_code == 2
        assert refused.output.strip().splitlines()[-1].startswith(
            "Error: unreviewed (fuzzy) translations in ht:")
        assert fake.posts == []
        sent = send(spanish, "es.sqlite")
        assert sent.exit_code == 0, sent.output
        assert sorted(fake.counts()) == ["+529621000001", "+529621000002"]


def test_import_refuses_what_msgfmt_check_rejects(runner, exported, tmp_path):
    import shutil

    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext's msgfmt is not installed (tests/setup_tools.py installs it)")
    mine = tmp_path / "mine"
    rows = _read_csv(exported)
    bad = next(r for r in rows if r["source"] == "Free help: %(hotline)s")
    bad["corrected"] = "Toʼbʼal majun rajil: %(hotline)s 100%"  # a lone % is no format
    _write_csv(exported, rows)
    result = _invoke(runner, "catalog", "import", exported, "--reviewer", "R",
                     "--locales", mine)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {exported}:{rows.index(bad) + 2}: corrected: "
                                    "msgfmt --check: ")
    assert not (mine / "quc").exists()
