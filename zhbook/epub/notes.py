"""Notes in the EPUB's form: EPUB 3 pop-up footnotes (Apple Books, Kobo, and 多看 by its classes).
Each call becomes a[epub:type=noteref]; each note an aside[epub:type=footnote] at the end of its
chapter, starting with its number as a link back to the call."""

from __future__ import annotations

import functools
from html import escape

import lxml.html
from lxml import etree

from ..markdown import fragment
from ..model import Chapter

CALL_ATTRIBUTES = {"class": "noteref duokan-footnote", "epub:type": "noteref", "role": "doc-noteref"}


def _xml(element) -> str:
    return etree.tostring(element, method="xml", encoding="unicode")


def body_with_notes(chapter: Chapter, documents: frozenset[str] = frozenset()) -> str:
    """The chapter's XHTML body with its note calls and notes in EPUB form, and its links to ids of
    other chapters (`#c002-h3`: every output id starts with its chapter's id) pointed at their
    documents (`c002.xhtml#c002-h3`); documents: the ids of the book's chapter documents."""
    return _body_with_notes(chapter.id, chapter.body, chapter.notes, documents)


# Kept for the chapters that did not change: the live preview (zhbook.preview) makes every document
# again on each save. Keyed on what is read (not the whole chapter, whose images would stay in memory).
@functools.lru_cache(maxsize=1024)
def _body_with_notes(chapter_id: str, body: str, notes: tuple, documents: frozenset[str]) -> str:
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
    return fragment.serialize(container) + "".join(_aside(note) for note in notes)


def _aside(note) -> str:
    aside = lxml.html.fragment_fromstring(
        f'<aside class="footnote duokan-footnote-item" epub:type="footnote" id="{escape(note.id)}" '
        'role="doc-footnote"></aside>')
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
