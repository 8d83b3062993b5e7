"""Files emsg writes: never one of the command's own inputs, never replaced unasked, never half.

Every ``-o``, ``--outbox`` and ``--journal`` goes through here, because the failures are the
worst kind: ``emsg export -o`` pointed at the journal replaced the record of who was texted
with a CSV; ``cap export -o`` and ``preview -o`` overwrote the scenario they were reading.

* :func:`check_output` refuses a path that is the same file as an input — by the file's
  identity (``os.path.samefile``: device and inode), so a symlink, a hard link or another
  spelling of the path is caught too — and an existing file unless ``force``.
* :func:`atomic_writer` / :func:`write_atomic` write a temporary file in the target's folder
  and rename it into place, so a reader (or a crash) sees the old file or the new one, never
  a torn one; the file gets the permissions the user's umask gives any new file (``mkstemp``
  alone would make it 0600).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from .errors import InputError

#: SQLite keeps part of a journal beside it; writing over one of these loses sends too.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class OutputError(InputError):
    """An output path would destroy an input or an existing file, or cannot be written."""


def journal_files(path: str | os.PathLike | None) -> list[Path]:
    """A SQLite journal and the side files SQLite may keep next to it."""
    if not path or str(path) == ":memory:":
        return []
    base = Path(path)
    return [base, *(base.with_name(base.name + suffix) for suffix in SQLITE_SIDE_FILES)]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): it cannot be the other
        return False


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def input_conflict(path: str | os.PathLike,
                   inputs: Iterable[str | os.PathLike | None]) -> Path | None:
    """The input ``path`` would overwrite, if any.

    An input that is a folder (``--templates``, ``--locales``) protects every file in it.
    A path that does not exist yet conflicts with nothing; ``-`` (standard streams) and
    ``None`` inputs are ignored.
    """
    target = Path(path)
    if not target.exists():
        return None
    for item in inputs:
        if item is None or str(item) in ("", "-", ":memory:"):
            continue
        candidate = Path(item)
        if candidate.is_dir():
            if target.is_file() and _is_inside(target, candidate):
                return candidate
        elif _same_file(target, candidate):
            return candidate
    return None


def check_output(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (),
                 force: bool = False, field: str = "-o",
                 replaces: bool = True) -> Path:
    """Refuse ``path`` if it is an input, or (when the write ``replaces``) exists unforced.

    ``replaces=False`` is for outputs a command appends to or resumes (a journal, an
    outbox): they may exist, but may still never be one of the inputs.
    """
    target = Path(path)
    clash = input_conflict(target, inputs)
    if clash is not None:
        what = "is inside" if clash.is_dir() else "is the same file as"
        raise OutputError(f"{what} the input {clash}; choose another path "
                          "(nothing was written)", path=str(path), field=field)
    if replaces and not force and (target.exists() or target.is_symlink()):
        raise OutputError("already exists (pass --force to replace it)", path=str(path),
                          field=field)
    if target.is_dir():
        raise OutputError("is a folder, expected a file", path=str(path), field=field)
    return target


def check_apart(outputs: dict[str, str | os.PathLike | None],
                inputs: Iterable[str | os.PathLike | None]) -> None:
    """Outputs a command appends to or resumes (journal, outbox, opt-out list), by option.

    Each may exist, but none may be one of the ``inputs`` or another of the ``outputs``: a
    journal opened on the recipients file, or an outbox written into the opt-out list,
    would destroy what the campaign depends on.
    """
    inputs = list(inputs)
    named = [(field, path) for field, path in outputs.items() if path]
    for field, path in named:
        others = [other for name, other in named if name != field]
        check_output(path, inputs=[*inputs, *others], field=field, replaces=False)


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it: put it straight back
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The permissions ``open(path, "w")`` would give a new file."""
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, *, force: bool = False, field: str = "-o",
                  binary: bool = False, encoding: str = "utf-8",
                  newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    Without ``force`` the rename refuses to replace a file that appeared meanwhile (a hard
    link, which fails if the name exists). On any error the temporary file is removed and
    ``path`` is untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write ({exc.strerror or exc})", path=str(path),
                          field=field) from None
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, new_file_mode())
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _move_into_place(tmp, target, force=force, field=field)
    except OSError as exc:
        raise OutputError(f"cannot write ({exc.strerror or exc})", path=str(path),
                          field=field) from None
    finally:
        tmp.unlink(missing_ok=True)


def _move_into_place(tmp: Path, target: Path, *, force: bool, field: str) -> None:
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if target exists: no window to replace one unasked
    except FileExistsError:
        raise OutputError("already exists (pass --force to replace it)", path=str(target),
                          field=field) from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise OutputError("already exists (pass --force to replace it)",
                              path=str(target), field=field) from None
        os.replace(tmp, target)


def write_atomic(path: str | os.PathLike, data: str | bytes, *, force: bool = False,
                 field: str = "-o", inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Check ``path`` against ``inputs``, then write ``data`` whole or not at all."""
    target = check_output(path, inputs=inputs, force=force, field=field)
    binary = isinstance(data, bytes)
    with atomic_writer(target, force=force, field=field, binary=binary) as f:
        f.write(data)
    return target
