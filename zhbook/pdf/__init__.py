"""The PDF renderer (WeasyPrint): the book as HTML parts from our templates, with the same stylesheet,
set in parallel and cached (zhbook.pdf_part, zhbook.pdf_cache), joined into one PDF (zhbook.pdf_join)."""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import multiprocessing
import os
import re
from pathlib import Path

from lxml import etree
from markupsafe import Markup

from .. import templates
from ..assets.cover import cover_image
from ..errors import BookError, Diagnostics
from ..assets.fonts import FontSet
from ..images import used_images
from ..load import Book
from ..markdown_cjk import RenderedDocument
from ..output import atomic_output
from ..progress import Progress

EPUB_NS = "http://www.idpf.org/2007/ops"
# Properties the shared stylesheet sets for e-readers that WeasyPrint does not know: not news.
EPUB_ONLY_PROPERTIES = re.compile(r"`(-webkit-)?(line-break|text-spacing-trim|text-autospace|text-justify|"
                                  r"text-emphasis[-a-z]*)[:`]")


def load_weasyprint():
    """Import WeasyPrint, turning a missing Pango into one line that says what to install."""
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot dlopen libpango/libpangoft2
        raise BookError(f"WeasyPrint cannot load Pango ({exc}); install it with "
                        "`sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0`")
    return weasyprint


