"""What the parts' finishers do to WeasyPrint's PDF content (zhbook.pdf.weasyprint): the even spacing
of a justified line written once as character spacing (Tc) instead of after every glyph."""

import re

import pydyf
import pytest

from zhbook.pdf.weasyprint import _with_character_spacing, spacing_as_character_spacing

pytestmark = pytest.mark.fast

SIZE = 14.0
WIDTH = 1000  # every glyph an em wide, in thousandths


def _positions(chunk: bytes, size: float = SIZE) -> tuple[list[float], float]:
    """Where a PDF reader puts each glyph of a TJ array (with a Tc before it, if any), in points, and
    where the text position is after it (ISO 32000 9.4.4: tx = (w0 - Tj/1000) × Tfs + Tc)."""
    match = re.fullmatch(rb"(?:(\S+) Tc )?\[(.*)\] TJ(?: 0 Tc)?", chunk, re.S)
    spacing = float(match.group(1)) if match.group(1) else 0.0
    x, placed = 0.0, []
    for run, number in re.findall(rb"<([0-9a-f]*)>|(-?[0-9.]+)", match.group(2)):
        if run:
            for _ in range(len(run) // 4):
                placed.append(round(x, 6))
                x += WIDTH / 1000 * size + spacing
        else:
            x -= float(number) / 1000 * size
    return placed, round(x, 6)


@pytest.mark.parametrize("chunk", [
    b"[<0001>-57<0002>-57<0003>-57<0004>-57<0005>] TJ",  # a justified line
    b"[<0001>-34<0002>-34<0003>-250<0014>0<000f>-34<0006>-34<0007>] TJ",  # with a quarter em to Latin
    b"[<0022>30<0051>8<0051>-249<423e>-29<e650>-29<9ccb>-29<5828>-29<5829>-29<582a>-29<582b>] TJ",  # Latin, Chinese
    b"[-12<0001>-57<0002>-57<0003>-57<0004>30] TJ",  # a number before the first glyph and after the last
    b"[<0001>-7.5<0002>-7.5<0003>-7.5<0004>] TJ",  # fractions of a thousandth
])
def test_every_glyph_and_the_end_stay_where_weasyprint_put_them(chunk):
    rewritten = _with_character_spacing(chunk, SIZE)
    assert rewritten == chunk or (rewritten.endswith(b"] TJ 0 Tc") and len(rewritten) < len(chunk))
    before, after = _positions(chunk), _positions(rewritten)
    assert after[0] == pytest.approx(before[0], abs=1e-5) and after[1] == pytest.approx(before[1], abs=1e-5)


def test_a_justified_line_becomes_one_run_of_glyphs():
    rewritten = _with_character_spacing(b"[<0001>-57<0002>-57<0003>-57<0004>-57<0005>-57<0006>-57<0007>-57<0008>] TJ", SIZE)
    assert rewritten == b"0.798 Tc [<00010002000300040005000600070008>57] TJ 0 Tc"


@pytest.mark.parametrize("chunk", [
    b"[<00010002>] TJ",  # no spacing
    b"[<0001>-57<0002>] TJ",  # too short to gain
    b"[<0022>30<0051>8<0051>-249<423e>-29<e650>] TJ",  # would grow
    b"[<0a0b0c>-5<0d>] TJ",  # not four-digit glyph numbers
    b"[(abc)] TJ",  # a literal string, which WeasyPrint does not write
])
def test_what_it_does_not_know_or_gains_nothing_from_stays_as_written(chunk):
    assert _with_character_spacing(chunk, SIZE) == chunk


def test_the_finisher_rewrites_text_arrays_after_a_font_size_and_leaves_bitmap_fonts():
    stream = pydyf.Stream()
    stream.begin_text()
    stream.set_font_size("ABCDEF", 14)
    stream.show_text("<0001>-57<0002>-57<0003>-57<0004>-57<0005>-57<0006>-57<0007>-57<0008>")
    stream.set_font_size("GHIJKL", 1)  # a bitmap font: two-digit glyph numbers
    stream.show_text("<01>-57<02>-57<03>-57<04>-57<05>-57<06>-57<07>-57<08>")
    stream.end_text()
    pdf = pydyf.PDF()
    pdf.add_object(stream)
    spacing_as_character_spacing(None, pdf)
    assert b"0.798 Tc [<00010002000300040005000600070008>57] TJ 0 Tc" in stream.stream
    assert b"[<01>-57<02>-57<03>-57<04>-57<05>-57<06>-57<07>-57<08>] TJ" in stream.stream


def test_a_font_placeholder_carries_the_full_font_and_each_glyphs_width_and_text():
    from zhbook.pdf.weasyprint import font_placeholder, read_font_placeholder

    glyphs = {3: (1000.0, "中"), 65534: (237.3046875, "ﬁ"), 17: (500.0, "𠮷"), 4: (0.0, " ")}
    data = b"OTTO" + font_placeholder("ab" * 32, glyphs)
    assert read_font_placeholder(data) == ("ab" * 32, glyphs)
    assert read_font_placeholder(b"OTTO" + b"\x00" * 100) is None  # a real font program
