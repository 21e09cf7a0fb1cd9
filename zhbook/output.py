"""Outputs are written beside their final name and moved into place only when complete."""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import BookError

# Errors of the disk rather than of the build: the message says to free space or choose a folder.
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}
# (temporary file, final path) of each finished output, while outputs_together() is active.
_PENDING: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar("pending", default=None)


@contextlib.contextmanager
def outputs_together() -> Iterator[None]:
    """Within it, finished outputs are moved into place only when the whole block succeeds.

    `build.py all` writes the EPUB and then the PDF: if the PDF fails, the EPUB of this build must
    not have replaced the previous one either, so the dist/ folder never mixes two builds.
    """
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
        for tmp, path in pending:
            os.replace(tmp, path)
    finally:
        _PENDING.reset(token)
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the same folder; on success it replaces path atomically.

    On any failure the temporary file is removed and the previous output stays as it was. Each
    build gets its own temporary name, so two builds into one folder cannot mix their bytes: the
    last to finish wins, whole.
    """
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise BookError("the output folder is a file; choose another folder with --out", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise BookError(f"cannot write to the output folder ({exc.strerror}); "
                        "choose another with --out or fix its permissions", folder)
    os.close(fd)
    tmp = Path(tmp_name)
    handed_over = False
    try:
        try:
            yield tmp
        except OSError as exc:
            if exc.errno not in WRITE_ERRORS:
                raise
            raise BookError(f"cannot write {path.name} ({exc.strerror}); free some space or choose another "
                            "folder with --out", folder) from exc
        os.chmod(tmp, 0o644)
        pending = _PENDING.get()
        if pending is not None:
            pending.append((tmp, path))
            handed_over = True
        else:
            os.replace(tmp, path)
    finally:
        if not handed_over:
            tmp.unlink(missing_ok=True)


def replace_file(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all: a temporary name of this process's own, then a rename.
    Two builds filling a cache at once would otherwise share a temporary name, and the second to
    finish would find it already moved away."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
