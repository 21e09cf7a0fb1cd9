"""Load a book folder (book.toml + Markdown chapters) into a plain model, once."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import BookError, Diagnostics

REQUIRED_KEYS = ("title", "author", "language")
OPTIONAL_KEYS = ("subtitle", "identifier", "publisher", "description", "cover", "chapters",
                 "slug", "colophon")
# A fixed namespace so that a book without an identifier gets the same one on every build.
IDENTIFIER_NAMESPACE = uuid.UUID("6f1c3f5e-2b8a-4c1e-9a57-0b3d2f6e8c41")


@dataclass
class Metadata:
    title: str
    author: str
    language: str
    identifier: str
    slug: str
    subtitle: str = ""
    publisher: str = ""
    description: str = ""
    cover: Path | None = None


@dataclass
class SourceFile:
    """A Markdown file of the book: its path (for messages) and its text."""

    path: Path
    text: str
    id: str  # short ASCII id, used for file names and as the prefix of every id inside it


@dataclass
class Book:
    root: Path
    meta: Metadata
    chapters: list[SourceFile]
    colophon: SourceFile | None = None
    build_date: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def sources(self) -> list[Path]:
        paths = [self.root / "book.toml"] + [c.path for c in self.chapters]
        if self.colophon:
            paths.append(self.colophon.path)
        return paths


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
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BookError("book.toml is not UTF-8; save it as UTF-8", path)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)"; keep it, it is the position.
        match = re.search(r"at line (\d+)", str(exc))
        raise BookError(f"invalid TOML: {exc}; fix the syntax there", path,
                        int(match.group(1)) if match else None)


def _read_markdown(path: Path, root: Path, index: int, what: str) -> SourceFile:
    if not path.is_file():
        raise BookError(f"{what} not found; create it or remove it from book.toml", path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BookError(f"not UTF-8 (byte {exc.start}); save the file as UTF-8", path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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
            diagnostics.warn(f"unknown key '{key}' is ignored{hint}", toml_path)
    missing = [k for k in REQUIRED_KEYS if not str(config.get(k, "")).strip()]
    if missing:
        raise BookError(f"missing required key(s): {', '.join(missing)}; add them to book.toml", toml_path)
    for key, value in config.items():
        if key != "chapters" and not isinstance(value, str):
            raise BookError(f"'{key}' must be a string", toml_path)

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
            raise BookError("'chapters' must be a list of paths", toml_path)
        chapter_paths = [root / p for p in listed]
    else:
        chapter_paths = sorted((root / "chapters").glob("*.md"), key=lambda p: p.name)
    if not chapter_paths:
        raise BookError("the book has no chapters; add chapters/*.md or list them in 'chapters'", toml_path)

    chapters = [_read_markdown(p, root, i + 1, "chapter") for i, p in enumerate(chapter_paths)]
    colophon = (_read_markdown(root / config["colophon"], root, 0, "colophon")
                if config.get("colophon") else None)
    book = Book(root=root, meta=meta, chapters=chapters, colophon=colophon)
    book.build_date = source_date(root, [p.resolve() for p in book.sources])
    return book
