"""The vertical EPUB (examples/vertical, book.toml vertical = true; and --vertical on the command line):
the package and stylesheet as written, EPUBCheck, the fonts' vertical forms, and the pages as epub.js
in Chromium shows them. Set ZHBOOK_READER_SHOTS=/some/dir to keep the screenshots."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
import tinycss2
from fontTools.ttLib import TTFont
from lxml import etree

from tests.helpers import HAN, REPO, epub_documents, epubcheck_messages, run_build
from zhbook.epub.vertical import TCY_CLASS, vertical_body

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
OPF = "{http://www.idpf.org/2007/opf}"


@pytest.mark.fast
def test_two_digit_numbers_are_wrapped_and_nothing_else():
    body = vertical_body('<p>共12人，2024年，3.14，12.5，AB12，<em>第34</em>与56页<code>78</code>'
                         '<ruby>汉<rt>99</rt></ruby>10，2023-11-14 10:30</p>')
    root = etree.fromstring(f"<div>{body}</div>")
    assert [s.text for s in root.iter("span") if s.get("class") == TCY_CLASS] == ["12", "34", "56", "10"]
    assert "".join(root.itertext()) == "共12人，2024年，3.14，12.5，AB12，第34与56页78汉9910，2023-11-14 10:30"


@pytest.mark.fast
def test_kindle_forms_only_when_asked():
    assert vertical_body("<p>「引」（括）</p>") == "<p>「引」（括）</p>"
    assert vertical_body("<p>「引」（括）……</p>", kindle_forms=True) == "<p>\ufe41引\ufe42\ufe35括\ufe36\ufe19\ufe19</p>"


@pytest.fixture(scope="module")
def vertical(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vertical")
    run_build("epub", "--book", "examples/vertical", "--out", out, env=ENV)
    return out / "vertical.epub"


@pytest.mark.slow
def test_vertical_epub_passes_epubcheck(vertical):
    assert epubcheck_messages(vertical) == {}


@pytest.mark.slow
def test_package_declares_vertical_writing(vertical):
    with zipfile.ZipFile(vertical) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        css = archive.read("EPUB/styles/book.css").decode("utf-8")
    assert opf.find(f"{OPF}spine").get("page-progression-direction") == "rtl"
    assert opf.find(f".//{OPF}meta[@name='primary-writing-mode']").get("content") == "vertical-rl"
    # the writing mode is set on html (the root of every document), in all three spellings
    on_html = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == "html":
            for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
                if decl.type == "declaration":
                    on_html[decl.lower_name] = tinycss2.serialize(decl.value).strip()
    assert {k: on_html.get(k) for k in ("writing-mode", "-epub-writing-mode", "-webkit-writing-mode")} == {
        "writing-mode": "vertical-rl", "-epub-writing-mode": "vertical-rl", "-webkit-writing-mode": "vertical-rl"}
    # every document (nav included) links that one stylesheet, and sets no writing mode of its own
    with zipfile.ZipFile(vertical) as archive:
        names = [n for n in archive.namelist() if n.endswith(".xhtml")]
        for name in names:
            doc = etree.fromstring(archive.read(name))
            links = [l.get("href") for l in doc.iter("{*}link") if l.get("rel") == "stylesheet"]
            assert links == ["styles/book.css"], name
            assert not any("writing-mode" in (e.get("style") or "") for e in doc.iter()), name
    tcy = [s.text for _, doc in epub_documents(vertical) for s in doc.iter("{*}span") if s.get("class") == "tcy"]
    assert tcy == ["12", "30", "10", "99"]


@pytest.mark.slow
def test_embedded_fonts_keep_their_vertical_forms(vertical):
    """The subsets keep `vert`, with the vertical glyph of every bracket and mark the book uses."""
    with zipfile.ZipFile(vertical) as archive:
        text = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml"))
        fonts = {n: TTFont(io.BytesIO(archive.read(n))) for n in archive.namelist() if n.endswith(".otf")}
    body = fonts["EPUB/fonts/NotoSerifCJKsc-Regular.otf"]
    cmap = body.getBestCmap()
    gsub = body["GSUB"].table
    vertical_glyphs = {}
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag == "vert":
            for index in record.Feature.LookupListIndex:
                for sub in gsub.LookupList.Lookup[index].SubTable:
                    vertical_glyphs.update(getattr(sub, "mapping", {}))
    # (— is not among them: UAX #50 makes it rotated, not upright, so the reader turns it itself)
    marks = [c for c in "「」『』（）《》，。、：…" if c in text]
    assert marks == list("「」『』（）《》，。、：…")
    assert [c for c in marks if cmap[ord(c)] not in vertical_glyphs] == []
    assert "vmtx" in body and "vhea" in body


@pytest.mark.slow
def test_command_line_vertical_names_the_epub_and_the_pdf_says_it_stays_horizontal(tmp_path):
    result = run_build("all", "--vertical", "--book", "examples/ruby", "--out", tmp_path, env=ENV)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ruby.pdf", "ruby.vertical.epub"]
    assert "the PDF stays horizontal" in result.stderr
    with zipfile.ZipFile(tmp_path / "ruby.vertical.epub") as archive:
        assert b'page-progression-direction="rtl"' in archive.read("EPUB/content.opf")
    result = run_build("pdf", "--vertical", "--book", "examples/ruby", "--out", tmp_path, env=ENV)
    lines = [l for l in result.stderr.splitlines() if "stays horizontal" in l]
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "#577" in lines[0]


# --- in a reader -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    from tests.epub_reader import screenshot_folder

    return screenshot_folder(tmp_path_factory.mktemp("vertical-shots"))


@pytest.fixture(scope="module")
def first_page(vertical, shots) -> dict:
    from tests.epub_reader import render_epub_page

    return render_epub_page(vertical, "c001.xhtml", shots / "vertical-c001.png")


@pytest.mark.slow
@pytest.mark.reader
def test_epubjs_sets_the_columns_right_to_left(first_page):
    page = first_page
    assert page["problems"] == []
    assert page["writing_mode"] == "vertical-rl" and page["direction"] == "rtl"
    assert page["visible_lines"][0] == "第一章 直行的书"
    assert page["visible_lines"][1].startswith("古人写字，自上而下")
    # each column left of the one before it
    columns = [x for x, text in zip(page["line_positions"], page["visible_lines"])
               if len(re.findall(f"[{HAN}]", text)) > 3]  # not the annotations' (Latin) runs
    assert len(columns) >= 5 and columns == sorted(columns, reverse=True), columns


@pytest.mark.slow
@pytest.mark.reader
def test_epubjs_sets_two_digit_numbers_upright_in_one_em(first_page):
    numbers = {n["text"]: n for n in first_page["tcy"]}
    assert set(numbers) == {"12", "30"}
    for number in numbers.values():
        size = number["font_size_px"]
        assert number["combine"] == "all"
        # upright and combined: the two digits take one em down the column (sideways they take about one)
        assert number["rect"]["height"] <= 1.1 * size, number


@pytest.mark.slow
@pytest.mark.reader
def test_epubjs_puts_pinyin_to_the_right_in_vertical_text(first_page):
    ruby = first_page["ruby"][0]
    for base, rt in zip(ruby["bases"], ruby["rts"]):
        base_x = base["rect"]["left"] + base["rect"]["width"] / 2
        rt_x = rt["rect"]["left"] + rt["rect"]["width"] / 2
        assert rt_x > base_x + 4, (base, rt)
    assert set(ruby["rp_display"]) == {"none"}


@pytest.mark.slow
@pytest.mark.reader
def test_epubjs_turns_the_pages_in_reading_order(vertical, shots):
    """On a small screen the first chapter takes several pages: the next page goes on with the
    column after the last one of the page before."""
    from tests.epub_reader import render_epub_page

    pages = [render_epub_page(vertical, "c001.xhtml", shots / f"vertical-small-{turns}.png", width=320, height=480,
                              turns=turns) for turns in (0, 1)]
    assert [p["problems"] for p in pages] == [[], []]
    assert [p["page"]["displayed"]["page"] for p in pages] == [1, 2]
    source = (REPO / "examples/vertical/chapters/01-columns.md").read_text("utf-8")
    flat = "".join(source.split())
    last, first = pages[0]["visible_lines"][-1].replace(" ", ""), pages[1]["visible_lines"][0].replace(" ", "")
    assert len(last) > 3 and len(first) > 3
    assert flat.index(first) > flat.index(last), (last, first)
    assert pages[1]["line_positions"][0] > pages[1]["line_positions"][-1]  # again from the right
