"""Install what the test suite drives for real, where this machine allows it.

    python tests/setup_tools.py

- GNU gettext's ``msgfmt`` (catalog checks) and Debian's ``chromium`` (the preview is
  tested in a real headless browser), with apt-get when running as root;
- Stoplight Prism (Twilio's OpenAPI contract tests), with npm into ``.tools/``.

What cannot be installed is reported here, and the tests that need it skip saying why.
Idempotent: what is already there is left alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
PRISM = "@stoplight/prism-cli@5"


def run(argv: list[str], **kwargs) -> bool:
    print("+", " ".join(argv), flush=True)
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, **kwargs)
    if result.returncode != 0:
        print(f"  failed ({result.returncode}): {result.stderr.strip()[-400:]}", flush=True)
    return result.returncode == 0


def apt(packages: dict[str, str]) -> None:
    missing = [pkg for binary, pkg in packages.items() if not shutil.which(binary)]
    if not missing:
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        print(f"cannot install {', '.join(missing)}: needs apt-get as root; "
              "tests that need them will skip", flush=True)
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env):
        run(["apt-get", "update", "-q"], env=env)
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def prism() -> None:
    if (TOOLS / "node_modules" / ".bin" / "prism").exists():
        return
    if not shutil.which("npm"):
        print("cannot install Prism: npm not found; the contract tests will skip", flush=True)
        return
    TOOLS.mkdir(exist_ok=True)
    run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--silent",
         PRISM])


def main() -> int:
    apt({"msgfmt": "gettext", "chromium": "chromium"})
    prism()
    for name, found in (("msgfmt", shutil.which("msgfmt")),
                        ("chromium", shutil.which("chromium")),
                        ("prism", (TOOLS / "node_modules" / ".bin" / "prism").exists())):
        print(f"{name}: {'ready' if found else 'missing'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
