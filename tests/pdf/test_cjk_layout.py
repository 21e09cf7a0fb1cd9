"""zhbook.pdf.cjk_layout: the rules of Chinese typesetting as pure functions of characters, in
process and without WeasyPrint (test_layout.py measures them in real renders)."""

import ast
from pathlib import Path

import pytest

from zhbook.pdf import cjk_layout
from zhbook.pdf.cjk_layout import (is_cjk_lang, is_code, is_set_by_cjk_rules, may_break_between, no_breaks, opportunity,
                                   plan, safe, spaced)

pytestmark = pytest.mark.fast

SIZE = 16.0  # px: the quarter em is 4 px


def test_the_module_imports_no_weasyprint():
    tree = ast.parse(Path(cjk_layout.__file__).read_text("utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and not any(name.startswith(("weasyprint", "pydyf")) for name in imported)


def test_character_classes_come_from_zhbook_cjk():
    from zhbook import cjk

    assert cjk_layout.CLOSING is cjk.CLOSING and cjk_layout.OPENING is cjk.OPENING
    assert cjk_layout.HAS_CJK_RE is cjk.HAS_CJK_RE
    assert cjk_layout.takes_full_em is cjk.takes_full_em


# --- Compression (`halt`) ------------------------------------------------------------------------

@pytest.mark.parametrize("text, previous, following, halts", [
    ("。”", None, None, [0]),  # two closing marks: the first loses its right half
    ("好。”他", None, None, [1]),
    ("”，", None, None, [0]),
    ("）。", None, None, [0]),
    ("，“好", None, None, [1]),  # an opening mark after punctuation: it loses its left half
    ("（“", None, None, [1]),
    ("”（", None, None, [1]),
    ("“《书》”", None, None, [1, 3]),  # “《: the opening 《; 》”: the closing 》
    ("好。", None, "”", [1]),  # the pair across two boxes: 好。</b>”
    ("“好", "，", None, [0]),  # ，<b>“好
    ("“好", None, None, []),  # nothing before the opening mark
    ("中文，好", None, None, []),  # a lone mark is full width
])
def test_halt_indexes(text, previous, following, halts):
    assert sorted(plan(text, previous, following, SIZE, 0, True)[0]) == halts


def test_halts_do_not_depend_on_spacing():
    assert plan("。”", None, None, SIZE, 0, False) == ([0], {})


# --- CJK–Latin spacing and justification gaps --------------------------------------------------

def test_30_days_a_quarter_em_before_the_ideograph_and_no_justification_inside():
    # "0" cannot carry letter-spacing (it would split Latin shaping): 天 carries the quarter em before it.
    assert plan("30天", None, None, SIZE, 0, True) == ([], {2: [4.0, 0]})
    assert plan("30天", None, None, SIZE, 3.0, True) == ([], {2: [4.0, 0]})


def test_latin_after_an_ideograph_the_ideograph_carries_it_after():
    assert plan("用P", None, None, SIZE, 0, True) == ([], {0: [0, 4.0]})
    assert plan("天", "0", None, SIZE, 0, True) == ([], {0: [4.0, 0]})  # 0 in the box before
    assert plan("天", "0", None, SIZE, 0, False) == ([], {})  # not spaced: nothing


def test_compressed_pair_takes_no_justification():
    assert plan("。”", None, None, SIZE, 2.0, True) == ([0], {})


def test_justification_gaps_between_ideographs_not_after_the_last():
    # 中文好: the gaps after 中 and after 文; none after 好 (no following character)
    assert plan("中文好", None, None, SIZE, 2.0, True) == ([], {0: [0, 2.0], 1: [0, 2.0]})
    # with a following character (the next box), the last gap counts too
    assert plan("中文", None, "好", SIZE, 2.0, True) == ([], {0: [0, 2.0], 1: [0, 2.0]})


def test_double_dash_is_one_mark():
    assert plan("——", None, None, 10.0, 2.0, True) == ([], {})
    # around it: the ideographs carry the space (a dash cannot: one glyph for both)
    assert plan("他——好", None, None, 10.0, 2.0, True) == ([], {0: [0, 2.0], 3: [2.0, 0]})
    assert plan("误解……事", None, None, 10.0, 2.0, True)[1] == {0: [0, 2.0], 1: [0, 2.0], 4: [2.0, 0]}


def test_a_line_with_spaces_the_space_carries_the_justification():
    # 用 API 查: the space after a space-free gap; not the gap before a space, not inside "API"
    assert plan("用 API 查", None, None, 10.0, 2.0, True) == ([], {1: [0, 2.0], 5: [0, 2.0]})


@pytest.mark.parametrize("pair, expected", [
    ("中文", True), ("——", False), ("……", False), ("—中", True), ("0天", False), ("。”", False),
    (" 中", True), ("中 ", False), ("a中", False), ("ab", False), ("，好", True),
])
def test_opportunity(pair, expected):
    assert opportunity(*pair) is expected


def test_safe_characters_carry_letter_spacing():
    assert [safe(c) for c in "中—…a “，"] == [True, False, False, False, True, True, True]


# --- Line breaking ------------------------------------------------------------------------------

def test_no_breaks_where_uax14_breaks_after_a_space():
    assert no_breaks("他说 ”对吧", None) == [(2, 4)]  # not between the space and ”
    assert no_breaks("使用 API ……还", None) == [(6, 8)]
    assert no_breaks("”对", " ") == [(0, 1)]  # the space ends the box before
    assert no_breaks("“ Python", None) == [(0, 3)]  # an opening mark and a space: not after them
    assert no_breaks("中文，好。", None) == []


def test_may_break_between_two_boxes():
    assert may_break_between(" ”", "zh-Hans") is False
    assert may_break_between(" ”", "en") is True  # Chinese rules for Chinese text only
    assert may_break_between("好。", "zh") is True  # UAX #14 (Pango) already keeps these together
    assert may_break_between(" ”", None) is True


def test_languages_and_spaced_styles():
    assert [is_cjk_lang(lang) for lang in ("zh-Hans", "ZH", "ja", "yue", "en", None, "")] == [
        True, True, True, True, False, False, False]
    style = {"lang": "zh-Hans", "white_space": "normal", "letter_spacing": "normal", "word_spacing": 0,
             "font_family": ("ZH Serif", "serif")}
    assert spaced(style)
    # Code (a monospace stack, inline code too, or preformatted text) is set as written.
    assert not spaced(dict(style, font_family=("ZH Mono", "monospace")))
    assert not spaced(dict(style, font_family=("Whatever", "MONOSPACE")))
    assert is_code(dict(style, font_family=("ZH Mono", "monospace")))
    assert is_code(dict(style, white_space="pre"))
    assert not is_code(style)
    assert not is_set_by_cjk_rules(dict(style, font_family=("ZH Mono", "monospace")))
    assert is_set_by_cjk_rules(style) and not is_set_by_cjk_rules(dict(style, lang="en"))
    assert not spaced(dict(style, white_space="pre-wrap"))
    assert not spaced(dict(style, letter_spacing=1.0))
    assert not spaced(dict(style, lang="en"))


@pytest.mark.parametrize("text, previous, following, halts", [
    ("好。」他", None, None, []),  # 。 centred: not compressed; 」 after it keeps its place
    ("好」。他", None, None, [1]),  # the bracket before a centred mark: compressed
    ("好，「他", None, None, []),  # an opening bracket after a centred mark keeps its blank half
    ("」「他", None, None, [1]),  # two brackets: as in Simplified (the opening one)
    ("說「", "）", None, []),
    ("「說", "」", None, [0]),
    ("說。", None, "」", []),
    ("說」", None, "。", [1]),
])
def test_traditional_centred_marks_are_never_compressed(text, previous, following, halts):
    assert sorted(plan(text, previous, following, SIZE, 0, True, centred=True)[0]) == halts


def test_the_simplified_rules_compress_the_same_texts():
    assert sorted(plan("好。」他", None, None, SIZE, 0, True)[0]) == [1]
    assert sorted(plan("好，「他", None, None, SIZE, 0, True)[0]) == [2]


@pytest.mark.parametrize("lang, centred", [("zh-Hant", True), ("zh-Hant-TW", True), ("zh-TW", True),
                                           ("zh-HK", True), ("zh-hant-hk", True), ("zh-Hans", False),
                                           ("zh-CN", False), ("zh", False), ("ja", False), (None, False)])
def test_which_languages_centre_their_punctuation(lang, centred):
    assert cjk_layout.centres_punctuation(lang) is centred
