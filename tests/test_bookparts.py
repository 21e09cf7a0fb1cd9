"""A book's own structure and look in book.toml (parts, front, back, toc_depth, numbering, styles, [fonts]),
measured on built books: examples/features (parts, a preface, an appendix, 第{一}章, custom.css) and small
books made here for each toc_depth, a book-supplied font and the errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from lxml import etree

from tests.cli_checks import failing_build, make_book
from tests.helpers import REPO, epub_documents, epubcheck_messages, run_build

pytestmark = pytest.mark.slow

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB = "{http://www.idpf.org/2007/ops}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
BOOK = 'title = "书"\nauthor = "某"\nlanguage = "zh-Hans"\n'
CHAPTERS = {f"chapters/0{n}.md": f"# 章{n}\n\n正文{n}。\n\n## 节{n}甲\n\n文。\n\n### 小节{n}\n\n文。\n\n## 节{n}乙\n\n文。\n"
            for n in (1, 2, 3)}


def outline(pdf: Path) -> list[tuple[int, str]]:
    """The PDF's bookmarks as (depth, title), in order."""
    reader = pypdf.PdfReader(pdf)
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title))
    walk(reader.outline, 1)
    return found


def nav_tree(epub: Path) -> list[tuple[int, str]]:
    """The EPUB nav's toc as (depth, text), in order."""
    with zipfile.ZipFile(epub) as archive:
        name = next(n for n in archive.namelist() if n.endswith("nav.xhtml"))
        root = etree.fromstring(archive.read(name))
    toc = next(n for n in root.iter(f"{XHTML}nav") if n.get(f"{EPUB}type") == "toc")
    return [(len(a.xpath("ancestor::x:ol", namespaces={"x": XHTML[1:-1]})), a.text) for a in toc.iter(f"{XHTML}a")]


def ncx_tree(epub: Path) -> list[tuple[int, str]]:
    with zipfile.ZipFile(epub) as archive:
        root = etree.fromstring(archive.read(next(n for n in archive.namelist() if n.endswith(".ncx"))))
    return [(len(p.xpath("ancestor-or-self::n:navPoint", namespaces={"n": NCX[1:-1]})),
             p.find(f"{NCX}navLabel/{NCX}text").text) for p in root.iter(f"{NCX}navPoint")]


def contents_tree(epub: Path) -> list[tuple[int, str]]:
    doc = next(d for n, d in epub_documents(epub) if n.endswith("contents.xhtml"))
    return [(len(a.xpath("ancestor::x:ol", namespaces={"x": XHTML[1:-1]})), a.text) for a in doc.iter(f"{XHTML}a")]


def build(tmp_path: Path, book: Path) -> dict[str, Path]:
    out = tmp_path / "out"
    run_build("all", "--book", book, "--out", out, env=ENV)
    return {"epub": out / "书.epub", "pdf": out / "书.pdf"}


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_toc_depth_sets_the_contents_nav_ncx_and_bookmarks(tmp_path, depth):
    toml = BOOK + f'toc_depth = {depth}\nnumbering = "第{{1}}章"\nchapters = {sorted(CHAPTERS)!r}\n'.replace("'", '"')
    built = build(tmp_path, make_book(tmp_path / "book", toml, CHAPTERS))
    expected = [(1, "第1章\u3000章1")] + [(2, "节1甲")] * (depth >= 2) + [(3, "小节1")] * (depth >= 3) + \
        [(2, "节1乙")] * (depth >= 2)
    assert contents_tree(built["epub"])[:len(expected)] == expected
    assert nav_tree(built["epub"])[:len(expected)] == expected
    assert ncx_tree(built["epub"])[:len(expected)] == expected
    bookmarks = [b for b in outline(built["pdf"]) if b[1] != "目录"]
    assert bookmarks[:len(expected)] == expected and max(d for d, _ in bookmarks) == depth
    assert not any(epubcheck_messages(built["epub"]).get(s) for s in ("FATAL", "ERROR", "WARNING"))


def test_parts_and_chinese_numbers_in_nav_ncx_and_bookmarks(features_built):
    top = [(1, "前言"), (2, "怎样读这本书"), (1, "上篇\u3000结构"), (2, "第一章\u3000从纸到屏"), (3, "一、阅读习惯的变迁")]
    assert nav_tree(features_built["epub"])[:5] == top
    assert ncx_tree(features_built["epub"])[:5] == top
    bookmarks = outline(features_built["pdf"])
    for entry in [(1, "上篇\u3000结构"), (2, "第二章\u3000阅读的基本结构"), (1, "下篇\u3000排版"),
                  (2, "第四章\u3000数据汇总"), (1, "附录\u3000术语表"), (1, "前言")]:
        assert entry in bookmarks, (entry, bookmarks)
    contents = [text for _, text in contents_tree(features_built["epub"])]
    assert contents.index("前言") < contents.index("上篇\u3000结构") < contents.index("第三章\u3000诗与断行") \
        < contents.index("附录\u3000术语表")
    # the number is part of the chapter's heading in both outputs (and its running head: the heading's text)
    heading = next(d for n, d in epub_documents(features_built["epub"]) if n.endswith("c003.xhtml")).find(f".//{XHTML}h1")
    assert "".join(heading.itertext()) == "第三章\u3000诗与断行"
    text = "".join(p.extract_text() or "" for p in pypdf.PdfReader(features_built["pdf"]).pages)
    assert "第三章\u3000诗与断行" in text or "第三章 诗与断行" in text


