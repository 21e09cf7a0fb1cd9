"""book.toml's [pdf] design, measured on built PDFs (pypdf boxes, pdfplumber character positions):
trim sizes, a type area a whole number of characters wide, openings without blank pages, the cover
left out, running heads and folios where the settings put them."""

from __future__ import annotations

import os

import pdfplumber
import pypdf
import pytest

from tests.cli_checks import MINIMAL, make_book
from tests.helpers import run_build
from tests.pdf_lines import IDEOGRAPH, page_rows, text_of

MM = 72 / 25.4
HAN = ("天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳"
       "云腾致雨露结为霜金生丽水玉出昆冈剑号巨阙珠称夜光")


def _paragraph(seed: int, length: int = 300) -> str:
    return "".join(HAN[(seed * 7 + i * 3) % len(HAN)] for i in range(length)) + "。"


CHAPTERS = {
    "chapters/1.md": "# 第一章\n\n" + "\n\n".join(_paragraph(i) for i in range(4)) + "\n\n## 第一节\n\n"
                     + "\n\n".join(_paragraph(i) for i in range(4, 8)) + "\n",
    "chapters/2.md": "# 第二章\n\n" + _paragraph(9, 120) + "\n",
    "chapters/3.md": "# 第三章\n\n" + "\n\n".join(_paragraph(i) for i in range(10, 14)) + "\n\n## 第二节\n\n"
                     + _paragraph(15) + "\n",
}
TITLES = ["第一章", "第一节", "第二章", "第三章", "第二节"]


def build(tmp_path, pdf: str, *options: str, name: str = "b") -> pypdf.PdfReader:
    """The test book with this [pdf] table built by the CLI; its PDF (the print one with --print)."""
    book = make_book(tmp_path / name, MINIMAL + 'slug = "t"\n\n[pdf]\n' + pdf, CHAPTERS)
    out = tmp_path / (name + "-out")
    run_build("pdf", "--book", book, "--out", out, *options, env=None)
    return out / ("t.print.pdf" if "--print" in options else "t.pdf")


def size_mm(box) -> tuple[float, float]:
    return round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)


def han_lines(pdf, size: float) -> list[list[dict]]:
    """Full lines of pure Han text at the body size: neither a paragraph's first (indented) nor its last."""
    lines = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            rows = page_rows(page, keep=lambda char: abs(char["size"] - size) < 0.01)
            for before, row, after in zip(rows, rows[1:], rows[2:]):
                if all(IDEOGRAPH.fullmatch(c["text"]) for c in row) and len(row) > 10 and (
                        abs(row[0]["x0"] - before[0]["x0"]) < 0.1 and abs(row[0]["x0"] - after[0]["x0"]) < 0.1):
                    lines.append(row)
    return lines


