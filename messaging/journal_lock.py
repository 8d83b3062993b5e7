"""One sender per journal: an exclusive lock held for as long as a journal is open."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .journal_schema import JournalError


def exclusive_lock(lock_path: Path, journal: str):
    """Hold an exclusive lock for as long as this journal is open (released on any exit,
    kill -9 included): two ``emsg send`` on one journal would text people twice."""
    handle = open(lock_path, "a+")  # noqa: SIM115
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one process at a time is on the user
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise JournalError("another emsg process is using this journal; wait for it to "
                           "finish (or stop it) before resuming", path=journal,
                           field="--journal") from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid()}))
    handle.flush()
    return handle
