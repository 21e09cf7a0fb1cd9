"""The Traditional Chinese edition's PDF (build.py all --edition zh-Hant), read back: its language,
the TC faces it is set in, converted running heads and metadata, and punctuation set the Traditional
way: 。，、；：！？ in the centre of their em box (the TC faces' own glyphs), a full em each, never
compressed. The body-text rules it shares with the main edition (flush lines, kinsoku, CJK–Latin
spacing, pairs) run on it in tests/pdf/test_pdf.py (the `body` fixture's zh-Hant param)."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from fontTools.ttLib import TTFont

from tests.helpers import REPO, pdf_body_text
from tests.pdf_lines import body_rows, text_of

pytestmark = pytest.mark.slow

BODY_SIZE = 10.5
CENTRED = "，。、；：？！"


def test_the_pdf_declares_the_editions_language_and_converted_metadata(hant_built):
    with pikepdf.open(hant_built["pdf"]) as pdf:
        assert str(pdf.Root.Lang) == "zh-Hant-TW"
        assert str(pdf.docinfo["/Title"]) == "借唄逾期為何無人催收？"
        assert "「沒人催」" in str(pdf.docinfo["/Subject"])


def test_the_pdf_is_set_in_the_tc_faces_only(hant_built):
    """The Noto CJK faces share one CFF (its name says JP whatever the face): what tells TC from SC is
    the glyphs their cmaps choose, such as the centred 。 and ， and the TC form of 說. The PDF
    embeds only the glyphs it draws, under their numbers in the full font: the TC ones must be there,
    the SC ones not."""
    from fontTools.cffLib import CFFFontSet

    fonts = Path(REPO) / "fonts"
    faces = {"ZH-Serif": ("NotoSerifCJKtc-Regular.otf", "NotoSerifCJKsc-Regular.otf", "。，說"),
             "ZH-Sans-Bold": ("NotoSansCJKtc-Bold.otf", "NotoSansCJKsc-Bold.otf", "，")}
    checked = set()
    with pikepdf.open(hant_built["pdf"]) as pdf:
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                face = str(font.BaseFont).split("+", 1)[-1]
                if face not in faces or face in checked:
                    continue
                cff = CFFFontSet()
                cff.decompile(io.BytesIO(font.DescendantFonts[0].FontDescriptor.FontFile3.read_bytes()), None)
                glyphs = set(cff[cff.fontNames[0]].charset)
                tc, sc, chars = faces[face]
                tc_cmap = TTFont(fonts / tc, lazy=True).getBestCmap()
                sc_cmap = TTFont(fonts / sc, lazy=True).getBestCmap()
                for char in chars:
                    assert tc_cmap[ord(char)] != sc_cmap[ord(char)]  # the faces differ for it
                    assert tc_cmap[ord(char)] in glyphs and sc_cmap[ord(char)] not in glyphs, (face, char)
                checked.add(face)
    assert checked == set(faces)


def test_running_heads_and_contents_are_converted(hant_built):
    with pdfplumber.open(hant_built["pdf"]) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    assert "目錄" in text and "目录" not in text
    assert "書名" in text and "製作日期" in text
    # A running head: the chapter's converted title at the head of a right-hand body page.
    assert text.count("借唄逾期") >= 3


def test_centred_punctuation_takes_a_full_em_and_its_ink_is_centred(hant_built, tmp_path):
    """。，、 take a whole em each (not compressed, not hung), and the glyph the TC face draws for
    them has its ink in the middle of the em box, unlike the SC face's."""
    widths = []
    with pdfplumber.open(hant_built["pdf"]) as document:
        for page in document.pages[6:]:
            for row in body_rows(page, BODY_SIZE):
                for a, b in zip(row, row[1:]):
                    if a["text"] in CENTRED and b["text"] not in CENTRED + "「」『』（）":
                        widths.append((b["x0"] - a["x0"]) / BODY_SIZE)
    assert len(widths) >= 50
    # A full em, plus at most the justification a line adds between characters.
    assert [w for w in widths if w < 0.99] == []
    for face, centred in (("NotoSerifCJKtc-Regular.otf", True), ("NotoSerifCJKsc-Regular.otf", False)):
        font = TTFont(Path(REPO) / "fonts" / face, lazy=True)
        glyphs = font.getGlyphSet()
        from fontTools.pens.boundsPen import BoundsPen
        for mark in "。，、":
            pen = BoundsPen(glyphs)
            glyphs[font.getBestCmap()[ord(mark)]].draw(pen)
            middle = (pen.bounds[0] + pen.bounds[2]) / 2 / font["head"].unitsPerEm
            assert (0.4 < middle < 0.6) is centred, (face, mark, middle)


def test_the_pdf_text_is_traditional_with_corner_quotes(hant_built):
    text = pdf_body_text(hant_built["pdf"])
    assert "「借唄」" in text and "“" not in text and "后来" not in text
