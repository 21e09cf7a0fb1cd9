"""Outputs are written beside their final name and moved into place only when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import BookError


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the same folder; on success it replaces path atomically.

    On any failure the temporary file is removed and the previous output stays as it was. Each
    build gets its own temporary name, so two builds into one folder cannot mix their bytes.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise BookError(f"cannot write to the output folder ({exc.strerror}); "
                        "choose another with --out or fix its permissions", path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
