"""Setting one part of the PDF (the front matter, or one chapter) with WeasyPrint, in a worker
process (zhbook.pdf.workers).

The book is set part by part so that parts render in parallel on all cores, each in little memory,
and so that an unchanged part is taken from the cache (zhbook.pdf.cache). zhbook.pdf.join joins them.

A part's layout does not depend on where it starts, since every part starts on a right-hand page
(zhbook.pdf.plan); only its printed page numbers do. They are the one thing a part learns from the
parts before it: WeasyPrint lays out all pages of a document before it lays out their margin boxes
(the page numbers), and at that moment the part publishes its page count and waits for the counts
of the parts before it (`counts`, a zhbook.pdf.workers.PageCounts). Parts are handed to the
workers in book order, so the part waited for is always done or being laid out by another
worker: no deadlock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from .page import VERSO_CSS
from .weasyprint import (fold_transparent_elements, hooks, install, links_to_other_parts, load, page_offset,
                         spacing_as_character_spacing)

@dataclass
class PartJob:
    index: int  # in the book: 0 is the front matter, 1… the chapters
    html: str
    first_page: int | None  # the number printed on its first page; None: wait for the parts before
    verso: bool = False  # its first page is a left-hand page (zhbook.pdf.plan.opens_verso)


@dataclass
class RenderedPart:
    index: int
    pdf: bytes
    pages: int
    first_page: int
    anchors: dict[str, int] = field(default_factory=dict)  # id → page index in the part
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None  # where the cache keeps the PDF (zhbook.pdf.cache)
    verso: bool = False  # set to open on a left-hand page


def book_fetcher(weasyprint, font_data: dict[str, bytes], book_root: Path, images=()):
    """WeasyPrint's URL fetcher, narrowed: our subset fonts for the stylesheet's font URLs, the
    book's images as checked and converted for it (zhbook.markdown.images), and otherwise only local files
    inside the book folder."""
    book_root = book_root.resolve()
    image_paths = {(book_root / image.href).resolve(): image for image in images}

    class Fetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            if url in font_data:
                # The stylesheet names the full fonts; WeasyPrint gets our cached subsets, which
                # hold every glyph the book needs and spare it reading 40 MB of font data.
                return weasyprint.urls.URLFetcherResponse(url, font_data[url], {"Content-Type": "font/otf"})
            if url.startswith("file:"):
                path = Path(weasyprint.urls.URLFetcherResponse(url).path).resolve()
                if not path.is_relative_to(book_root):
                    raise ValueError(f"{path} is outside the book folder")
                if path in image_paths:
                    image = image_paths[path]
                    return weasyprint.urls.URLFetcherResponse(url, image.data, {"Content-Type": image.media_type})
            return super().fetch(url, headers)

    return Fetcher(allowed_protocols=("file", "data"))


class PartSetter:
    """What a worker sets parts with: WeasyPrint patched, the parsed stylesheet, the fonts; made
    once per worker process from the build's settings (a dict, see zhbook.pdf.render)."""

    def __init__(self, settings: dict):
        self.weasyprint = load()
        install()  # in the worker only: the building process stays as WeasyPrint is
        hooks.font_programs = settings["font_programs"]
        self.counts = settings["counts"]
        self.base_url, self.identifier = settings["base_url"], settings["identifier"]
        self.font_config = self.weasyprint.text.fonts.FontConfiguration()
        self.url_fetcher = settings["fetcher"]()
        self.css = self.weasyprint.CSS(string=settings["stylesheet"], base_url=settings["styles_url"],
                                       url_fetcher=self.url_fetcher, font_config=self.font_config)
        # A part that opens on a left-hand page: its layout is the same (the type area has one
        # width on both sides), its pages are mirrored.
        self.verso_css = self.weasyprint.CSS(string=VERSO_CSS)

    def set(self, job: PartJob) -> RenderedPart:
        slot = job.index - 1  # body parts only: the front matter counts its own pages
        try:
            return self._set(job, slot)
        except BaseException:
            if self.counts is not None and slot >= 0:
                self.counts.fail(slot)  # the parts waiting for this one stop waiting
            raise

    def _set(self, job: PartJob, slot: int) -> RenderedPart:
        counts = self.counts if slot >= 0 else None
        first_page = job.first_page

        def offset(pages: int) -> int:
            """Called once the part is laid out: publish its size, learn where it starts."""
            nonlocal first_page
            if counts is not None:
                counts.publish(slot, pages)
                if first_page is None:
                    first_page = counts.pages_before(slot) + 1
            return first_page - 1

        warnings: list[str] = []
        with _collected_warnings(warnings):
            with page_offset(offset):
                document = self.weasyprint.HTML(string=job.html, base_url=self.base_url,
                                                url_fetcher=self.url_fetcher).render(
                    stylesheets=[self.css] + ([self.verso_css] if job.verso else []), font_config=self.font_config)
            if counts is not None and not counts.known(slot):
                offset(len(document.pages))  # no margin box asked (a stylesheet without any): still publish
            anchors: dict[str, int] = {}
            for number, page in enumerate(document.pages):
                for name in page.anchors:
                    anchors.setdefault(name, number)
            links = links_to_other_parts(anchors)

            def finish(document, pdf):
                links(document, pdf)
                fold_transparent_elements(document, pdf)
                spacing_as_character_spacing(document, pdf)

            pdf = document.write_pdf(pdf_identifier=self.identifier, pdf_tags=True, finisher=finish)
        return RenderedPart(index=job.index, pdf=pdf, pages=len(document.pages), first_page=first_page,
                            anchors=anchors, warnings=warnings, verso=job.verso)


class _WarningFilter(logging.Filter):
    """WeasyPrint's error for a link to another part's anchor is not news: the link is kept (see
    weasyprint.links_to_other_parts), and the join checks that the anchor exists."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No anchor #")


class _collected_warnings:
    """WeasyPrint's warnings while a part is set, kept for the building process to report (a
    handler on the "weasyprint" logger; its own NullHandler keeps them off the console otherwise)."""

    def __init__(self, into: list[str]):
        into_list = into

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                into_list.append(record.getMessage())

        self.handler = Collect(logging.WARNING)
        self.handler.addFilter(_WarningFilter())

    def __enter__(self):
        logging.getLogger("weasyprint").addHandler(self.handler)

    def __exit__(self, *exc):
        logging.getLogger("weasyprint").removeHandler(self.handler)
