"""A reviewer's sheet back into the catalog, all or nothing.

A non-empty ``corrected`` replaces the translation; ``approved = yes`` removes the fuzzy
flag and adds the translator comment "reviewed by NAME on DATE" (the machine-drafting
note it answers is removed); ``approved = no`` marks the string fuzzy again. Every row is
checked before anything is written: the string must still be in the catalog, unchanged
since the export (a reviewer never approves a translation they did not see), and a
correction must keep exactly the message's placeholders. The new catalog is then written
to a temporary file, read back as emsg reads catalogs and given to GNU ``msgfmt --check``;
only if all of that passes does it replace the old one. A refusal names the sheet's row
(as the spreadsheet numbers it: the header is row 1) and changes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .catalogs import REVIEWED, load_catalog
from .errors import InputError
from .review_sheet import COLUMNS, string_id

REQUIRED = ("id", "translation", "corrected", "approved", "language")
_APPROVED = {"yes": True, "no": False, "": None}
#: the machine-drafting notes a review answers
_UNREVIEWED_NOTE = re.compile(r"not reviewed by a native speaker|machine-drafted", re.I)


class ReviewError(InputError):
    """A review sheet that cannot be applied; nothing was changed."""


@dataclass
class SheetLine:
    row: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


@dataclass
class ImportResult:
    path: Path
    language: str
    corrected: int = 0
    approved: int = 0
    rejected: int = 0
    notes: int = 0
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.path}: {self.corrected} corrected, {self.approved} approved "
                f"(reviewed), {self.rejected} marked fuzzy again, {self.notes} note(s)")


def read_sheet(path: Path) -> list[SheetLine]:
    """The rows of a ``.csv`` (comma, semicolon or tab; UTF-8 or UTF-16) or ``.xlsx``."""
    if not path.is_file():
        raise ReviewError("file not found", path=str(path))
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    raw = path.read_bytes()
    for codec in ("utf-8-sig", "utf-16"):
        try:
            text = raw.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReviewError("not UTF-8 or UTF-16 text (save the sheet as CSV UTF-8)",
                          path=str(path))
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ReviewError(f"not a CSV file ({exc})", path=str(path)) from None
    return _lines(records, path)


def _read_xlsx(path: Path) -> list[SheetLine]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ReviewError(f"not an .xlsx workbook ({exc})", path=str(path)) from None
    try:
        sheet = book["review"] if "review" in book.sheetnames else book.worksheets[0]
        records = [["" if v is None else str(v) for v in row]
                   for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _lines(records, path)


def _lines(records: list[list[str]], path: Path) -> list[SheetLine]:
    if not records:
        raise ReviewError("empty sheet", path=str(path))
    header = [h.strip().lower() for h in records[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReviewError(f"missing column(s) {', '.join(missing)}: is this a sheet from "
                          "emsg catalog export? (columns: " + ", ".join(COLUMNS) + ")",
                          path=str(path), line=1)
    lines = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        lines.append(SheetLine(number, dict(zip(header, record, strict=False))))
    return lines


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) \
        else [message.string or ""]


def _key_of(message) -> tuple[str | None, str]:
    return message.context, message.id[0] if isinstance(message.id, (list, tuple)) \
        else message.id


def apply_review(sheet: Path, target: Path, base: Path, *, reviewer: str,
                 today: dt.date | None = None) -> ImportResult:
    """Apply ``sheet`` to the catalog at ``target`` (created from ``base`` if it is not
    there yet: a user's catalog folder gets its own copy of a bundled catalog)."""
    from babel.messages.pofile import read_po, write_po

    from .outputs import new_file_mode

    reviewer = reviewer.strip()
    if not reviewer or "\n" in reviewer:
        raise ReviewError("give the reviewer's name (one line)", field="--reviewer")
    today = today or dt.date.today()
    lines = read_sheet(sheet)
    languages = {line.get("language") for line in lines} - {""}
    if len(languages) != 1:
        raise ReviewError("the language column must name one language on every row (found "
                          f"{', '.join(sorted(languages)) or 'none'})", path=str(sheet))
    (language,) = languages
    source = target if target.is_file() else base
    with source.open("rb") as f:
        catalog = read_po(f, abort_invalid=True)
    by_id: dict[str, tuple[object, int | None]] = {}
    for message in catalog:
        if not message.id:
            continue
        context, msgid = _key_of(message)
        if isinstance(message.id, (list, tuple)):
            for form in range(catalog.num_plurals):
                by_id[string_id(context, msgid, form)] = (message, form)
        else:
            by_id[string_id(context, msgid)] = (message, None)

    result = ImportResult(target, language)
    errors: list[ReviewError] = []
    plans: dict[int, dict] = {}
    for line in lines:
        try:
            _plan(line, by_id, plans, sheet)
        except ReviewError as exc:
            errors.append(exc)
    for plan in plans.values():
        try:
            _check_plan(plan, sheet)
        except ReviewError as exc:
            errors.append(exc)
    if errors:
        _refuse(errors)

    stamp = f"reviewed by {reviewer} on {today.isoformat()}"
    rows_of: dict[tuple[str | None, str], int] = {}
    for plan in plans.values():
        message = plan["message"]
        rows_of[_key_of(message)] = plan["rows"][0]
        strings = plan["strings"]
        if plan["changed"]:
            message.string = tuple(strings) if plan["plural"] else strings[0]
            result.corrected += 1
        if plan["approved"] is True:
            message.flags.discard("fuzzy")
            message.user_comments = [c for c in message.user_comments
                                     if not _UNREVIEWED_NOTE.search(c)
                                     and not REVIEWED.match(c)] + [stamp]
            result.approved += 1
        elif plan["approved"] is False or plan["changed"]:
            # A correction nobody approved, or a rejected string: a draft again.
            message.flags.add("fuzzy")
            if plan["approved"] is False:
                result.rejected += 1
            message.user_comments = [c for c in message.user_comments if not REVIEWED.match(c)]
        for note in plan["notes"]:
            message.user_comments.append(f"reviewer note ({reviewer}, {today.isoformat()}): "
                                         + " ".join(note.split()))
            result.notes += 1
    catalog.last_translator = reviewer
    note = "Entries marked 'reviewed by NAME on DATE' have since been reviewed."
    if result.approved and note not in catalog.header_comment:
        # The file's opening note says the drafts are unreviewed: no longer all of them.
        catalog.header_comment = catalog.header_comment.rstrip("#\n") + f"\n# {note}\n#"
    catalog.revision_date = dt.datetime.now(dt.UTC)

    out = io.BytesIO()
    write_po(out, catalog, width=76)
    made = [d for d in (target.parent.parent, target.parent) if not d.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".messages.", suffix=".po")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(out.getvalue())
        if not _verify(tmp, language, rows_of, sheet):
            result.messages.append("note: msgfmt (GNU gettext) is not installed: the "
                                   "catalog was checked by emsg only, not by msgfmt --check")
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for folder in reversed(made):  # nothing left behind by a refused import
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return result


def _plan(line: SheetLine, by_id, plans: dict[int, dict], sheet: Path) -> None:
    corrected = line.values.get("corrected") or ""
    approved_text = line.get("approved").lower()
    note = line.get("reviewer_notes")
    if not corrected.strip() and not approved_text and not note:
        return  # nothing to do on this row
    found = by_id.get(line.get("id"))
    if found is None:
        raise ReviewError("not a string of this catalog (the sheet is older than the "
                          "catalog, or the id was edited): export the sheet again",
                          path=str(sheet), line=line.row, field="id")
    message, form = found
    if approved_text not in _APPROVED:
        raise ReviewError(f"write yes, no or nothing, not {line.get('approved')!r}",
                          path=str(sheet), line=line.row, field="approved")
    index = form or 0
    original = _strings(message)
    current = original[index] if index < len(original) else ""
    if " ".join((line.values.get("translation") or "").split()) != " ".join(current.split()):
        raise ReviewError("the catalog's translation changed since this sheet was exported: "
                          "export it again and review the new text", path=str(sheet),
                          line=line.row, field="translation")
    plan = plans.setdefault(id(message), {
        "message": message, "plural": form is not None, "strings": original,
        "changed": False, "approved": {}, "notes": [], "rows": []})
    if corrected.strip():
        new = " ".join(corrected.split()) if "\n" not in current else corrected.strip()
        if new != current:
            while len(plan["strings"]) <= index:
                plan["strings"].append("")
            plan["strings"][index] = new
            plan["changed"] = True
    plan["approved"][line.row] = _APPROVED[approved_text]
    if note:
        plan["notes"].append(note)
    plan["rows"].append(line.row)


def _check_plan(plan: dict, sheet: Path) -> None:
    from .catalogs import _check

    message = plan["message"]
    first = plan["rows"][0]
    verdicts = set(plan["approved"].values())
    if len(verdicts) > 1:
        raise ReviewError("approve or reject every plural form of this string alike",
                          path=str(sheet), line=first, field="approved")
    plan["approved"] = verdicts.pop() if verdicts else None
    strings = plan["strings"]
    if plan["approved"] is True and not all(strings):
        raise ReviewError("approves an empty translation: write it in 'corrected' first",
                          path=str(sheet), line=first, field="approved")
    if plan["changed"] and all(strings):
        msgid = message.id[0] if plan["plural"] else message.id
        plural_id = message.id[1] if plan["plural"] else None
        reason = _check(msgid, plural_id, tuple(strings))
        if reason:
            raise ReviewError(f"{reason} of the source {msgid!r}", path=str(sheet),
                              line=first, field="corrected")


def _verify(tmp: Path, language: str, rows_of, sheet: Path) -> bool:
    """Read the new catalog back and run ``msgfmt --check``; a failure names the row.
    ``False`` when msgfmt is not installed (emsg's own checks ran)."""
    from .catalogs import CatalogError
    from .checks.catalog import msgfmt_check

    try:
        catalog = load_catalog(tmp, language)
    except CatalogError as exc:
        raise ReviewError(f"the corrected catalog would not load ({exc.reason})",
                          path=str(sheet)) from None
    lines = {entry.line: key for key, entry in catalog.entries.items()}
    for problem in catalog.problems:
        key = next((k for k in rows_of if k[1] == problem.msgid), None)
        if key is not None:
            raise ReviewError(problem.reason, path=str(sheet), line=rows_of[key],
                              field="corrected")
    findings = msgfmt_check(tmp, language)
    for finding in findings or ():
        if not finding.is_error:
            continue
        m = re.search(r":(\d+): ", finding.reason)
        number = int(m.group(1)) if m else 0
        nearest = max((line for line in lines if line <= number), default=None)
        key = lines.get(nearest) if nearest is not None else None
        where = rows_of.get(key) if key else None
        reason = finding.reason.split(": ", 1)[-1] if m else finding.reason
        raise ReviewError(f"msgfmt --check: {reason}", path=str(sheet), line=where,
                          field="corrected" if where else None)
    return findings is not None


def _refuse(errors: list[ReviewError]) -> None:
    first = errors[0]
    more = f" ({len(errors) - 1} more row(s) refused)" if len(errors) > 1 else ""
    raise ReviewError(f"{first.reason}{more}; nothing was imported", path=first.path,
                      line=first.line, field=first.field)

