"""The digest of the code that made a cached result: every cache keys its entries with it, so that a
change to that code invalidates them. Given packages are taken whole (every .py file in them, found,
not listed by hand), so a module added to a package is counted without anyone remembering to."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def code_digest(*names: str) -> str:
    """sha256 of the named modules and packages of zhbook ("markdown", "model.py", "assets/cover.py")."""
    digest = hashlib.sha256()
    for name in names:
        path = PACKAGE / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(PACKAGE)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()
