"""Notes in the EPUB's form. The default, "aside": EPUB 3 pop-up footnotes (Apple Books, Kobo, Kindle,
and 多看 by its classes): each call becomes a[epub:type=noteref]; each note an aside[epub:type=footnote]
at the end of its chapter, starting with its number as a link back to the call (Kindle needs it first).
Two forms for reader profiles (zhbook.epub.readers): "duokan", 多看's own markup (the call an icon
a.duokan-footnote, the notes ol.duokan-footnote-content > li.duokan-footnote-item), and "list", a linked
list of notes at the chapter's end for 微信读书 and 掌阅, which show asides inline as well."""

from __future__ import annotations

import functools
import io
from html import escape

import lxml.html
from lxml import etree

from ..markdown import fragment
from ..model import Chapter

CALL_ATTRIBUTES = {"class": "noteref duokan-footnote", "epub:type": "noteref", "role": "doc-noteref"}
NOTE_ICON = "images/note.png"  # 多看's note call: an icon, relative to the chapter documents


def _xml(element) -> str:
    return etree.tostring(element, method="xml", encoding="unicode")


def body_with_notes(chapter: Chapter, documents: frozenset[str] = frozenset(), form: str = "aside") -> str:
    """The chapter's XHTML body with its note calls and notes in EPUB form, and its links to ids of
    other chapters (`#c002-h3`: every output id starts with its chapter's id) pointed at their
    documents (`c002.xhtml#c002-h3`); documents: the ids of the book's chapter documents; form:
    "aside", "duokan" or "list" (the module's docstring)."""
    return _body_with_notes(chapter.id, chapter.body, chapter.notes, documents, form)


# Kept for the chapters that did not change: the live preview (zhbook.preview) makes every document
# again on each save. Keyed on what is read (not the whole chapter, whose images would stay in memory).
@functools.lru_cache(maxsize=1024)
def _body_with_notes(chapter_id: str, body: str, notes: tuple, documents: frozenset[str], form: str) -> str:
    others = documents - {chapter_id}
    if not notes and not any(f'href="#{doc}' in body for doc in others):
        return body
    # epub:type stays a plain attribute name, written as is inside documents that declare the epub
    # namespace (zhbook.markdown.fragment).
    container = fragment.parse(body)
    for link in container.iter("a"):
        target = link.get("href", "")
        document = target[1:].split("-", 1)[0]
        if target.startswith("#") and document in others:
            link.set("href", f"{document}.xhtml" + (target if target[1:] != document else ""))
    calls = {note.call_id for note in notes}
    for link in container.iter("a"):
        if link.get("id") in calls and link.get("class") == "noteref":
            # In name order, as the calls have always been written (Python-Markdown sorts them).
            attributes = sorted({**link.attrib, **CALL_ATTRIBUTES}.items())
            link.attrib.clear()
            link.attrib.update(attributes)
            if form == "duokan":
                link.set("class", "duokan-footnote")
                number = "".join(link.itertext())
                for child in list(link):
                    link.remove(child)
                link.text = None
                link.append(lxml.html.fragment_fromstring(f'<img alt="注{escape(number)}" src="{NOTE_ICON}"/>'))
    body = fragment.serialize(container)
    if form == "duokan":
        items = "".join(_note(note, "li", {"class": "duokan-footnote-item"}) for note in notes)
        return body + f'<ol class="duokan-footnote-content">{items}</ol>'
    if form == "list":
        items = "".join(_note(note, "li", {"class": "endnote"}) for note in notes)
        return body + f'<section class="endnotes" epub:type="endnotes" role="doc-endnotes"><ol>{items}</ol></section>'
    return body + "".join(_aside(note) for note in notes)


def _aside(note) -> str:
    return _note(note, "aside", {"class": "footnote duokan-footnote-item", "epub:type": "footnote",
                                 "role": "doc-footnote"})


def _note(note, tag: str, attributes: dict[str, str]) -> str:
    """One note as its own element (tag, with attributes and its id, in name order), its number first
    as the link back."""
    written = " ".join(f'{name}="{escape(value)}"' for name, value in sorted({**attributes, "id": note.id}.items()))
    aside = lxml.html.fragment_fromstring(f"<{tag} {written}></{tag}>")
    for child in lxml.html.fragments_fromstring(note.body or "<p></p>"):
        if isinstance(child, str):  # text outside any paragraph
            child = lxml.html.fragment_fromstring(f"<p>{escape(child)}</p>")
        aside.append(child)
    first = aside[0]
    if first.tag != "p":  # a note that opens with a rule, a list or a table: the number gets a line of its own
        first = lxml.html.fragment_fromstring("<p></p>")
        aside.insert(0, first)
    back = lxml.html.fragment_fromstring(f'<a class="note-number" href="#{escape(note.call_id)}" '
                                         f'role="doc-backlink">{note.number}</a>')
    back.tail = "　" + (first.text or "")
    first.text = None
    first.insert(0, back)
    return _xml(aside)


def note_icon() -> bytes:
    """多看's note call icon: a small ring with a dot (PNG), drawn rather than stored, so the repository
    holds no binary for it; the same bytes on every build."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (48, 48), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 43, 43), outline=(60, 60, 60, 255), width=5)
    draw.ellipse((18, 18, 29, 29), fill=(60, 60, 60, 255))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
