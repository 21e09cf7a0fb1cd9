"""The HTML of the PDF's parts, from the templates: the front matter (cover, title page,
colophon, contents with page numbers) and one document per chapter; notes take the PDF's form,
footnotes at their calls; emphasis gets a span per dotted character (着重号) and URLs break points
(<wbr>), as lxml tree operations."""

from __future__ import annotations

import functools
import re

import uharfbuzz as hb
from lxml import etree
from markupsafe import Markup

from .. import paths, templates
from ..cjk import IDEOGRAPH
from ..markdown import NOTE_CALL_CLASS
from ..markdown.ruby import ZHUYIN_CLASS, zhuyin_beside
from ..model import Book, Chapter

EPUB_NS = "http://www.idpf.org/2007/ops"

# 着重号: each ideograph or kana of emphasised text gets a dot under it (not punctuation, clreq).
EMPHASIS = frozenset({"em", "i", "cite", "dfn", "var"})
NO_DOTS = frozenset({"code", "kbd", "samp", "pre", "sup", "sub", "rt"})  # and notes: see _dotted
DOT_CLASS = "emphasis-dot"  # pdf.css draws the dot as the span's background (a vector gradient)
DOTTED_RE = re.compile(f"((?![\u30a0\u30fb])[{IDEOGRAPH}])")  # ・ and ゠ are punctuation

# URLs and e-mail addresses in running text (linked or not) may break after / . - _ @ and nowhere
# else inside (UAX #14 alone breaks them after / only, or not at all).
URL_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)[a-z0-9\-._~:/?#@!$&*+=%]+"
                    r"|[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I | re.A)
URL_BREAK_AFTER = "/.-_@"
NO_BREAKS = frozenset({"code", "kbd", "samp", "pre"})


def footnotes_in_place(chapter: Chapter, language: str = "") -> str:
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
    url_breaks(root)
    emphasis_dots(root)
    ruby_boxes(root, zhuyin_beside(language))
    return _html(root)


RUBY_CLASS, RUBY_BASE_CLASS, RUBY_TEXT_CLASS = "ruby", "ruby-base", "ruby-text"
RUBY_TEXT_SIZE = 0.5  # the annotation's size, in ems of the base (pdf.css .ruby-text)
RUBY_TEXT_FILL = 0.92  # at most this share of its base's width: a hair of space between annotations
ZHUYIN_BESIDE_CLASS = "zhuyin-beside"
ZHUYIN_TONES = "ˊˇˋ"  # set beside the last letter (the first tone has no mark; the neutral dot comes first)
ZHUYIN_SIZE = 0.34  # a Zhuyin letter's size (and height: line-height 1), in ems of its character (pdf.css)


BODY_FACE = "NotoSerifCJKsc-Regular.otf"  # what the annotations are measured with


@functools.lru_cache(maxsize=1)
def _body_font() -> tuple[hb.Font, int]:
    face = hb.Face(hb.Blob.from_file_path(str(paths.fonts_dir() / BODY_FACE)))
    return hb.Font(face), face.upem


def _advance_em(text: str) -> float:
    """The width of text shaped (HarfBuzz) in our body face, in ems: a book's own body face is near
    enough for narrowing an annotation."""
    font, upem = _body_font()
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, {})
    return sum(position.x_advance for position in buffer.glyph_positions) / upem


def _zhuyin_column(reading: str) -> etree._Element:
    """A Zhuyin syllable as pdf.css stacks it beside its character: the letters one under another
    (the neutral tone's dot above them), the tone mark to the right of the last letter."""
    column = etree.Element("span", {"class": "zhuyin-text"})
    letters = etree.SubElement(column, "span", {"class": "zhuyin-letters"})
    tone = reading[-1] if reading[-1:] in ZHUYIN_TONES else ""
    for letter in reading[:len(reading) - len(tone)]:
        etree.SubElement(letters, "span").text = letter
    # the column centred on the character (in the letters' ems: the character is 1 / ZHUYIN_SIZE tall)
    top = max((1 / ZHUYIN_SIZE - len(letters)) / 2, 0)
    letters.set("style", f"padding-top: {top:.2f}em")
    if tone:
        mark = etree.SubElement(column, "span", {"class": "zhuyin-tone"})
        mark.text = tone
        # level with the last letter
        mark.set("style", f"padding-top: {top + max(len(letters) - 1, 0):.2f}em")
    return column


