"""The jinja2 templates, and the front matter both outputs share (title page, colophon, contents)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import jinja2
from markupsafe import Markup

from .model import Book, Chapter

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # metadata is user text: escape it; rendered Markdown is passed as Markup
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def render(name: str, **context) -> str:
    return TEMPLATES.get_template(name).render(**context)


def titlepage(book: Book) -> Markup:
    return Markup(render("titlepage.html.j2", meta=book.meta))


def colophon(book: Book, body: str) -> Markup:
    """The copyright page, with the colophon's body (XHTML, notes in the output's form) at its top."""
    return Markup(render("colophon.html.j2", meta=book.meta, colophon=Markup(body),
                         build_date=book.build_date.strftime("%Y-%m-%d")))


def contents(chapters: list[Chapter], href: Callable[[str, str], str]) -> Markup:
    """The contents page: chapters and their sections, linked with href(document id, fragment)."""
    return Markup(render("contents.html.j2", chapters=chapters, href=href))


def front_matter(book: Book, colophon_body: str, contents_page: Markup) -> list[tuple[str, str, Markup]]:
    """The front matter after the cover, in its order, for both outputs: (id, title, page) of the title
    page, the copyright page (colophon_body: the colophon in the output's form) and the contents."""
    return [("titlepage", book.meta.title, titlepage(book)),
            ("colophon", "版权信息", colophon(book, colophon_body)),
            ("contents", "目录", contents_page)]


def cover(book: Book, image_href: str, image: bytes) -> Markup:
    """A cover page that fills the screen: the image in an SVG viewport, scaled to fit."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        width, height = picture.size
    alt = f"封面：{book.meta.title}" + (f"——{book.meta.subtitle}" if book.meta.subtitle else "") + \
          f"，{book.meta.author} 著"
    return Markup(render("cover.html.j2", href=image_href, width=width, height=height, alt=alt))
