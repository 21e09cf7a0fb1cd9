"""Ruby in the Markdown ({汉字|hàn zì}, {拼音:…}, {注音:…}): the chapter's XHTML and the warnings,
from the real Markdown stage (zhbook.markdown.render_chapter)."""

from pathlib import Path

import pytest
from lxml import etree

from zhbook.errors import Diagnostics
from zhbook.markdown import render_chapter
from zhbook.model import SourceFile

pytestmark = pytest.mark.fast


def render(text: str) -> tuple[etree._Element, list[str]]:
    diagnostics = Diagnostics(quiet=True)
    chapter = render_chapter(SourceFile(Path("ch.md"), "# 题\n\n" + text, "c001"), None, diagnostics)
    return etree.fromstring(f"<div>{chapter.body}</div>"), diagnostics.warnings


def pairs(ruby: etree._Element) -> list[tuple[str, str]]:
    """(base, annotation) of a <ruby>, in order; the <rp> brackets checked around each <rt>."""
    result, base = [], ruby.text or ""
    children = list(ruby)
    for index, child in enumerate(children):
        if child.tag == "rt":
            assert children[index - 1].tag == "rp" and children[index - 1].text == "（"
            assert children[index + 1].tag == "rp" and children[index + 1].text == "）"
            result.append((base, child.text))
            base = ""
        base += child.tail or ""  # the next base follows the closing <rp>
    return result


def test_one_syllable_per_character_annotates_each_character():
    body, warnings = render("读作{汉字|hàn zì}。")
    rubies = body.findall(".//ruby")
    assert len(rubies) == 1 and pairs(rubies[0]) == [("汉", "hàn"), ("字", "zì")]
    assert "".join(body.find("p").itertext()).startswith("读作汉（hàn）字（zì）。")  # the text without ruby
    assert warnings == []


def test_a_reading_that_does_not_match_the_characters_is_one_group():
    body, _ = render("{东京|Tokyo}与{汉字|hàn zì yǔ}")
    groups = [pairs(r) for r in body.iter("ruby")]
    assert groups == [[("东京", "Tokyo")], [("汉字", "hàn zì yǔ")]]


def test_zhuyin_is_recognised_and_marked_for_its_placement():
    body, _ = render("{漢字|ㄏㄢˋ ㄗˋ}和{汉|hàn}")
    first, second = body.iter("ruby")
    assert first.get("class") == "zhuyin" and pairs(first) == [("漢", "ㄏㄢˋ"), ("字", "ㄗˋ")]
    assert second.get("class") is None


def test_automatic_pinyin_and_the_readings_to_review():
    body, warnings = render("第一行\n\n{拼音:银行行长来了，好。}")
    rubies = list(body.iter("ruby"))
    readings = [p for r in rubies for p in pairs(r)]
    assert readings == [("银", "yín"), ("行", "háng"), ("行", "háng"), ("长", "zhǎng"), ("来", "lái"), ("了", "le"),
                        ("好", "hǎo")]
    # the punctuation stays between the rubies, unannotated
    assert "".join(body.find(".//span[@class='ruby-passage']").itertext()).replace("（", "(").count("，") == 1
    assert len(warnings) == 1, warnings
    warning = warnings[0]
    assert warning.startswith("ch.md:5: 拼音:")
    assert "行 háng (in 银行; also xíng" in warning and "长 zhǎng (in 行长; also cháng)" in warning
    assert "了 le (its default reading" in warning


def test_automatic_zhuyin_writes_the_neutral_tone_first():
    body, _ = render("{注音:學校的}")
    ruby = body.find(".//ruby")
    assert ruby.get("class") == "zhuyin"
    assert pairs(ruby) == [("學", "ㄒㄩㄝˊ"), ("校", "ㄒㄧㄠˋ"), ("的", "˙ㄉㄜ")]


@pytest.mark.parametrize("source, says", [
    ("好的{字|}。", "{字|} has no reading after '|'"),
    ("好的{字|a|b}。", "{字|a|b} has more than one '|'"),
    ("好的{拼音:}。", "{拼音:} has no text to annotate"),
    ("好的{拼音:ABC}。", "{拼音:ABC} has no Chinese character"),
    ("第一行\n没关{汉字|hàn zì\n第三行", "{汉字|… is not closed"),
])
def test_bad_ruby_is_left_as_written_with_a_warning_and_its_line(source, says):
    body, warnings = render("{汉字|hàn zì}\n\n" + source)
    assert len(warnings) == 1 and says in warnings[0], warnings
    line = 5 + source.split("\n").index(next(l for l in source.split("\n") if "{" in l))
    assert warnings[0].startswith(f"ch.md:{line}: "), warnings
    text = "".join(body.findall("p")[1].itertext())
    assert source.replace("\n", "").replace("第一行", "").replace("第三行", "") in text.replace("\n", "")
    assert len(list(body.iter("ruby"))) == 1  # only the good one


def test_code_attribute_lists_and_braces_without_chinese_are_not_ruby():
    body, warnings = render("`{汉字|hàn}` 集合{x|x>0}\n\n## 标题 {#sec:a}")
    assert list(body.iter("ruby")) == [] and warnings == []
    assert body.find(".//code").text == "{汉字|hàn}"
    assert "{x|x>0}" in "".join(body.itertext())
