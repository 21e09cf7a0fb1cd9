"""The jinja2 templates, and the front matter both outputs share (title page, colophon, contents)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2
from markupsafe import Markup

from .model import Book, Chapter

TOC_DEPTH = 2  # the default: chapters and their level-2 sections


@dataclass(frozen=True)
class Entry:
    """An entry of the contents, the nav and the NCX: what it links to (document id, fragment), its text,
    its kind ("part", "chapter": a chapter or front or back matter, "" for a section) and the entries under it."""

    doc: str
    fragment: str
    text: str
    kind: str = ""
    children: tuple[Entry, ...] = ()
    matter: str = ""  # a chapter's: front, chapter, back

    @property
    def cls(self) -> str:
        return f"{self.kind}-entry" if self.kind else ""


def _sections(chapter: Chapter, headings, level: int, depth: int) -> tuple[Entry, ...]:
    """The entries of headings of this level (and the deeper ones under each, to depth)."""
    if level > depth:
        return ()
    entries, index = [], 0
    while index < len(headings):
        heading = headings[index]
        index += 1
        if heading.level != level:
            continue
        under = []
        while index < len(headings) and headings[index].level > level:
            under.append(headings[index])
            index += 1
        entries.append(Entry(chapter.id, heading.id, heading.text,
                             children=_sections(chapter, under, level + 1, depth)))
    return tuple(entries)


def toc_entries(book: Book, chapters) -> list[Entry]:
    """The book's contents as entries: front matter, the chapters (under their parts, if the book has
    parts), back matter; each chapter's headings to book.toml's toc_depth (1: chapters only)."""
    depth = book.toc_depth or TOC_DEPTH

    def entry(chapter: Chapter) -> Entry:
        return Entry(chapter.id, chapter.headings[0].id if chapter.headings else "", chapter.title, "chapter",
                     _sections(chapter, chapter.headings[1:], 2, depth), chapter.matter)

    by_id = {chapter.id: chapter for chapter in chapters}
    entries = [entry(c) for c in chapters if c.matter == "front"]
    if book.parts:
        entries += [Entry(part.id, part.id, part.title, "part", tuple(entry(by_id[i]) for i in part.chapter_ids))
                    for part in book.parts]
    else:
        entries += [entry(c) for c in chapters if c.matter == "chapter"]
    return entries + [entry(c) for c in chapters if c.matter == "back"]

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # metadata is user text: escape it; rendered Markdown is passed as Markup
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def render(name: str, **context) -> str:
    return TEMPLATES.get_template(name).render(**context)


def titlepage(book: Book) -> Markup:
    return Markup(render("titlepage.html.j2", meta=book.meta, word=book.word))


def colophon(book: Book, body: str) -> Markup:
    """The copyright page, with the colophon's body (XHTML, notes in the output's form) at its top."""
    return Markup(render("colophon.html.j2", meta=book.meta, colophon=Markup(body), word=book.word,
                         build_date=book.build_date.strftime("%Y-%m-%d")))


def contents(entries: list[Entry], href: Callable[[str, str], str], word: Callable[[str], str] = str) -> Markup:
    """The contents page: the entries (toc_entries), linked with href(document id, fragment); its title
    in the edition's words (word: Book.word)."""
    return Markup(render("contents.html.j2", entries=entries, href=href, word=word))


def part_page(part) -> Markup:
    """A part's title page (篇): its title alone."""
    return Markup(render("part.html.j2", part=part))


def front_matter(book: Book, colophon_body: str, contents_page: Markup,
                 preface: list[tuple[str, str, Markup]] = ()) -> list[tuple[str, str, Markup]]:
    """The front matter after the cover, in its order, for both outputs: (id, title, page) of the title
    page, the copyright page (colophon_body: the colophon in the output's form), the book's front matter
    files (preface: in the output's form) and the contents."""
    return [("titlepage", book.meta.title, titlepage(book)),
            ("colophon", book.word("版权信息"), colophon(book, colophon_body)),
            *preface,
            ("contents", book.word("目录"), contents_page)]


def cover(book: Book, image_href: str, image: bytes) -> Markup:
    """A cover page that fills the screen: the image in an SVG viewport, scaled to fit."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        width, height = picture.size
    alt = f"{book.word('封面')}：{book.meta.title}" + (f"——{book.meta.subtitle}" if book.meta.subtitle else "") + \
          f"，{book.meta.author} {book.word('著')}"
    return Markup(render("cover.html.j2", href=image_href, width=width, height=height, alt=alt))
