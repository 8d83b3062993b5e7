"""What a recipients list held, line by line, in words: the summary ``emsg send`` prints.

Every physical line is accounted for: the header, blank lines, rows (recipients,
duplicates collapsed, invalid rows skipped) and the extra lines of rows that span
several. Where the numbers differ, the summary says where the difference went.
"""

from __future__ import annotations

from .recipients import KEEP_NOTES, ListTally

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


def tally_lines(tally: ListTally, *, added: int, duplicates: int, invalid: int) -> list[str]:
    """The summary of one list as lines of text (without the per-row listing)."""
    how = ", ".join(x for x in (tally.encoding, _DELIMITERS.get(tally.delimiter, "")
                                if tally.format == "csv" else "") if x)
    unit = "line(s)" if tally.format == "csv" else "sheet row(s)"
    parts = [f"{tally.header_lines} header", f"{tally.rows:,} row(s)"]
    if tally.blank_lines:
        parts.append(f"{tally.blank_lines:,} blank")
    if tally.continuation_lines:
        spanning = tally.counts.get("spans_lines", 0)
        parts.append(f"{tally.continuation_lines:,} more line(s) inside {spanning:,} row(s) "
                     "that span lines")
    lines = [f"List {tally.name} ({how}): {tally.physical_lines:,} {unit} = "
             + " + ".join(parts)]
    rows = [f"{added:,} recipient(s)"]
    if duplicates:
        rows.append(f"{duplicates:,} duplicate(s) collapsed")
    if invalid:
        rows.append(f"{invalid:,} invalid (skipped, listed)")
    lines.append(f"  {tally.rows:,} row(s) = " + " + ".join(rows))
    if added + duplicates + invalid != tally.rows:  # never expected: say so, loudly
        lines.append(f"  ! {tally.rows - added - duplicates - invalid:,} row(s) "
                     "unaccounted for: please report this")
    if not tally.accounted:
        lines.append("  ! the lines do not add up: please report this")
    if tally.counts.get("landline"):
        lines.append(f"  {tally.counts['landline']:,} landline(s) (FIXED_LINE) kept, but an "
                     "SMS to a landline will probably not arrive; listed below")
    lines.extend(f"  {notice}" for notice in tally.notices)
    for kind, kept in tally.notes.items():
        lines.extend(f"  {note}" for note in kept)
        if tally.counts[kind] > KEEP_NOTES:
            lines.append(f"  ... and {tally.counts[kind] - KEEP_NOTES:,} more like it")
    return lines
