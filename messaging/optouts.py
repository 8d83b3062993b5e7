"""The opt-out list: phone numbers (E.164) that must not be texted.

A plain text file, one number per line; anything after the number (a ``#`` comment, the
reason and date emsg writes) is ignored, as are blank lines and lines starting with ``#``.
A line that holds no E.164 number (typed by hand, or written by an older emsg) is skipped
and named in :attr:`OptOutList.warnings`, never fatal: one bad line must not stop every
later campaign, nor the listener recording STOP and START. Only E.164 numbers are ever
written to it.
Sending honours it; Twilio's error 21610 ("the recipient replied STOP") adds to it. It is
shared by every campaign that names it, so it lives beside the journals, not in one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from pathlib import Path

from .errors import InputError


class OptOutError(InputError):
    """The opt-out list cannot be read or written."""


_E164 = re.compile(r"\+[1-9][0-9]{5,14}")


def is_e164(phone: str) -> bool:
    return _E164.fullmatch(phone) is not None


class OptOutList:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self._numbers: set[str] = set()
        #: "FILE:LINE: ..." for each line skipped because it holds no E.164 number
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        if self.path is not None:
            self._load(self.path)

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise OptOutError(f"cannot read opt-out list ({exc})", path=str(path)) from None
        for number, line in enumerate(text.splitlines(), start=1):
            item = line.split("#", 1)[0].split()
            if not item:
                continue
            phone = item[0]
            if not is_e164(phone):
                self.warnings.append(f"{path}:{number}: skipped {phone[:40]!r}: not an E.164 "
                                     "number such as +529626201000")
                continue
            self._numbers.add(phone)

    def __contains__(self, phone: object) -> bool:
        return phone in self._numbers

    def __len__(self) -> int:
        return len(self._numbers)

    def add(self, phone: str, reason: str) -> bool:
        """Add ``phone`` (and write it down at once); ``False`` if it was already there.
        ``ValueError`` for anything but an E.164 number: the file never holds a line its
        reader would reject."""
        if not is_e164(phone):
            raise ValueError(f"not an E.164 number: {phone!r}")
        with self._lock:
            if phone in self._numbers:
                return False
            self._numbers.add(phone)
            if self.path is None:
                return True
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(f"{phone}  # {reason}, {stamp}\n")
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise OptOutError(f"cannot write opt-out list ({exc.strerror or exc})",
                                  path=str(self.path)) from None
            return True
