"""Import a scraped web article (plain text) into a book folder: book.toml, chapters/*.md, colophon.md.

The stages, in order, each a module of this package:
  read       zhbook.textio.decode, the decoder chapters use too; empty, binary or HTML input refused here.
  classify   (classify.py, with the patterns of rules.py) each non-empty line: title, author, clutter (the
             site's navigation, bylines, captions, notices, prompts, counters, header and footer), disclaimer,
             heading, list item or body; heading levels from the numbering.
  normalise  (punctuation.py) ASCII , ? ! : ; ( ) next to Chinese become full width, "…" around Chinese “…",
             a "." ending a Chinese sentence 。.
  write      (write.py) Markdown, one file per top-level part, book.toml and colophon.md, atomically.

What was removed and how the file was read are reported through Diagnostics. The same input always gives
the same output: nothing depends on time, paths or dict order.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..cjk import looks_traditional
from ..errors import BookError, Diagnostics
from ..textio import FORBIDDEN
from ..textio import Decoded, decode
from .classify import Line, assign_levels, classify, read_lines, scheme_of, tidy_label
from .rules import HTML_PAGE
from .write import book_toml, build_chapters, chapter_file, check_out_dir, colophon_markdown, write_book

# Invisible characters pasted from web pages: zero-width space, word joiner, a stray BOM.
INVISIBLE = re.compile("[\u200b\u2060\ufeff]")


def read_article(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise BookError("article not found; check the path", source)
    except IsADirectoryError:
        raise BookError("is a folder; give the article's text file", source)
    except OSError as exc:
        raise BookError(f"cannot read the article ({exc.strerror}); check its permissions", source)


def decode_article(raw: bytes, path: Path) -> Decoded:
    """The article's text, encoding and warning (zhbook.textio.decode); BookError for empty, binary or
    unknown bytes, and for a text that is no article: blank, full of control characters, an HTML page."""
    if not raw:
        raise BookError("the article is empty (0 bytes); give the text file of the article", path)
    decoded = decode(raw, path)
    text = decoded.text
    controls = len(FORBIDDEN.findall(text.replace("\f", "")))
    if controls > max(4, len(text) // 100):
        raise BookError(f"is not a text file ({controls} control characters: binary data); "
                        "save the article as UTF-8 text", path)
    if not text.strip():
        raise BookError("the article has no text (only blank lines); give the text file of the article", path)
    if HTML_PAGE.match(text):
        raise BookError("is an HTML page, not the article's text; open it in a browser, copy the article "
                        "and save it as a .txt file", path)
    return decoded


def report(lines: list[Line], path: Path, diagnostics: Diagnostics) -> None:
    """Every line that is not body text: removed clutter, the title, the byline, the moved disclaimer."""
    removed = [line for line in lines if line.kind == "clutter"]
    diagnostics.note(f"{len(removed)} line(s) of site clutter removed:", path)
    for line in removed:
        diagnostics.note(f"removed ({line.reason}): {line.raw}", path, line.number, indent="  ")
    for line in lines:
        if line.kind in ("title", "author", "disclaimer"):
            diagnostics.note(f"{line.reason}: {line.raw}", path, line.number, indent="  ")


def import_article(source: Path, out_dir: Path, diagnostics: Diagnostics) -> list[Path]:
    """Write the book folder out_dir from the article source; the files written."""
    source, out_dir = Path(source), Path(out_dir)
    check_out_dir(out_dir)
    text, encoding, warning = decode_article(read_article(source), source)
    diagnostics.note(f"read as {encoding}", source)
    if warning:
        diagnostics.warn(warning, source)

    text = INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if FORBIDDEN.search(text):
        diagnostics.warn(f"removed {len(FORBIDDEN.findall(text))} control character(s)", source)
        text = FORBIDDEN.sub("", text)
    lines = read_lines(text)
    title, subtitle, author = classify(lines, diagnostics, source)

    blocks = [line for line in lines if line.kind in ("heading", "item", "body")]
    if not blocks:
        raise BookError("has no article text after the title (only a byline, site clutter or a disclaimer); "
                        "give the whole article", source)
    for block in blocks:
        block.text = tidy_label(block.text, scheme_of(block.text)[0] or "")
    assign_levels([block for block in blocks if block.kind == "heading"])
    # The edition's language follows the article's characters: a Traditional article is zh-Hant.
    language = "zh-Hant" if looks_traditional("".join(block.text for block in blocks)) else "zh-Hans"
    chapters = build_chapters(blocks, title, language)
    disclaimer = next((line for line in lines if line.kind == "disclaimer"), None)
    marks = sum(line.marks for line in lines if line.kind not in ("clutter", "author"))
    removed = [line.category for line in lines if line.kind == "clutter"]
    report(lines, source, diagnostics)

    chapter_files = [chapter_file(number, chapter) for number, chapter in enumerate(chapters, start=1)]
    meta = {"title": title, "subtitle": subtitle, "author": author, "language": language,
            "colophon": "colophon.md"}
    files = {"book.toml": book_toml(meta, chapter_files)}
    files.update((name, chapter.markdown()) for name, chapter in zip(chapter_files, chapters))
    files["colophon.md"] = colophon_markdown(disclaimer, chapters, removed, marks, language)
    return write_book(out_dir, files, diagnostics)
