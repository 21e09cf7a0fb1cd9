"""Load a book folder (book.toml + Markdown chapters) into a plain model, once."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import tomllib
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from .errors import BookError, Diagnostics
from .model import Book, BookPart, HantSettings, Margins, Metadata, PdfDesign, SourceFile
from .textio import FORBIDDEN, decode, strip_forbidden

REQUIRED_KEYS = ("title", "author", "language")
OPTIONAL_KEYS = ("subtitle", "identifier", "publisher", "description", "cover", "chapters",
                 "slug", "colophon", "pdf", "vertical")
PDF_KEYS = ("page", "margins", "font_size", "line_height", "openings", "cover", "running_heads", "folio")
# Trim sizes by name, in mm (width, height): ISO, and the common Chinese formats (开本).
PAGE_SIZES = {"A5": (148, 210), "B5": (176, 250), "A4": (210, 297), "16开": (185, 260), "32开": (130, 184)}
# Chinese type sizes (字号), in pt.
HAO = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
       "四号": 14, "小四": 12, "五号": 10.5, "小五": 9, "六号": 7.5, "小六": 6.5}
LENGTH_UNITS = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}
STRUCTURE_KEYS = ("parts", "front", "back", "toc_depth", "numbering", "styles", "fonts", "edition",
                  "accessibility")  # lists and tables
ACCESSIBILITY_KEYS = ("conforms_to", "certified_by")
# The conformance statements EPUB Accessibility 1.1 defines (§ 2.1): the only values a claim may take.
CONFORMANCE = re.compile(r"EPUB Accessibility 1\.1 - WCAG 2\.[012] Level (A|AA|AAA)")
# [edition.zh-Hant]: the OpenCC configurations offered, and the keys of the table.
OPENCC_CONFIGS = ("s2twp", "s2tw", "s2hk", "s2t")
HANT_KEYS = ("opencc", "quotes", "overrides")
FONT_ROLES = ("body", "heading", "code")
# A fixed namespace so that a book without an identifier gets the same one on every build.
IDENTIFIER_NAMESPACE = uuid.UUID("6f1c3f5e-2b8a-4c1e-9a57-0b3d2f6e8c41")


def slugify(title: str) -> str:
    """A file-name-safe slug; CJK characters are kept (they are valid in file names)."""
    slug = re.sub(r"[^\w]+", "-", title, flags=re.UNICODE).strip("-_").lower()
    return slug or "book"


def derive_identifier(title: str, author: str) -> str:
    return f"urn:uuid:{uuid.uuid5(IDENTIFIER_NAMESPACE, title + chr(0x1F) + author)}"


def _did_you_mean(word: str, choices, otherwise: str = "") -> str:
    """"; did you mean 'x'?" for the nearest of choices to a misspelt key, else otherwise."""
    near = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean '{near[0]}'?" if near else otherwise


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


def _toml_text(path: Path) -> str | None:
    """book.toml's text, to find a line in for a message; None if it cannot be read (the message
    then goes without a line)."""
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _key_line(path: Path, key: str) -> int | None:
    """The line of book.toml where key is set, for messages."""
    text = _toml_text(path)
    if text is None:
        return None
    match = re.search(rf"^[ \t]*(\[\[?[ \t]*)?[\"']?{re.escape(key)}[\"']?[ \t]*[=\]]", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _pdf_key_line(path: Path, key: str) -> int | None:
    """The line of book.toml where key is set inside [pdf] (or pdf.key, or the pdf = {…} line)."""
    text = _toml_text(path)
    if text is None:
        return None
    table = re.search(r"^[ \t]*\[[ \t]*[\"']?pdf[\"']?[ \t]*\][^\n]*$", text, re.M)
    if table:
        end = re.search(r"^[ \t]*\[", text[table.end():], re.M)
        section = text[table.end():table.end() + end.start() if end else len(text)]
        match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[=.]", section, re.M)
        if match:
            return text.count("\n", 0, table.end() + match.start()) + 1
    match = re.search(rf"^[ \t]*pdf[ \t]*\.[ \t]*{re.escape(key)}\b", text, re.M)
    if match:
        return text.count("\n", 0, match.start()) + 1
    return _key_line(path, "pdf")


def _length_mm(value, what: str, path: Path) -> float:
    """A length of book.toml ("20mm", "2cm", "0.5in", "12pt", or a bare number of mm) in mm."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?\s*", value) if isinstance(value, str) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if match is None:
        raise BookError(f"[pdf] {what} = {value!r} is not a length; write it like \"20mm\" (mm, cm, in or pt)",
                        path, _pdf_key_line(path, what.split(".")[0]))
    return float(match.group(1)) * LENGTH_UNITS[match.group(2) or "mm"]


