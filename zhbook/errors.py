"""Errors and warnings that name the file (and line) and say what to do."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


def _where(path: Path | str | None, line: int | None, column: int | None = None) -> str:
    if path is None:
        return ""
    if line and column:
        return f"{path}:{line}:{column}: "
    return f"{path}:{line}: " if line else f"{path}: "


def _one_line(text: str) -> str:
    """Messages quote user text (file names, TOML errors): keep them on one line."""
    return " ".join(text.splitlines())


class BookError(Exception):
    """A problem with the user's input or environment; printed as one line, no traceback."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message, self.path, self.line, self.column = message, path, line, column

    def __str__(self) -> str:
        return _one_line(_where(self.path, self.line, self.column) + self.message)


@dataclass
class Diagnostics:
    """Collects warnings; with strict=True a warning of a strict kind becomes an error at the end."""

    strict: bool = False
    quiet: bool = False

    def __post_init__(self) -> None:
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.strict_failures: list[str] = []

    def warn(self, message: str, path: Path | str | None = None, line: int | None = None,
             strict_error: bool = False, column: int | None = None) -> None:
        text = _one_line(_where(path, line, column) + message)
        self.warnings.append(text)
        if strict_error and self.strict:
            self.strict_failures.append(text)
        if not self.quiet:
            print(f"warning: {text}", file=sys.stderr)

    def note(self, message: str, path: Path | str | None = None, line: int | None = None, indent: str = "") -> None:
        """Information, not a problem (how a file was read, what the importer removed): printed unless quiet."""
        text = indent + _one_line(_where(path, line) + message)
        self.notes.append(text)
        if not self.quiet:
            print(text, file=sys.stderr)

    def raise_if_strict(self) -> None:
        if self.strict_failures:
            raise BookError(f"{len(self.strict_failures)} warning(s) are errors with --strict; "
                            f"first: {self.strict_failures[0]}")
