"""The reader rules (zhbook.epub.preflight), each on a small EPUB made here with zipfile and lxml: a
clean one that no rule flags, and for every rule one broken the way that reader rejects."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from zhbook.epub import preflight

pytestmark = pytest.mark.fast

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"


def xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def document(title: str, *blocks: etree._Element, body_id: str | None = None) -> etree._Element:
    html = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML, "epub": OPS})
    html.set("lang", "zh-Hans")
    head = etree.SubElement(html, f"{{{XHTML}}}head")
    etree.SubElement(head, f"{{{XHTML}}}title").text = title
    etree.SubElement(head, f"{{{XHTML}}}link", rel="stylesheet", href="book.css")
    body = etree.SubElement(html, f"{{{XHTML}}}body")
    if body_id:
        body.set("id", body_id)
    body.extend(blocks)
    return html


def element(tag: str, text: str = "", children=(), **attributes) -> etree._Element:
    name = tag if tag.startswith("{") else f"{{{XHTML}}}{tag}"
    made = etree.Element(name, {k.replace("__", ":").replace("_", "-") if k != "class_" else "class": v
                                for k, v in attributes.items()})
    made.text = text or None
    made.extend(children)
    return made


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 200).save(out, "PNG")
    return out.getvalue()


def cover_page(href: str = "cover.png") -> etree._Element:
    return document("封面", element("img", src=href, alt="封面"))


def chapter(notes: str = "backlink-first") -> etree._Element:
    """A chapter with a pop-up note: its call, and the note with its link back where notes says."""
    back = element("a", "1", href="c1.xhtml#ref1", role="doc-backlink")
    paragraph = element("p", "", [back])
    back.tail = "　注释。"
    if notes == "backlink-last":
        paragraph = element("p", "注释。", [element("a", "↩", href="c1.xhtml#ref1", role="doc-backlink")])
    aside = element("aside", "", [paragraph], id="n1")
    aside.set(f"{{{OPS}}}type", "footnote")
    call = element("a", "1", href="#n1", id="ref1")
    call.set(f"{{{OPS}}}type", "noteref")
    text = element("p", "正文。", [call])
    return document("第一章", element("h1", "第一章", id="h1"), text, aside)


class Book:
    """The parts of a small EPUB 3, each changeable before write()."""

    def __init__(self):
        self.language = "zh-Hans"
        self.docs = {"cover.xhtml": cover_page(), "c1.xhtml": chapter(), "c2.xhtml": document("第二章",
                                                                                             element("h1", "第二章", id="h2"))}
        self.raw = {}  # name → bytes written as is (instead of serialising a document)
        self.css = "body { margin: 0; }\n@font-face { font-family: \"ZH Serif\"; src: url(serif.otf); }\n"
        self.files = {"EPUB/cover.png": png(60, 90), "EPUB/serif.otf": b"OTTO" + bytes(60)}
        self.display_options = True
        self.ncx_order = ["cover.xhtml", "c1.xhtml", "c2.xhtml"]
        self.doc_properties = {}

    def write(self, path: Path) -> Path:
        opf = etree.Element(f"{{{OPF}}}package", version="3.0", nsmap={None: OPF})
        opf.set("unique-identifier", "id")
        metadata = etree.SubElement(opf, f"{{{OPF}}}metadata", nsmap={"dc": DC})
        etree.SubElement(metadata, f"{{{DC}}}identifier", id="id").text = "urn:uuid:1"
        etree.SubElement(metadata, f"{{{DC}}}title").text = "书"
        if self.language:
            etree.SubElement(metadata, f"{{{DC}}}language").text = self.language
        etree.SubElement(metadata, f"{{{OPF}}}meta", name="cover", content="cover-image")
        manifest = etree.SubElement(opf, f"{{{OPF}}}manifest")
        etree.SubElement(manifest, f"{{{OPF}}}item", id="ncx", href="toc.ncx", **{"media-type": "application/x-dtbncx+xml"})
        etree.SubElement(manifest, f"{{{OPF}}}item", id="css", href="book.css", **{"media-type": "text/css"})
        etree.SubElement(manifest, f"{{{OPF}}}item", id="cover-image", href="cover.png", properties="cover-image",
                         **{"media-type": "image/png"})
        etree.SubElement(manifest, f"{{{OPF}}}item", id="font", href="serif.otf", **{"media-type": "font/otf"})
        for name in [n for n in self.files if n.endswith(".png") and n != "EPUB/cover.png"]:
            etree.SubElement(manifest, f"{{{OPF}}}item", id=name.replace("/", "-"), href=name[5:],
                             **{"media-type": "image/png"})
        spine = etree.SubElement(opf, f"{{{OPF}}}spine", toc="ncx")
        for name in self.docs:
            uid = name.split(".")[0]
            item = etree.SubElement(manifest, f"{{{OPF}}}item", id=uid, href=name,
                                    **{"media-type": "application/xhtml+xml"})
            if name in self.doc_properties:
                item.set("properties", self.doc_properties[name])
            etree.SubElement(spine, f"{{{OPF}}}itemref", idref=uid)
        ncx = etree.Element(f"{{{NCX}}}ncx", version="2005-1", nsmap={None: NCX})
        nav_map = etree.SubElement(ncx, f"{{{NCX}}}navMap")
        for order, name in enumerate(self.ncx_order, start=1):
            point = etree.SubElement(nav_map, f"{{{NCX}}}navPoint", id=f"p{order}", playOrder=str(order))
            etree.SubElement(etree.SubElement(point, f"{{{NCX}}}navLabel"), f"{{{NCX}}}text").text = name
            etree.SubElement(point, f"{{{NCX}}}content", src=name)
        container = etree.Element("{urn:oasis:names:tc:opendocument:xmlns:container}container", version="1.0",
                                  nsmap={None: "urn:oasis:names:tc:opendocument:xmlns:container"})
        rootfiles = etree.SubElement(container, "{urn:oasis:names:tc:opendocument:xmlns:container}rootfiles")
        etree.SubElement(rootfiles, "{urn:oasis:names:tc:opendocument:xmlns:container}rootfile",
                         **{"full-path": "EPUB/content.opf", "media-type": "application/oebps-package+xml"})
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            archive.writestr("META-INF/container.xml", xml(container))
            if self.display_options:
                from zhbook.epub.package import APPLE_DISPLAY_OPTIONS_NAME, apple_display_options
                archive.writestr(APPLE_DISPLAY_OPTIONS_NAME, apple_display_options())
            archive.writestr("EPUB/content.opf", xml(opf))
            archive.writestr("EPUB/toc.ncx", xml(ncx))
            archive.writestr("EPUB/book.css", self.css)
            for name, data in self.files.items():
                archive.writestr(name, data)
            for name, root in self.docs.items():
                archive.writestr("EPUB/" + name, self.raw.get(name) or xml(root))
        return path


# Advice on the form of the notes, which every EPUB 3 book with pop-up notes gets: tested on its own.
NOTE_FORM_ADVICE = ("duokan-notes", "weread-aside-notes")
OTHER_RULES = [rule for rule in preflight.RULES if rule not in NOTE_FORM_ADVICE]


def findings(tmp_path: Path, book: Book, name: str = "book.kepub.epub") -> list[preflight.Finding]:
    return preflight.check(book.write(tmp_path / name), rules=OTHER_RULES)


def rules_of(found) -> set[str]:
    return {f.rule for f in found}


def test_the_clean_book_has_no_finding(tmp_path):
    assert findings(tmp_path, Book()) == []


def test_every_rule_is_tested_below():
    tested = {case[0] for case in BROKEN} | {"kobo-kepub-name", "kindle-file-size", "kobo-sizes",
                                             "apple-image-pixels", *NOTE_FORM_ADVICE}
    assert set(preflight.RULES) == tested


# Each: (the rule that must fire, how the clean book is broken, whether the finding breaks a reader).
def _no_display_options(book):
    book.display_options = False


def _language(value):
    def change(book):
        book.language = value
    return change


def _no_declaration(book):
    book.raw["c2.xhtml"] = etree.tostring(book.docs["c2.xhtml"], encoding="utf-8")


def _body_id_link(book):
    book.docs["c2.xhtml"] = document("第二章", element("h1", "第二章"), body_id="top")
    book.docs["c1.xhtml"].find(f"{{{XHTML}}}body").append(element("p", "见", [element("a", "下一章",
                                                                                     href="c2.xhtml#top")]))


def _img_without_src(book):
    book.docs["c2.xhtml"].find(f"{{{XHTML}}}body").append(element("img", alt="图"))


def _mathml(book):
    math = etree.Element("{http://www.w3.org/1998/Math/MathML}math", nsmap={None: "http://www.w3.org/1998/Math/MathML"})
    etree.SubElement(math, "{http://www.w3.org/1998/Math/MathML}mi").text = "x"
    book.docs["c2.xhtml"].find(f"{{{XHTML}}}body").append(element("p", "", [math]))
    book.doc_properties["c2.xhtml"] = "mathml"


def _hyphens_in_xml_comment(book):
    text = xml(book.docs["c2.xhtml"]).replace(b"<body>", b"<body>\n<!-- a -- b -->")
    book.raw["c2.xhtml"] = text


def _hyphens_in_css_comment(book):
    book.css += "/* ---- notes ---- */\np { margin: 0; }\n"


def _custom_property(book):
    book.css += ":root { --gap: 1em; }\np { margin: var(--gap); }\n"


def _ncx_out_of_order(book):
    book.ncx_order = ["cover.xhtml", "c2.xhtml", "c1.xhtml"]


def _backlink_last(book):
    book.docs["c1.xhtml"] = chapter("backlink-last")


def _two_notes_in_one(book):
    root = book.docs["c1.xhtml"]
    aside = root.find(f".//{{{XHTML}}}aside")
    aside.append(element("p", "", [element("a", "2", href="c1.xhtml#ref2", role="doc-backlink")]))
    call = element("a", "2", href="#n1", id="ref2")
    call.set(f"{{{OPS}}}type", "noteref")
    root.find(f".//{{{XHTML}}}p").append(call)


def _cover_as_background(book):
    book.docs["cover.xhtml"] = document("封面", element("div", class_="cover"))
    book.css += ".cover { background-image: url(cover.png); }\n"


def _cover_with_the_text(book):
    book.docs["cover.xhtml"] = document("封面", element("img", src="cover.png", alt="封面"),
                                        element("p", "这是封面后面紧跟着的第一章的正文，在同一个文件里，读者翻页也不会换文件。" * 2))


def _font_not_embedded(book):
    book.css += "@font-face { font-family: \"ZH Sans\"; src: url(sans.otf); }\n"


def _no_duokan_markup(book):
    pass  # the clean book's notes are plain EPUB 3 asides: advice for 多看 and 微信读书


BROKEN = [
    ("apple-specified-fonts", _no_display_options, True),
    ("apple-language-script", _language("zh-CN"), True),
    ("kindle-language", _language("tlh"), True),
    ("kindle-xml-declaration", _no_declaration, True),
    ("kindle-body-id-link", _body_id_link, True),
    ("kindle-img-src", _img_without_src, True),
    ("kindle-mathml", _mathml, True),
    ("kindle-double-hyphen", _hyphens_in_xml_comment, True),
    ("kindle-double-hyphen", _hyphens_in_css_comment, True),
    ("kindle-double-hyphen", _custom_property, True),
    ("kindle-spine-ncx-order", _ncx_out_of_order, True),
    ("kindle-notes", _backlink_last, True),
    ("kindle-notes", _two_notes_in_one, True),
    ("kobo-cover", _cover_as_background, True),
    ("kobo-cover", _cover_with_the_text, True),
    ("kobo-declared-fonts", _font_not_embedded, True),
]


@pytest.mark.parametrize("rule, breaking, breaks", BROKEN, ids=[f"{r}-{f.__name__}" for r, f, _ in BROKEN])
def test_each_rule_finds_what_its_reader_rejects(tmp_path, rule, breaking, breaks):
    book = Book()
    breaking(book)
    found = findings(tmp_path, book)
    assert rule in rules_of(found), [str(f) for f in found]
    mine = [f for f in found if f.rule == rule]
    assert all(f.breaks == breaks for f in mine)
    line = str(mine[0])
    assert line.startswith(mine[0].reader + ": ") and "; " in line  # reader: where: what breaks; how to fix
    # Only this rule's reader complains (a missing language is also no language for Apple, and so on).
    assert rules_of(found) - {rule} <= {"apple-language-script", "kindle-language"} - {rule} or \
        rules_of(found) == {rule}, [str(f) for f in found]


def test_a_finding_names_the_file_and_line(tmp_path):
    book = Book()
    _img_without_src(book)
    [finding] = findings(tmp_path, book)
    assert finding.file == "EPUB/c2.xhtml" and finding.line and finding.line > 5
    assert str(finding).startswith(f"Kindle: EPUB/c2.xhtml:{finding.line}: an <img> without src")


def test_the_hyphen_finding_gives_the_line_of_the_comment(tmp_path):
    book = Book()
    _custom_property(book)
    found = findings(tmp_path, book)
    assert [(f.file, f.line) for f in found] == [("EPUB/book.css", 3), ("EPUB/book.css", 4)]  # --gap: and var(--gap)
    assert all("--gap" in f.problem for f in found)


def test_kepub_naming_is_advice_only(tmp_path):
    found = findings(tmp_path, Book(), "book.epub")
    assert rules_of(found) == {"kobo-kepub-name"} and not found[0].breaks
    assert str(found[0]).endswith("(advice)")
    assert findings(tmp_path, Book(), "book.kepub.epub") == []


def test_aside_notes_are_advice_for_weread_and_duokan(tmp_path):
    found = preflight.check(Book().write(tmp_path / "b.kepub.epub"), rules=NOTE_FORM_ADVICE)
    assert rules_of(found) == set(NOTE_FORM_ADVICE) and not any(f.breaks for f in found)
    assert {f.reader for f in found} == {"多看", "微信读书/掌阅"}


def test_duokan_markup_and_a_note_list_silence_that_advice(tmp_path):
    book = Book()
    aside = book.docs["c1.xhtml"].find(f".//{{{XHTML}}}aside")
    aside.set("class", "duokan-footnote-item")
    found = preflight.check(book.write(tmp_path / "b.kepub.epub"), rules=NOTE_FORM_ADVICE)
    assert rules_of(found) == {"weread-aside-notes"}  # 多看's class on the note: no advice for 多看
    aside.tag = f"{{{XHTML}}}li"  # a list item, not an aside: nothing shown twice in 微信读书
    assert preflight.check(book.write(tmp_path / "c.kepub.epub"), rules=NOTE_FORM_ADVICE) == \
        [f for f in found if f.rule == "duokan-notes"]


def test_big_files_and_images(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "KOBO_MAX_IMAGE_BYTES", 1000)
    monkeypatch.setattr(preflight, "KOBO_MAX_HTML_BYTES", 500)
    monkeypatch.setattr(preflight, "APPLE_MAX_PIXELS", 6000)  # the cover: 5,400
    size = Book().write(tmp_path / "size.epub").stat().st_size
    monkeypatch.setattr(preflight, "KINDLE_MAX_BYTES", size + 1000)
    monkeypatch.setattr(preflight, "KINDLE_EMAIL_ADVICE_BYTES", size + 10)
    assert findings(tmp_path, Book()) == []
    book = Book()
    book.files["EPUB/big.png"] = png(80, 80)  # 6,400 pixels: over the lowered Apple limit
    book.files["EPUB/noise.png"] = Image.effect_noise((60, 60), 90).tobytes()  # not a PNG: skipped by Apple's rule
    book.docs["c2.xhtml"].find(f"{{{XHTML}}}body").append(element("p", "字" * 400))
    found = findings(tmp_path, book)
    assert {"apple-image-pixels", "kobo-sizes", "kindle-file-size"} <= rules_of(found), [str(f) for f in found]
    [kindle] = [f for f in found if f.rule == "kindle-file-size"]
    assert kindle.breaks  # over the (lowered) 50 MB
    kobo = {f.file for f in found if f.rule == "kobo-sizes"}
    assert "EPUB/c2.xhtml" in kobo
    assert [f.file for f in found if f.rule == "apple-image-pixels"] == ["EPUB/big.png"]


def test_a_file_near_the_kindle_limit_is_advice(tmp_path, monkeypatch):
    size = Book().write(tmp_path / "size.epub").stat().st_size
    monkeypatch.setattr(preflight, "KINDLE_EMAIL_ADVICE_BYTES", size - 10)
    [finding] = findings(tmp_path, Book())
    assert finding.rule == "kindle-file-size" and not finding.breaks and "e-mailed" in finding.problem


def test_the_rules_accept_the_clean_book_before_each_was_broken():
    """Positive cases: the clean book passes each rule on its own (the same book each negative breaks)."""
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        path = Book().write(Path(folder) / "book.kepub.epub")
        for rule in OTHER_RULES:
            assert preflight.check(path, rules=[rule]) == [], rule


def test_none_of_our_stylesheets_has_what_kindle_rejects():
    """Every stylesheet zhbook may put into an EPUB (styles/*.css), read with the rule's own CSS walk:
    no '--' in a comment and no custom property, so no edition or profile fails its build on it."""
    import tinycss2

    from tests.helpers import REPO
    sheets = sorted((REPO / "styles").glob("*.css"))
    assert len(sheets) >= 4
    found = [(sheet.name, token.source_line) for sheet in sheets
             for token in tinycss2.parse_component_value_list(sheet.read_text("utf-8"), skip_comments=False)
             for token in preflight._hyphen_tokens(token)]
    assert found == []
