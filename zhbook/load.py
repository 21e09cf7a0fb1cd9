"""Load a book folder (book.toml + Markdown chapters) into a plain model, once."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import tomllib
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .errors import BookError, Diagnostics
from .model import Book, Metadata, SourceFile
from .textio import FORBIDDEN, decode, strip_forbidden

REQUIRED_KEYS = ("title", "author", "language")
OPTIONAL_KEYS = ("subtitle", "identifier", "publisher", "description", "cover", "chapters",
                 "slug", "colophon")
# A fixed namespace so that a book without an identifier gets the same one on every build.
IDENTIFIER_NAMESPACE = uuid.UUID("6f1c3f5e-2b8a-4c1e-9a57-0b3d2f6e8c41")


def slugify(title: str) -> str:
    """A file-name-safe slug; CJK characters are kept (they are valid in file names)."""
    slug = re.sub(r"[^\w]+", "-", title, flags=re.UNICODE).strip("-_").lower()
    return slug or "book"


def derive_identifier(title: str, author: str) -> str:
    return f"urn:uuid:{uuid.uuid5(IDENTIFIER_NAMESPACE, title + chr(0x1F) + author)}"


def _read_toml(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BookError("no book.toml here; create one with title, author and language", path)
    except OSError as exc:  # a folder named book.toml, no permission
        raise BookError(f"cannot read book.toml ({exc.strerror}); make it a readable file", path)
    try:
        text = data.decode("utf-8")
        return tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BookError("book.toml is not UTF-8; save it as UTF-8", path, line)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)", or "(at end of document)" for an
        # unclosed string or list: then the position is the file's last line.
        match = re.search(r"\s*\(at line (\d+), column (\d+)\)", str(exc))
        at_end = re.search(r"\s*\(at end of document\)", str(exc))
        if match:
            line, column = int(match.group(1)), int(match.group(2))
        elif at_end:
            lines = text.rstrip("\n").split("\n")
            line, column = len(lines), len(lines[-1]) + 1
        else:
            line = column = None
        message = str(exc).replace((match or at_end).group(0), "") if (match or at_end) else str(exc)
        if at_end:
            message += " (the file ends before it is closed: a missing quote or bracket above)"
        if line and re.search("[“”‘’＂＇]", text.split("\n")[line - 1]):
            message += "; strings need straight quotes, \"…\", not full-width “…”"
        raise BookError(f"invalid TOML: {message}; fix the syntax there", path, line, column=column)


def _key_line(path: Path, key: str) -> int | None:
    """The line of book.toml where key is set, for messages."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(rf"^[ \t]*(\[[ \t]*)?[\"']?{re.escape(key)}[\"']?[ \t]*[=\]]", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _value_line(path: Path, value: str) -> int | None:
    """The line of book.toml where the string value is written (in quotes), for messages."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(rf"[\"']{re.escape(value)}[\"']", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _read_markdown(path: Path, root: Path, index: int, what: str,
                   diagnostics: Diagnostics | None = None) -> SourceFile:
    diagnostics = diagnostics or Diagnostics()
    if not _inside(path, root):
        raise BookError(f"the {what} is outside the book folder; move it into the folder", path)
    if not path.is_file():
        raise BookError(f"{what} not found; create it or remove it from book.toml", path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BookError(f"cannot read the {what} ({exc.strerror}); check its permissions", path)
    text, _, warning = decode(raw, path)
    if warning:
        diagnostics.warn(warning, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_forbidden(text, path, diagnostics)
    return SourceFile(path=path, text=text, id=f"c{index:03d}" if what == "chapter" else what)


def source_date(root: Path, paths: list[Path]) -> datetime:
    """SOURCE_DATE_EPOCH, else the sources' latest git commit time, else their latest mtime."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc)
        except ValueError:
            raise BookError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds")
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", *map(str, paths)],
                             cwd=root, capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            # A dirty work tree means the commit time is not the sources' time: fall through.
            dirty = subprocess.run(["git", "status", "--porcelain", "--", *map(str, paths)],
                                   cwd=root, capture_output=True, text=True, timeout=10)
            if dirty.returncode == 0 and not dirty.stdout.strip():
                return datetime.fromtimestamp(int(out.stdout.strip()), timezone.utc)
    except (OSError, subprocess.SubprocessError):
        pass
    return datetime.fromtimestamp(int(max(p.stat().st_mtime for p in paths)), timezone.utc)


def load_book(root: Path, diagnostics: Diagnostics | None = None) -> Book:
    diagnostics = diagnostics or Diagnostics()
    root = Path(root)
    toml_path = root / "book.toml"
    config = _read_toml(toml_path)

    for key in config:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            near = difflib.get_close_matches(key, REQUIRED_KEYS + OPTIONAL_KEYS, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            diagnostics.warn(f"unknown key '{key}' is ignored{hint}", toml_path, _key_line(toml_path, key))
    missing = [k for k in REQUIRED_KEYS if not str(config.get(k, "")).strip()]
    if missing:
        raise BookError(f"missing required key(s): {', '.join(missing)}; add them to book.toml", toml_path)
    for key, value in config.items():
        if key in REQUIRED_KEYS + OPTIONAL_KEYS and key != "chapters":
            if not isinstance(value, str):
                raise BookError(f"'{key}' must be a string (in quotes)", toml_path, _key_line(toml_path, key))
            if FORBIDDEN.search(value):
                diagnostics.warn(f"removed control characters from '{key}'", toml_path, _key_line(toml_path, key))
                config[key] = FORBIDDEN.sub("", value)
    language = config["language"].strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", language):
        hint = f" (write '{language.replace('_', '-')}')" if "_" in language else " such as zh-Hans or zh-CN"
        raise BookError(f"language '{language}' is not a BCP 47 language tag{hint}", toml_path,
                        _key_line(toml_path, "language"))

    title, author = config["title"].strip(), config["author"].strip()
    meta = Metadata(
        title=title,
        author=author,
        language=config["language"].strip(),
        identifier=config.get("identifier") or derive_identifier(title, author),
        slug=config.get("slug") or slugify(title),
        subtitle=config.get("subtitle", ""),
        publisher=config.get("publisher", ""),
        description=config.get("description", ""),
        cover=root / config["cover"] if config.get("cover") else None,
    )
    if "/" in meta.slug or meta.slug.startswith("."):
        raise BookError(f"slug '{meta.slug}' must be a plain file name", toml_path)

    if "chapters" in config:
        listed = config["chapters"]
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise BookError("'chapters' must be a list of paths", toml_path, _key_line(toml_path, "chapters"))
        chapter_paths = [root / p for p in listed]
        for name, chapter_path in zip(listed, chapter_paths):
            # Named where it is listed: book.toml is what to fix (or the file to create).
            if _inside(chapter_path, root) and not chapter_path.is_file():
                raise BookError(f"chapter '{name}' is listed but not found ({chapter_path}); create it "
                                "or remove it from 'chapters'", toml_path, _value_line(toml_path, name))
    else:
        chapter_paths = sorted((root / "chapters").glob("*.md"), key=lambda p: p.name)
        if (root / "chapters").is_dir():
            for other in sorted((root / "chapters").iterdir(), key=lambda p: p.name):
                if other.is_file() and other.suffix != ".md" and not other.name.startswith("."):
                    diagnostics.warn("not a chapter: only .md files in chapters/ are read; rename it to .md "
                                     "if it is one, or move it out of chapters/", other)
    if not chapter_paths:
        raise BookError("the book has no chapters; add chapters/*.md or list them in 'chapters'", toml_path)

    chapters = [_read_markdown(p, root, i + 1, "chapter", diagnostics) for i, p in enumerate(chapter_paths)]
    blank = [c for c in chapters if not c.text.strip()]
    if len(blank) == len(chapters):
        raise BookError(f"the book is empty: {'its chapter is' if len(blank) == 1 else 'all its chapters are'} "
                        f"blank; write something in {'it' if len(blank) == 1 else 'them'}", blank[0].path)
    for chapter in blank:
        raise BookError("the chapter is empty (it would print as blank pages); write it, or delete the file "
                        "or remove it from 'chapters'", chapter.path)
    colophon = (_read_markdown(root / config["colophon"], root, 0, "colophon", diagnostics)
                if config.get("colophon") else None)
    sources = [toml_path] + [c.path for c in chapters] + ([colophon.path] if colophon else [])
    return Book(root=root, meta=meta, chapters=tuple(chapters), colophon=colophon,
                build_date=source_date(root, [p.resolve() for p in sources]))
