"""The EPUB 3 renderer (ebooklib): XHTML documents from our templates, subset fonts, nav + NCX."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

from ebooklib import epub
from markupsafe import Markup

from . import templates
from .assets.cover import cover_image
from .assets.fonts import FontSet
from .images import used_images
from .load import Book
from .markdown_cjk import RenderedDocument
from .output import atomic_output

STYLESHEET_NAME = "styles/book.css"
ACCESSIBILITY = [  # EPUB Accessibility 1.1 discovery metadata: what is true of every book we make
    ("schema:accessMode", "textual"),
    ("schema:accessMode", "visual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityHazard", "none"),
    ("schema:accessibilitySummary",
     "本书为可重排文本，标题层级完整，附有目录与导航；封面图片有文字说明，无闪烁、声音或动画等危险内容。"
     " Reflowable text with structured headings, a table of contents and navigation; the cover image has"
     " alternative text; no hazards."),
    ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
]
# The conformance claim names who evaluated it (a11y:certifiedBy, EPUB Accessibility 1.1): the party
# that publishes the book, which is the author when book.toml names no publisher. The evaluation is
# the tests' (DAISY Ace and our own rules, tests/test_epub.py).

# Kindle-safe: what Send-to-Kindle (and Kindle's KF8 conversion) is known to reject or mishandle, and
# what we do about it. docs/readers.md explains each; tests/test_epub.py checks each on the real book.
KINDLE_RULES = {
    "language": "dc:language and every document's lang start with \"zh\": Send-to-Kindle refuses or "
                "mis-renders books whose language is missing or not one it supports, and picks the CJK "
                "fonts and line breaking from it.",
    "xml-declaration": "every XHTML file starts with <?xml version=\"1.0\" encoding=\"utf-8\"?>: "
                       "Amazon's converter reads files without one with a guessed (Latin-1) encoding.",
    "no-encryption": "no META-INF/encryption.xml (no font obfuscation, no DRM): Send-to-Kindle rejects "
                     "encrypted or DRM-protected files, and obfuscated fonts would come out as garbage.",
    "fonts-otf-ttf": "embedded fonts are OpenType/TrueType (sfnt) files, never WOFF/WOFF2: Kindle's "
                     "documented font support is OTF/TTF.",
    "images-jpeg-png": "images are JPEG or PNG: the converter reports WebP and others as unsupported.",
    "ascii-file-names": "file names inside the EPUB are ASCII letters, digits, '-', '_', '.', '/': "
                        "names with spaces or Chinese characters are a known cause of failed deliveries.",
    "nav-and-ncx-resolve": "every nav and NCX entry has text and points at an existing file and id, "
                           "and the NCX has playOrder and its real depth: broken navigation files are "
                           "the most common cause of rejected EPUBs.",
    "size": "the EPUB is far below Send-to-Kindle's 50 MB (e-mail) limit; ours stay under 500 KB.",
}


class XhtmlDocument(epub.EpubItem):
    """An XHTML content document written exactly as our template made it.

    ebooklib's EpubHtml re-parses a document and rebuilds its <html>, dropping the head and the body's
    attributes (epub:type); a plain item keeps our markup as it is.
    """

    def __init__(self, uid: str, file_name: str, title: str, content: str, properties: list[str] | None = None):
        super().__init__(uid=uid, file_name=file_name, media_type="application/xhtml+xml",
                         content=content.encode("utf-8"))
        self.title = title
        self.properties = properties or []


class ReproducibleEpubWriter(epub.EpubWriter):
    """ebooklib stamps every zip entry with the current time; stamp them with the build date instead.

    Two more fixes of ebooklib 0.20's package: the OPF root gets xml:lang (DAISY Ace's epub-lang rule),
    and the NCX gets playOrder on every navPoint and its real dtb:depth (older readers and Amazon's
    converter read the NCX; the NCX 2005-1 spec requires both).
    """

    def __init__(self, name, book, options, date: datetime):
        super().__init__(name, book, {**options, "play_order": {"enabled": True, "start_from": 1}})
        self.date_time = date.timetuple()[:6]

    def _write_opf_file(self, root) -> None:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
        super()._write_opf_file(root)

    def _get_ncx(self) -> bytes:
        from lxml import etree

        root = etree.fromstring(super()._get_ncx())
        ns = {"ncx": "http://www.daisy.org/z3986/2005/ncx/"}
        depth = max((len(point.xpath("ancestor-or-self::ncx:navPoint", namespaces=ns))
                     for point in root.iterfind(".//ncx:navPoint", ns)), default=1)
        root.find("ncx:head/ncx:meta[@name='dtb:depth']", ns).set("content", str(depth))
        return etree.tostring(root, pretty_print=True, encoding="utf-8", xml_declaration=True)

    def write(self) -> None:
        with zipfile.ZipFile(self.file_name, "w", zipfile.ZIP_DEFLATED) as archive:
            self.out = _DatedZip(archive, self.date_time)
            self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            self._write_container()
            self._write_opf()
            self._write_items()


class _DatedZip:
    def __init__(self, archive: zipfile.ZipFile, date_time: tuple):
        self.archive, self.date_time = archive, date_time

    def writestr(self, name: str, data, compress_type: int = zipfile.ZIP_DEFLATED) -> None:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = compress_type
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, data)


def _document(book: Book, uid: str, title: str, body: str, matter: str, properties=None) -> XhtmlDocument:
    content = templates.render("document.xhtml.j2", lang=book.meta.language, title=title,
                               body=Markup(body), matter=matter)
    return XhtmlDocument(uid, f"{uid}.xhtml", title, content, properties)


def _cover_fonts(fonts: FontSet) -> tuple[Path, Path]:
    """The body face and the heading face, for the generated cover."""
    families = list(fonts.by_family.values())
    return families[0][0].path, families[-1][0].path


def _toc(chapters: list[RenderedDocument]) -> list:
    """Nav/NCX entries: each chapter, with its level-2 sections under it."""
    entries = []
    for chapter in chapters:
        href = f"{chapter.source.id}.xhtml"
        sections = [epub.Link(f"{href}#{h.id}", h.text, h.id) for h in chapter.headings[1:] if h.level == 2]
        link = epub.Link(href, chapter.title, chapter.source.id)
        entries.append((epub.Section(chapter.title, href), sections) if sections else link)
    return entries


def build_epub(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
               fonts: FontSet, stylesheet: str, out_path: Path) -> None:
    meta = book.meta
    ebook = epub.EpubBook()
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

    def href(doc_id: str, fragment: str) -> str:
        return f"{doc_id}.xhtml" + (f"#{fragment}" if fragment else "")

    image, image_type = cover_image(book, *_cover_fonts(fonts), fonts.cache_dir)
    cover_name = "images/cover." + ("png" if image_type == "image/png" else "jpg")
    ebook.add_item(epub.EpubCover(uid="cover-image", file_name=cover_name))
    ebook.get_item_with_id("cover-image").content = image
    ebook.get_item_with_id("cover-image").media_type = image_type
    ebook.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # Kindle, EPUB 2 readers
    for prop, value in ACCESSIBILITY:
        ebook.add_metadata(None, "meta", value, {"property": prop})
    ebook.add_metadata(None, "meta", meta.publisher or meta.author, {"property": "a11y:certifiedBy"})

    front = [
        _document(book, "cover", "封面", templates.cover(book, cover_name, image), "cover", ["svg"]),
        _document(book, "titlepage", meta.title, templates.titlepage(book), "frontmatter"),
        _document(book, "colophon", "版权信息", templates.colophon(book, colophon), "frontmatter"),
        _document(book, "contents", "目录", templates.contents(chapters, href), "frontmatter"),
    ]
    body = [_document(book, c.source.id, c.title,
                      f'<section epub:type="chapter" role="doc-chapter">{c.body}</section>', "bodymatter")
            for c in chapters]
    documents = front + body

    parsed = [ET.fromstring(d.content) for d in documents]
    used = fonts.characters(parsed, stylesheet)
    programs = fonts.subsets([(font, used[font.path.name], False) for font in fonts.embedded])
    for font, program in zip(fonts.embedded, programs):
        ebook.add_item(epub.EpubItem(uid=f"font-{font.path.stem}", file_name=f"fonts/{font.path.name}",
                                     media_type="font/otf", content=program))
    for image in used_images(chapters + [colophon]):  # checked and converted when the Markdown was rendered
        ebook.add_item(epub.EpubItem(uid=image.uid, file_name=image.href, media_type=image.media_type,
                                     content=image.data))
    ebook.add_item(epub.EpubItem(uid="stylesheet", file_name=STYLESHEET_NAME, media_type="text/css",
                                 content=stylesheet.encode("utf-8")))
    for document in documents:
        ebook.add_item(document)

    ebook.toc = _toc(chapters)
    ebook.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title="目录")
    nav.add_link(href=STYLESHEET_NAME, rel="stylesheet", type="text/css")
    ebook.add_item(nav)
    ebook.guide = [
        {"type": "cover", "href": "cover.xhtml", "title": "封面"},
        {"type": "toc", "href": "contents.xhtml", "title": "目录"},
        {"type": "text", "href": body[0].file_name, "title": "正文"},
    ]
    ebook.spine = documents

    options = {"epub3_landmark": True, "landmark_title": "地标", "mtime": book.build_date.replace(tzinfo=None),
               "spine_direction": False}
    with atomic_output(out_path) as tmp:
        writer = ReproducibleEpubWriter(str(tmp), ebook, options, book.build_date)
        writer.process()
        writer.write()
