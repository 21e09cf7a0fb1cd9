"""One part of the PDF (the front matter, or one chapter) rendered by WeasyPrint, in a worker process.

The book is set part by part so that parts render in parallel on all cores, each in little memory,
and so that an unchanged part is taken from the cache (zhbook.pdf). zhbook.pdf_join joins them.

A part's layout does not depend on where it starts, since every part starts on a right-hand page;
only its printed page numbers do. They are the one thing a part learns from the parts before it:
WeasyPrint lays out all pages of a document before it lays out their margin boxes (the page
numbers), and at that moment render_part() publishes the part's page count and waits for the
counts of the parts before it (`PageCounts`). Parts are handed to the workers in book order, so
the part waited for is always done or being laid out by another worker: no deadlock.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BookError

UNKNOWN, FAILED = -1, -2
# A font program's first four bytes, this, and the sha256 of the full font: see _font_placeholders.
FONT_PLACEHOLDER = b"zhbook font program "
WAIT_SECONDS = 1800  # a part laid out by another worker; far more than any chapter takes

# Set in each worker by init_worker (inherited through fork, never pickled).
_worker: dict = {}


@dataclass
class PartJob:
    index: int  # in the book: 0 is the front matter, 1… the chapters
    html: str
    first_page: int | None  # the number printed on its first page; None: wait for the parts before


@dataclass
class RenderedPart:
    index: int
    pdf: bytes
    pages: int
    first_page: int
    anchors: dict[str, int] = field(default_factory=dict)  # id → page index in the part
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None  # where the cache keeps the PDF (zhbook.pdf_cache)


class PageCounts:
    """The page count of every body part, shared by the worker processes (fork)."""

    def __init__(self, known: list[int | None]):
        self.counts = multiprocessing.get_context("fork").Array("i", [UNKNOWN if c is None else c for c in known],
                                                                lock=False)
        self.changed = multiprocessing.get_context("fork").Condition()

    def publish(self, slot: int, count: int) -> None:
        with self.changed:
            self.counts[slot] = count
            self.changed.notify_all()

    def pages_before(self, slot: int) -> int:
        """Pages of the body parts before slot, each made even: every part starts on a right-hand page."""
        with self.changed:
            ready = self.changed.wait_for(lambda: all(self.counts[i] != UNKNOWN for i in range(slot)),
                                          timeout=WAIT_SECONDS)
            counts = list(self.counts[:slot])
        if not ready or FAILED in counts:
            raise BookError("an earlier part of the PDF failed to render; see the message above")
        return sum(count + count % 2 for count in counts)


def init_worker(settings: dict) -> None:
    """Worker start-up: WeasyPrint, our patches and the parsed stylesheet, once per process."""
    from . import weasyprint as justify
    from . import load_weasyprint

    weasyprint = load_weasyprint()
    justify.install()
    _install_page_offset()
    _font_placeholders()
    font_config = weasyprint.text.fonts.FontConfiguration()
    fetcher = settings["fetcher"]()
    css = weasyprint.CSS(string=settings["stylesheet"], base_url=settings["styles_url"], url_fetcher=fetcher,
                         font_config=font_config)
    _worker.update(settings, weasyprint=weasyprint, css=css, font_config=font_config, url_fetcher=fetcher)


def render_part(job: PartJob) -> RenderedPart:
    counts: PageCounts | None = _worker.get("counts")
    slot = job.index - 1  # body parts only: the front matter counts its own pages
    try:
        return _render(job, counts, slot)
    except BaseException:
        if counts is not None and slot >= 0:
            counts.publish(slot, FAILED)  # the parts waiting for this one stop waiting
        raise


def _render(job: PartJob, counts: PageCounts | None, slot: int) -> RenderedPart:
    weasyprint = _worker["weasyprint"]
    first_page = job.first_page

    def page_offset(pages: int) -> int:
        """Called once the part is laid out: publish its size, learn where it starts."""
        nonlocal first_page
        if counts is not None and slot >= 0:
            counts.publish(slot, pages)
            if first_page is None:
                first_page = counts.pages_before(slot) + 1
        return first_page - 1

    warnings: list[str] = []
    with _collected_warnings(warnings):
        _worker["page_offset"] = page_offset
        try:
            document = weasyprint.HTML(string=job.html, base_url=_worker["base_url"],
                                       url_fetcher=_worker["url_fetcher"]).render(
                stylesheets=[_worker["css"]], font_config=_worker["font_config"])
        finally:
            _worker["page_offset"] = None
        if counts is not None and slot >= 0 and counts.counts[slot] == UNKNOWN:
            page_offset(len(document.pages))  # no margin box asked (a stylesheet without any): still publish
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for name in page.anchors:
                anchors.setdefault(name, number)
        pdf = document.write_pdf(pdf_identifier=_worker["identifier"], pdf_tags=True,
                                 finisher=_links_to_other_parts(anchors))
    return RenderedPart(index=job.index, pdf=pdf, pages=len(document.pages), first_page=first_page,
                        anchors=anchors, warnings=warnings)


def _links_to_other_parts(anchors: dict[str, int]):
    """WeasyPrint drops a link whose anchor is not in its document; ours may be in another part.
    Keep them as links to named destinations, which the joined PDF holds for every part."""
    def finisher(document, pdf):
        import pydyf

        kids = pdf.pages["Kids"][::3]
        for number, page in enumerate(document.pages):
            for link_type, target, rectangle, _box in page.links:
                if link_type != "internal" or target in anchors:
                    continue
                x1, y1, x2, y2 = rectangle
                height = page.height
                annotation = pydyf.Dictionary({
                    "Type": "/Annot", "Subtype": "/Link", "BS": pydyf.Dictionary({"W": 0}),
                    "Rect": pydyf.Array([x1 * 0.75, (height - y1) * 0.75, x2 * 0.75, (height - y2) * 0.75]),
                    "Dest": pydyf.String(target)})
                pdf.add_object(annotation)
                page_object = pdf.objects[kids[number]]
                if "Annots" not in page_object:
                    page_object["Annots"] = pydyf.Array()
                page_object["Annots"].append(annotation.reference)
    return finisher


class _collected_warnings:
    """WeasyPrint's warnings, kept for the parent to report; its error for links to another part's
    anchors is not one (see _links_to_other_parts)."""

    def __init__(self, into: list[str]):
        self.into = into

    def __enter__(self):
        into = self.into

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                message = record.getMessage()
                if record.levelno >= logging.WARNING and not message.startswith("No anchor #"):
                    into.append(message)

        self.logger, self.handler = logging.getLogger("weasyprint"), Collect()
        self.propagate = self.logger.propagate
        self.logger.addHandler(self.handler)
        self.logger.propagate = False

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.propagate = self.propagate


def _font_placeholders() -> None:
    """Patch WeasyPrint 70.0 to embed, for each of our font subsets (_worker["font_programs"]: sha256
    of the subset → sha256 of its full font), a placeholder naming the full font instead of the font
    program: the join puts the book's subset of that font in its place, once for all parts.
    A part then costs no font compression and little disk, and WeasyPrint does not subset the
    font again per part (which would give every part a program of its own). Widths and the
    ToUnicode map still come from the glyphs the part uses."""
    from weasyprint.pdf.fonts import Font

    if getattr(Font.clean, "_zhbook", False):
        return
    original = Font.clean

    def clean(self, to_unicode, hinting):
        if self.file_content[4:].startswith(FONT_PLACEHOLDER):
            return  # a font object used by an earlier part of this worker
        font = _worker["font_programs"].get(hashlib.sha256(self.file_content).hexdigest())
        if font is not None:
            # The first four bytes stay: WeasyPrint tells OpenType/CFF (OTTO) from TrueType by them.
            self.file_content = self.file_content[:4] + FONT_PLACEHOLDER + font.encode()
            return
        original(self, to_unicode, hinting)

    clean._zhbook = True
    Font.clean = clean


def _install_page_offset() -> None:
    """Patch WeasyPrint 70.0's layout_document: the page counter its margin boxes show is offset by
    _worker["page_offset"](pages), asked once the part's pages are all laid out."""
    from weasyprint import layout

    if getattr(layout.make_margin_boxes, "_zhbook", False):
        return
    original = layout.make_margin_boxes

    def make_margin_boxes(context, page, state):
        hook = _worker.get("page_offset")
        if hook is None:
            return original(context, page, state)
        offset = getattr(context, "_zhbook_offset", None)
        if offset is None:
            offset = context._zhbook_offset = hook(len(context.page_maker) - 1)
        # state: (quote depth, counter values, counter scopes, page groups); only "page" changes.
        counter_values = dict(state[1], page=[value + offset for value in state[1]["page"]])
        return original(context, page, (state[0], counter_values, *state[2:]))

    make_margin_boxes._zhbook = True
    layout.make_margin_boxes = make_margin_boxes