def test_a_part_has_a_title_page_with_nothing_else(features_built):
    reader = pypdf.PdfReader(features_built["pdf"])
    part = next(b for b in reader.outline if not isinstance(b, list) and b.title == "上篇\u3000结构")
    page = reader.get_destination_page_number(part)
    assert "".join(reader.pages[page].extract_text().split()) == "上篇结构"  # no running head, no folio
    assert page % 2 == 0  # a right-hand page (page 1 is index 0)
    docs = dict(epub_documents(features_built["epub"]))
    section = docs[next(n for n in docs if n.endswith("p01.xhtml"))].find(f".//{XHTML}section")
    assert section.get(f"{EPUB}type") == "part" and "".join(section.itertext()).strip() == "上篇\u3000结构"


def test_front_matter_has_roman_page_labels_and_comes_before_the_contents(features_built):
    reader = pypdf.PdfReader(features_built["pdf"])
    preface = next(b for b in reader.outline if not isinstance(b, list) and b.title == "前言")
    contents = next(b for b in reader.outline if not isinstance(b, list) and b.title == "目录")
    first = reader.get_destination_page_number(preface)
    assert first < reader.get_destination_page_number(contents)
    assert re.fullmatch(r"[ivxl]+", reader.page_labels[first])
    part = next(b for b in outline_items(reader.outline) if b.title.startswith("上篇"))
    assert reader.page_labels[reader.get_destination_page_number(part)] == "1"  # the body from 1


def outline_items(items):
    """Every bookmark of a pypdf outline, nested ones included, in order."""
    for item in items:
        if isinstance(item, list):
            yield from outline_items(item)
        else:
            yield item


def test_front_and_back_matter_have_their_epub_types_and_landmarks(features_built):
    docs = dict(epub_documents(features_built["epub"]))
    types = {name.rsplit("/", 1)[-1]: (doc.find(f"{XHTML}body").get(f"{EPUB}type"),
                                       doc.find(f".//{XHTML}section").get(f"{EPUB}type"))
             for name, doc in docs.items() if name.endswith((".xhtml",)) and doc.find(f".//{XHTML}section") is not None}
    assert types["f001.xhtml"] == ("frontmatter", "preface")
    assert types["b001.xhtml"] == ("backmatter", "appendix")
    with zipfile.ZipFile(features_built["epub"]) as archive:
        nav = etree.fromstring(archive.read(next(n for n in archive.namelist() if n.endswith("nav.xhtml"))))
    landmarks = next(n for n in nav.iter(f"{XHTML}nav") if n.get(f"{EPUB}type") == "landmarks")
    found = {(a.get(f"{EPUB}type"), a.get("href")) for a in landmarks.iter(f"{XHTML}a")}
    assert {("preface", "f001.xhtml"), ("appendix", "b001.xhtml")} <= found
    order = [n.rsplit("/", 1)[-1] for n in docs]
    assert order.index("f001.xhtml") < order.index("contents.xhtml") < order.index("c001.xhtml") \
        < order.index("b001.xhtml")


def test_back_matter_without_appendix_is_an_afterword(tmp_path):
    files = {"chapters/01.md": "# 一\n\n正文。\n", "后记.md": "# 后记\n\n写完了。\n", "appendix-x.md": "# 数据\n\n表。\n"}
    toml = BOOK + 'back = ["后记.md", "appendix-x.md"]\n'
    built = build(tmp_path, make_book(tmp_path / "book", toml, files))
    docs = dict(epub_documents(built["epub"]))
    kinds = [doc.find(f".//{XHTML}section").get(f"{EPUB}type") for name, doc in docs.items()
             if re.search(r"/b\d{3}\.xhtml$", name)]
    assert kinds == ["afterword", "appendix"]
    assert not any(epubcheck_messages(built["epub"]).get(s) for s in ("FATAL", "ERROR", "WARNING"))


