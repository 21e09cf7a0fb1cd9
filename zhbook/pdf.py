"""The PDF renderer (WeasyPrint): one HTML book from our templates, with the same stylesheet."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from . import templates
from .errors import BookError
from .fonts import FontSet
from .load import Book
from .markdown_cjk import RenderedDocument
from .output import atomic_output


def _weasyprint():
    """Import WeasyPrint, turning a missing Pango into one line that says what to install."""
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot dlopen libpango/libpangoft2
        raise BookError(f"WeasyPrint cannot load Pango ({exc}); install it with "
                        "`sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0`")
    return weasyprint


def BookFetcher(weasyprint, fonts: FontSet, used: dict[str, set[str]], book_root: Path):
    """WeasyPrint's URL fetcher, narrowed: our subset fonts for the stylesheet's font URLs, and
    otherwise only local files inside the book folder."""
    font_urls = {font.path.resolve().as_uri(): font for font in fonts.embedded}
    book_root = book_root.resolve()

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
            return super().fetch(url, headers)

    return Fetcher(allowed_protocols=("file", "data"))


def book_html(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None) -> str:
    return templates.render(
        "book.html.j2", meta=book.meta, date=book.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        titlepage=templates.titlepage(book), colophon=templates.colophon(book, colophon),
        contents=templates.contents(chapters, lambda _doc, fragment: f"#{fragment}"),
        chapters=[{"source": c.source, "body": Markup(c.body)} for c in chapters])


def build_pdf(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
              fonts: FontSet, stylesheet: str, styles_dir: Path, out_path: Path) -> None:
    weasyprint = _weasyprint()
    html = book_html(book, chapters, colophon)
    document_root = weasyprint.HTML(string=html).etree_element  # the tree WeasyPrint itself parsed
    used = fonts.characters([document_root], stylesheet)
    fetcher = BookFetcher(weasyprint, fonts, used, book.root)
    font_config = weasyprint.text.fonts.FontConfiguration()
    document = weasyprint.HTML(string=html, base_url=str(book.root.resolve()) + "/", url_fetcher=fetcher)
    css = weasyprint.CSS(string=stylesheet, base_url=str(styles_dir.resolve()) + "/", url_fetcher=fetcher,
                         font_config=font_config)
    rendered = document.render(stylesheets=[css], font_config=font_config)
    with atomic_output(out_path) as tmp:
        rendered.write_pdf(tmp, pdf_identifier=book.meta.identifier.encode("utf-8"))
