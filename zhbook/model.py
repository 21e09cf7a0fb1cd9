"""The book as plain, frozen values: what is loaded once (Book), what rendering a chapter gives
(Chapter), and what a renderer is handed (RenderContext). Nothing here changes after it is made:
a stage returns new values instead of writing into the ones it was given."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .assets.fonts import FontSet
    from .errors import Diagnostics
    from .progress import Progress


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    language: str
    identifier: str
    slug: str
    subtitle: str = ""
    publisher: str = ""
    description: str = ""
    cover: Path | None = None
    conforms_to: str = ""  # book.toml [accessibility]: the author's conformance claim; "" claims nothing
    certified_by: str = ""  # who evaluated that claim


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file of the book: its path (for messages), its text, and the short ASCII id used
    for its file names and as the prefix of every id inside it."""

    path: Path
    text: str
    id: str
    matter: str = "chapter"  # "front" (preface), "chapter" (numbered body), "back" (afterword, appendix)


@dataclass(frozen=True)
class Margins:
    """Page margins in mm; inner is by the spine, outer at the fore-edge."""

    top: float = 20.0
    bottom: float = 20.0
    inner: float = 18.0
    outer: float = 13.0


@dataclass(frozen=True)
class PdfDesign:
    """The [pdf] table of book.toml, checked (zhbook.load): the page and how the parts open.
    The PDF renderer turns it into its page CSS (zhbook.pdf.page)."""

    page: str = "A5"  # the size as written: a name, or "W×H mm"
    width: float = 148.0  # mm, the trim size
    height: float = 210.0
    margins: Margins = Margins()  # asked for; the type area gives back what a whole character does not fill
    font_size: float = 10.5  # pt, the body size (五号)
    line_height: float = 1.8
    openings: str = "right"  # "right": every part opens on a right-hand page; "any": on the next page
    cover: bool = True  # the screen PDF shows the cover (the print PDF never: the printer takes it apart)
    running_heads: bool = True
    folio: str = "foot"  # "foot" (bottom centre), "head" (top outer corner), "outside" (bottom outer corner)


@dataclass(frozen=True)
class HantSettings:
    """book.toml's [edition.zh-Hant]: how the Traditional Chinese edition is converted (zhbook.edition)."""

    opencc: str = "s2twp"  # OpenCC's configuration: s2twp (Taiwan, with its phrases), s2tw, s2hk, s2t
    quotes: str = "corner"  # "corner": “”‘’ become 「」『』; "keep": as written
    overrides: tuple[tuple[str, str], ...] = ()  # (Simplified, Traditional) pinned by the author


@dataclass(frozen=True)
class Book:
    """book.toml and the Markdown files, as loaded: nothing rendered yet."""

    root: Path  # the book folder: images and other files the book uses lie inside it
    meta: Metadata
    chapters: tuple[SourceFile, ...]
    colophon: SourceFile | None
    build_date: datetime  # SOURCE_DATE_EPOCH, else the sources' last commit or change (zhbook.load)
    pdf: PdfDesign = PdfDesign()  # book.toml's [pdf]
    front: tuple[SourceFile, ...] = ()  # before the contents: 序、前言 (unnumbered)
    back: tuple[SourceFile, ...] = ()  # after the chapters: 后记、附录 (unnumbered)
    parts: tuple[BookPart, ...] = ()  # the chapters grouped into parts (篇); () for a flat book
    toc_depth: int | None = None  # headings of a chapter in the contents (None: 2, bookmarks as set in pdf.css)
    numbering: str = ""  # "第{一}章" or "第{1}章": the chapters' numbers; "" for none
    styles: tuple[Path, ...] = ()  # the book's own stylesheets, after ours
    fonts: tuple[tuple[str, Path], ...] = ()  # (role: body/heading/code, font file) of the book's own fonts
    hant: HantSettings = HantSettings()  # book.toml's [edition.zh-Hant]
    edition: str = ""  # "" for the book as written; "zh-Hant" for its Traditional edition (zhbook.edition)
    words: tuple[tuple[str, str], ...] = ()  # the builder's own words (目录, 版权信息 …) in the edition's script

    def word(self, text: str) -> str:
        """One of the builder's own words (a page title, a label) as this edition writes it."""
        return dict(self.words).get(text, text)
    vertical: bool = False  # the EPUB is set vertically (竖排, zhbook.epub.vertical); the PDF never is
    vertical_forms: bool = False  # and with the vertical presentation forms of brackets (for Kindle)


@dataclass(frozen=True)
class BookPart:
    """A part (篇): its title and the ids of its chapters, in order."""

    title: str
    chapter_ids: tuple[str, ...]
    id: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Note:
    """A footnote, in no output's form yet: each renderer decides where and how it is shown.
    The chapter's body calls it with `<a class="noteref" id="{call_id}" href="#{id}">{number}</a>`."""

    id: str
    call_id: str
    number: int
    body: str  # XHTML fragment: the note's paragraphs, without a link back


