"""Code and quotations in both outputs, measured in the built book: code in the monospace face (one Han
character = two Latin cells, no ligatures, no CJK spacing, wrapped inside the text block), highlighted
with Pygments' classes in the EPUB; block quotes in the 楷体 face. Faces a book does not use are not
embedded (the sample book: tests/pdf/test_pdf.py and tests/epub/test_epub.py)."""

import io
import os
import re
import zipfile

import pdfplumber
import pypdf
import pytest
from fontTools.ttLib import TTFont

from tests.helpers import epubcheck_messages, run_build

MM = 72 / 25.4
CHAPTER = """# 代码与引文

正文里的`find`函数和`print("你好")`都是代码，正文照常两端对齐，汉字与拉丁字母之间留四分之一个字的空。\
这一段要足够长，才能看出两端对齐：我们在这里多写几句话，让它跨过好几行。

```python
def find(items, key):
    # 在列表中查找：返回下标，找不到返回 -1
    for i, item in enumerate(items):
        if item == key:  # 相等
            return i
    found = a_function_with_a_very_long_name_that_does_not_fit_on_one_line_of_a_page(items, key)
    return -1
```

```
a_very_long_identifier_without_any_space_that_certainly_does_not_fit_on_one_line = "很长的一行代码也要折行"
```

> 学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？引文用楷体排。
"""


