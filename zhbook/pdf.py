"""The PDF renderer (WeasyPrint): one HTML book from our templates, with the same stylesheet."""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path

from lxml import etree
from markupsafe import Markup

from . import templates
from .cover import cover_image
from .errors import BookError, Diagnostics
from .fonts import FontSet
from .images import used_images
from .load import Book
from .markdown_cjk import RenderedDocument
from .output import atomic_output

EPUB_NS = "http://www.idpf.org/2007/ops"
# Properties the shared stylesheet sets for e-readers that WeasyPrint does not know: not news.
EPUB_ONLY_PROPERTIES = re.compile(r"`(-webkit-)?(line-break|text-spacing-trim|text-autospace|text-justify|"
                                  r"text-emphasis[-a-z]*)[:`]")


def _weasyprint():
    """Import WeasyPrint, turning a missing Pango into one line that says what to install."""
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot dlopen libpango/libpangoft2
        raise BookError(f"WeasyPrint cannot load Pango ({exc}); install it with "
                        "`sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0`")
    return weasyprint


def BookFetcher(weasyprint, fonts: FontSet, used: dict[str, set[str]], book_root: Path, images=()):
    """WeasyPrint's URL fetcher, narrowed: our subset fonts for the stylesheet's font URLs, the
    book's images as checked and converted for it (zhbook.images), and otherwise only local files
    inside the book folder."""
    font_urls = {font.path.resolve().as_uri(): font for font in fonts.embedded}
    book_root = book_root.resolve()
    image_paths = {(book_root / image.href).resolve(): image for image in images}

    class Fetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            font = font_urls.get(url)
            if font is not None:
                # The stylesheet names the full fonts; WeasyPrint gets our cached subsets, which
                # hold every glyph the book needs and spare it reading 40 MB of font data.
                return weasyprint.urls.URLFetcherResponse(
                    url, fonts.subset(font, used[font.path.name]), {"Content-Type": "font/otf"})
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
    root = etree.fromstring(f'<div xmlns:epub="{EPUB_NS}">{body}</div>')
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
    for element in root.iter():  # epub:type means nothing to WeasyPrint's HTML parser
        for name in [n for n in element.attrib if n.startswith(f"{{{EPUB_NS}}}")]:
            del element.attrib[name]
    etree.cleanup_namespaces(root)
    return "".join(etree.tostring(child, method="html", encoding="unicode") for child in root) + (root.text or "")


def book_html(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
              cover_uri: str) -> str:
    return templates.render(
        "book.html.j2", meta=book.meta, date=book.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"), cover=cover_uri,
        titlepage=templates.titlepage(book), colophon=templates.colophon(book, colophon),
        contents=templates.contents(chapters, lambda _doc, fragment: f"#{fragment}"),
        chapters=[{"source": c.source, "title": c.title, "body": Markup(chapter_html(c.body))} for c in chapters])


@contextlib.contextmanager
def _weasyprint_warnings(diagnostics: Diagnostics):
    """WeasyPrint logs problems (a font or image it could not load…): pass them on as warnings."""
    class Relay(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if record.levelno >= logging.WARNING and not EPUB_ONLY_PROPERTIES.search(message):
                diagnostics.warn(f"WeasyPrint: {message}")

    logger = logging.getLogger("weasyprint")
    handler, propagate = Relay(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _page_labels(pdf_module, rendered, body_start: int):
    """PDF page labels: roman numerals for the front matter, arabic from the first chapter."""
    def finisher(_document, pdf):
        pdf.catalog["PageLabels"] = pdf_module.Dictionary({"Nums": pdf_module.Array([
            0, pdf_module.Dictionary({"S": "/r"}),
            body_start, pdf_module.Dictionary({"S": "/D", "St": 1})])})
    return finisher


def build_pdf(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
              fonts: FontSet, stylesheet: str, styles_dir: Path, out_path: Path, diagnostics: Diagnostics) -> None:
    weasyprint = _weasyprint()
    import pydyf

    from . import justify
    # Chinese justification, punctuation compression and CJK–Latin spacing: WeasyPrint has none.
    justify.install()

    image, image_type = cover_image(book, fonts.embedded[0].path, fonts.embedded[-1].path)
    cover_uri = "data:" + image_type + ";base64," + __import__("base64").b64encode(image).decode()
    html = book_html(book, chapters, colophon, cover_uri)
    document_root = weasyprint.HTML(string=html).etree_element  # the tree WeasyPrint itself parsed
    used = fonts.characters([document_root], stylesheet)
    fetcher = BookFetcher(weasyprint, fonts, used, book.root, used_images(chapters + [colophon]))
    font_config = weasyprint.text.fonts.FontConfiguration()
    with _weasyprint_warnings(diagnostics):
        document = weasyprint.HTML(string=html, base_url=str(book.root.resolve()) + "/", url_fetcher=fetcher)
        css = weasyprint.CSS(string=stylesheet, base_url=str(styles_dir.resolve()) + "/", url_fetcher=fetcher,
                             font_config=font_config)
        rendered = document.render(stylesheets=[css], font_config=font_config)
    first_chapter = chapters[0].source.id
    body_start = next(i for i, page in enumerate(rendered.pages) if first_chapter in page.anchors)
    with atomic_output(out_path) as tmp:
        rendered.write_pdf(tmp, pdf_identifier=book.meta.identifier.encode("utf-8"), pdf_tags=True,
                           finisher=_page_labels(pydyf, rendered, body_start))