def _pdf_design(table, path: Path, diagnostics: Diagnostics) -> PdfDesign:
    """book.toml's [pdf] table, checked: one-line errors name the line and the accepted forms."""
    if table is None:
        return PdfDesign()
    if not isinstance(table, dict):
        raise BookError("'pdf' must be a table: write [pdf] and its keys below it", path, _key_line(path, "pdf"))
    for key in table:
        if key not in PDF_KEYS:
            diagnostics.warn(f"unknown key '{key}' in [pdf] is ignored{_did_you_mean(key, PDF_KEYS)}", path,
                             _pdf_key_line(path, key))

    def fail(key: str, message: str):
        raise BookError(f"[pdf] {key} = {_shown(table[key])}: {message}", path, _pdf_key_line(path, key))

    def choice(key: str, choices: tuple, default):
        value = table.get(key, default)
        if value not in choices or type(value) is not type(default):
            fail(key, "use " + " or ".join(_shown(c) for c in choices))
        return value

    design = {}
    if "page" in table:
        page = table["page"]
        named = {name.lower(): name for name in PAGE_SIZES}
        custom = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[×xX*]\s*(\d+(?:\.\d+)?)\s*mm\s*", page) \
            if isinstance(page, str) else None
        if isinstance(page, str) and page.strip().lower() in named:
            name = named[page.strip().lower()]
            design.update(page=name, width=float(PAGE_SIZES[name][0]), height=float(PAGE_SIZES[name][1]))
        elif custom:
            width, height = float(custom.group(1)), float(custom.group(2))
            if not (50 <= width <= 1000 and 50 <= height <= 1000):
                fail("page", "a page is 50 to 1000 mm wide and high")
            design.update(page=f"{custom.group(1)}×{custom.group(2)} mm", width=width, height=height)
        else:
            fail("page", "use " + ", ".join(f'"{name}"' for name in PAGE_SIZES) + ' or "W×H mm" (e.g. "140×203 mm")')
    if "margins" in table:
        margins = table["margins"]
        if not isinstance(margins, dict):
            fail("margins", 'write margins = { top = "20mm", bottom = "20mm", inner = "18mm", outer = "13mm" }')
        sides = ("top", "bottom", "inner", "outer")
        for side in margins:
            if side not in sides:
                fail("margins", f"'{side}' is not a side"
                     + _did_you_mean(side, sides, "; use top, bottom, inner and outer"))
        design["margins"] = Margins(**{side: _length_mm(margins[side], f"margins.{side}", path) for side in margins})
    if "font_size" in table:
        size = table["font_size"]
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*pt\s*", size) if isinstance(size, str) else None
        if isinstance(size, str) and size.strip() in HAO:
            design["font_size"] = float(HAO[size.strip()])
        elif match or isinstance(size, (int, float)) and not isinstance(size, bool):
            design["font_size"] = float(match.group(1) if match else size)
        else:
            fail("font_size", 'write it in pt ("10.5pt") or as a 号 ("五号", "小四", "小五", "四号" …)')
        if not 6 <= design["font_size"] <= 30:
            fail("font_size", "the body size is 6 to 30 pt")
    if "line_height" in table:
        height = table["line_height"]
        if isinstance(height, bool) or not isinstance(height, (int, float)) or not 1 <= height <= 3:
            fail("line_height", "a number from 1 to 3 (a multiple of the body size), e.g. 1.8")
        design["line_height"] = float(height)
    if "openings" in table:
        design["openings"] = choice("openings", ("right", "any"), "right")
    if "cover" in table:
        design["cover"] = choice("cover", (True, False), True)
    if "running_heads" in table:
        design["running_heads"] = choice("running_heads", (True, False), True)
    if "folio" in table:
        design["folio"] = choice("folio", ("foot", "head", "outside"), "foot")
    result = PdfDesign(**design)
    margins = result.margins
    mm = 25.4 / 72
    if (result.width - margins.inner - margins.outer < 10 * result.font_size * mm
            or result.height - margins.top - margins.bottom < 5 * result.font_size * result.line_height * mm):
        key = "margins" if "margins" in table else "page" if "page" in table else "font_size"
        raise BookError(f"[pdf] the margins leave too little of a {result.page} page for {result.font_size:g} pt "
                        "text (at least 10 characters by 5 lines); make them smaller", path, _pdf_key_line(path, key))
    return result


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _value_line(path: Path, value: str) -> int | None:
    """The line of book.toml where the string value is written (in quotes), for messages."""
    text = _toml_text(path)
    if text is None:
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
            hint = _did_you_mean(key, REQUIRED_KEYS + OPTIONAL_KEYS + STRUCTURE_KEYS)
            diagnostics.warn(f"unknown key '{key}' is ignored{hint}", toml_path, _key_line(toml_path, key))
    missing = [k for k in REQUIRED_KEYS if not str(config.get(k, "")).strip()]
    if missing:
        raise BookError(f"missing required key(s): {', '.join(missing)}; add them to book.toml", toml_path)
    for key, value in config.items():
        if key in REQUIRED_KEYS + OPTIONAL_KEYS and key not in ("chapters", "pdf", "vertical"):
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
    meta = _accessibility(config, meta, toml_path, diagnostics)
    design = _pdf_design(config.get("pdf"), toml_path, diagnostics)
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
    if blank:
        raise BookError("the chapter is empty (it would print as blank pages); write it, or delete the file "
                        "or remove it from 'chapters'", blank[0].path)
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
    hant = _hant_settings(config, toml_path, diagnostics)
    vertical = config.get("vertical", False)
    if vertical not in (True, False, "kindle"):
        raise BookError("'vertical' must be true, false or \"kindle\" (vertical, with the presentation forms of "
                        "brackets Kindle needs)", toml_path, _key_line(toml_path, "vertical"))
    sources = ([toml_path] + [c.path for c in chapters] + ([colophon.path] if colophon else [])
               + [s.path for s in front + back] + list(styles) + [path for _, path in fonts])
    return Book(root=root, meta=meta, chapters=tuple(chapters), colophon=colophon,
                build_date=source_date(root, [p.resolve() for p in sources]), front=front, back=back,
                parts=tuple(book_parts), toc_depth=toc_depth, numbering=numbering, styles=styles, fonts=fonts,
                pdf=design, hant=hant, vertical=bool(vertical), vertical_forms=vertical == "kindle")


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
        path.open("rb").close()  # readable: opening says so without reading a 20 MB font
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


