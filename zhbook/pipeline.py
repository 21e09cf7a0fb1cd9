"""One build: load the book once → render its chapters → check them → hand one RenderContext to each
renderer the target asks for. The outputs move into place together, and only if all succeed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import paths
from .assets.fonts import FontSet
from .errors import Diagnostics
from .load import load_book
from .markdown import render_chapters
from .markdown.references import number_chapters, resolve_references
from .model import Chapter, RenderContext, Styles
from .output import outputs_together
from .progress import Progress

TARGETS = {"epub": ("epub",), "pdf": ("pdf",), "all": ("epub", "pdf")}


def _renderer(name: str):
    """An output's render(ctx); imported when asked for, so an EPUB build never loads WeasyPrint."""
    if name == "epub":
        from .epub import render
    else:
        from .pdf import render
    return render


def _check(chapters: list[Chapter], colophon: Chapter | None, fonts: FontSet, diagnostics: Diagnostics) -> None:
    """What the reader would miss, said before anything is written."""
    for chapter in chapters:
        if not chapter.headings or chapter.headings[0].level != 1:
            used = (f"its first heading, {chapter.headings[0].text!r}," if chapter.headings
                    else f"the file name, {chapter.source.path.stem!r},")
            diagnostics.warn(f"chapter does not start with a level-1 heading (# Title); {used} is used as "
                             "its title", chapter.source.path, 1)
        level1 = _level1_lines(chapter.source.text)
        extra = [h for h in chapter.headings if h.level == 1][1:]
        for index, heading in enumerate(extra, start=1):
            diagnostics.warn(f"a second level-1 heading (# {heading.text}) in one chapter: it is set as a "
                             "heading and a PDF bookmark, but the contents and the EPUB's navigation list only "
                             "the chapter's first; make it ## or start a new chapter file", chapter.source.path,
                             level1[index] if index < len(level1) else None)
    for source in [c.source for c in chapters] + ([colophon.source] if colophon else []):
        if not fonts.missing(source.text):  # the usual case, seen in one look per distinct character
            continue
        for number, line in enumerate(source.text.split("\n"), start=1):
            for char in fonts.missing(line):
                diagnostics.warn(f"U+{ord(char):04X} {char!r} is in no embedded font and will not display",
                                 source.path, number)


def _level1_lines(text: str) -> list[int]:
    """The lines of the level-1 ATX headings (`# …`) of a Markdown source, outside fenced code."""
    lines, fenced = [], False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (line.startswith("# ") or line.rstrip() == "#"):
            lines.append(number)
    return lines


# WeasyPrint has no vertical writing (Kozea/WeasyPrint #577): the PDF is set horizontally whatever is asked.
PDF_STAYS_HORIZONTAL = "the PDF stays horizontal: WeasyPrint has no vertical writing (Kozea/WeasyPrint #577)"


def prepare(book_dir: Path, out_dir: Path, diagnostics: Diagnostics, progress: Progress,
            for_print: bool = False, edition: str = "", vertical: str = "", target: str = "",
            reader: str = "standard") -> RenderContext:
    """The book loaded, its chapters rendered and checked: the one RenderContext every renderer is
    handed (also the live preview's, zhbook.preview, which renders the EPUB from it on each save)."""
    return _prepare(book_dir, out_dir, diagnostics, progress, for_print, edition, vertical, target, reader)[0]


def _prepare(book_dir: Path, out_dir: Path, diagnostics: Diagnostics, progress: Progress, for_print: bool,
             edition: str, vertical: str, target: str, reader: str = "standard"):
    """prepare(), and the edition's review entries (None for the book as written)."""
    cache_dir = paths.cache_dir()
    book = load_book(book_dir, diagnostics)
    review = None
    if edition:
        from .edition import make_edition

        book, review = make_edition(book, edition, cache_dir, diagnostics)
    if vertical:
        book = replace(book, vertical=True, vertical_forms=vertical == "kindle")
        if target == "pdf":
            diagnostics.warn(PDF_STAYS_HORIZONTAL + "; --vertical is for the EPUB: build.py epub --vertical")
        elif target == "all":
            diagnostics.note(PDF_STAYS_HORIZONTAL + "; the EPUB is vertical")
    styles = Styles(paths.styles_dir(), book.styles, book.fonts, book.edition)
    # Front matter, chapters, back matter: in reading order (each Chapter says its matter).
    chapters = render_chapters(book.front + book.chapters + book.back, book.root, cache_dir, diagnostics, progress)
    progress.finish()
    colophon = render_chapters([book.colophon], book.root, cache_dir, diagnostics)[0] if book.colophon else None
    chapters, colophon = resolve_references(chapters, colophon, book.numbering)
    chapters = number_chapters(chapters, book.numbering)
    if book.edition:
        from .edition import convert_generated

        chapters, colophon = convert_generated(chapters, colophon, book)
    fonts = FontSet(paths.fonts_dir(), styles.read("book.css"), cache_dir, dict(book.fonts))
    _check(chapters, colophon, fonts, diagnostics)
    diagnostics.raise_if_strict()
    return RenderContext(book=book, chapters=tuple(chapters), colophon=colophon, fonts=fonts, styles=styles,
                         cache_dir=cache_dir, out_dir=out_dir, diagnostics=diagnostics, progress=progress,
                         for_print=for_print, reader=reader,
                         epub_tag={"vertical": "vertical", "kindle": "vertical-kindle"}.get(vertical, "")), review



def build(target: str, book_dir: Path, out_dir: Path, diagnostics: Diagnostics, progress: Progress,
          for_print: bool = False, edition: str = "", vertical: str = "", reader: str = "standard") -> list[Path]:
    """Build target ("epub", "pdf" or "all") of the book in book_dir into out_dir; the paths written.
    edition: "zh-Hant" for the Traditional Chinese edition (zhbook.edition), "" for the book as written.
    vertical ("vertical" or "kindle", from --vertical): a vertical EPUB, named <slug>.vertical.epub
    (<slug>.vertical-kindle.epub) so that it sits beside the horizontal one.
    reader: the EPUB's reader profile (zhbook.epub.readers)."""
    ctx, review = _prepare(book_dir, out_dir, diagnostics, progress, for_print, edition, vertical, target, reader)
    # All or nothing: a failed PDF does not leave a new EPUB beside an old PDF; with --strict, a
    # warning given while rendering also leaves the previous outputs as they were.
    with outputs_together():
        written = [_renderer(name)(ctx) for name in TARGETS[target]]
        if review is not None:
            written.append(_write_review(ctx, review))
        diagnostics.raise_if_strict()
    return written


def _write_review(ctx: RenderContext, review) -> Path:
    """<slug>.<edition>.review.txt: the characters OpenCC chose a form of, said in one note line."""
    from .edition import review_text
    from .output import atomic_output

    path = ctx.output(".review.txt")
    with atomic_output(path) as temporary:
        temporary.write_text(review_text(ctx.book, review), "utf-8")
    phrases = sum(entry.decided_by_phrase for entry in review)
    ctx.diagnostics.note(f"{len(review)} characters with more than one Traditional form, as OpenCC chose them "
                         f"({phrases} by the words around them), are listed for review in {path}")
    return path
