"""Markdown → XHTML fragments, with our CJK extensions written against Python-Markdown's API.

- CJKLineJoin: a line break between two East Asian wide characters inside a paragraph is not a space
  (Pandoc's east_asian_line_breaks), so Chinese lines wrapped in the source join with nothing between.
- ScopedIds: every id in a chapter (headings, footnotes) gets the chapter's prefix, so chapters can
  share one HTML document (the PDF) without clashes; headings get short ASCII ids and are collected
  for the contents page, the nav and the bookmarks.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import markdown
from lxml import etree
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .load import SourceFile
from .output import replace_file

HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Text inside these is shown as written: never join its lines.
VERBATIM_TAGS = {"pre", "code", "kbd", "samp"}
SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def is_wide(char: str) -> bool:
    """East Asian Wide/Fullwidth: Han, kana, hangul and the full-width punctuation."""
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")


@dataclass
class Heading:
    level: int
    id: str
    text: str


class CJKLineJoin(Treeprocessor):
    """Drop soft line breaks that sit between two wide characters, also across inline elements."""

    def run(self, root: ET.Element) -> None:
        slots: list[tuple[ET.Element, str]] = []  # (element, "text" | "tail") in reading order

        def collect(element: ET.Element, verbatim: bool) -> None:
            verbatim = verbatim or element.tag in VERBATIM_TAGS
            if not verbatim:
                slots.append((element, "text"))
            for child in element:
                collect(child, verbatim)
                if not verbatim:
                    slots.append((child, "tail"))

        collect(root, False)
        values = [getattr(el, attr) or "" for el, attr in slots]
        for i, value in enumerate(values):
            if "\n" not in value:
                continue

            def neighbour(step: int, start: int) -> str:
                j = start
                while 0 <= j < len(values):
                    if values[j]:
                        return values[j][-1] if step < 0 else values[j][0]
                    j += step
                return ""

            def join(match: re.Match) -> str:
                text = match.string
                before = text[match.start() - 1] if match.start() > 0 else neighbour(-1, i - 1)
                after = text[match.end()] if match.end() < len(text) else neighbour(1, i + 1)
                return "" if is_wide(before) and is_wide(after) else match.group(0)

            values[i] = SOFT_BREAK.sub(join, value)
            element, attr = slots[i]
            setattr(element, attr, values[i])


class ScopedIds(Treeprocessor):
    """Prefix every id and in-chapter link with the chapter id; number the headings."""

    def __init__(self, md: markdown.Markdown, extension: "CJKExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        prefix = self.extension.getConfig("id_prefix")
        renamed: dict[str, str] = {}
        headings: list[Heading] = []
        for element in root.iter():
            if element.tag in HEADING_TAGS:
                new_id = f"{prefix}-h{len(headings) + 1}"
                if element.get("id"):
                    renamed[element.get("id")] = new_id
                element.set("id", new_id)
                text = "".join(element.itertext()).strip()
                headings.append(Heading(int(element.tag[1]), new_id, text))
            elif element.get("id"):
                old = element.get("id")
                renamed[old] = f"{prefix}-{re.sub(r'[^A-Za-z0-9_-]', '-', old)}"
                element.set("id", renamed[old])
        for element in root.iter("a"):
            href = element.get("href", "")
            if href.startswith("#") and href[1:] in renamed:
                element.set("href", "#" + renamed[href[1:]])
        self.extension.headings = headings


class EpubNotes(Treeprocessor):
    """Python-Markdown's footnotes as EPUB 3 pop-up notes (Apple Books, Kobo, and 多看 by class):
    a[epub:type=noteref] → aside[epub:type=footnote], each note with a link back to its call."""

    def run(self, root: ET.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for sup in list(root.iter("sup")):
            link = sup.find("a")
            if link is None or link.get("class") != "footnote-ref":
                continue
            link.attrib.update({"id": sup.attrib.pop("id", ""), "class": "noteref duokan-footnote",
                                "epub:type": "noteref", "role": "doc-noteref"})
        for block in [el for el in root.iter("div") if el.get("class") == "footnote"]:
            parent = parents[block]
            position = list(parent).index(block)
            parent.remove(block)
            for number, item in enumerate(block.iter("li"), start=1):
                aside = ET.Element("aside", {"id": item.get("id"), "class": "footnote duokan-footnote-item",
                                             "epub:type": "footnote", "role": "doc-footnote"})
                back_href = ""
                for paragraph in item:
                    for backref in [a for a in paragraph.iter("a") if a.get("class") == "footnote-backref"]:
                        back_href = backref.get("href")
                        for holder in paragraph.iter():
                            if backref in list(holder):
                                holder.remove(backref)
                        # the back-link was preceded by a space: drop it with the link
                        if len(paragraph):
                            paragraph[-1].tail = (paragraph[-1].tail or "").rstrip()
                        else:
                            paragraph.text = (paragraph.text or "").rstrip()
                    aside.append(paragraph)
                first = aside[0] if len(aside) else ET.SubElement(aside, "p")
                back = ET.Element("a", {"href": back_href, "class": "note-number", "role": "doc-backlink"})
                back.text, back.tail = f"{number}", "　" + (first.text or "")
                first.text = None
                first.insert(0, back)
                parent.insert(position, aside)
                position += 1


class CJKExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"id_prefix": ["c", "prefix for every id in this document"]}
        super().__init__(**kwargs)
        self.headings: list[Heading] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Priorities: inline patterns run at 20, footnotes at 50 and below; ours run after both.
        md.treeprocessors.register(CJKLineJoin(md), "cjk_line_join", 5)
        md.treeprocessors.register(ScopedIds(md, self), "scoped_ids", 1)
        md.treeprocessors.register(EpubNotes(md), "epub_notes", 0)


@dataclass
class RenderedDocument:
    source: SourceFile
    body: str  # well-formed XHTML fragment (no namespace), ready for a template
    headings: list[Heading] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.headings[0].text if self.headings else self.source.path.stem


def _well_formed(html: str, source: SourceFile | None = None, headings: list[Heading] = ()) -> str:
    """Raw HTML in Markdown may be malformed: let libxml2's HTML parser repair it, make it safe and
    valid for an EPUB (zhbook.sanitize: no scripts, only valid elements and attributes, images
    embedded from the book folder), emit XML."""
    from html import escape

    from . import images, sanitize
    from .errors import Diagnostics

    container = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    diagnostics = getattr(source, "diagnostics", None) or Diagnostics(quiet=True)
    root = getattr(source, "root", None)

    def embed(src: str, line: int | None) -> str:
        image = images.embed(src, source.path, root, diagnostics, line)
        source.images[image.href] = image
        return image.href

    ctx = sanitize.Context(getattr(source, "path", None), getattr(source, "text", ""), diagnostics,
                           embed if root is not None else None)
    sanitize.clean_fragment(container, ctx, {h.id for h in headings})
    _heading_texts(container, headings)
    parts = [escape(container.text, quote=False)] if container.text and container.text.strip() else []
    parts += [etree.tostring(child, method="xml", encoding="unicode") for child in container]
    return "".join(parts)


def _text_without_note_calls(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if not (child.tag == "a" and child.get("epub:type") == "noteref"):  # a note call is not title text
            parts.append(_text_without_note_calls(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _heading_texts(container, headings: list[Heading]) -> None:
    """Each heading's text as the reader sees it, taken from the cleaned tree: Python-Markdown's tree
    still holds raw HTML as placeholders (\x02…\x03), and sanitising may remove part of a heading
    (a <script>)."""
    by_id = {element.get("id"): element for element in container.iter() if isinstance(element.tag, str)}
    for heading in headings:
        element = by_id.get(heading.id)
        heading.text = " ".join(_text_without_note_calls(element).split()) if element is not None else ""


def render_markdown(source: SourceFile) -> RenderedDocument:
    cjk = CJKExtension(id_prefix=source.id)
    md = markdown.Markdown(
        extensions=["extra", "sane_lists", cjk],
        extension_configs={"extra": {"footnotes": {"SEPARATOR": "-", "BACKLINK_TITLE": "返回正文（注{}）"}}},
        output_format="xhtml",
    )
    try:
        html = md.convert(source.text)
    except RecursionError:
        from .errors import BookError
        raise BookError("Markdown nested too deeply (lists or quotes hundreds of levels inside each other); "
                        "simplify it", source.path)
    body = _well_formed(html, source, cjk.headings)
    # A heading with no text (`# ` alone, or only a removed <script>) gets no entry in the contents
    # and the nav: EPUBCheck refuses empty nav links and an empty <title>.
    return RenderedDocument(source=source, body=body, headings=[h for h in cjk.headings if h.text])


def _code_digest() -> str:
    """What turns Markdown into our XHTML: a change to it invalidates the cached renderings."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(markdown.__version__.encode())
    for name in ("markdown_cjk.py", "sanitize.py", "images.py", "load.py"):
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def render_markdown_cached(source: SourceFile, cache_dir: Path) -> RenderedDocument:
    """render_markdown, cached under cache_dir/markdown by the chapter's text: rebuilding a big book
    after one edit renders one chapter. A chapter with images or with warnings is rendered every
    time, so that its images are checked and its warnings shown on every build."""
    global _CODE_DIGEST
    _CODE_DIGEST = _CODE_DIGEST or _code_digest()
    key = hashlib.sha256("\0".join([_CODE_DIGEST, source.id, source.text]).encode()).hexdigest()[:32]
    path = cache_dir / "markdown" / f"{key}.json"
    try:
        cached = json.loads(path.read_text("utf-8"))
        return RenderedDocument(source=source, body=cached["body"],
                                headings=[Heading(*heading) for heading in cached["headings"]])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    warnings_before = len(source.diagnostics.warnings) if source.diagnostics else 0
    document = render_markdown(source)
    if not source.images and (source.diagnostics is None or len(source.diagnostics.warnings) == warnings_before):
        data = json.dumps({"body": document.body, "headings": [[h.level, h.id, h.text] for h in document.headings]})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(path, data.encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written (read-only .cache/): render again next time
    return document


_CODE_DIGEST = ""