def _accessibility(config: dict, meta: Metadata, toml_path: Path, diagnostics: Diagnostics) -> Metadata:
    """[accessibility]: a conformance claim (dcterms:conformsTo) and who made it (a11y:certifiedBy),
    only when the author states one; without it the EPUB claims nothing."""
    table = config.get("accessibility", {})
    if not isinstance(table, dict):
        raise BookError("'accessibility' must be a table: [accessibility] with conforms_to = \"EPUB "
                        "Accessibility 1.1 - WCAG 2.1 Level AA\"", toml_path, _key_line(toml_path, "accessibility"))
    for key in table:
        if key not in ACCESSIBILITY_KEYS:
            diagnostics.warn(f"unknown key '{key}' in [accessibility] is ignored"
                             f"{_did_you_mean(key, ACCESSIBILITY_KEYS)}", toml_path, _key_line(toml_path, key))
    conforms_to, certified_by = table.get("conforms_to", ""), table.get("certified_by", "")
    if not isinstance(conforms_to, str) or (conforms_to and not CONFORMANCE.fullmatch(conforms_to.strip())):
        raise BookError("[accessibility] conforms_to must be an EPUB Accessibility 1.1 statement such as "
                        "\"EPUB Accessibility 1.1 - WCAG 2.1 Level AA\"", toml_path, _key_line(toml_path, "conforms_to"))
    if not isinstance(certified_by, str):
        raise BookError("[accessibility] certified_by must be a name (in quotes)", toml_path,
                        _key_line(toml_path, "certified_by"))
    if certified_by.strip() and not conforms_to.strip():
        raise BookError("[accessibility] certified_by without conforms_to: add the conformance you claim, or "
                        "remove certified_by", toml_path, _key_line(toml_path, "certified_by"))
    if not conforms_to.strip():
        return meta
    # Whoever evaluated the book; the party that publishes it (or its author) unless another is named.
    return replace(meta, conforms_to=conforms_to.strip(),
                   certified_by=certified_by.strip() or meta.publisher or meta.author)


