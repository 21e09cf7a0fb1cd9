"""The EPUB package as ebooklib writes it, with our fixes: documents kept as our templates made them,
reproducible zip entries, OPF xml:lang, NCX playOrder and depth; and what the package declares of every
book (accessibility metadata, the Kindle-safe rules)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

from ebooklib import epub

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
]
# A conformance claim (dcterms:conformsTo, with a11y:certifiedBy naming who evaluated it) is made only
# when book.toml's [accessibility] states one: nobody certifies a book by building it.


def accessibility_claim(conforms_to: str, certified_by: str) -> list[tuple[str, str]]:
    """The conformance claim's metadata, or none."""
    return [("dcterms:conformsTo", conforms_to), ("a11y:certifiedBy", certified_by)] if conforms_to else []


# Apple Books sets the text in the user's font, ignoring the book's embedded fonts, unless this file
# declares specified-fonts (Apple Books Asset Guide, "Embedding Language-Appropriate Fonts"). With it
# the reader's own font setting still offers "Original" and the system fonts.
APPLE_DISPLAY_OPTIONS_NAME = "META-INF/com.apple.ibooks.display-options.xml"


def apple_display_options() -> bytes:
    from lxml import etree

    root = etree.Element("display_options")
    platform = etree.SubElement(root, "platform", name="*")
    option = etree.SubElement(platform, "option", name="specified-fonts")
    option.text = "true"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

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
            self.out.writestr(APPLE_DISPLAY_OPTIONS_NAME, apple_display_options())
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