@pytest.fixture(scope="module")
def code_book(tmp_path_factory):
    root = tmp_path_factory.mktemp("code")
    book = root / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "book.toml").write_text('title = "代码与引文"\nauthor = "某人"\nlanguage = "zh-Hans"\nslug = "code"\n',
                                     "utf-8")
    (book / "chapters" / "01.md").write_text(CHAPTER, "utf-8")
    result = run_build("all", "--book", book, "--out", root / "out",
                       env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    assert "warning" not in result.stderr, result.stderr
    return {"epub": root / "out" / "code.epub", "pdf": root / "out" / "code.pdf"}


def _chapter_page(pdf):
    return next(p for p in pdf.pages if "def" in (p.extract_text() or ""))


def _lines(chars):
    """Characters by baseline (text of two sizes shares a line's baseline, not its top), top to bottom."""
    lines = {}
    for char in chars:
        lines.setdefault(round(char["matrix"][5], 1), []).append(char)
    return [sorted(line, key=lambda c: c["x0"]) for _, line in sorted(lines.items(), reverse=True)]


def _width(char):
    return char["x1"] - char["x0"]


def test_code_is_on_the_monospace_grid_a_han_character_is_two_latin_cells(code_book):
    with pdfplumber.open(code_book["pdf"]) as pdf:
        code = [c for c in _chapter_page(pdf).chars if "ZH-Mono" in c["fontname"]]
    block = [c for c in code if round(c["size"], 2) == round(code[-1]["size"], 2)]
    latin = [c for c in block if c["text"].isascii()]
    han = [c for c in block if re.fullmatch(r"[\u4e00-\u9fff]", c["text"])]
    assert len(latin) > 100 and len(han) > 15  # the block's comments and string, with their Chinese
    cell = _width(latin[0])
    assert cell == pytest.approx(block[0]["size"] / 2, abs=0.02)
    assert max(abs(_width(c) - cell) for c in latin) < 0.01, "Latin characters of unequal width"
    assert max(abs(_width(c) - 2 * cell) for c in han) < 0.01, "a Han character is not two cells"
    # Highlighting in the PDF: comments grey (greyscale-safe), the rest black; no fake bold face.
    comment = [c for c in block if c["text"] in "在列表中查找"]
    assert {tuple(round(v, 2) for v in c["non_stroking_color"]) for c in comment} == {(0.35, 0.35, 0.35)}
    assert {tuple(round(v, 2) for v in c["non_stroking_color"]) for c in block if c["text"] in "def"} == {(0, 0, 0)}
    assert not any("Bold" in c["fontname"] for c in code)
    # Full-width punctuation in a comment is two cells, uncompressed (no `halt` in code).
    assert [round(_width(c) / cell, 2) for c in block if c["text"] in "：，"] == [2.0, 2.0]


def test_no_ligatures_in_code(code_book):
    """The body face (ZH Serif) forms an fi ligature: code must not (and must not be in that face)."""
    with pdfplumber.open(code_book["pdf"]) as pdf:
        page = _chapter_page(pdf)
        for line in _lines(page.chars):
            text = "".join(c["text"] for c in line)
            if text.startswith("正文里的"):
                break
    start = text.index("find")
    assert [c["text"] for c in line[start:start + 4]] == ["f", "i", "n", "d"]
    assert all("ZH-Mono" in c["fontname"] for c in line[start:start + 4])


def test_inline_code_has_no_cjk_spacing_inside_but_keeps_the_quarter_em_outside(code_book):
    with pdfplumber.open(code_book["pdf"]) as pdf:
        line = next(line for line in _lines(_chapter_page(pdf).chars)
                    if "".join(c["text"] for c in line).startswith("正文里的"))
    text = "".join(c["text"] for c in line)
    i = text.index('print("你好")')
    code = line[i:i + len('print("你好")')]
    gaps = [round(b["x0"] - a["x1"], 2) for a, b in zip(code, code[1:])]
    assert gaps == [0.0] * len(gaps), gaps  # "你 and 好" touch their neighbours: no quarter em inside
    before, first = line[i - 1], code[0]  # 和 and p: the quarter em (2.6 pt) and the frame
    assert first["x0"] - before["x1"] >= 0.25 * before["size"]


def test_long_code_lines_wrap_inside_the_text_block(code_book):
    with pdfplumber.open(code_book["pdf"]) as pdf:
        page = _chapter_page(pdf)
        lines = [line for line in _lines(page.chars) if all("ZH-Mono" in c["fontname"] for c in line)]
        width = page.width
    texts = ["".join(c["text"] for c in line) for line in lines]
    text = "".join(texts)
    # Both long lines are there whole, each on more than one line (the second one highlighted).
    for long in ("a_very_long_identifier_without_any_space_that_certainly_does_not_fit_on_one_line=\"很长的一行代码也要折行\"",
                 "found=a_function_with_a_very_long_name_that_does_not_fit_on_one_line_of_a_page(items,key)"):
        assert long in text.replace(" ", "")
        assert not any(long in t.replace(" ", "") for t in texts), f"not wrapped: {long}"
    right_margin = 13 * MM  # the narrower outer margin of a right-hand page
    assert max(c["x1"] for line in lines for c in line) <= width - right_margin + 0.5


def test_block_quotes_are_set_in_kai(code_book):
    with pdfplumber.open(code_book["pdf"]) as pdf:
        line = next(line for line in _lines(_chapter_page(pdf).chars)
                    if "".join(c["text"] for c in line).startswith("学而时习之"))
    assert {c["fontname"].split("+", 1)[1] for c in line} == {"ZH-Kai"}


def test_pdf_embeds_the_mono_and_kai_faces_as_subsets(code_book):
    reader = pypdf.PdfReader(code_book["pdf"])
    names = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            names[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    families = {name.split("+", 1)[1] for name in names}
    assert {"ZH-Serif", "ZH-Sans-Bold", "ZH-Mono", "ZH-Kai"} <= families
    assert all(re.fullmatch(r"/?[A-Z]{6}\+.+", name) for name in names), names  # subset tags
    assert all(names.values())  # every font embedded


def test_epub_highlights_code_with_classes_and_embeds_the_used_faces(code_book):
    with zipfile.ZipFile(code_book["epub"]) as archive:
        chapter = archive.read("EPUB/c001.xhtml").decode()
        css = archive.read("EPUB/styles/book.css").decode()
        opf = archive.read("EPUB/content.opf").decode()
        fonts = {n.rsplit("/", 1)[1]: archive.read(n) for n in archive.namelist() if n.startswith("EPUB/fonts/")}
    assert '<div class="codehilite"><pre>' in chapter
    assert '<span class="k">def</span>' in chapter and '<span class="c1"># 在列表中查找' in chapter
    assert "style=" not in chapter  # classes, not inline styles
    assert ".codehilite .k" in css
    assert set(fonts) == {"NotoSerifCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf", "NotoSansMonoCJKsc-Regular.otf",
                          "LXGWWenKai-Regular.ttf"}
    assert css.count("@font-face") == 4
    assert 'href="fonts/LXGWWenKai-Regular.ttf" id="font-LXGWWenKai-Regular" media-type="font/ttf"' in opf
    mono = TTFont(io.BytesIO(fonts["NotoSansMonoCJKsc-Regular.otf"]))["cmap"].getBestCmap()
    kai = TTFont(io.BytesIO(fonts["LXGWWenKai-Regular.ttf"]))["cmap"].getBestCmap()
    assert all(ord(c) in mono for c in "在列表中查找：返回下标很长的一行代码也要折行finditems你好")
    assert all(ord(c) in kai for c in "学而时习之，不亦说乎？楷体")
    assert ord("查") not in kai and ord("楷") not in mono  # each face holds what is set in it
    problems = {sev: msgs for sev, msgs in epubcheck_messages(code_book["epub"]).items()
                if sev in ("FATAL", "ERROR", "WARNING")}
    assert problems == {}