@dataclass(frozen=True)
class BookImage:
    href: str  # where the documents find it: images/<name>-<hash>.<ext>, relative to the XHTML
    media_type: str
    data: bytes
    source: Path  # the file in the book folder it came from

    @property
    def uid(self) -> str:
        return "img-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.href.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class Anchor:
    """A place an author can link to or refer to: its author-facing name (`{#fig:flow}`, or a heading's
    automatic id), the id it has in the output, its kind ("heading", "figure", "table"), the level of a
    heading and its position among the chapter's elements of its kind (level-2 headings, figures, tables;
    1-based), from which the book-level pass numbers it."""

    name: str
    id: str
    kind: str
    level: int = 0
    ordinal: int = 0


@dataclass(frozen=True)
class Chapter:
    """A Markdown file rendered: a well-formed XHTML fragment (no namespace) and what it holds."""

    source: SourceFile
    body: str
    headings: tuple[Heading, ...] = ()
    notes: tuple[Note, ...] = ()
    images: tuple[BookImage, ...] = ()
    anchors: tuple[Anchor, ...] = ()  # author ids → output ids (links, cross-references)
    label: str = ""  # the chapter's number as shown (第三章), set by the book-level pass; "" for none

    @property
    def id(self) -> str:
        return self.source.id

    @property
    def matter(self) -> str:
        return self.source.matter

    @property
    def title(self) -> str:
        return self.headings[0].text if self.headings else self.source.path.stem


@dataclass(frozen=True)
class Styles:
    """The stylesheets a renderer may use, read from one folder."""

    dir: Path
    book: tuple[Path, ...] = ()  # the book's own stylesheets (book.toml styles), after ours
    fonts: tuple[tuple[str, Path], ...] = ()  # the book's own fonts by role (book.toml [fonts])
    edition: str = ""  # "zh-Hant": styles/zh-Hant.css's faces in place of ours

    def read(self, *names: str, extra: str = "") -> str:
        """The named stylesheets of ours, then extra (CSS an output makes for the book), then the book's."""
        from .errors import BookError

        parts = []
        for name in names:
            path = self.dir / name
            try:
                parts.append(f"/* {name} */\n" + path.read_text("utf-8"))
            except OSError as exc:
                raise BookError(f"cannot read the stylesheet ({exc.strerror}); restore it from git", path)
        if self.edition:  # the edition's faces (the TC ones) in place of ours for body and headings
            from .assets.fonts import without_faces

            edition_css = self.dir / f"{self.edition}.css"
            try:
                edition = f"/* {edition_css.name} */\n" + edition_css.read_text("utf-8")
            except OSError as exc:
                raise BookError(f"cannot read the stylesheet ({exc.strerror}); restore it from git", edition_css)
            # First: the first @font-face family is the body face (zhbook.assets.fonts.FontSet).
            parts = [edition, without_faces("\n".join(parts), ["body", "heading"])]
        if self.fonts:  # the book's faces in place of ours for their roles
            from .assets.fonts import book_faces, without_faces

            parts = [without_faces("\n".join(parts), [role for role, _ in self.fonts]), book_faces(self.fonts)]
        if extra:
            parts[-1] += extra
        for path in self.book:
            try:
                parts.append(f"/* {path.name} (the book's) */\n" + path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise BookError(f"cannot read the book's stylesheet ({exc}); save it as UTF-8", path)
        return "\n".join(parts)


@dataclass(frozen=True)
class RenderContext:
    """All a renderer is given: the book, its rendered chapters, the tools' resources, where to write."""

    book: Book
    chapters: tuple[Chapter, ...]
    colophon: Chapter | None
    fonts: FontSet
    styles: Styles
    cache_dir: Path
    out_dir: Path
    diagnostics: Diagnostics
    progress: Progress
    for_print: bool = False  # the PDF for the printer: bleed and crop marks
    epub_tag: str = ""  # "vertical" for `--vertical`: the EPUB is <slug>.vertical.epub, beside the horizontal one
    reader: str = "standard"  # the EPUB's reader profile (zhbook.epub.readers)

    @property
    def images(self) -> list[BookImage]:
        """Every image of the book once, in order of first use."""
        seen: dict[str, BookImage] = {}
        for chapter in self.chapters + ((self.colophon,) if self.colophon else ()):
            for image in chapter.images:
                seen.setdefault(image.href, image)
        return list(seen.values())

    def output(self, suffix: str) -> Path:
        """The output file named after the book: <out>/<slug><suffix>."""
        return self.out_dir / f"{self.book.meta.slug}{suffix}"