def ruby_boxes(root: etree._Element, zhuyin_beside: bool = False) -> None:
    """Each base of a <ruby> and its <rt> as one inline-block, the annotation over the base, which
    pdf.css sets so that neither the base's spacing nor the line height changes: WeasyPrint has
    no ruby layout (Kozea/WeasyPrint #406) and would set the <rt> inline, after its base. The
    <rp> brackets, for readers without ruby, go. In the text layer each base is followed by its
    annotation, both kept. zhuyin_beside (a Traditional Chinese text): Zhuyin is set to the right of
    each character, as Taiwan sets it, in a column of its own (which widens the character's box)."""
    for ruby in list(root.iter("ruby")):
        pairs, base = [], ruby.text or ""
        for child in ruby:
            if child.tag == "rt":
                pairs.append((base, child))
                base = ""
            elif child.tag != "rp":
                base += etree.tostring(child, method="text", encoding="unicode", with_tail=False)
            base += child.tail or ""
        holder = etree.Element("span", {"class": " ".join(filter(None, [RUBY_CLASS, ruby.get("class")]))})
        zhuyin = ruby.get("class") == ZHUYIN_CLASS
        for text, rt in pairs:
            box = etree.SubElement(holder, "span", {"class": RUBY_CLASS + "-pair"})
            annotation = etree.SubElement(box, "span", {"class": RUBY_TEXT_CLASS})
            annotation.text = "".join(rt.itertext())
            if zhuyin and zhuyin_beside:
                box.set("class", RUBY_CLASS + "-pair " + ZHUYIN_BESIDE_CLASS)
                box.remove(annotation)
                etree.SubElement(box, "span", {"class": RUBY_BASE_CLASS}).text = text
                box.append(_zhuyin_column(annotation.text))
                continue
            # An annotation wider than its base is narrowed to the base's width, so that it never
            # runs into the next one (the base keeps its spacing): measured with the body face.
            wide = _advance_em(annotation.text) * RUBY_TEXT_SIZE / max(len(text), 1)
            if wide > RUBY_TEXT_FILL:
                annotation.set("style", f"transform: scaleX({RUBY_TEXT_FILL / wide:.3f})")
            etree.SubElement(box, "span", {"class": RUBY_BASE_CLASS}).text = text
        holder.tail = ruby.tail
        ruby.getparent().replace(ruby, holder)


