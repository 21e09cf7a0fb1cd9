"""Errors and warnings that name the file (and line) and say what to do."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


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


class Warning_(NamedTuple):
    """One warning, as given: kept so that a cached stage can give its warnings again."""

    message: str
    path: str | None
    line: int | None
    column: int | None

    def __str__(self) -> str:
        return _one_line(_where(self.path, self.line, self.column) + self.message)


@dataclass
class Diagnostics:
    """Collects warnings and prints each as it comes. With strict=True every warning is an error:
    raise_if_strict() fails once there is one."""

    strict: bool = False
    quiet: bool = False  # only collect (a stage whose warnings are replayed, a test); -q never sets it
    show_notes: bool = True  # print notes (information, not problems); -q turns them off

    def __post_init__(self) -> None:
        self.given: list[Warning_] = []
        self.notes: list[str] = []

    @property
    def warnings(self) -> list[str]:
        return [str(warning) for warning in self.given]

    def warn(self, message: str, path: Path | str | None = None, line: int | None = None,
             column: int | None = None) -> None:
        warning = Warning_(message, None if path is None else str(path), line, column)
        self.given.append(warning)
        if not self.quiet:
            print(f"warning: {warning}", file=sys.stderr)

    def replay(self, warnings: list[Warning_]) -> None:
        """Give again the warnings another Diagnostics (or a cache) collected."""
        for warning in warnings:
            self.warn(*warning)

    def note(self, message: str, path: Path | str | None = None, line: int | None = None, indent: str = "") -> None:
        """Information, not a problem (how a file was read, what the importer removed): printed unless quiet."""
        text = indent + _one_line(_where(path, line) + message)
        self.notes.append(text)
        if self.show_notes and not self.quiet:
            print(text, file=sys.stderr)

    def raise_if_strict(self) -> None:
        if self.strict and self.given:
            raise BookError(f"{len(self.given)} warning(s) are errors with --strict; first: {self.given[0]}")
