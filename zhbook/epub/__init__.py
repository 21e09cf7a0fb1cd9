"""The EPUB 3 renderer: render(ctx) writes <out>/<slug>.epub — XHTML documents from our templates,
subset fonts, images, nav + NCX, cover and landmarks (ebooklib, through zhbook.epub.package) — in the
form of the reader profile ctx.reader asks for (zhbook.epub.readers), checked by the reader rules
(zhbook.epub.preflight) before it is moved into place."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from markupsafe import Markup

from .. import templates
from ..assets.cover import cover_image
from ..assets.fonts import FontSet, unused_faces_removed
from ..errors import BookError
from ..model import Book, Chapter, RenderContext
from ..output import atomic_output
from . import preflight
from .notes import NOTE_ICON, body_with_notes, note_icon
from .package import ACCESSIBILITY, ReproducibleEpubWriter, XhtmlDocument, accessibility_claim
from .readers import ReaderProfile, profile as reader_profile, with_kobo_spans
from .vertical import vertical_body

STYLESHEETS = ("book.css", "epub.css")  # the shared stylesheet, then what only e-readers use
VERTICAL_STYLESHEETS = STYLESHEETS + ("vertical.css",)  # a vertical book: writing mode on every document's root
STYLESHEET_NAME = "styles/book.css"  # one stylesheet in the EPUB, as every document links it
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf"}  # EPUB 3 core media types


def _document(book: Book, uid: str, title: str, body: str, matter: str, properties=None) -> XhtmlDocument:
    if book.vertical and matter != "cover":  # the cover is an image: nothing to set upright
        body = vertical_body(body, book.vertical_forms)
    content = templates.render("document.xhtml.j2", lang=book.meta.language, title=title,
                               body=Markup(body), matter=matter)
    return XhtmlDocument(uid, f"{uid}.xhtml", title, content, properties)


def _cover_fonts(fonts: FontSet) -> tuple[Path, Path]:
    """The body face and the heading face, for the generated cover."""
    return tuple(font.path for font in fonts.cover_faces())


def _toc(entries: list[templates.Entry]) -> list:
    """Nav/NCX entries: parts with their chapters under them, chapters with their sections (to the
    book's toc_depth), front and back matter as chapters."""
    result = []
    for entry in entries:
        href = f"{entry.doc}.xhtml" + (f"#{entry.fragment}" if not entry.kind else "")
        children = _toc(list(entry.children))
        uid = entry.doc if entry.kind else entry.fragment
        result.append((epub.Section(entry.text, href), children) if children else epub.Link(href, entry.text, uid))
    return result


def back_type(chapter: Chapter) -> str:
    """The epub:type of back matter: an appendix (its first heading starts with 附录, or its file name
    with appendix), else an afterword (后记)."""
    appendix = (chapter.title.startswith(("附录", "附錄"))  # 附錄: as the Traditional edition writes it
                or chapter.source.path.name.lower().startswith("appendix"))
    return "appendix" if appendix else "afterword"


def _metadata(ebook: epub.EpubBook, book: Book) -> None:
    meta = book.meta
    ebook.set_identifier(meta.identifier)
    ebook.set_title(meta.title)
    ebook.set_language(meta.language)
    ebook.add_author(meta.author)
    if meta.subtitle:
        ebook.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
        ebook.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    if meta.publisher:
        ebook.add_metadata("DC", "publisher", meta.publisher)
    if meta.description:
        ebook.add_metadata("DC", "description", meta.description)
    ebook.add_metadata("DC", "date", book.build_date.strftime("%Y-%m-%d"))


@dataclass
class Documents:
    """The book's XHTML documents in reading order, as the EPUB holds them, with what packaging
    them needs. Making them is quick; packaging (the fonts cut to the characters they use) is not,
    so the live preview (zhbook.preview) shows these first and the packaged book after."""

    ebook: epub.EpubBook  # metadata and cover image so far
    documents: list[XhtmlDocument]
    stylesheet: str  # before the faces the book does not use are removed
    entries: list[templates.Entry]
    prefaces: list[dict]
    landmarks: list[dict]
    text_start: str  # the file name of the first body document (the "text" landmark)


def render(ctx: RenderContext) -> Path:
    """Write the book's EPUB; return its path."""
    ebook = package(ctx, documents(ctx))
    options = {"epub3_landmark": True, "landmark_title": ctx.book.word("地标"),
               "mtime": ctx.book.build_date.replace(tzinfo=None), "spine_direction": ctx.book.vertical}
    reader = reader_profile(ctx.reader)
    # <slug>.epub, <slug>.kepub.epub, <slug>.duokan.epub …; a vertical EPUB's tag comes first.
    path = ctx.output((f".{ctx.epub_tag}" if ctx.epub_tag else "") + reader.suffix)
    with atomic_output(path) as tmp:
        writer = ReproducibleEpubWriter(str(tmp), ebook, options, ctx.book.build_date)
        writer.process()
        writer.write()
        _preflight(path, tmp, reader)
    return path


def _preflight(path: Path, tmp: Path, reader: ReaderProfile) -> None:
    """The reader rules on the EPUB just written (under its final name): a finding that breaks a reader
    fails the build, and the previous output stays as it was."""
    breaking = [finding for finding in preflight.check(path, tmp.read_bytes()) if finding.breaks]
    if breaking:
        more = f" (and {len(breaking) - 1} more: run build.py check on it)" if len(breaking) > 1 else ""
        raise BookError(f"the {reader.name} EPUB would break a reader: {breaking[0]}{more}", path)


def documents(ctx: RenderContext) -> Documents:
    """Every XHTML document of the book, from our templates."""
    book, fonts, chapters = ctx.book, ctx.fonts, ctx.chapters
    stylesheet = ctx.styles.read(*(VERTICAL_STYLESHEETS if book.vertical else STYLESHEETS))
    ebook = epub.EpubBook()
    _metadata(ebook, book)
    if book.vertical:  # pages turn right to left; Kindle reads the writing mode from this meta
        ebook.set_direction("rtl")
        ebook.add_metadata(None, "meta", "", {"name": "primary-writing-mode", "content": "vertical-rl"})

    def href(doc_id: str, fragment: str) -> str:
        return f"{doc_id}.xhtml" + (f"#{fragment}" if fragment else "")

    image, image_type = cover_image(book, *_cover_fonts(fonts), ctx.cache_dir)
    cover_name = "images/cover." + ("png" if image_type == "image/png" else "jpg")
    ebook.add_item(epub.EpubCover(uid="cover-image", file_name=cover_name))
    ebook.get_item_with_id("cover-image").content = image
    ebook.get_item_with_id("cover-image").media_type = image_type
    ebook.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # Kindle, EPUB 2 readers
    for prop, value in ACCESSIBILITY + accessibility_claim(book.meta.conforms_to, book.meta.certified_by):
        if prop == "schema:accessibilitySummary":  # its Chinese sentence in the edition's script
            chinese, _, english = value.partition(" ")
            value = f"{book.word(chinese)} {english}"
        ebook.add_metadata(None, "meta", value, {"property": prop})

    documents = frozenset(c.id for c in chapters)
    form = reader_profile(ctx.reader).notes  # the notes' form for the reader profile
    colophon = body_with_notes(ctx.colophon, documents, form) if ctx.colophon else ""
    front = [_document(book, "cover", book.word("封面"), templates.cover(book, cover_name, image), "cover", ["svg"])]
    entries = templates.toc_entries(book, chapters)
    preface = [(c.id, c.title, Markup(f'<section epub:type="preface" role="doc-preface">{body_with_notes(c, documents, form)}'
                                      '</section>')) for c in chapters if c.matter == "front"]
    front += [_document(book, uid, title, page, "frontmatter")
              for uid, title, page in templates.front_matter(book, colophon, templates.contents(entries, href, book.word), preface)]
    part_opening = {part.chapter_ids[0]: part for part in book.parts}
    body, back, landmarks = [], [], []
    for c in chapters:
        if c.id in part_opening:
            part = part_opening[c.id]
            body.append(_document(book, part.id, part.title, templates.part_page(part), "bodymatter"))
        if c.matter == "chapter":
            body.append(_document(book, c.id, c.title, f'<section epub:type="chapter" role="doc-chapter">'
                                  f'{body_with_notes(c, documents, form)}</section>', "bodymatter"))
        elif c.matter == "back":
            kind = back_type(c)
            back.append(_document(book, c.id, c.title, f'<section epub:type="{kind}" role="doc-{kind}">'
                                  f'{body_with_notes(c, documents, form)}</section>', "backmatter"))
            landmarks.append({"type": kind, "href": f"{c.id}.xhtml", "title": c.title})
    prefaces = [{"type": "preface", "href": f"{uid}.xhtml", "title": title} for uid, title, _ in preface]
    return Documents(ebook, front + body + back, stylesheet, entries, prefaces, landmarks, body[0].file_name)


def package(ctx: RenderContext, made: Documents) -> epub.EpubBook:
    """The EPUB's items: the documents, the fonts cut to the characters they set, the images, the
    stylesheet, nav and NCX, landmarks and spine."""
    book, fonts, ebook, documents = ctx.book, ctx.fonts, made.ebook, made.documents
    reader = reader_profile(ctx.reader)
    if reader.kobo_spans:
        documents = [XhtmlDocument(d.id, d.file_name, d.title, with_kobo_spans(d.content).decode("utf-8"),
                                   d.properties) for d in documents]
    if reader.notes == "duokan" and any(c.notes for c in ctx.chapters + ((ctx.colophon,) if ctx.colophon else ())):
        ebook.add_item(epub.EpubItem(uid="note-icon", file_name=NOTE_ICON, media_type="image/png",
                                     content=note_icon()))
    parsed = [ET.fromstring(d.content) for d in documents]
    used = fonts.characters(parsed, made.stylesheet)
    # Only the faces the book sets text in (a book without code or quotations has no monospace or
    # 楷体 face), and the stylesheet declares only those.
    embedded = [font for font in fonts.embedded if used[font.name]]
    stylesheet = unused_faces_removed(made.stylesheet, {f.name for f in fonts.embedded if f not in embedded})
    programs = fonts.subsets([(font, used[font.name], False) for font in embedded], ctx.progress, "epub font subsets")
    for font, program in zip(embedded, programs):
        ebook.add_item(epub.EpubItem(uid=f"font-{Path(font.name).stem}", file_name=f"fonts/{font.name}",
                                     media_type=FONT_TYPES[font.path.suffix.lower()], content=program))
    for image in ctx.images:  # checked and converted when the Markdown was rendered
        ebook.add_item(epub.EpubItem(uid=image.uid, file_name=image.href, media_type=image.media_type,
                                     content=image.data))
    ebook.add_item(epub.EpubItem(uid="stylesheet", file_name=STYLESHEET_NAME, media_type="text/css",
                                 content=stylesheet.encode("utf-8")))
    for document in documents:
        ebook.add_item(document)

    ebook.toc = _toc(made.entries)
    ebook.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title=book.word("目录"))
    nav.add_link(href=STYLESHEET_NAME, rel="stylesheet", type="text/css")
    ebook.add_item(nav)
    ebook.guide = [
        {"type": "cover", "href": "cover.xhtml", "title": book.word("封面")},
        *made.prefaces[:1],
        {"type": "toc", "href": "contents.xhtml", "title": book.word("目录")},
        {"type": "text", "href": made.text_start, "title": book.word("正文")},
        *made.landmarks,
    ]
    ebook.spine = documents
    return ebook