@pytest.mark.parametrize("page,font_size,trim,size", [
    ('"A5"', '"五号"', (148, 210), 10.5),
    ('"B5"', '"小四"', (176, 250), 12),
    ('"16开"', '"10.5pt"', (185, 260), 10.5),
    ('"32开"', '"小五"', (130, 184), 9),
    ('"150x220 mm"', '"四号"', (150, 220), 14),
])
def test_trim_size_and_a_type_area_of_whole_characters(tmp_path, page, font_size, trim, size):
    pdf = build(tmp_path, f"page = {page}\nfont_size = {font_size}\n")
    reader = pypdf.PdfReader(pdf)
    assert {size_mm(p.mediabox) for p in reader.pages} == {trim}
    lines = han_lines(pdf, size)
    assert len(lines) >= 10
    room = (trim[0] - 18 - 13) * MM  # the default margins asked for
    chars = int(room // size)
    for line in lines:
        width = line[-1]["x1"] - line[0]["x0"]
        assert len(line) == chars and abs(width - chars * size) < 0.05, (width / size, text_of(line))
        # No added space: each character follows the one before it at its natural advance.
        assert max(abs(b["x0"] - a["x1"]) for a, b in zip(line, line[1:])) < 0.05


def test_the_part_cache_is_keyed_on_the_page(tmp_path):
    """The same chapters at A5, then at 16开: the parts set at A5 are not taken for 16开."""
    env = dict(os.environ, ZHBOOK_CACHE_DIR=str(tmp_path / "cache"))  # a cache of its own: nothing set before
    book = make_book(tmp_path / "b", MINIMAL + 'slug = "t"\n', CHAPTERS)
    first = run_build("pdf", "--book", book, "--out", tmp_path / "a5", env=env)
    assert "0 chapters from the cache" in first.stdout
    assert "3 chapters from the cache" in run_build("pdf", "--book", book, "--out", tmp_path / "a5", env=env).stdout
    (book / "book.toml").write_text(MINIMAL + 'slug = "t"\n[pdf]\npage = "16开"\n', "utf-8")
    result = run_build("pdf", "--book", book, "--out", tmp_path / "k16", env=env)
    assert "0 chapters from the cache" in result.stdout
    assert {size_mm(p.mediabox) for p in pypdf.PdfReader(tmp_path / "k16" / "t.pdf").pages} == {(185, 260)}
    assert {size_mm(p.mediabox) for p in pypdf.PdfReader(tmp_path / "a5" / "t.pdf").pages} == {(148, 210)}


def _pages(pdf) -> list[dict]:
    """Per page: its text, its chars, whether it shows an image, its size."""
    with pdfplumber.open(pdf) as document:
        return [{"text": page.extract_text() or "", "chars": page.chars, "images": page.images,
                 "width": page.width, "height": page.height} for page in document.pages]


def _folio(page: dict, top: bool) -> list[dict]:
    """The folio's digits or roman letters: in the top or bottom margin."""
    h = page["height"]
    return [c for c in page["chars"] if (c["bottom"] < h * 0.09 if top else c["top"] > h * 0.91)
            and (c["text"].isdigit() or c["text"] in "ivxl")]


def _opening(pages, title: str) -> int:
    return next(i for i, page in enumerate(pages) if page["text"].replace(" ", "").startswith(title)
                and "目录" not in page["text"])


def test_openings_any_leaves_no_blank_page_and_the_numbers_stay_right(tmp_path):
    pdf = build(tmp_path, 'openings = "any"\nfolio = "outside"\n')
    pages, reader = _pages(pdf), pypdf.PdfReader(pdf)
    blank = [i + 1 for i, page in enumerate(pages) if not page["chars"] and not page["images"]]
    assert blank == []
    labels = reader.page_labels
    assert labels[0] == "i" and labels[_opening(pages, "第一章")] == "1"
    # The contents' numbers are the labels of the pages the headings are on, and its links go there.
    contents = next(page["text"] for page in pages if page["text"].startswith("目录"))
    for title in TITLES:
        line = next(line for line in contents.splitlines() if line.replace(" ", "").startswith(title))
        on = next(i for i, page in enumerate(pages) if title in page["text"].replace(" ", "")
                  and "目录" not in page["text"] and i >= _opening(pages, "第一章"))
        assert line.rsplit(" ", 1)[1] == labels[on], title
    # The contents' links lead to the pages their headings are on.
    contents_index = next(i for i, page in enumerate(pages) if page["text"].startswith("目录"))
    destinations = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    names = dict.fromkeys(str(a.get_object()["/Dest"]) for a in reader.pages[contents_index]["/Annots"]
                          if "/Dest" in a.get_object())  # an entry's link boxes, once, in order
    targets = [destinations[name] for name in names]
    assert len(targets) == len(TITLES)
    for title, target in zip(TITLES, targets):
        assert title in pages[target]["text"].replace(" ", ""), (title, target)
    # Some chapter opens on a left-hand page (else this tests nothing), and every page's side is its
    # place in the book: the folio at the outer corner, the running head on the same side.
    openings = [_opening(pages, title) for title in ("第一章", "第二章", "第三章")]
    assert any(index % 2 == 1 for index in openings), openings
    first_body = openings[0]
    for index in range(1, len(pages)):
        page, right = pages[index], index % 2 == 0
        folio = _folio(page, top=False)
        if index < first_body and not folio:
            continue  # the title page
        assert folio, index
        assert "".join(c["text"] for c in folio) == labels[index]
        if right:
            assert abs(folio[-1]["x1"] - (page["width"] - _outer(page))) < 0.5, index
        else:
            assert abs(folio[0]["x0"] - _outer(page)) < 0.5, index
        head = [c for c in page["chars"] if c["bottom"] < page["height"] * 0.09]
        if index > first_body and index not in openings:
            assert head, index
            expected = "小书" if not right else None
            assert (head[0]["x0"] > page["width"] / 2) == right, index
            if expected:
                assert "".join(c["text"] for c in head) == expected


def _outer(page) -> float:
    """The outer margin of the default design at A5 (zhbook.pdf.page.type_area)."""
    from zhbook.model import PdfDesign
    from zhbook.pdf.page import type_area
    return type_area(PdfDesign()).outer


def test_no_cover_running_heads_off_and_folios_at_the_head(tmp_path):
    pdf = build(tmp_path, "cover = false\nrunning_heads = false\nfolio = \"head\"\n")
    pages, labels = _pages(pdf), pypdf.PdfReader(pdf).page_labels
    assert pages[0]["images"] == [] and "小书" in pages[0]["text"]  # the title page comes first
    assert labels[0] == "i"
    first_body = labels.index("1")
    for index in range(first_body, len(pages)):
        page = pages[index]
        if not page["chars"]:
            continue  # a blank page
        head = [c for c in page["chars"] if c["bottom"] < page["height"] * 0.09]
        assert _folio(page, top=False) == []
        assert "".join(c["text"] for c in head) == labels[index]  # the folio alone: no running head
        if index % 2 == 0:
            assert abs(head[-1]["x1"] - (page["width"] - _outer(page))) < 0.5
        else:
            assert abs(head[0]["x0"] - _outer(page)) < 0.5


def test_folio_at_the_head_beside_the_running_head(tmp_path):
    pdf = build(tmp_path, 'folio = "head"\n')
    pages, labels = _pages(pdf), pypdf.PdfReader(pdf).page_labels
    page_index = labels.index("2")  # a left-hand page, not an opening
    head = "".join(c["text"] for c in pages[page_index]["chars"] if c["bottom"] < pages[page_index]["height"] * 0.09)
    assert head.startswith("2") and head.endswith("小书")
    assert _folio(pages[page_index], top=False) == []


def test_the_print_pdf_has_no_cover_and_the_screen_pdf_has_one(tmp_path):
    screen = _pages(build(tmp_path, ""))
    assert screen[0]["images"] and not screen[0]["chars"]  # the cover: an image, no text
    printed = build(tmp_path, "", "--print", name="p")
    pages, labels = _pages(printed), pypdf.PdfReader(printed).page_labels
    assert "小书" in pages[0]["text"] and not pages[0]["images"]
    assert labels[0] == "i" and len(pages) == len(screen) - 2  # the cover and the blank behind it


@pytest.mark.parametrize("setting,needles", [
    ('page = "A7"', ["book.toml:6:", '[pdf] page = "A7"', '"16开"', "W×H mm"]),
    ('font_size = "大五"', ["book.toml:6:", '[pdf] font_size = "大五"', "五号"]),
])
def test_a_bad_page_or_font_size_is_one_line_naming_the_line(tmp_path, setting, needles):
    from tests.cli_checks import failing_build
    book = make_book(tmp_path / "b", MINIMAL + "[pdf]\nopenings = \"any\"\n" + setting + "\n", CHAPTERS)
    failing_build(tmp_path, book, *needles, target="pdf")
