"""Catalog checks: broken, missing and fuzzy entries, and GNU ``msgfmt --check``."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import CatalogError
from ..languages import SOURCE_LANGUAGE
from ..rendering import Renderer
from .findings import ERROR, WARNING, Finding, Report


def check_catalog(row: dict, problems: Iterable, path: Path | None) -> list[Finding]:
    """One language's catalog: broken entries (errors), missing and fuzzy strings (warnings).

    ``row`` has the counts of :meth:`messaging.catalogs.Catalog.stats` (as a row of
    :func:`messaging.catalogs.language_report` does), the ``code`` and the fallback ``chain``.
    """
    code = row["code"]
    out: list[Finding] = []
    where = f" ({path})" if path else ""
    for problem in problems:
        out.append(Finding(getattr(problem, "severity", ERROR), "catalog", str(problem),
                           language=code))
    if row["missing"]:
        chain = " > ".join(row["chain"][1:])
        out.append(Finding(WARNING, "catalog", f"{row['missing']} of {row['total']} strings "
                           f"not translated{where}; messages using them fall back to {chain}",
                           language=code))
    if row["fuzzy"]:
        out.append(Finding(WARNING, "catalog", f"{row['fuzzy']} of {row['total']} strings "
                           f"unreviewed (fuzzy){where}", language=code))
    return out


_MSGFMT_LINE = re.compile(r"^(?P<path>.+?):(?:(?P<line>\d+):)? (?P<warning>warning: )?(?P<msg>.*)$")


def parse_msgfmt(output: str, language: str) -> list[Finding]:
    """``msgfmt --check`` diagnostics → findings ("warning:" lines are warnings)."""
    out: list[Finding] = []
    for raw in output.splitlines():
        if not raw.strip() or raw.startswith("msgfmt: found"):
            continue
        if raw[:1].isspace() and out:  # continuation of the previous diagnostic
            last = out[-1]
            out[-1] = replace(last, reason=f"{last.reason} {raw.strip()}")
            continue
        m = _MSGFMT_LINE.match(raw)
        if not m:
            out.append(Finding(ERROR, "msgfmt", raw.strip(), language=language))
            continue
        where = m["path"] + (f":{m['line']}" if m["line"] else "")
        severity = WARNING if m["warning"] else ERROR
        out.append(Finding(severity, "msgfmt", f"{where}: {m['msg'].strip()}",
                           language=language))
    return out


def msgfmt_check(path: Path, language: str) -> list[Finding] | None:
    """Run GNU ``msgfmt --check`` (fuzzy entries included: drafts use them); ``None`` if
    msgfmt is not installed."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return None
    proc = subprocess.run([msgfmt, "--check", "--use-fuzzy", "-o", "/dev/null", str(path)],
                          capture_output=True, text=True, check=False)
    findings = parse_msgfmt(proc.stderr + proc.stdout, language)
    if proc.returncode and not any(f.is_error for f in findings):
        findings.append(Finding(ERROR, "msgfmt", f"{path}: msgfmt --check failed "
                                f"(exit {proc.returncode})", language=language))
    return findings


def check_catalogs(renderer: Renderer, languages: Sequence[str], *,
                   msgfmt: bool = True) -> Report:
    """Catalog findings for ``languages`` (English, the source, has no catalog).

    A catalog that cannot even be read is an error finding, not the end of the run.
    """
    from ..catalogs import Catalog
    from ..dates import provided_keys

    report = Report()
    try:
        template: Catalog | None = renderer.template_catalog()
    except CatalogError as exc:
        report.add([Finding(ERROR, "catalog", str(exc))])
        template = None
    for code in languages:
        if code == SOURCE_LANGUAGE:
            continue
        path = renderer.catalog_path(code)
        catalog = renderer.catalog(code)
        broken = renderer.catalog_error(code)
        if broken is not None:
            report.add([Finding(ERROR, "catalog", f"{broken}; messages in {code} fall back "
                                f"to {' > '.join(renderer.languages.chain(code)[1:])}",
                                language=code)])
        else:
            stats = (catalog or Catalog(code, path)).stats(
                template, provided_keys(renderer.languages.get(code)))
            row = {"code": code, "chain": renderer.languages.chain(code), **stats}
            report.add(check_catalog(row, catalog.problems if catalog else (),
                                     path if path.is_file() else None))
        if msgfmt and path.is_file():
            found = msgfmt_check(path, code)
            if found is None:
                note = "msgfmt (GNU gettext) not installed: msgfmt --check skipped"
                if note not in report.notes:
                    report.notes.append(note)
            else:
                report.add(found)
    return report

