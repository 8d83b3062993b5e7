"""A real wheel carries the templates, catalogs and scenarios, and renders from them."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling", reason="hatchling (a test dependency) builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("emsg-*.whl")
    return path


def test_wheel_contains_bundled_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("messaging/message_templates/early_warning/template.toml",
                     "messaging/message_templates/early_warning/sms.j2",
                     "messaging/message_templates/hazards.toml",
                     "messaging/locales/languages.toml",
                     "messaging/locales/mam/LC_MESSAGES/messages.po",
                     "messaging/scenarios/hurricane-tapachula.toml"):
        assert required in names
    assert not any(name.startswith("cli.py") for name in names)  # no top-level `cli` module
    assert not any(name.endswith(".mo") for name in names)


def test_unpacked_wheel_renders_from_its_own_data(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = (
        "import messaging, messaging.resources as r;"
        f"assert str(r.templates_dir()).startswith({str(tmp_path)!r}), r.templates_dir();"
        "res = messaging.render('early_warning', 'ht', 'sms', "
        "messaging.load_scenario(r.scenarios_dir() / 'hurricane-tapachula.toml'));"
        "print(res.language_used, res.encoding)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tmp_path), "PATH": ""}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "ht"


def _site_packages() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel installed in a fresh venv; its dependencies are this environment's (read
    through a .pth, so no network is needed), never this checkout."""
    import venv

    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=True)
    python = root / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                           "--no-index", str(wheel)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    purelib = subprocess.run([str(python), "-c", "import sysconfig;"
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "emsg_test_deps.pth").write_text(_site_packages() + "\n")
    return root


def _emsg(venv_root, *args, cwd, env=None):
    import os

    environment = {k: v for k, v in os.environ.items()
                   if k not in ("PYTHONPATH", "EMSG_LOCALES", "VIRTUAL_ENV")}
    environment.update(env or {})
    return subprocess.run([str(venv_root / "bin" / "emsg"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=environment, timeout=120)


def test_installed_wheel_adds_a_language_into_its_own_catalog_folder(installed, tmp_path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "import messaging; print(messaging.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(installed)), where  # the wheel, not this checkout

    refused = _emsg(installed, "catalog", "init", "tzj", "--name", "Tz'utujil",
                    "--fallback", "es", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: --locales: an installed emsg keeps its bundled "
                                     "catalogs read-only")
    assert "Traceback" not in refused.stderr

    mine = tmp_path / "my-locales"
    made = _emsg(installed, "catalog", "init", "tzj", "--name", "Tz'utujil", "--native",
                 "Tzʼutujil", "--fallback", "es", "--locales", mine, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (mine / "tzj" / "LC_MESSAGES" / "messages.po").is_file()
    assert not (mine / "es").exists()  # the bundled catalogs stay the base, untouched

    listed = _emsg(installed, "languages", "--format", "json", cwd=tmp_path,
                   env={"EMSG_LOCALES": str(mine)})
    assert listed.returncode == 0, listed.stderr
    codes = [row["code"] for row in json.loads(listed.stdout)]
    assert codes[-1] == "tzj" and {"es", "quc", "kek"} <= set(codes)

    drafted = _emsg(installed, "draft", "early_warning", "--scenario", "hurricane-tapachula",
                    "--lang", "tzj", "--channel", "sms", "--locales", mine, cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert "tzj (Tzʼutujil) / sms" in drafted.stdout and "FALLBACK to es" in drafted.stdout


def test_installed_wheel_exports_and_imports_a_review_sheet(installed, tmp_path):
    import csv

    mine = tmp_path / "my-locales"
    missing = _emsg(installed, "languages", "--locales", mine, cwd=tmp_path)
    assert missing.returncode == 2 and "folder not found (create it" in missing.stderr
    mine.mkdir()
    sheet = tmp_path / "review.csv"
    exported = _emsg(installed, "catalog", "export", "kek", "-o", sheet, "--locales", mine,
                     cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["status"] for r in rows} == {"missing"}  # Q'eqchi' ships empty
    assert rows[0]["rendered"].startswith("[not yet in kek: shown in es, the fallback]")
    # A test-only string (no real Q'eqchi' is claimed here), approved by a test reviewer.
    marker = next(r for r in rows if r["source"] == "EXERCISE")
    marker["corrected"], marker["approved"] = "TEST MARKER", "yes"
    with sheet.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    imported = _emsg(installed, "catalog", "import", sheet, "--reviewer", "Test Reviewer",
                     "--locales", mine, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "1 corrected, 1 approved" in imported.stdout
    listed = _emsg(installed, "languages", "--format", "json", "--locales", mine,
                   cwd=tmp_path)
    kek = next(r for r in json.loads(listed.stdout) if r["code"] == "kek")
    assert kek["reviewed"] == 1 and kek["reviewers"] == ["Test Reviewer"]
