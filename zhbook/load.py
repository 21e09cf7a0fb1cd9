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
from .model import Book, BookPart, Metadata, SourceFile
from .textio import FORBIDDEN, decode, strip_forbidden

REQUIRED_KEYS = ("title", "author", "language")
OPTIONAL_KEYS = ("subtitle", "identifier", "publisher", "description", "cover", "chapters",
                 "slug", "colophon")
STRUCTURE_KEYS = ("parts", "front", "back", "toc_depth", "numbering", "styles", "fonts")  # lists and tables
FONT_ROLES = ("body", "heading", "code")
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
    match = re.search(rf"^[ \t]*(\[\[?[ \t]*)?[\"']?{re.escape(key)}[\"']?[ \t]*[=\]]", text, re.M)
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
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS + STRUCTURE_KEYS:
            near = difflib.get_close_matches(key, REQUIRED_KEYS + OPTIONAL_KEYS + STRUCTURE_KEYS, n=1)
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

    parts: list[tuple[str, int]] = []  # (title, how many chapters)
    if "chapters" in config and "parts" in config:
        raise BookError("'chapters' and 'parts' together: list the chapters inside each [[parts]] and remove "
                        "'chapters'", toml_path, _key_line(toml_path, "parts"))
    if "parts" in config:
        listed = []
        if not isinstance(config["parts"], list) or not config["parts"]:
            raise BookError("'parts' must be [[parts]] tables with a title and chapters", toml_path,
                            _key_line(toml_path, "parts"))
        for part in config["parts"]:
            if (not isinstance(part, dict) or not isinstance(part.get("title"), str) or not part["title"].strip()
                    or not isinstance(part.get("chapters"), list) or not part["chapters"]
                    or not all(isinstance(p, str) for p in part["chapters"])):
                raise BookError("each [[parts]] needs a title (a string) and chapters (a list of paths)",
                                toml_path, _key_line(toml_path, "parts"))
            unknown = sorted(set(part) - {"title", "chapters"})
            if unknown:
                diagnostics.warn(f"unknown key '{unknown[0]}' in [[parts]] is ignored", toml_path,
                                 _key_line(toml_path, unknown[0]))
            parts.append((part["title"].strip(), len(part["chapters"])))
            listed += part["chapters"]
        config["chapters"] = listed
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
    front = _matter(config, "front", root, toml_path, diagnostics)
    back = _matter(config, "back", root, toml_path, diagnostics)
    book_parts, start = [], 0
    for number, (part_title, count) in enumerate(parts, start=1):
        book_parts.append(BookPart(part_title, tuple(c.id for c in chapters[start:start + count]), f"p{number:02d}"))
        start += count
    toc_depth = config.get("toc_depth")
    if toc_depth is not None and (not isinstance(toc_depth, int) or isinstance(toc_depth, bool)
                                  or not 1 <= toc_depth <= 3):
        raise BookError("'toc_depth' must be 1, 2 or 3 (the levels of headings in the contents)", toml_path,
                        _key_line(toml_path, "toc_depth"))
    numbering = config.get("numbering", "")
    if not isinstance(numbering, str) or (numbering and numbering.count("{一}") + numbering.count("{1}") != 1):
        raise BookError("'numbering' must be a string with {一} (Chinese numerals) or {1} (digits) once, "
                        "such as \"第{一}章\"", toml_path, _key_line(toml_path, "numbering"))
    styles = tuple(_book_file("styles", name, root, toml_path, "stylesheet")
                   for name in _paths(config, "styles", toml_path))
    fonts = _book_fonts(config, root, toml_path)
    sources = ([toml_path] + [c.path for c in chapters] + ([colophon.path] if colophon else [])
               + [s.path for s in front + back] + list(styles) + [path for _, path in fonts])
    return Book(root=root, meta=meta, chapters=tuple(chapters), colophon=colophon,
                build_date=source_date(root, [p.resolve() for p in sources]), front=front, back=back,
                parts=tuple(book_parts), toc_depth=toc_depth, numbering=numbering, styles=styles, fonts=fonts)


def _paths(config: dict, key: str, toml_path: Path) -> list[str]:
    listed = config.get(key, [])
    if not isinstance(listed, list) or not all(isinstance(p, str) and p for p in listed):
        raise BookError(f"'{key}' must be a list of paths", toml_path, _key_line(toml_path, key))
    return listed


def _book_file(key: str, name: str, root: Path, toml_path: Path, what: str) -> Path:
    """A file book.toml names (a stylesheet, a font), inside the book folder and readable."""
    path = root / name
    line = _value_line(toml_path, name) or _key_line(toml_path, key)
    if not _inside(path, root):
        raise BookError(f"the {what} '{name}' is outside the book folder; move it into the folder", toml_path, line)
    if not path.is_file():
        raise BookError(f"{what} '{name}' not found ({path}); create it or remove it from '{key}'", toml_path, line)
    try:
        path.read_bytes()
    except OSError as exc:
        raise BookError(f"cannot read the {what} '{name}' ({exc.strerror}); check its permissions", toml_path, line)
    return path


def _matter(config: dict, key: str, root: Path, toml_path: Path, diagnostics: Diagnostics) -> tuple[SourceFile, ...]:
    """The front or back matter files: read like chapters, unnumbered, with their own ids (f001, b001)."""
    files = []
    for index, name in enumerate(_paths(config, key, toml_path), start=1):
        path = _book_file(key, name, root, toml_path, f"{key} matter file")
        source = _read_markdown(path, root, index, "chapter", diagnostics)
        files.append(SourceFile(path=source.path, text=source.text, id=f"{key[0]}{index:03d}", matter=key))
    return tuple(files)


def _book_fonts(config: dict, root: Path, toml_path: Path) -> tuple[tuple[str, Path], ...]:
    """[fonts]: the book's own font files by role, each a readable OpenType/TrueType font."""
    table = config.get("fonts", {})
    if not isinstance(table, dict):
        raise BookError("'fonts' must be a table: [fonts] with body, heading or code = \"fonts/….otf\"",
                        toml_path, _key_line(toml_path, "fonts"))
    fonts = []
    for role, name in table.items():
        if role not in FONT_ROLES:
            near = difflib.get_close_matches(role, FONT_ROLES, n=1)
            raise BookError(f"[fonts] has no role '{role}'" + (f"; did you mean '{near[0]}'?" if near else
                            f"; use {', '.join(FONT_ROLES)}"), toml_path, _key_line(toml_path, role))
        if not isinstance(name, str) or not name:
            raise BookError(f"[fonts] {role} must be the path of a font file (in quotes)", toml_path,
                            _key_line(toml_path, role))
        path = _book_file("fonts", name, root, toml_path, "font")
        try:
            from fontTools.ttLib import TTFont, TTLibError

            TTFont(path, lazy=True)["cmap"].getBestCmap()
        except (TTLibError, KeyError, OSError, AssertionError, ValueError) as exc:
            raise BookError(f"the font '{name}' is not a readable OpenType/TrueType font ({exc}); use an .otf "
                            "or .ttf file", toml_path, _value_line(toml_path, name) or _key_line(toml_path, role))
        fonts.append((role, path))
    return tuple(fonts)