def url_breaks(root: etree._Element) -> None:
    """A <wbr> after each / . - _ @ inside the URLs and e-mail addresses of the text (not after
    the first slash of //, not at the end): places where the line may break. WeasyPrint sets a wbr
    as a zero-width space, which it does not write into the PDF: the text layer keeps the URL
    as it is (tests/pdf/test_typesetting.py)."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in NO_BREAKS or any(
                ancestor.tag in NO_BREAKS for ancestor in element.iterancestors()):
            continue
        if element.text and URL_RE.search(element.text):
            text, element.text = element.text, None
            _put(element, True, _url_pieces(text))
        for child in list(element):
            if child.tail and URL_RE.search(child.tail):
                text, child.tail = child.tail, None
                _put(child, False, _url_pieces(text))


def _url_pieces(text: str) -> list:
    """text as strings and <wbr> elements (see url_breaks)."""
    pieces, start = [], 0
    for match in URL_RE.finditer(text):
        url = match.group().rstrip(".,;:!?)")
        pieces.append(text[start:match.start()])
        run = ""
        for index, char in enumerate(url):
            run += char
            following = url[index + 1:index + 2]
            if char in URL_BREAK_AFTER and following and following not in URL_BREAK_AFTER:
                pieces += [run, etree.Element("wbr")]
                run = ""
        pieces.append(run)
        start = match.start() + len(url)
    pieces.append(text[start:])
    return pieces


def _put(anchor: etree._Element, at_text: bool, pieces: list) -> None:
    """pieces (strings and elements, in order) as anchor's text (at_text) or, after anchor, as
    its tail and the elements that follow it."""
    if at_text:
        parent, index = anchor, 0
    else:
        parent, index = anchor.getparent(), anchor.getparent().index(anchor) + 1
    last, as_text = anchor, at_text  # a string goes to last's text (as_text) or tail
    for piece in pieces:
        if isinstance(piece, str):
            if piece and as_text:
                last.text = (last.text or "") + piece
            elif piece:
                last.tail = (last.tail or "") + piece
        else:
            parent.insert(index, piece)
            index += 1
            last, as_text = piece, False


def emphasis_dots(root: etree._Element) -> None:
    """Each ideograph or kana inside emphasis (em, i, cite, dfn, var) in a span of its own, which
    pdf.css gives a dot under it: WeasyPrint has no text-emphasis. The dots are drawn, not
    written: the text layer keeps only the characters. No dots in code or notes."""
    _dotted(root, False)


def _dotted(element: etree._Element, emphasised: bool) -> None:
    if not isinstance(element.tag, str) or element.tag in NO_DOTS or "footnote" in (element.get("class") or ""):
        return
    inside = emphasised or element.tag in EMPHASIS
    children = list(element)
    if inside and element.text:
        text, element.text = element.text, None
        _insert_dotted(element, 0, text, at_text=True)
    for child in children:
        _dotted(child, inside)
        if inside and child.tail:
            text, child.tail = child.tail, None
            _insert_dotted(child, None, text, at_text=False)


def _insert_dotted(anchor: etree._Element, _index, text: str, at_text: bool) -> None:
    """text split into runs and one span per dotted character, put as anchor's text (at_text) or
    after anchor (as its tail)."""
    pieces = DOTTED_RE.split(text)  # plain, dotted, plain, dotted, …, plain
    if at_text:
        anchor.text = pieces[0] or None
        parent, index = anchor, 0
    else:
        anchor.tail = pieces[0] or None
        parent, index = anchor.getparent(), anchor.getparent().index(anchor) + 1
    for number in range(1, len(pieces), 2):
        span = etree.Element("span", {"class": DOT_CLASS})
        span.text, span.tail = pieces[number], pieces[number + 1] or None
        parent.insert(index, span)
        index += 1


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
               cover_uri: str | None, page_labels: dict[str, str]) -> Markup:
    """Cover (unless cover_uri is None), title page, colophon, the book's front matter (preface) and
    contents; each contents entry shows the page of its heading (page_labels: id → label), as the body
    parts were set before the front matter; the front matter's entries are marked in-front, their
    (roman) page is found by WeasyPrint."""
    entries = templates.toc_entries(book, chapters)
    contents = _fragment(templates.contents(entries, lambda _doc, fragment: f"#{fragment}", book.word))
    front = [c for c in chapters if c.matter == "front"]
    in_front = {h.id for c in front for h in c.headings}
    for link in contents.iter("a"):
        target = link.get("href", "").lstrip("#")
        link.set("data-page", page_labels.get(target, ""))
        if target in in_front:
            link.set("class", (link.get("class", "") + " in-front").strip())
    preface = [(c.id, c.title, Markup(f'<section class="preface" id="{c.id}">{footnotes_in_place(c, book.meta.language)}</section>'))
               for c in front]
    pages = templates.front_matter(book, footnotes_in_place(colophon, book.meta.language) if colophon else "", Markup(_html(contents)),
                                   preface)
    return Markup(templates.render("front.html.j2", cover=cover_uri, word=book.word, pages=[page for _, _, page in pages]))


def chapter_body(book: Book, chapter: Chapter) -> Markup:
    """A chapter (or back matter) as its part's body; the first chapter of a part (篇) after the
    part's title page."""
    opening = next((part for part in book.parts if part.chapter_ids[0] == chapter.id), None)
    body = Markup(templates.render("chapter.html.j2", meta=book.meta, id=chapter.id,
                                   body=Markup(footnotes_in_place(chapter, book.meta.language)),
                                   matter="" if chapter.matter == "chapter" else chapter.matter))
    return Markup(_html(_fragment(templates.part_page(opening))) + "\n") + body if opening else body
