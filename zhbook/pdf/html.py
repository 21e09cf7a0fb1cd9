"""The HTML of the PDF's parts, from the templates: the front matter (cover, title page,
colophon, contents with page numbers) and one document per chapter; notes take the PDF's form,
footnotes at their calls."""

from __future__ import annotations

from lxml import etree
from markupsafe import Markup

from .. import templates
from ..markdown import NOTE_CALL_CLASS
from ..model import Book, Chapter

EPUB_NS = "http://www.idpf.org/2007/ops"


def footnotes_in_place(chapter: Chapter) -> str:
    """A chapter's body as HTML for WeasyPrint, each note put at its call as a footnote
    (`float: footnote` sets it at the foot of the page where it is called)."""
    root = _fragment(chapter.body)
    calls = {link.get("id"): link for link in root.iter("a") if link.get("class") == NOTE_CALL_CLASS}
    for note in chapter.notes:
        call = calls.get(note.call_id)
        if call is None:
            continue
        footnote = etree.Element("span", {"class": "footnote", "id": note.id})
        for paragraph in _fragment(note.body):  # the note's paragraphs run on in one footnote
            _append_text(footnote, paragraph.text)
            footnote.extend(list(paragraph))
        holder = call.getparent() if call.getparent().tag == "sup" else call
        footnote.tail = holder.tail
        holder.getparent().replace(holder, footnote)
    return _html(root)


def _append_text(element: etree._Element, text: str | None) -> None:
    """text added at the end of element's content: after its last child, or as its text."""
    if not text:
        return
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _fragment(xhtml: str) -> etree._Element:
    """An XHTML fragment (several elements, epub:type attributes) parsed into one <div>."""
    return etree.fromstring(f'<div xmlns:epub="{EPUB_NS}">{xhtml}</div>')


def _html(root: etree._Element) -> str:
    """The children of a _fragment() as HTML for WeasyPrint, without the epub:type attributes
    (they mean nothing to its HTML parser)."""
    for element in root.iter():
        for name in [n for n in element.attrib if n.startswith(f"{{{EPUB_NS}}}")]:
            del element.attrib[name]
    etree.cleanup_namespaces(root)
    return (root.text or "") + "".join(etree.tostring(child, method="html", encoding="unicode") for child in root)


def part_html(book: Book, body: Markup) -> str:
    """One part of the book as an HTML document of its own. The joined PDF takes its metadata from
    the front matter's, and its dates from the join: no part holds the build date (which changes
    with every edit), so an edit leaves the other parts cached."""
    return templates.render("book.html.j2", meta=book.meta, body=body)


def front_body(book: Book, chapters: tuple[Chapter, ...], colophon: Chapter | None,
               cover_uri: str, page_labels: dict[str, str]) -> Markup:
    """Cover, title page, colophon, the book's front matter (preface) and contents; each contents entry
    shows the page of its heading (page_labels: id → label), as the body parts were set before the front
    matter; the front matter's entries are marked in-front, their (roman) page is found by WeasyPrint."""
    contents = _fragment(templates.contents(templates.toc_entries(book, chapters), lambda _doc, fragment: f"#{fragment}"))
    front = [c for c in chapters if c.matter == "front"]
    in_front = {h.id for c in front for h in c.headings}
    for link in contents.iter("a"):
        target = link.get("href", "").lstrip("#")
        link.set("data-page", page_labels.get(target, ""))
        if target in in_front:
            link.set("class", (link.get("class", "") + " in-front").strip())
    preface = [(c.id, c.title, Markup(f'<section class="preface" id="{c.id}">{footnotes_in_place(c)}</section>'))
               for c in front]
    pages = templates.front_matter(book, footnotes_in_place(colophon) if colophon else "", Markup(_html(contents)),
                                   preface)
    return Markup(templates.render("front.html.j2", cover=cover_uri, pages=[page for _, _, page in pages]))


def chapter_body(book: Book, chapter: Chapter) -> Markup:
    """A chapter (or back matter) as its part's body; the first chapter of a part (篇) after the
    part's title page."""
    opening = next((part for part in book.parts if part.chapter_ids[0] == chapter.id), None)
    body = Markup(templates.render("chapter.html.j2", meta=book.meta, id=chapter.id,
                                   body=Markup(footnotes_in_place(chapter)),
                                   matter="" if chapter.matter == "chapter" else chapter.matter))
    return Markup(_html(_fragment(templates.part_page(opening))) + "\n") + body if opening else body
