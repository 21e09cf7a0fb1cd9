"""The command line: python build.py {epub,pdf,all,import,check,new,preview} [--book DIR] [--out DIR]
[--edition zh-Hant] [--vertical[=kindle]] [--strict] [-q]:
arguments in, one line per error, warning or output file out; the work is zhbook.pipeline's."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from .errors import BookError, Diagnostics
from .progress import Progress

DEFAULT_BOOK = Path("book")


def _book_dir(given: Path) -> Path:
    """The book folder; run from inside a book folder without --book, say how to build it."""
    if given == DEFAULT_BOOK and not (given / "book.toml").exists() and Path("book.toml").is_file():
        raise BookError("there is no book/ folder here, but this folder has a book.toml: "
                        "to build the book you are in, add --book .", given)
    return given


def _check(args) -> int:
    """build.py check [FILE.epub]: EPUBCheck's messages, then the reader rules' findings, one line each;
    1 if EPUBCheck found an error or a finding breaks a reader (advice alone leaves it 0)."""
    import zipfile

    from .epub import preflight

    path = args.file
    if path is None:
        from .load import load_book

        path = args.out / f"{load_book(_book_dir(args.book), Diagnostics(quiet=True)).meta.slug}.epub"
        if not path.is_file():
            raise BookError("no built EPUB to check; build it first (build.py epub) or name a file", path)
    if not path.is_file():
        raise BookError("no such file; name an .epub file", path)
    try:
        messages = preflight.epubcheck(path)
        findings = preflight.check(path)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BookError(f"not an EPUB that can be read ({exc}); is it a whole .epub file?", path) from None
    for message in messages:
        if message.severity not in ("USAGE", "INFO"):
            print(message)
    for finding in findings:
        print(finding)
    errors = [m for m in messages if m.severity in ("FATAL", "ERROR")]
    warnings = [m for m in messages if m.severity == "WARNING"]
    breaking = [f for f in findings if f.breaks]
    if not args.quiet:
        print(f"{path}: EPUBCheck {len(errors)} error(s), {len(warnings)} warning(s); reader rules: "
              f"{len(breaking)} finding(s) that break a reader, {len(findings) - len(breaking)} advice")
    return 1 if errors or breaking else 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm():
    """SIGTERM (kill, a CI timeout) unwinds like Ctrl-C, so temporary outputs are removed on the
    way out; returns the previous handler, or None where signals cannot be set (not the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:
        return None


def main(argv: list[str] | None = None, prog: str = "build.py") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Build a Chinese EPUB and PDF from Markdown.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{epub,pdf,all,import,check,new,preview}")
    for name, help_text in (("epub", "build the EPUB"), ("pdf", "build the PDF"), ("all", "build both")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--book", type=Path, default=DEFAULT_BOOK, help="book folder (default: book/)")
        command.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist/)")
        command.add_argument("--strict", action="store_true",
                             help="fail on any warning (the previous outputs stay as they were)")
        command.add_argument("--edition", choices=("zh-Hant",), default="",
                             help="the Traditional Chinese edition (OpenCC): <slug>.zh-Hant.epub/.pdf")
        command.add_argument("--vertical", nargs="?", const="vertical", choices=("vertical", "kindle"),
                             metavar="kindle",
                             help="a vertical EPUB (竖排), written as <slug>.vertical.epub; --vertical=kindle also "
                                  "uses the vertical forms of brackets Kindle needs (<slug>.vertical-kindle.epub). "
                                  "The PDF stays horizontal")
        if name != "epub":
            command.add_argument("--print", dest="for_print", action="store_true",
                                 help="write <slug>.print.pdf with 3 mm bleed and crop marks")
        else:
            from .epub.readers import PROFILES

            command.add_argument("--reader", choices=list(PROFILES), default="standard",
                                 help="the EPUB for one reader (default: standard, safe for all; docs/readers.md)")
    checker = commands.add_parser("check", help="EPUBCheck, then the e-reader rules, on an EPUB file")
    checker.add_argument("file", type=Path, nargs="?",
                         help="the EPUB to check (default: the built book, <out>/<slug>.epub)")
    checker.add_argument("--book", type=Path, default=DEFAULT_BOOK, help="book folder (default: book/)")
    checker.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist/)")
    importer = commands.add_parser("import", help="turn a scraped web article into a book folder")
    importer.add_argument("source", type=Path, help="the article as a text file")
    importer.add_argument("--out", type=Path, required=True, help="the book folder to write")
    scaffold = commands.add_parser("new", help="create a minimal book folder that builds at once")
    scaffold.add_argument("folder", type=Path, help="the book folder to create (must not hold a book)")
    scaffold.add_argument("--title", default="", help="the book's title (default: the folder's name)")
    scaffold.add_argument("--author", default="", help="the author (default: 佚名, to be replaced)")
    preview = commands.add_parser("preview", help="serve the book on 127.0.0.1, reloading on every save")
    preview.add_argument("--book", type=Path, default=DEFAULT_BOOK, help="book folder (default: book/)")
    preview.add_argument("--out", type=Path, default=Path("dist"),
                         help="output folder, where the PDF is rebuilt after each save (default: dist/)")
    preview.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0: any free one)")
    preview.add_argument("--open", dest="open_browser", action="store_true", help="open the preview in a browser")
    # Global options are accepted after the command too: build.py pdf --debug.
    for command in commands.choices.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    # -q silences progress, notes and the "wrote" lines; warnings are always shown.
    diagnostics = Diagnostics(strict=getattr(args, "strict", False), show_notes=not args.quiet)
    started = time.perf_counter()
    previous_sigterm = _stop_on_sigterm()
    try:
        if args.command == "import":
            from .importer import import_article
            written = import_article(args.source, args.out, diagnostics)
        elif args.command == "new":
            from .scaffold import new_book
            written = new_book(args.folder, args.title, args.author)
        elif args.command == "preview":
            from .preview import run
            return run(_book_dir(args.book), args.out, args.port, args.open_browser, args.quiet)
        elif args.command == "check":
            return _check(args)
        else:
            from .pipeline import build
            written = build(args.command, _book_dir(args.book), args.out, diagnostics, Progress(quiet=args.quiet),
                            getattr(args, "for_print", False), args.edition, args.vertical or "",
                            getattr(args, "reader", "standard"))
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
