"""The HTML of the PDF's parts, from the templates: the front matter (cover, title page,
colophon, contents with page numbers) and one document per chapter, its notes as footnotes."""

from __future__ import annotations

from lxml import etree
from markupsafe import Markup

from .. import templates
from ..load import Book
from ..markdown_cjk import RenderedDocument

EPUB_NS = "http://www.idpf.org/2007/ops"


def footnotes_in_place(body: str) -> str:
    """A chapter's XHTML fragment (notes in the EPUB's form: pop-up asides) as HTML for
    WeasyPrint, each note moved to its call as a footnote (`float: footnote` puts it at the foot
    of the page where it is called). The one place that knows the EPUB's form of notes."""
    root = _fragment(body)
    notes = {aside.get("id"): aside for aside in root.iter("aside") if aside.get(f"{{{EPUB_NS}}}type") == "footnote"}
    for call in [a for a in root.iter("a") if a.get(f"{{{EPUB_NS}}}type") == "noteref"]:
        aside = notes.get(call.get("href", "").lstrip("#"))
        if aside is None:
            continue
        note = etree.Element("span", {"class": "footnote", "id": aside.get("id")})
        for paragraph in aside:
            for number in [a for a in paragraph.iter("a") if a.get("class") == "note-number"]:
                paragraph.text = (paragraph.text or "") + (number.tail or "").lstrip("　")
                paragraph.remove(number)
            note.text = (note.text or "") + (paragraph.text or "")
            note.extend(list(paragraph))
        holder = call.getparent() if call.getparent().tag == "sup" else call
        note.tail = holder.tail
        holder.getparent().replace(holder, note)
        aside.getparent().remove(aside)
    return _html(root)


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


def front_body(book: Book, chapters: list[RenderedDocument], colophon: RenderedDocument | None,
               cover_uri: str, page_labels: dict[str, str]) -> Markup:
    """Cover, title page, colophon and contents; each contents entry shows the page of its
    heading (page_labels: id → label), as the body parts were set before the front matter."""
    contents = _fragment(templates.contents(chapters, lambda _doc, fragment: f"#{fragment}"))
    for link in contents.iter("a"):
        link.set("data-page", page_labels.get(link.get("href", "").lstrip("#"), ""))
    return Markup(templates.render("front.html.j2", cover=cover_uri, titlepage=templates.titlepage(book),
                                   colophon=templates.colophon(book, colophon),
                                   contents=Markup(_html(contents))))


def chapter_body(book: Book, chapter: RenderedDocument) -> Markup:
    return Markup(templates.render("chapter.html.j2", meta=book.meta, id=chapter.source.id,
                                   body=Markup(footnotes_in_place(chapter.body))))