def test_the_books_own_css_comes_after_ours_in_both_outputs(features_built):
    with zipfile.ZipFile(features_built["epub"]) as archive:
        css = archive.read("EPUB/styles/book.css").decode()
    assert ".tip { color: #b22222; letter-spacing: 0.25em; }" in css
    assert css.index("letter-spacing: 0.25em") > css.index("/* epub.css */")
    with pdfplumber.open(features_built["pdf"]) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if c["text"] in "提示"]
    red = [c for c in chars if tuple(round(v, 2) for v in (c.get("non_stroking_color") or ())) == (0.7, 0.13, 0.13)]
    assert len(red) >= 2, {tuple(c.get("non_stroking_color") or ()) for c in chars}


# A font the book brings: the repository's copy of LXGW WenKai (committed for quotations, so the test
# needs no system package); the book has no quotation, so only its body can use it.
WENKAI = REPO / "fonts" / "LXGWWenKai-Regular.ttf"


def test_a_book_supplied_font_is_embedded_in_both_outputs(tmp_path):
    import io

    import pikepdf
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    book = make_book(tmp_path / "book", BOOK + '[fonts]\nbody = "fonts/WenKai.ttf"\n',
                     {"chapters/01.md": "# 标题\n\n正文用霞鹜文楷排。\n"})
    (book / "fonts").mkdir()
    shutil.copy(WENKAI, book / "fonts" / "WenKai.ttf")
    built = build(tmp_path, book)
    with zipfile.ZipFile(built["epub"]) as archive:
        names = archive.namelist()
        opf = archive.read("EPUB/content.opf").decode()
        css = archive.read("EPUB/styles/book.css").decode()
        epub_font = TTFont(io.BytesIO(archive.read("EPUB/fonts/book-body.ttf")))
    assert 'href="fonts/book-body.ttf"' in opf and "font/ttf" in opf
    assert "EPUB/fonts/NotoSerifCJKsc-Regular.otf" not in names and "NotoSerifCJKsc" not in css
    assert "LXGW WenKai" in epub_font["name"].getDebugName(1) and ord("霞") in epub_font.getBestCmap()
    fonts = subprocess.run(["pdffonts", built["pdf"]], capture_output=True, text=True, check=True).stdout
    assert "ZH-Serif" in fonts
    families = set()
    with pikepdf.open(built["pdf"]) as pdf:
        for page in pdf.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                for descendant in font.get("/DescendantFonts", [font]):
                    descriptor = descendant.get("/FontDescriptor")
                    for key in ("/FontFile2", "/FontFile3"):
                        if descriptor is None or key not in descriptor:
                            continue
                        program = descriptor[key]
                        if program.get("/Subtype") == "/CIDFontType0C":  # a bare CFF program: our Noto faces
                            cff = CFFFontSet()
                            cff.decompile(io.BytesIO(program.read_bytes()), None)
                            families.update(cff.fontNames)
                        else:
                            families.add(TTFont(io.BytesIO(program.read_bytes()))["name"].getDebugName(1))
    assert any("LXGW WenKai" in name for name in families), families
    assert not any(epubcheck_messages(built["epub"]).get(s) for s in ("FATAL", "ERROR", "WARNING"))


@pytest.mark.parametrize("toml, files, needles", [
    (BOOK + 'chapters = ["chapters/01.md"]\n[[parts]]\ntitle = "上"\nchapters = ["chapters/01.md"]\n', {},
     ("book.toml:5:", "'chapters' and 'parts'")),
    (BOOK + 'styles = ["missing.css"]\n', {}, ("book.toml:4:", "missing.css")),
    (BOOK + '\n[fonts]\nbody = "fonts/none.otf"\n', {}, ("book.toml:6:", "none.otf")),
    (BOOK + '[fonts]\nbody = "fonts/bad.otf"\n', {"fonts/bad.otf": b"not a font"}, ("book.toml:5:", "bad.otf")),
    (BOOK + 'toc_depth = 5\n', {}, ("book.toml:4:", "toc_depth")),
    (BOOK + 'numbering = "第章"\n', {}, ("book.toml:4:", "numbering")),
])
def test_structure_errors_name_the_line_of_book_toml(tmp_path, toml, files, needles):
    failing_build(tmp_path, make_book(tmp_path / "book", toml, {"chapters/01.md": "# 一\n\n正文。\n", **files}),
                  *needles)


def test_chapter_numbers_in_chinese_numerals():
    from zhbook.markdown.references import chapter_label, chinese_number

    assert [chinese_number(n) for n in (1, 10, 11, 20, 21, 99)] == ["一", "十", "十一", "二十", "二十一", "九十九"]
    assert chapter_label("第{一}章", 3) == "第三章" and chapter_label("第{1}章", 12) == "第12章"


def test_the_running_head_holds_the_chapter_number(features_built):
    with pdfplumber.open(features_built["pdf"]) as pdf:
        heads = [(page.within_bbox((0, 0, page.width, 15 * 72 / 25.4)).extract_text() or "").replace(" ", "")
                 for page in pdf.pages]
    assert any(head.startswith("第二章") and "阅读的基本结构" in head for head in heads), heads