def book_fetcher(weasyprint, font_data: dict[str, bytes], book_root: Path, images=()):
    """WeasyPrint's URL fetcher, narrowed: our subset fonts for the stylesheet's font URLs, the
    book's images as checked and converted for it (zhbook.images), and otherwise only local files
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


def chapter_html(body: str) -> str:
    """A chapter's XHTML fragment as HTML for WeasyPrint, each pop-up note moved to its call as a
    footnote (`float: footnote` puts it at the foot of the page where it is called)."""
    root = _fragment(body)
    notes = {aside.get("id"): aside for aside in root.iter("aside") if aside.get(f"{{{EPUB_NS}}}type") == "footnote"}
    for call in [a for a in root.iter("a") if a.get(f"{{{EPUB_NS}}}type") == "noteref"]:
        aside = notes.get(call.get("href", "").lstrip("#"))
        if aside is None:
            continue
        note = etree.Element("span", {"class": "footnote", "id": aside.get("id")})
        for paragraph in aside:
            for number in [a for a in paragraph.iter("a") if a.get("class") == "note-number"]:
                paragraph.text = (paragraph.text or "") + (number.tail or "").lstrip("　")
                paragraph.remove(number)
            note.text = (note.text or "") + (paragraph.text or "")
            note.extend(list(paragraph))
        holder = call.getparent() if call.getparent().tag == "sup" else call
        note.tail = holder.tail
        holder.getparent().replace(holder, note)
        aside.getparent().remove(aside)
    return _html(root)


def _fragment(xhtml: str) -> etree._Element:
    """An XHTML fragment (several elements, epub:type attributes) parsed into one <div>."""
    return etree.fromstring(f'<div xmlns:epub="{EPUB_NS}">{xhtml}</div>')


def _html(root: etree._Element) -> str:
    """The children of a _fragment() as HTML for WeasyPrint, without the epub:type attributes
    (they mean nothing to its HTML parser)."""
    for element in root.iter():
        for name in [n for n in element.attrib if n.startswith(f"{{{EPUB_NS}}}")]:
            del element.attrib[name]
    etree.cleanup_namespaces(root)
    return (root.text or "") + "".join(etree.tostring(child, method="html", encoding="unicode") for child in root)


def part_html(book: Book, body: Markup) -> str:
    """One part of the book as an HTML document of its own. The joined PDF takes its metadata from
    the front matter's, and its dates from the join: no part holds the build date (which changes
    with every edit), so an edit leaves the other parts cached."""
    return templates.render("book.html.j2", meta=book.meta, body=body)


def front_body(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
               cover_uri: str, page_labels: dict[str, str]) -> Markup:
    """Cover, title page, colophon and contents; each contents entry shows the page of its
    heading (page_labels: id → label), as the body parts were set before the front matter."""
    contents = _fragment(templates.contents(chapters, lambda _doc, fragment: f"#{fragment}"))
    for link in contents.iter("a"):
        link.set("data-page", page_labels.get(link.get("href", "").lstrip("#"), ""))
    return Markup(templates.render("front.html.j2", cover=cover_uri, titlepage=templates.titlepage(book),
                                   colophon=templates.colophon(book, colophon),
                                   contents=Markup(_html(contents))))


def chapter_body(book: Book, chapter: RenderedDocument) -> Markup:
    return Markup(templates.render("chapter.html.j2", meta=book.meta, id=chapter.source.id,
                                   body=Markup(chapter_html(chapter.body))))


def build_pdf(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
              fonts: FontSet, stylesheet: str, styles_dir: Path, out_path: Path, diagnostics: Diagnostics,
              cache_dir: Path, progress: Progress | None = None) -> None:
    """The book set part by part (zhbook.pdf_part) — in parallel, unchanged parts from the cache —
    then joined (zhbook.pdf_join)."""
    from . import join as pdf_join, part as pdf_part
    from .cache import PartCache

    weasyprint = load_weasyprint()
    progress = progress or Progress(quiet=True)
    image, image_type = cover_image(book, fonts.embedded[0].path, fonts.embedded[-1].path, cache_dir)
    cover_uri = f"data:{image_type};base64,{base64.b64encode(image).decode()}"
    bodies = [part_html(book, chapter_body(book, chapter)) for chapter in chapters]
    images = used_images(chapters + [colophon])
    cache = PartCache(cache_dir, stylesheet, fonts, images, book.meta.identifier)

    # The fonts hold the characters of every part: per part from the cache, or read from its HTML.
    # The front matter's page numbers are not known yet, but they are digits: always included.
    front_draft = part_html(book, front_body(book, chapters, colophon, cover_uri, {}))
    used = {name: set() for name in fonts.files}
    for chars in _characters(weasyprint, fonts, stylesheet, cache, bodies + [front_draft]):
        for name, part_chars in chars.items():
            used[name] |= part_chars
    # Subsets that keep the full fonts' glyph numbers: a chapter from the cache, set with an older
    # subset, shows right with today's, which the join embeds once for all parts.
    subsets = dict(zip((font.sha256 for font in fonts.embedded),
                       fonts.subsets([(font, used[font.path.name], True) for font in fonts.embedded])))
    font_data = {font.path.resolve().as_uri(): subsets[font.sha256] for font in fonts.embedded}
    programs = {hashlib.sha256(data).hexdigest(): font_sha for font_sha, data in subsets.items()}

    counts = pdf_part.PageCounts([cache.pages(html) for html in bodies])
    settings = {"stylesheet": stylesheet, "styles_url": str(styles_dir.resolve()) + "/",
                "base_url": str(book.root.resolve()) + "/", "identifier": book.meta.identifier.encode("utf-8"),
                "fetcher": lambda: book_fetcher(weasyprint, font_data, book.root, images), "counts": counts,
                "font_programs": programs}
    rendered: dict[int, pdf_part.RenderedPart] = {}
    with _Workers(settings, len(bodies) + 1) as workers:
        # 1. Parts never laid out before: their page counts decide where the later parts start.
        new = [pdf_part.PartJob(i + 1, html, None) for i, html in enumerate(bodies) if cache.pages(html) is None]
        planned, newly_set = len(new), []

        def done(part: pdf_part.RenderedPart) -> None:
            rendered[part.index] = part
            cache.store(bodies[part.index - 1], part)
            newly_set.append(part.index)
            progress.update("pdf chapters set", len(newly_set), planned)

        for part in workers.map(new):
            done(part)
        # 2. Parts that were laid out before, at the page they now start on: cached or set again.
        first_pages, page = [], 1
        for html in bodies:
            first_pages.append(page)
            count = cache.pages(html)
            page += count + count % 2
        again = []
        for index, html in enumerate(bodies, start=1):
            if index in rendered:
                continue
            cached = cache.load(html, first_pages[index - 1], index)
            if cached is None:
                again.append(pdf_part.PartJob(index, html, first_pages[index - 1]))
            else:
                rendered[index] = cached
        planned += len(again)
        for part in workers.map(again):
            done(part)
        # 3. The front matter, with the contents' page numbers.
        labels = {}
        for index in range(len(bodies), 0, -1):  # the first page a heading id is on wins
            part = rendered[index]
            labels.update({name: str(part.first_page + number) for name, number in part.anchors.items()})
        front_html = part_html(book, front_body(book, chapters, colophon, cover_uri, labels))
        front = cache.load(front_html, 1, 0)
        if front is None:
            front = workers.one(pdf_part.PartJob(0, front_html, 1))
            cache.store(front_html, front)
    parts = [front] + [rendered[index] for index in sorted(rendered)]
    for part in parts:
        for message in part.warnings:
            if not EPUB_ONLY_PROPERTIES.search(message):
                diagnostics.warn(f"WeasyPrint: {message}")
    progress.update("pdf join", 0, 1)
    with atomic_output(out_path) as tmp:
        warnings = pdf_join.join_parts([part.path for part in parts], subsets.__getitem__, book.build_date, tmp)
    progress.update("pdf join", 1, 1)
    progress.finish()
    pages = sum(part.pages + part.pages % 2 for part in rendered.values())
    progress.line(f"pdf: {len(bodies)} chapters, {pages} pages; {len(bodies) - len(newly_set)} chapters "
                  "from the cache")
    for message in warnings:
        diagnostics.warn(message)
    cache.prune()


def _characters(weasyprint, fonts: FontSet, stylesheet: str, cache, htmls: list[str]) -> list[dict[str, set[str]]]:
    """For each part, the characters each font sets in it: from the cache, or from the part's HTML
    as WeasyPrint itself parses it (in parallel, in forked processes)."""
    known = [cache.characters(html) for html in htmls]
    todo = [html for html, chars in zip(htmls, known) if chars is None]
    _reading.update(weasyprint=weasyprint, fonts=fonts, stylesheet=stylesheet)
    workers = min(os.cpu_count() or 1, len(todo))
    if workers > 1:
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            found = list(pool.map(_read_characters, todo, chunksize=4))
    else:
        found = [_read_characters(html) for html in todo]
    for html, chars in zip(todo, found):
        cache.store_characters(html, chars)
    found.reverse()
    return [chars if chars is not None else found.pop() for chars in known]


_reading: dict = {}  # what _read_characters works with, inherited by the forked processes


def _read_characters(html: str) -> dict[str, set[str]]:
    root = _reading["weasyprint"].HTML(string=html).etree_element
    return _reading["fonts"].characters([root], _reading["stylesheet"])


class _Workers:
    """Parts rendered by a pool of worker processes (fork: they inherit the book and the fonts),
    or in this process where only one part is to be set."""

    def __init__(self, settings: dict, jobs: int):
        self.settings, self.pool = settings, None
        self.size = min(os.cpu_count() or 1, jobs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, jobs: list):
        from . import part as pdf_part

        if len(jobs) <= 1 and self.pool is None:
            for job in jobs:
                yield self.one(job)
            return
        if self.pool is None:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.size, mp_context=multiprocessing.get_context("fork"),
                initializer=pdf_part.init_worker, initargs=(self.settings,))
        # Submitted in book order: a part waits only for parts before it (see zhbook.pdf_part).
        yield from self.pool.map(pdf_part.render_part, jobs)

    def one(self, job):
        from . import part as pdf_part

        if self.pool is not None:
            return self.pool.submit(pdf_part.render_part, job).result()
        if not pdf_part._worker:
            pdf_part.init_worker(self.settings)
        return pdf_part.render_part(job)
