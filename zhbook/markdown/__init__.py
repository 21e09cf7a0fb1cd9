"""Markdown → a rendered Chapter (zhbook.model): Python-Markdown with our extensions, then the raw HTML
made safe and well formed (sanitize), images checked and converted (images), footnotes taken out of the
body into neutral Notes. Rendering returns a value; nothing is written into the source or the book."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import markdown
from lxml import etree

from ..errors import BookError, Diagnostics
from ..model import BookImage, Chapter, Heading, Note, SourceFile
from . import fragment, images, sanitize
from .cache import ChapterCache
from .extensions import CJKExtension
from .highlight import CODEHILITE

ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
NOTE_CALL_CLASS = "noteref"  # the class of a note's call in a Chapter's body (see zhbook.model.Note)


def render_chapters(sources, root: Path, cache_dir: Path, diagnostics: Diagnostics, progress=None) -> list[Chapter]:
    """Each source rendered, from the cache where it can be (zhbook.markdown.cache). Every chapter's
    warnings are given on every build, in book order, whether it was rendered now or before."""
    cache = ChapterCache(cache_dir, root)
    chapters = []
    for number, source in enumerate(sources, start=1):
        cached = cache.load(source)
        if cached is None:
            collected = Diagnostics(quiet=True)
            try:
                chapter = render_chapter(source, root, collected)
            finally:
                diagnostics.replay(collected.given)
            cache.store(chapter, collected.given)
        else:
            chapter, warnings = cached
            diagnostics.replay(warnings)
        chapters.append(chapter)
        if progress is not None:
            progress.update("markdown", number, len(sources))
    return chapters


def render_chapter(source: SourceFile, root: Path | None, diagnostics: Diagnostics) -> Chapter:
    """source rendered; its images are looked for in root, the book folder (None: images are refused)."""
    cjk = CJKExtension(id_prefix=source.id)
    md = markdown.Markdown(
        extensions=["extra", "sane_lists", "codehilite", cjk],
        extension_configs={"extra": {"footnotes": {"SEPARATOR": "-"}}, "codehilite": CODEHILITE},
        output_format="xhtml",
    )
    try:
        html = md.convert(source.text)
    except RecursionError:
        raise BookError("Markdown nested too deeply (lists or quotes hundreds of levels inside each other); "
                        "simplify it", source.path)
    container = fragment.parse(html)
    used: dict[str, BookImage] = {}

    def embed(src: str, line: int | None) -> str:
        image = images.embed(src, source.path, root, diagnostics, line)
        used.setdefault(image.href, image)
        return image.href

    ctx = sanitize.Context(source.path, source.text, diagnostics, embed if root is not None else None,
                           id_prefix=source.id)
    sanitize.clean_fragment(container, ctx, {h.id for h in cjk.headings})
    for message, text in cjk.problems:  # ruby: bad syntax, readings to review
        diagnostics.warn(message, source.path, line_of(source.text, text))
    for label in cjk.unreferenced:
        diagnostics.warn(f"footnote [^{label}] is never referenced: it is left out of the book; "
                         f"refer to it with [^{label}] in the text or delete it", source.path,
                         line_of(source.text, f"[^{label}]:"))
    notes = _take_notes(container, cjk.note_mark)
    headings = _heading_texts(container, cjk.headings)
    present = {element.get("id") for element in container.iter() if isinstance(element.tag, str)}
    # A heading with no text (`# ` alone, or only a removed <script>) gets no entry in the contents
    # and the nav: EPUBCheck refuses empty nav links and an empty <title>.
    return Chapter(source=source, body=fragment.serialize(container), headings=tuple(h for h in headings if h.text),
                   notes=tuple(notes), images=tuple(used.values()),
                   anchors=tuple(a for a in cjk.anchors if a.id in present))


def line_of(text: str, *needles: str) -> int | None:
    """The line of the first of needles found in text (a Markdown source), for messages; or None."""
    for needle in needles:
        index = text.find(needle)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None


def _marked(element, kind: str, mark: str) -> bool:
    """Is element Python-Markdown's `kind` (footnote, footnote-ref …), marked by MarkNotes?"""
    return (element.get("class") or "").split() == [kind, mark]


def _take_notes(container, mark: str) -> list[Note]:
    """Python-Markdown's footnotes (marked with `mark`) taken out of the body: each call becomes a
    neutral note call, the notes block becomes Notes, without their links back (each renderer
    writes its own)."""
    for sup in container.iter("sup"):
        link = sup.find("a")
        if link is not None and _marked(link, "footnote-ref", mark):
            link.set("class", NOTE_CALL_CLASS)
            link.set("id", sup.attrib.pop("id", ""))
    notes = []
    for block in [el for el in container.iter("div") if _marked(el, "footnote", mark)]:
        block.getparent().remove(block)
        # The notes are the items of the block's list, not a list inside a note; the list and its
        # items may have been made <div>s by the sanitizer, when a note held tag soup.
        # What the HTML parser split off an item (a raw <li> in a note closes the note's own) stays
        # in that item: the note's text and its link back.
        listed = next((child for child in block if child.tag in ("ol", "div")), ())
        items = []
        for child in list(listed):
            if child.tag in ("li", "div") and child.get("id"):
                items.append(child)
            elif items:
                items[-1].append(child)
        for number, item in enumerate(items, start=1):
            call_id = ""
            for backref in [a for a in item.iter("a") if _marked(a, "footnote-backref", mark)]:
                call_id = backref.get("href", "").lstrip("#")
                holder = backref.getparent()
                previous = backref.getprevious()
                holder.remove(backref)
                # the link back was preceded by a space: it goes with the link
                if previous is not None:
                    previous.tail = (previous.tail or "").rstrip()
                else:
                    holder.text = (holder.text or "").rstrip()
            body = "".join(etree.tostring(child, method="xml", encoding="unicode") for child in item)
            notes.append(Note(id=item.get("id"), call_id=call_id, number=number, body=body))
    return notes


def _text_without_note_calls(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if not (child.tag == "a" and child.get("class") == NOTE_CALL_CLASS):  # a note call is not title text
            parts.append(_text_without_note_calls(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _heading_texts(container, headings: list[Heading]) -> list[Heading]:
    """Each heading's text as the reader sees it, taken from the cleaned tree: Python-Markdown's tree
    still holds raw HTML as placeholders (\x02…\x03), and sanitising may remove part of a heading
    (a <script>)."""
    by_id = {element.get("id"): element for element in container.iter() if isinstance(element.tag, str)}
    # Only ASCII white space is collapsed: the ideographic space of `第一章　从纸到屏` is the author's.
    return [replace(heading, text=ASCII_SPACE.sub(" ", _text_without_note_calls(by_id[heading.id])).strip(" ")
                    if heading.id in by_id else "") for heading in headings]
