"""One sender per journal, whatever the path: a lock on the journal file itself.

The lock is ``flock`` on the SQLite file, so it follows the file's identity (its inode):
a symlink, a relative path, ``./j.sqlite`` and ``/abs/j.sqlite`` all meet the same lock,
and the kernel releases it on any exit, ``kill -9`` included. (SQLite's own locks are POSIX
``fcntl`` locks, which on Linux are independent of ``flock``.)

A journal with more than one hard link is refused for sending: SQLite names its
write-ahead log after the path it was opened by, so two links to one journal would each
have their own log, and a run through one link after a crash through the other would not
see the crashed run's last commits (who was being texted). ``emsg status`` reads such a
journal all the same.

Beside the journal, ``JOURNAL.lock`` (resolved through symlinks) says which process holds
it, so that a refusal can name it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path

from .journal_schema import JournalError


class HeldLock:
    """The open journal file that carries the lock; ``close()`` releases it."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def exclusive_lock(journal: str) -> HeldLock:
    """Lock ``journal`` (created empty if missing) for this process, or raise
    :class:`JournalError` naming the process that holds it."""
    real = os.path.realpath(journal)
    try:
        fd = os.open(real, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise JournalError(f"cannot write journal ({exc.strerror or exc})", path=journal,
                           field="--journal") from None
    links = os.fstat(fd).st_nlink
    if links > 1:
        os.close(fd)
        raise JournalError(f"this journal has {links} hard links: SQLite keeps a separate "
                           "log for each path, so two links could lose each other's "
                           "commits; use one path (copy the file, do not link it)",
                           path=journal, field="--journal")
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one process at a time is on the user
        return HeldLock(fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise JournalError(f"another emsg process is using this journal ({_holder(real)}"
                           f"the same file, whatever the path: {real}); wait for it to "
                           "finish (or stop it) before resuming", path=journal,
                           field="--journal") from None
    try:
        Path(real + ".lock").write_text(json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}))
    except OSError:
        pass  # only informative
    return HeldLock(fd)


def _holder(real: str) -> str:
    try:
        info = json.loads(Path(real + ".lock").read_text())
        return f"pid {int(info['pid'])} on {info['host']}, since {info['since']}; "
    except (OSError, ValueError, KeyError, TypeError):
        return ""
