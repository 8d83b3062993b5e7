"""The review sheet: one language's strings, with what a reviewer needs to judge them.

The people who can review K'iche', Mam or Creole (interpreters, community radio, a language
academy) work in a spreadsheet, not in gettext. The sheet gives each string its context:
the translator's note, the English source, the current draft, where the string is used,
the whole message it appears in as the bundled hurricane scenario renders it in that
language, and what the SMS costs. Rows are in the order a reviewer should read them: the
SMS strings first (they reach people first and cost money per character), then the long
texts, the voice scripts, CAP, the automatic replies, and the rest (date words, hazards
and protective actions the hurricane does not use).

The ``id`` column is the key :mod:`messaging.review_import` matches corrections by: the
gettext context and msgid, so it stays the same across exports while the string does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from . import encoding
from .errors import EmsgError, UnknownName
from .message_types import CHANNELS, list_types
from .rendering import Renderer, RenderResult
from .scenarios import Scenario

#: the columns of the sheet, in order; the last three (and ``corrected``) are the reviewer's
COLUMNS = ("id", "context", "comment", "source", "translation", "status", "used_in",
           "rendered", "sms_cost", "corrected", "approved", "reviewer_notes", "language")
#: reading order of the places a string is used
SECTIONS = ("sms", "long", "voice", "cap", "replies", "other")
#: where strings not met in a rendering come from (their ``#:`` reference in the catalog)
_SOURCE_FILES = {"messaging/keywords.py": "replies", "messaging/date_words.py": "dates",
                 "messaging/glossary.py": "hazard names", "messaging/phones.py": "phone numbers",
                 "message_templates/hazards.toml": "protective actions"}


@dataclass
class SheetRow:
    id: str
    context: str
    comment: str
    source: str
    translation: str
    status: str
    used_in: str
    rendered: str
    sms_cost: str
    corrected: str = ""
    approved: str = ""
    reviewer_notes: str = ""
    language: str = ""

    def values(self) -> list[str]:
        return [getattr(self, f.name) for f in fields(self)]


def string_id(context: str | None, msgid: str, form: int | None = None) -> str:
    """The stable key of one string (one plural form): its context and msgid."""
    base = f"{context}|{msgid}" if context else msgid
    return base if form is None else f"{base} [form {form}]"


def status_of(message, reviewed: bool) -> str:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    if not all(strings):
        return "missing"
    if message.fuzzy:
        return "fuzzy"
    return "reviewed" if reviewed else "translated"


def _plural_examples(rule, form: int, limit: int = 4) -> str:
    ns = [n for n in range(0, 200) if rule(n) == form][:limit]
    return ", ".join(map(str, ns)) + ("..." if len(ns) == limit else "")


class _Usage:
    """Which (type, channel) renders ask for each string, found by rendering in English."""

    def __init__(self, renderer: Renderer, scenario: Scenario) -> None:
        from .glossary import HAZARDS

        self.where: dict[tuple[str | None, str], list[tuple[str, str, bool]]] = {}
        #: the strings the scenario itself uses (its "rendered" column shows them)
        self.hurricane: set[tuple[str | None, str]] = set()
        variants = [scenario] + [scenario.with_overrides((f"hazard={h}",))
                                 for h in HAZARDS if h != scenario.facts.get("hazard")]
        for index, variant in enumerate(variants):
            for type_name in list_types(renderer.templates_dir):
                mt = renderer.message_type(type_name)
                for channel in CHANNELS:
                    if channel not in mt.channels():
                        continue
                    for exercise in (False, True):
                        try:
                            result = renderer.render(type_name, "en", channel, variant,
                                                     exercise=exercise)
                        except EmsgError:  # a hazard this type's facts cannot take
                            continue
                        place = (type_name, channel, exercise)
                        for key in result.strings_used:
                            if index == 0:
                                self.hurricane.add(key)
                            elif key in self.hurricane:
                                continue  # the scenario's own places say it all
                            places = self.where.setdefault(key, [])
                            if place not in places:
                                places.append(place)

    def places(self, key) -> list[tuple[str, str, bool]]:
        return self.where.get(key, [])


def _section(places: list[tuple[str, str, bool]], locations: Iterable) -> str:
    channels = {channel for _, channel, _ in places}
    for name in SECTIONS[:4]:
        if name in channels:
            return name
    files = {str(path) for path, _ in locations}
    return "replies" if "messaging/keywords.py" in files else "other"


def _used_in(places, locations) -> str:
    if places:
        by_channel: dict[str, list[str]] = {}
        for type_name, channel, _ in places:
            names = by_channel.setdefault(channel, [])
            if type_name not in names:
                names.append(type_name)
        return "; ".join(f"{channel}: {', '.join(names)}" for channel, names in
                         sorted(by_channel.items(), key=lambda kv: CHANNELS.index(kv[0])))
    kinds = dict.fromkeys(_SOURCE_FILES.get(str(path), str(path)) for path, _ in locations)
    return ", ".join(kinds)


def _rendered(result: RenderResult | None, language: str) -> str:
    if result is None:
        return ""
    if result.fell_back:
        return (f"[not yet in {language}: shown in {result.language_used}, the fallback] "
                + result.text)
    return result.text


def _sms_cost(result: RenderResult | None, translation: str) -> str:
    if result is None or result.sms is None:
        return ""
    sent = result.sms.sent
    cost = f"whole SMS: {sent.encoding}, {sent.segments} segment(s), {sent.characters} chars"
    outside = encoding.analyse(translation).raw.non_gsm if translation else ()
    if outside:
        cost += "; outside GSM-7 in this string: " + " ".join(outside)
    return cost


def build_sheet(renderer: Renderer, language: str, scenario: Scenario) -> list[SheetRow]:
    """Every string of ``language``'s catalog (as the ``.pot`` has them), in reading order."""
    import gettext

    from babel.messages.pofile import read_po

    from .catalogs import REVIEWED

    if language == "en":
        raise UnknownName("English is the source language: there is nothing to review",
                          field="LANG")
    renderer.languages.get(language)
    path = renderer.catalog_path(language)
    with renderer.template_path().open("rb") as f:
        template = read_po(f)
    po = None
    if path.is_file():
        with path.open("rb") as f:
            po = read_po(f, abort_invalid=True)
    nplurals = po.num_plurals if po is not None else 2
    rule = gettext.c2py(po.plural_expr if po is not None else "(n != 1)")
    usage = _Usage(renderer, scenario)
    renders: dict[tuple[str, str, bool], RenderResult | None] = {}

    def render(place) -> RenderResult | None:
        if place not in renders:
            type_name, channel, exercise = place
            try:
                renders[place] = renderer.render(type_name, language, channel, scenario,
                                                 exercise=exercise)
            except EmsgError:
                renders[place] = None
        return renders[place]

    ordered: list[tuple[int, int, list[SheetRow]]] = []
    for position, tmpl in enumerate(m for m in template if m.id):
        plural = isinstance(tmpl.id, (list, tuple))
        msgid = tmpl.id[0] if plural else tmpl.id
        key = (tmpl.context, msgid)
        current = po.get(tmpl.id, context=tmpl.context) if po is not None else None
        places = usage.places(key)
        result = render(places[0]) if places and key in usage.hurricane else None
        comment = " ".join(tmpl.auto_comments)
        notes = [c for c in (current.user_comments if current is not None else [])]
        if notes:
            comment += ("\n" if comment else "") + "Catalog notes: " + " ".join(notes)
        reviewed = current is not None and any(REVIEWED.match(c) for c in notes)
        status = status_of(current, reviewed) if current is not None else "missing"
        strings = (list(current.string) if plural else [current.string]) \
            if current is not None else []
        forms = range(nplurals) if plural else [None]
        rows = []
        for form in forms:
            index = form or 0
            translation = strings[index] if index < len(strings) else ""
            source = msgid if not plural or form == 0 else tmpl.id[1]
            form_note = ""
            if plural:
                form_note = (f"Plural form {form} of {nplurals}: used when the number is "
                             f"{_plural_examples(rule, form)}. ")
            rows.append(SheetRow(
                id=string_id(tmpl.context, msgid, form), context=tmpl.context or "",
                comment=form_note + comment, source=source, translation=translation or "",
                status=status, used_in=_used_in(places, tmpl.locations),
                rendered=_rendered(result, language),
                sms_cost=_sms_cost(result, translation or ""), language=language))
        ordered.append((SECTIONS.index(_section(places, tmpl.locations)), position, rows))
    ordered.sort(key=lambda item: item[:2])
    return [row for _, _, rows in ordered for row in rows]


def write_sheet(rows: list[SheetRow], output: Path, *, force: bool = False,
                inputs: Iterable = ()) -> Path:
    """``rows`` as ``.csv`` or ``.xlsx`` (by the file's extension), whole or not at all."""
    from .outputs import check_output, write_atomic

    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnknownName(f"write a .csv or an .xlsx, not {suffix or 'no extension'!r}",
                          path=str(output), field="-o")
    check_output(output, inputs=inputs, force=force)
    if suffix == ".csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(row.values())
        # UTF-8 with a byte-order mark: what spreadsheet programs read as UTF-8.
        return write_atomic(output, ("\ufeff" + buffer.getvalue()).encode("utf-8"),
                            force=force, inputs=inputs)
    return write_atomic(output, _xlsx_bytes(rows), force=force, inputs=inputs)


def _xlsx_bytes(rows: list[SheetRow]) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "review"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row.values())
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            # Text stays text: a string starting with "=" is never a formula.
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"id": 30, "context": 14, "comment": 40, "source": 45, "translation": 45,
              "status": 10, "used_in": 24, "rendered": 60, "sms_cost": 24, "corrected": 45,
              "approved": 10, "reviewer_notes": 30, "language": 9}
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths[name]
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
