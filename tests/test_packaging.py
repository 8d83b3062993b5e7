"""A real wheel carries the templates, catalogs and scenarios, and renders from them."""

from __future__ import annotations

import subprocess
import sys
import zipfile

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
