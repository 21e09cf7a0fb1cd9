"""The command line: python build.py {epub,pdf,all} [--book DIR] [--out DIR] [--strict]."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from .errors import BookError, Diagnostics
from .output import outputs_together
from .progress import Progress

REPO_ROOT = Path(__file__).resolve().parent.parent
STYLES_DIR = REPO_ROOT / "styles"
FONTS_DIR = REPO_ROOT / "fonts"
CACHE_DIR = REPO_ROOT / ".cache"


def _stylesheet(*names: str) -> str:
    parts = []
    for name in names:
        path = STYLES_DIR / name
        try:
            parts.append(f"/* {name} */\n" + path.read_text("utf-8"))
        except OSError as exc:
            raise BookError(f"cannot read the stylesheet ({exc.strerror}); restore it from git", path)
    return "\n".join(parts)


def build(target: str, book_dir: Path, out_dir: Path, diagnostics: Diagnostics, for_print: bool = False) -> list[Path]:
    from .assets.fonts import FontSet
    from .load import load_book
    from .markdown_cjk import render_markdown, render_markdown_cached

    progress = Progress(quiet=diagnostics.quiet)
    book = load_book(book_dir, diagnostics)
    chapters = []
    for source in book.chapters:
        chapters.append(render_markdown_cached(source, CACHE_DIR))
        progress.update("markdown", len(chapters), len(book.chapters))
    progress.finish()
    colophon = render_markdown(book.colophon) if book.colophon else None
    for chapter in chapters:
        if not chapter.headings or chapter.headings[0].level != 1:
            diagnostics.warn("chapter does not start with a level-1 heading (# Title); "
                             "the file name is used as its title", chapter.source.path, 1)

    epub_css = _stylesheet("book.css", "epub.css")
    fonts = FontSet(FONTS_DIR, epub_css, CACHE_DIR)
    for source in book.chapters + ([book.colophon] if book.colophon else []):
        for number, line in enumerate(source.text.split("\n"), start=1):
            for char in fonts.missing(line):
                diagnostics.warn(f"U+{ord(char):04X} {char!r} is in no embedded font and will not display",
                                 source.path, number, strict_error=True)
    diagnostics.raise_if_strict()

    written = []
    with outputs_together():  # all or nothing: a failed PDF does not leave a new EPUB beside an old PDF
        if target in ("epub", "all"):
            from .epub import build_epub
            path = out_dir / f"{book.meta.slug}.epub"
            build_epub(book, chapters, colophon, fonts, epub_css, path)
            written.append(path)
        if target in ("pdf", "all"):
            from .pdf import render_pdf as build_pdf
            # The print variant adds bleed and crop marks for the printer; the screen PDF has neither.
            sheets = ("book.css", "pdf.css", "print.css") if for_print else ("book.css", "pdf.css")
            path = out_dir / f"{book.meta.slug}{'.print' if for_print else ''}.pdf"
            build_pdf(book, chapters, colophon, fonts, _stylesheet(*sheets), STYLES_DIR, path, diagnostics,
                      CACHE_DIR, progress)
            written.append(path)
    return written


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm():
    """SIGTERM (kill, a CI timeout) unwinds like Ctrl-C, so temporary outputs are removed on the
    way out; returns the previous handler, or None where signals cannot be set (not the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build a Chinese EPUB and PDF from Markdown.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{epub,pdf,all,import}")
    for name, help_text in (("epub", "build the EPUB"), ("pdf", "build the PDF"), ("all", "build both")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--book", type=Path, default=Path("book"), help="book folder (default: book/)")
        command.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist/)")
        command.add_argument("--strict", action="store_true",
                             help="treat missing glyphs and similar warnings as errors")
        if name != "epub":
            command.add_argument("--print", dest="for_print", action="store_true",
                                 help="write <slug>.print.pdf with 3 mm bleed and crop marks")
    importer = commands.add_parser("import", help="turn a scraped web article into a book folder")
    importer.add_argument("source", type=Path, help="the article as a text file")
    importer.add_argument("--out", type=Path, required=True, help="the book folder to write")
    # Global options are accepted after the command too: build.py pdf --debug.
    for command in commands.choices.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    diagnostics = Diagnostics(strict=getattr(args, "strict", False), quiet=args.quiet)
    started = time.perf_counter()
    previous_sigterm = _stop_on_sigterm()
    try:
        if args.command == "import":
            from .importer import import_article
            written = import_article(args.source, args.out, diagnostics)
        else:
            written = build(args.command, args.book, args.out, diagnostics, getattr(args, "for_print", False))
    except BookError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C, or kill: the temporary outputs were removed on the way out
        if args.debug:
            raise
        print("error: interrupted; the previous outputs are as they were", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still one line unless --debug
        if args.debug:
            raise
        print(f"error: internal error ({type(exc).__name__}: {exc}); rerun with --debug and report it"
              .replace("\n", " "), file=sys.stderr)
        return 2
    finally:
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)
    if not args.quiet:
        for path in written:
            size = f" ({path.stat().st_size / 1024:.0f} KB)" if path.is_file() else ""
            print(f"wrote {path}{size}")
        print(f"done in {time.perf_counter() - started:.1f} s")
    return 0
