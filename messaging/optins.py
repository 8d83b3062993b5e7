"""Taking a number off the opt-out list again (it replied START).

The list (:mod:`messaging.optouts`) is append-only for everyone else: ``emsg send`` appends
numbers Twilio reports as unsubscribed while ``emsg listen`` may be running. So a number is
not removed by rewriting the file, which could lose a line another process is appending;
each line that lists it is turned into a comment in place (its ``+`` becomes ``#``, one
byte, same length) and a dated comment saying why is appended. The list is then read again.
"""

from __future__ import annotations

import datetime as dt
import os

from .optouts import OptOutError, OptOutList


def opt_back_in(opt_outs: OptOutList, phone: str, reason: str) -> OptOutList:
    """Remove ``phone`` from the list's file; the list as it now stands on disk."""
    if opt_outs.path is None:
        fresh = OptOutList()
        for number in opt_outs._numbers:  # an in-memory list (tests): copy all but phone
            if number != phone:
                fresh.add(number, "kept")
        return fresh
    path = opt_outs.path
    target = phone.encode("ascii", "replace")
    try:
        with path.open("r+b") as f:
            data = f.read()
            offset = 0
            for line in data.split(b"\n"):
                start = offset
                offset += len(line) + 1
                body = line[3:] if start == 0 and line.startswith(b"\xef\xbb\xbf") else line
                stripped = body.lstrip()
                if not stripped.startswith(b"+"):
                    continue
                token = stripped.split(b"#", 1)[0].split()
                if token and token[0] == target:
                    at = start + (len(line) - len(body)) + (len(body) - len(stripped))
                    os.pwrite(f.fileno(), b"#", at)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            with path.open("a", encoding="utf-8") as log:
                log.write(f"# {phone} opted back in: {reason}, {stamp}\n")
                log.flush()
                os.fsync(log.fileno())
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OptOutError(f"cannot write opt-out list ({exc.strerror or exc})",
                          path=str(path)) from None
    return OptOutList(path)
