"""Ruby in the EPUB (examples/ruby): EPUBCheck, the markup, and epub.js in Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import epub_documents, epubcheck_messages

pytestmark = pytest.mark.slow


def test_ruby_epub_passes_epubcheck(ruby_built):
    assert epubcheck_messages(ruby_built["epub"]) == {}


def test_ruby_markup_with_fallback_brackets(ruby_built):
    rubies = [r for _, doc in epub_documents(ruby_built["epub"]) for r in doc.iter("{*}ruby")]
    assert len(rubies) >= 8
    for ruby in rubies:
        tags = [child.tag.split("}")[1] for child in ruby]
        assert tags == ["rp", "rt", "rp"] * (len(tags) // 3), tags
    assert {r.get("class") for r in rubies} == {None, "zhuyin"}


def test_build_lists_the_readings_to_review(ruby_built):
    warnings = [l for l in ruby_built["log"].stderr.splitlines() if l.startswith("warning:")]
    review = [l for l in warnings if "pypinyin chose" in l]
    assert [l.split(": ")[1] for l in review] == ["examples/ruby/chapters/01-pinyin.md:6",
                                                  "examples/ruby/chapters/02-zhuyin.md:3"]
    assert "行 háng (in 行长; also xíng" in review[0]


@pytest.mark.reader
def test_epubjs_sets_pinyin_over_the_characters(ruby_built, tmp_path):
    from tests.epub_reader import render_epub_page, screenshot_folder

    page = render_epub_page(ruby_built["epub"], "c001.xhtml", screenshot_folder(tmp_path) / "ruby-c001.png")
    assert page["problems"] == []
    assert page["writing_mode"] == "horizontal-tb"
    assert len(page["ruby"]) >= 5
    for ruby in page["ruby"]:
        assert ruby["ruby_position"] == "over" and set(ruby["rp_display"]) == {"none"}
        for base, rt in zip(ruby["bases"], ruby["rts"]):
            assert rt["rect"]["top"] + rt["rect"]["height"] <= base["rect"]["top"] + base["rect"]["height"] / 2
            assert rt["rect"]["top"] < base["rect"]["top"]
    # the reader shows the characters, not the fallback brackets
    assert "汉字、长" in page["visible_text"].replace("\n", "").replace("hàn", "").replace("zì", "").replace("cháng", "")


def test_zhuyin_epub_passes_epubcheck_and_asks_for_inter_character(zhuyin_built):
    import zipfile

    assert epubcheck_messages(zhuyin_built["epub"]) == {}
    with zipfile.ZipFile(zhuyin_built["epub"]) as archive:
        css = archive.read("EPUB/styles/book.css").decode("utf-8")
    rule = css[css.index(":lang(zh-Hant) ruby.zhuyin"):]
    rule = rule[:rule.index("}")]
    assert "-webkit-ruby-position: inter-character" in rule and "\n  ruby-position: inter-character" in rule
    rubies = [r for _, doc in epub_documents(zhuyin_built["epub"]) for r in doc.iter("{*}ruby")]
    assert {r.get("class") for r in rubies} == {"zhuyin"}


@pytest.mark.reader
def test_epubjs_falls_back_to_zhuyin_over_the_characters(zhuyin_built, tmp_path):
    """Chromium does not lay out inter-character ruby (crbug.com/1258284): the Zhuyin falls back to
    over the characters, still readable. If Chromium learns it, this test says so."""
    from tests.epub_reader import render_epub_page, screenshot_folder

    page = render_epub_page(zhuyin_built["epub"], "c001.xhtml", screenshot_folder(tmp_path) / "zhuyin-c001.png")
    assert page["problems"] == [] and page["lang"] == "zh-Hant"
    ruby = page["ruby"][0]
    assert ruby["class"] == "zhuyin" and ruby["ruby_position"] == "over"
    base, rt = ruby["bases"][0]["rect"], ruby["rts"][0]["rect"]
    assert rt["top"] < base["top"]
