"""The PDF of the real book, read back with PDF libraries (pypdf for structure, pdfplumber for text)."""

import pypdf

from tests.helpers import (ASCII_NEXT_TO_HAN, SEED_CLUTTER, pdf_body_text, seed_sentences, squeeze,
                           without_supplements)

A5 = (419.53, 595.28)  # points


def test_every_seed_sentence_is_in_the_pdf_text(built):
    text = squeeze(without_supplements(pdf_body_text(built["pdf"])))
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


def test_no_clutter_and_no_ascii_punctuation_next_to_chinese(built):
    text = pdf_body_text(built["pdf"])
    assert [c for c in SEED_CLUTTER if c in text] == []
    assert ASCII_NEXT_TO_HAN.findall(text) == []


def _fonts(reader: pypdf.PdfReader) -> dict[str, dict]:
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    return fonts


def test_every_font_is_embedded_and_is_ours(built):
    fonts = _fonts(pypdf.PdfReader(built["pdf"]))
    assert fonts, "no fonts found"
    for name, descriptor in fonts.items():
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} not embedded"
    # Only the book's own fonts: nothing fell back to a system font.
    assert {name.split("+", 1)[1] for name in fonts} == {"ZH-Serif", "ZH-Sans-Bold"}


def test_page_size_page_numbers_metadata_and_bookmarks(built):
    reader = pypdf.PdfReader(built["pdf"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A5[0], 1), round(A5[1], 1))
    meta = reader.metadata
    assert meta.title == "借呗逾期为何无人催收？" and meta.author == "翻忆"
    assert str(reader.trailer["/Root"].get("/Lang", "")).startswith("zh")
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top[-6:] == ["借呗逾期，为什么会出现“没人催”的现象？", "借呗逾期的基本情况与催收机制解析", "借呗逾期用户的应对策略",
                        "从项目融资角度看借呗催收模式的优缺点", "未来的趋势与建议", "结语"]
    sections = [item.title for sub in outline if isinstance(sub, list) for item in sub if not isinstance(item, list)]
    assert "（一）借呗逾期的表现形式" in sections and "（四）实际案例分析：借呗逾期的后果与教训" in sections
    # Body pages carry their number at the foot; the first chapter opens on page 1.
    first_chapter = next(i for i, page in enumerate(reader.pages) if "借呗逾期，为什么会出现" in page.extract_text()
                         and "目录" not in page.extract_text())
    assert reader.pages[first_chapter].extract_text().strip().splitlines()[-1].strip() == "1"
    assert reader.pages[first_chapter + 2].extract_text().strip().splitlines()[-1].strip() == "3"
