"""The drafts backend: every message printed, or written to an outbox folder; none sent.

It never opens a network connection. With ``outbox``, each message is one JSON line of
``OUTBOX/outbox.jsonl`` (to, language, encoding, segments, body), appended, so a resumed
campaign adds to it.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from pathlib import Path
from typing import TextIO

from ..errors import InputError
from . import Backend, Outgoing, Sent

OUTBOX_FILE = "outbox.jsonl"


class DraftsBackend(Backend):
    name = "drafts"
    live = False

    def __init__(self, stream: TextIO | None = None, outbox: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._file: TextIO | None = None
        self.outbox = Path(outbox) if outbox else None
        if self.outbox is not None:
            try:
                self.outbox.mkdir(parents=True, exist_ok=True)
                self._file = (self.outbox / OUTBOX_FILE).open("a", encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write the outbox ({exc.strerror or exc})",
                                 path=str(self.outbox), field="--outbox") from None
        self.stream = stream if stream is not None else sys.stdout

    def send(self, message: Outgoing) -> Sent:
        with self._lock:
            number = next(self._numbers)
            if self._file is not None:
                self._file.write(json.dumps({
                    "to": message.to, "language": message.language,
                    "encoding": message.encoding, "segments": message.segments,
                    "body": message.body}, ensure_ascii=False) + "\n")
                self._file.flush()
            else:
                plural = "" if message.segments == 1 else "s"
                self.stream.write(f"-- to {message.to} · {message.language} · "
                                  f"{message.encoding}, {message.segments} segment{plural}\n"
                                  f"{message.body}\n\n")
        return Sent(sid=f"draft-{number}", status="draft")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
