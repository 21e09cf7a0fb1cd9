"""Ruby in the PDF (examples/ruby): WeasyPrint has no ruby layout, so zhbook.pdf.html.ruby_boxes sets
each annotation over its base itself. Measured on the built PDF's characters (pdfplumber) and its text
layer (pdftotext)."""

from __future__ import annotations

import re
import subprocess

import pdfplumber
import pytest

from tests.helpers import squeeze

pytestmark = pytest.mark.slow
BODY, ANNOTATION = 10.5, 5.25  # pt: 五号, and half of it


@pytest.fixture(scope="module")
def ruby_page(ruby_built):
    """The characters of the page of chapter 1 (the one with 汉字 in its text), by size."""
    with pdfplumber.open(ruby_built["pdf"]) as pdf:
        for page in pdf.pages:
            if "拼音" in (page.extract_text() or "") and any(c["text"] == "汉" for c in page.chars):
                chars = page.chars
                break
        else:
            raise AssertionError("no page with 汉 in the PDF")
    body = [c for c in chars if abs(c["size"] - BODY) < 0.01]
    small = [c for c in chars if abs(c["size"] - ANNOTATION) < 0.01]
    return body, small


def test_annotation_sits_over_its_character(ruby_page):
    body, small = ruby_page
    han = next(c for c in body if c["text"] == "汉")
    # hàn: the small letters on the line above the ruby's line, within the base's width
    hans = [c for c in small if abs(c["bottom"] - han["top"]) < 2.5 and han["x0"] - 1 <= c["x0"] <= han["x1"] + 1]
    assert "".join(c["text"] for c in sorted(hans, key=lambda c: c["x0"])) == "hàn"
    assert all(c["bottom"] <= han["top"] + 0.2 for c in hans)  # over it, not on it
    middle = (min(c["x0"] for c in hans) + max(c["x1"] for c in hans)) / 2
    assert abs(middle - (han["x0"] + han["x1"]) / 2) < 1.0  # centred


def test_lines_with_ruby_are_as_far_apart_as_lines_without(ruby_page):
    body, small = ruby_page
    tops = sorted({round(c["top"], 1) for c in body})
    pitches = {round(b - a, 1) for a, b in zip(tops, tops[1:])}
    with_ruby = {round(c["bottom"], 1) for c in small}
    assert len(with_ruby) >= 3  # several lines carry ruby
    assert pitches == {round(BODY * 1.8, 1)}, pitches


def test_annotations_never_run_into_each_other(ruby_built):
    """Read as words (characters closer than 0.3 pt run together), the annotations are single
    syllables: two that touched or overlapped would read as one word with two tone marks."""
    with pdfplumber.open(ruby_built["pdf"]) as pdf:
        words = [w["text"] for page in pdf.pages
                 for w in page.filter(lambda o: o.get("object_type") != "char" or abs(o["size"] - ANNOTATION) < 0.01)
                 .extract_words(x_tolerance=0.3, keep_blank_chars=False)]
    assert len(words) >= 20
    toned = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
    assert [w for w in words if len(toned.findall(w)) > 1] == []
    assert {"cháng", "chéng", "yín", "háng", "zhǎng", "Tokyo"} <= set(words)


def test_each_base_keeps_its_full_width(ruby_page):
    body, _ = ruby_page
    for char in body:
        if char["text"] in "汉字长城重庆量":
            assert abs((char["x1"] - char["x0"]) - BODY) < 0.05


def test_text_layer_keeps_the_base_text_and_the_readings(ruby_built):
    text = subprocess.run(["pdftotext", "-layout", str(ruby_built["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = squeeze(text)
    # the base characters read on without the readings between them; the readings are there too
    assert "音：汉字、长城。音节和字数不同时" in flat
    assert "重庆是一座山城" in flat
    for reading in ("hàn", "zì", "cháng", "chéng", "Tokyo", "ㄏㄢˋ"):
        assert reading in text, reading
    assert "（" + "hàn" not in flat  # no <rp> brackets in the PDF


# --- Zhuyin in a Traditional Chinese book: to the right of each character ---------------------------

ZHUYIN = 0.34 * BODY


def test_zhuyin_stands_in_a_column_right_of_its_character(zhuyin_built):
    with pdfplumber.open(zhuyin_built["pdf"]) as pdf:
        page = next(p for p in pdf.pages if any(c["text"] == "漢" for c in p.chars))
        chars = page.chars
    body = [c for c in chars if abs(c["size"] - BODY) < 0.01]
    small = [c for c in chars if abs(c["size"] - ZHUYIN) < 0.05]
    han = next(c for c in body if c["text"] == "漢")
    zi = next(c for c in body if c["text"] == "字" and c["top"] == han["top"] and c["x0"] > han["x1"])
    beside = sorted((c for c in small if han["x1"] - 0.2 <= c["x0"] < zi["x0"]), key=lambda c: (c["x0"], c["top"]))
    assert "".join(c["text"] for c in beside) == "ㄏㄢˋ"
    h, an, tone = beside
    assert abs(h["x0"] - an["x0"]) < 0.1 and an["top"] >= h["bottom"] - 0.1  # ㄏ over ㄢ, one column
    assert tone["x0"] >= an["x1"] - 0.1 and abs(tone["top"] - an["top"]) < 0.5  # ˋ right of the last letter
    assert han["top"] - 0.5 <= h["top"] and an["bottom"] <= han["bottom"] + 0.5  # within the character's height
    tops = sorted({round(c["top"], 1) for c in body})
    assert {round(b - a, 1) for a, b in zip(tops, tops[1:])} == {round(BODY * 1.8, 1)}  # even lines
