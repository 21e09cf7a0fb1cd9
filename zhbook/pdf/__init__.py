"""The PDF renderer (WeasyPrint): the book as HTML parts from our templates (html), with the same
stylesheet, set in parallel in worker processes (workers, part) and cached (cache), placed by the
recto rule (plan) and joined into one PDF (join). Every change to WeasyPrint is in weasyprint,
installed in the workers only.

The entry is render(ctx).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path

from ..assets.cover import cover_image
from ..errors import BookError
from ..model import Book, RenderContext, Styles
from ..output import atomic_output
from .cache import PartCache
from .html import chapter_body, front_body, part_html
from .join import join_parts
from .part import PartJob, RenderedPart, book_fetcher
from .page import page_css
from .plan import Plan, opens_verso
from .structure import structure_css
from .weasyprint import load as load_weasyprint
from .workers import CharacterReader, PageCounts, Workers, read_characters

__all__ = ["render", "load_weasyprint", "stylesheet"]

STYLESHEETS = ("book.css", "pdf.css")
PRINT_STYLESHEETS = STYLESHEETS + ("print.css",)  # the printer's copy: 3 mm bleed and crop marks, no cover


def stylesheet(styles: Styles, book: Book, for_print: bool = False) -> str:
    """The tool's stylesheets, then the page made from the book's design (zhbook.pdf.page) and what its
    parts and front matter need (zhbook.pdf.structure), then the book's own. The part cache keys on
    it, so a part set on one page is never taken for another."""
    with_cover = book.pdf.cover and not for_print  # printers take the cover apart
    return styles.read(*(PRINT_STYLESHEETS if for_print else STYLESHEETS),
                       extra="\n/* page (zhbook.pdf.page) */\n" + page_css(book.pdf, with_cover) + structure_css(book))


def render(ctx: RenderContext) -> Path:
    """The book set part by part — in parallel, unchanged parts from the cache — then joined into
    <out>/<slug>.pdf (<slug>.print.pdf for the printer). Returns its path."""
    book, fonts, chapters, colophon = ctx.book, ctx.fonts, ctx.chapters, ctx.colophon
    diagnostics, progress = ctx.diagnostics, ctx.progress
    design = book.pdf
    with_cover = design.cover and not ctx.for_print  # printers take the cover apart
    css = stylesheet(ctx.styles, book, ctx.for_print)
    out_path = ctx.output(".print.pdf" if ctx.for_print else ".pdf")
    weasyprint = _Import()  # while the parts are looked up in the cache, characters read and fonts cut
    cover_uri = None
    if with_cover:
        image, image_type = cover_image(book, *(font.path for font in fonts.cover_faces()), ctx.cache_dir)
        cover_uri = f"data:{image_type};base64,{base64.b64encode(image).decode()}"
    # The front matter (preface) is set in the front part, before the contents: roman page numbers.
    bodies = [part_html(book, chapter_body(book, chapter)) for chapter in chapters if chapter.matter != "front"]
    images = ctx.images
    cache = PartCache(ctx.cache_dir, css, fonts, images, book.meta.identifier)

    # The fonts hold the characters of every part: per part from the cache, or read from its HTML.
    # The front matter's page numbers are not known yet, but they are digits: always included.
    front_draft = part_html(book, front_body(book, chapters, colophon, cover_uri, {}))
    used = {name: set() for name in fonts.files}
    for chars in _characters(CharacterReader(fonts, css), cache, bodies + [front_draft], weasyprint):
        for name, part_chars in chars.items():
            used[name] |= part_chars
    # The parts are laid out with subsets that keep the full fonts' glyph numbers, which their text
    # is written with: a chapter from the cache, set with an older subset, shows right with the
    # program the join embeds (FontSet.pdf_program: the glyphs all parts draw).
    subsets = dict(zip((font.sha256 for font in fonts.embedded),
                       fonts.subsets([(font, used[font.name], True) for font in fonts.embedded], progress,
                                     "pdf font subsets")))
    font_data = {(ctx.styles.dir / font.url).resolve().as_uri(): subsets[font.sha256] for font in fonts.embedded}
    programs = {hashlib.sha256(data).hexdigest(): font_sha for font_sha, data in subsets.items()}

    counts = PageCounts([cache.pages(html) for html in bodies], design.openings)
    settings = {"stylesheet": css, "styles_url": str(ctx.styles.dir.resolve()) + "/",
                "base_url": str(book.root.resolve()) + "/", "identifier": book.meta.identifier.encode("utf-8"),
                "fetcher": lambda: book_fetcher(load_weasyprint(), font_data, book.root, images), "counts": counts,
                "font_programs": programs}
    rendered: dict[int, RenderedPart] = {}
    planned, newly_set = 0, []
    weasyprint.wait()  # the workers are forked with it: loaded once, and no import half done in them
    with Workers(settings, len(bodies) + 1) as workers:
        def done(part: RenderedPart) -> None:
            rendered[part.index] = part
            cache.store(bodies[part.index - 1], part)
            newly_set.append(part.index)
            progress.update("pdf chapters set", len(newly_set), planned)

        def set_body(front_pages: int) -> None:
            """The chapters, each on the side it opens on: the front matter takes front_pages."""
            nonlocal planned
            # 1. Parts never laid out before: their page counts decide where the later parts start.
            #    They are set as opening on a right-hand page; one that opens on a left is set again in 2.
            new = [PartJob(i + 1, html, None) for i, html in enumerate(bodies) if cache.pages(html) is None]
            planned += len(new)
            if new:
                progress.update("pdf chapters set", len(newly_set), planned)  # the stage starts now
            for part in workers.map(new):
                done(part)
            # 2. Parts that were laid out before, at the page (and on the side) they now start on:
            #    cached or set again.
            first_pages = Plan(tuple(cache.pages(html) for html in bodies), design.openings).first_pages
            again = []
            for index, html in enumerate(bodies, start=1):
                first_page = first_pages[index - 1]
                verso = opens_verso(front_pages, first_page)
                if index in rendered and (rendered[index].first_page, rendered[index].verso) == (first_page, verso):
                    continue
                cached = cache.load(html, first_page, index, verso)
                if cached is None:
                    again.append(PartJob(index, html, first_page, verso))
                else:
                    rendered[index] = cached
            planned += len(again)
            if again:
                progress.update("pdf chapters set", len(newly_set), planned)
            for part in workers.map(again):
                done(part)

        # With openings = "any", a chapter's side depends on the front matter's length: it is set
        # first with the contents' page numbers left blank (the numbers seldom change its length; if
        # they do, the chapters are placed again below). With "right", the front matter ends on a
        # left-hand page (the join's blank), so its length does not matter.
        front_pages = 0
        if design.openings == "any":
            front_pages = (cache.load(front_draft, 1, 0) or _front(workers, cache, front_draft)).pages
        set_body(front_pages)
        # 3. The front matter, with the contents' page numbers.
        labels = {}
        for index in range(len(bodies), 0, -1):  # the first page a heading id is on wins
            part = rendered[index]
            labels.update({name: str(part.first_page + number) for name, number in part.anchors.items()})
        front_html = part_html(book, front_body(book, chapters, colophon, cover_uri, labels))
        front = cache.load(front_html, 1, 0) or _front(workers, cache, front_html)
        if design.openings == "any" and front.pages % 2 != front_pages % 2:
            set_body(front.pages)  # the page numbers are the same: only the sides change
    parts = [front] + [rendered[index] for index in sorted(rendered)]
    for part in parts:
        for message in part.warnings:
            diagnostics.warn(f"WeasyPrint: {message}")
    progress.update("pdf join", 0, 1)
    by_sha = {font.sha256: font for font in fonts.embedded}

    def program(full_font: str, glyphs: set[int]) -> tuple[bytes, str]:
        return fonts.pdf_program(by_sha[full_font], glyphs)

    with atomic_output(out_path) as tmp:
        in_parts = {i for part in book.parts for i in part.chapter_ids[1:]}  # under their part's title
        nested = [False] + [c.id in in_parts for c in chapters if c.matter != "front"]
        total, warnings = join_parts([part.path for part in parts], program, book.build_date, tmp,
                                     design.openings, nested)
    progress.update("pdf join", 1, 1)
    progress.finish()
    progress.line(f"pdf: {len(bodies)} chapters, {total} pages; {len(bodies) - len(set(newly_set))} chapters "
                  "from the cache")
    for message in warnings:
        diagnostics.warn(message)
    cache.prune()
    return out_path


def _front(workers: Workers, cache: PartCache, html: str) -> RenderedPart:
    """The front matter set (it starts the book: page 1, a right-hand page) and cached."""
    front = workers.one(PartJob(0, html, 1))
    cache.store(html, front)
    return front


class _Import(threading.Thread):
    """WeasyPrint imported in a thread (a second or so, much of it spent looking for its libraries,
    which lets the build go on meanwhile); wait() before forking, and to hear of a failure."""

    def __init__(self):
        super().__init__(daemon=True)
        self.error: BookError | None = None
        self.start()

    def run(self) -> None:
        try:
            load_weasyprint()
        except BookError as error:
            self.error = error

    def wait(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error


def _characters(reader: CharacterReader, cache: PartCache, htmls: list[str], weasyprint: _Import
                ) -> list[dict[str, set[str]]]:
    """For each part, the characters each font sets in it: from the cache, or from the part's HTML
    as WeasyPrint parses it (several in parallel, in forked processes)."""
    known = [cache.characters(html) for html in htmls]
    todo = [html for html, chars in zip(htmls, known) if chars is None]
    if len(todo) > 1:
        weasyprint.wait()  # read_characters forks
    found = read_characters(reader, todo)
    for html, chars in zip(todo, found):
        cache.store_characters(html, chars)
    found.reverse()
    return [chars if chars is not None else found.pop() for chars in known]
