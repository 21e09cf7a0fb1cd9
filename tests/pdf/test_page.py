"""zhbook.pdf.page: the page CSS from the book's design, and book.toml's [pdf] read into it (zhbook.load)."""

import pytest

from tests.cli_checks import MINIMAL, make_book
from zhbook.errors import BookError, Diagnostics
from zhbook.load import load_book
from zhbook.model import Margins, PdfDesign
from zhbook.pdf.page import PT_PER_MM, page_css, type_area

pytestmark = pytest.mark.fast


def test_the_default_type_area_is_31_characters_and_the_spare_goes_to_the_margins_by_their_ratio():
    area = type_area(PdfDesign())
    assert area.chars == 31 and area.width == 31 * 10.5  # 117 mm asked = 31.6 characters of 10.5 pt
    spare = (148 - 18 - 13) * PT_PER_MM - area.width  # 2.2 mm
    assert abs(area.inner - (18 * PT_PER_MM + spare * 18 / 31)) < 0.001
    assert 0 <= 148 * PT_PER_MM - area.inner - area.outer - area.width < 0.001  # never narrower
    assert area.inner / area.outer == pytest.approx(18 / 13, rel=1e-4)


@pytest.mark.parametrize("width,size,inner,outer", [(185, 12, 20, 15), (130, 9, 15, 12), (176, 10.5, 18, 18)])
def test_the_type_area_is_a_whole_number_of_characters(width, size, inner, outer):
    design = PdfDesign(width=width, font_size=size, margins=Margins(inner=inner, outer=outer))
    area = type_area(design)
    assert area.width == area.chars * size
    assert area.chars == int((width - inner - outer) * PT_PER_MM // size)
    assert 0 <= width * PT_PER_MM - area.inner - area.outer - area.width < 0.001


def test_the_page_css_follows_the_settings():
    css = page_css(PdfDesign(page="16开", width=185, height=260, font_size=12, folio="head", running_heads=False))
    assert "size: 185mm 260mm" in css and "html { font-size: 12pt; line-height: 1.8; }" in css
    assert "string(chapter-title)" not in css and "@top-right { content: counter(page)" in css
    css = page_css(PdfDesign(folio="outside"), with_cover=False)
    assert "@bottom-right { content: counter(page)" in css and ".cover-page" not in css
    assert "@top-right { content: string(chapter-title)" in css


def _load(tmp_path, pdf: str, diagnostics=None):
    root = make_book(tmp_path / "b", MINIMAL + "\n[pdf]\n" + pdf, {"chapters/a.md": "# 甲\n"})
    return load_book(root, diagnostics).pdf


def test_pdf_settings_are_read_with_their_forms(tmp_path):
    assert _load(tmp_path, "") == PdfDesign()
    design = _load(tmp_path, 'page = "b5"\nfont_size = "小四"\nline_height = 1.6\nopenings = "any"\n'
                             'cover = false\nrunning_heads = false\nfolio = "outside"\n'
                             'margins = { top = "2cm", inner = "20mm" }\n')
    assert (design.page, design.width, design.height, design.font_size, design.line_height) == ("B5", 176, 250, 12, 1.6)
    assert (design.openings, design.cover, design.running_heads, design.folio) == ("any", False, False, "outside")
    assert design.margins == Margins(top=20, bottom=20, inner=20, outer=13)
    for page, size in [("16开", (185, 260)), ("32开", (130, 184)), ("A4", (210, 297)), ("140×203 mm", (140, 203)),
                       ("140x203mm", (140, 203))]:
        assert (_load(tmp_path, f'page = "{page}"\n').width, _load(tmp_path, f'page = "{page}"\n').height) == size
    for size, pt in [("五号", 10.5), ("小五", 9), ("四号", 14), ("10.5pt", 10.5), ("11", 11)]:
        assert _load(tmp_path, f'font_size = "{size}"\n' if size != "11" else "font_size = 11\n").font_size == pt


@pytest.mark.parametrize("setting,needles", [
    ('page = "A6"', ['[pdf] page = "A6"', '"B5"', '"16开"', "W×H mm"]),
    ('font_size = "大五"', ['[pdf] font_size = "大五"', "pt", "五号"]),
    ('font_size = "60pt"', ["6 to 30 pt"]),
    ('folio = "left"', ['"foot" or "head" or "outside"']),
    ('openings = "left"', ['"right" or "any"']),
    ('cover = "no"', ["true or false"]),
    ('line_height = "double"', ["1 to 3"]),
    ('margins = { top = "2 inches" }', ['margins.top', '"20mm"']),
    ('margins = { left = "2mm" }', ["'left' is not a side", "top, bottom, inner and outer"]),
    ('margins = { inner = "70mm", outer = "70mm" }', ["too little"]),
])
def test_bad_pdf_settings_are_one_line_errors_naming_the_line(tmp_path, setting, needles):
    with pytest.raises(BookError) as error:
        _load(tmp_path, '# the design\n' + setting + "\n")
    assert error.value.line == 7, str(error.value)  # MINIMAL (3) + blank + [pdf] + a comment + the setting
    assert "book.toml" in str(error.value) and "\n" not in str(error.value)
    for needle in needles:
        assert needle in str(error.value)


def test_unknown_pdf_keys_are_warned_about_with_a_suggestion(tmp_path):
    diagnostics = Diagnostics()
    _load(tmp_path, 'title = "x"\nfontsize = "五号"\n', diagnostics)
    messages = [(w.message, w.line) for w in diagnostics.given]
    assert ("unknown key 'fontsize' in [pdf] is ignored; did you mean 'font_size'?", 7) in messages
    assert any(m.startswith("unknown key 'title' in [pdf]") and line == 6 for m, line in messages)