def _book_fonts(config: dict, root: Path, toml_path: Path) -> tuple[tuple[str, Path], ...]:
    """[fonts]: the book's own font files by role, each a readable OpenType/TrueType font."""
    table = config.get("fonts", {})
    if not isinstance(table, dict):
        raise BookError("'fonts' must be a table: [fonts] with body, heading or code = \"fonts/….otf\"",
                        toml_path, _key_line(toml_path, "fonts"))
    fonts = []
    for role, name in table.items():
        if role not in FONT_ROLES:
            hint = _did_you_mean(role, FONT_ROLES, f"; use {', '.join(FONT_ROLES)}")
            raise BookError(f"[fonts] has no role '{role}'{hint}", toml_path, _key_line(toml_path, role))
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


def _hant_settings(config: dict, toml_path: Path, diagnostics: Diagnostics) -> HantSettings:
    """[edition.zh-Hant]: opencc = "s2twp" | "s2tw" | "s2hk" | "s2t", quotes = "corner" | "keep", and
    [edition.zh-Hant.overrides] "简体" = "繁體" (choices the author pins)."""
    editions = config.get("edition", {})
    if not isinstance(editions, dict):
        raise BookError("'edition' must be a table: write [edition.zh-Hant] and its keys below it", toml_path,
                        _key_line(toml_path, "edition"))
    for name in editions:
        if name != "zh-Hant":
            diagnostics.warn(f"unknown edition '{name}' is ignored; the one edition is zh-Hant", toml_path,
                             _key_line(toml_path, f"edition.{name}") or _key_line(toml_path, "edition"))
    table = editions.get("zh-Hant", {})
    line = _key_line(toml_path, "edition.zh-Hant") or _key_line(toml_path, "edition")
    if not isinstance(table, dict):
        raise BookError("'edition.zh-Hant' must be a table: [edition.zh-Hant] with opencc, quotes, overrides",
                        toml_path, line)
    for key in table:
        if key not in HANT_KEYS:
            diagnostics.warn(f"unknown key '{key}' in [edition.zh-Hant] is ignored{_did_you_mean(key, HANT_KEYS)}",
                             toml_path, _key_line(toml_path, key) or line)
    opencc = table.get("opencc", "s2twp")
    if opencc not in OPENCC_CONFIGS:
        raise BookError(f"[edition.zh-Hant] opencc = {_shown(opencc)}: use "
                        + " or ".join(f'"{c}"' for c in OPENCC_CONFIGS), toml_path, _key_line(toml_path, "opencc") or line)
    quotes = table.get("quotes", "corner")
    if quotes not in ("corner", "keep"):
        raise BookError(f"[edition.zh-Hant] quotes = {_shown(quotes)}: use \"corner\" (「」『』) or \"keep\" (“”‘’)",
                        toml_path, _key_line(toml_path, "quotes") or line)
    overrides = table.get("overrides", {})
    if not isinstance(overrides, dict) or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in overrides.items()):
        raise BookError("[edition.zh-Hant.overrides] pins words: write \"头发\" = \"頭髮\", one a line",
                        toml_path, _key_line(toml_path, "overrides") or line)
    return HantSettings(opencc=opencc, quotes=quotes, overrides=tuple(overrides.items()))
