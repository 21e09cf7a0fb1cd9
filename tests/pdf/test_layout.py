"""Chinese typesetting in WeasyPrint (zhbook.pdf.weasyprint with zhbook.pdf.cjk_layout): real WeasyPrint renders with the real fonts, read back with pdfplumber.

Every figure is measured on the PDF: character positions (page.chars) give line ends, gaps
between characters, pair widths. One render of the seed chapters is also made without the patch,
to show that these measurements do fail on WeasyPrint's own output.
"""

from __future__ import annotations

import html
import io
import random
import re
from pathlib import Path

import pdfplumber
import pytest
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from tests.pdf_lines import (CLOSING, IDEOGRAPH, OPENING, cjk_latin_gaps, flush_misses,
                             group_paragraphs, justification_gap, kinsoku_faults, non_final_lines, pairs,
                             pdf_rows, text_of)
from zhbook.pdf import cjk_layout
from zhbook.pdf import weasyprint as patches

pytestmark = pytest.mark.usefixtures("weasyprint_patched")  # renders in this process (tests/pdf/conftest.py)


ROOT = Path(__file__).resolve().parents[2]
SERIF = (ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf").as_uri()
SANS_BOLD = (ROOT / "fonts" / "NotoSansCJKsc-Bold.otf").as_uri()

EM = 10.5  # pt, the font size below
MM = 72 / 25.4
LEFT, RIGHT = 18 * MM, 148 * MM - 18 * MM  # the text block of an A5 page with 18 mm side margins
FLUSH = 0.5  # pt: a justified line ends this close to RIGHT
EPSILON = 0.05  # pt: rounding in WeasyPrint's PDF output

CSS = f"""
@font-face {{ font-family: "ZH Serif"; src: url({SERIF}); }}
@font-face {{ font-family: "ZH Sans"; src: url({SANS_BOLD}); font-weight: bold; }}
@page {{ size: A5; margin: 20mm 18mm; }}
html {{ font-family: "ZH Serif"; font-size: {EM}pt; line-break: strict; overflow-wrap: break-word; }}
body {{ margin: 0; }}
p {{ margin: 0; text-align: justify; text-indent: 2em; line-height: 1.8; }}
p.left {{ text-align: left; }}
b {{ font-family: "ZH Sans"; font-weight: bold; }}
a {{ color: #036; text-decoration: underline; }}
"""


# Latin words and digits, bold and links long enough to span lines, punctuation pairs.
CRAFTED = [
    "我们使用Python 3.11和WeasyPrint 70.0来生成PDF文件，这种方法在2024年得到了广泛应用，大约有30%"
    "的用户在试用了30天之后选择了它，每月只需50元。相比之下，LaTeX的学习曲线更陡峭，但是XeLaTeX对中文的"
    "支持也在不断改进，ConTeXt同样值得一试。",
    "在第3章中，我们讨论了<b>借呗逾期之后平台采取的各种自动化催收手段以及这些手段对用户信用记录产生的长期"
    "影响</b>，并且给出了<a href=\"#x\">一份详细的应对清单和相关法律条文的链接地址</a>供读者参考，这些内容在"
    "第12节和第13节中还会再次出现。",
    "他说：“你好。”我回答：“好的！”（这是注释）。《书名》，“引用”，‘单引号’。她问：“真的吗？”他答："
    "“当然。”“那就好，”她说，“我们走吧。”（见《用户协议》第5条）。",
    "借呗的额度从1000元到300000元不等，年化利率约为10.95%至18.25%，逾期罚息为日万分之5。用户在App中可以"
    "看到“我的额度”“借款记录”和“还款计划”等栏目，并可通过API查询。",
    "<b>重要提示</b>：逾期超过90天的账户会被上报至征信系统（即“央行征信”），影响<a href=\"#y\">房贷、车贷"
    "</a>等后续贷款申请。很多用户以为“没人催”就等于“不用还”——这是一个危险的误解……事实上，平台只是换了"
    "一种方式。",
    "这是一段包含English words和中文混排的文字，其中有些单词很长，例如internationalization和"
    "telecommunications，它们可能会出现在行尾，需要正确处理断行与两端对齐的问题，同时保持中英文之间的间距。",
    "<b>30</b>天以后，<a href=\"#z\">Python</a>用户说：“<b>好。</b>”然后<b>“引用”</b>，再看《<a href=\"#w\">"
    "API</a>》和（<b>附录A</b>）。使用 API ……或者 Python ”等写法也不应在行首出现省略号或引号。",
]


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for chapter in sorted((ROOT / "book" / "chapters").glob("*.md")):
        for block in chapter.read_text(encoding="utf-8").split("\n\n"):
            lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
            if not lines or lines[0].startswith("#"):
                continue
            if all(re.match(r"\d+\. ", line) for line in lines):
                paragraphs += [html.escape(line) for line in lines]  # a list: one item each
            else:
                paragraphs.append(html.escape("".join(lines)))
    assert len(paragraphs) > 20
    return paragraphs


def torture_paragraphs(count=40, length=240, seed=1) -> list[str]:
    """Random Chinese with punctuation everywhere, Latin, digits, and inline boxes around them."""
    rng = random.Random(seed)
    han = sorted({c for p in seed_paragraphs() for c in p if IDEOGRAPH.match(c)})
    marks = ["，", "。", "、", "；", "：", "？", "！", "“", "”", "（", "）", "《", "》", "「", "」", "『",
             "』", "‘", "’", "……", "——", "。”", "”，", "，“", "）。", "？”", "！”", "”。", "》，",
             "“《", "》”", "30", "ab", "Python ", " API ", "50%"]

    def word():
        return "".join(rng.choice(han) for _ in range(rng.randint(1, 4)))

    paragraphs = []
    for _ in range(count):
        text = word()
        while len(text) < length:
            roll = rng.random()
            if roll < 0.1:
                text += f"<b>{word()}{rng.choice(marks)}{word()}</b>"
            elif roll < 0.2:
                text += f"<a href=\"#t\">{rng.choice(marks)}{word()}{rng.choice(marks)}</a>"
            else:
                text += rng.choice(marks) + word()
        paragraphs.append(text + "结束。")
    return paragraphs


def render(paragraphs: list[str], left: list[str] = (), css: str = CSS) -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    body += "".join(f"<p class=\"left\">{p}</p>\n" for p in left)
    document = f'<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"></head><body>{body}</body></html>'
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(string=css, font_config=font_config)
    return weasyprint.HTML(string=document).render(stylesheets=[stylesheet], font_config=font_config).write_pdf()


def plain(paragraph: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", paragraph))


def paragraph_lines(pdf: bytes, paragraphs: list[str]) -> list[list[list[dict]]]:
    """The PDF's lines grouped by paragraph; the PDF holds nothing else."""
    rows = pdf_rows(pdf)
    grouped = group_paragraphs(rows, [plain(p) for p in paragraphs])
    assert sum(map(len, grouped)) == len(rows)
    return grouped




@pytest.fixture(scope="module")
def sample():
    """The seed chapters, the crafted paragraphs, the torture text; some crafted ones left-aligned
    too, where widths and gaps carry no justification and are exact."""
    justified = seed_paragraphs() + CRAFTED + torture_paragraphs()
    left = CRAFTED
    pdf = render(justified, left)
    grouped = paragraph_lines(pdf, justified + left)
    return {"pdf": pdf, "justified": grouped[:len(justified)], "left": grouped[len(justified):]}


def all_lines(sample):
    return [line for paragraph in sample["justified"] + sample["left"] for line in paragraph]


# --- Justification ------------------------------------------------------------------------------

def flush_ratio(grouped) -> tuple[float, list[str]]:
    lines = non_final_lines(grouped)
    misses = flush_misses(lines, RIGHT, FLUSH)
    return 1 - len(misses) / len(lines), misses


def test_justified_lines_end_at_the_right_edge(sample):
    ratio, misses = flush_ratio(sample["justified"])
    assert len(non_final_lines(sample["justified"])) > 250
    assert ratio >= 0.99, "\n".join(misses)


def test_weasyprint_alone_fails_the_same_measure():
    """Without the patch Chinese lines stay ragged: the measure above can fail."""
    patches.uninstall()
    try:
        paragraphs = seed_paragraphs()
        ratio, _ = flush_ratio(paragraph_lines(render(paragraphs), paragraphs))
    finally:
        patches.install()
    assert ratio < 0.5


def test_the_space_goes_between_the_characters(sample):
    """Every gap between two ideographs of a justified line gets the same share."""
    checked = 0
    for paragraph in sample["justified"][:len(seed_paragraphs())]:
        for line in paragraph[:-1]:
            gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:])
                    if IDEOGRAPH.fullmatch(a["text"]) and IDEOGRAPH.fullmatch(b["text"])]
            assert min(gaps) > -EPSILON and max(gaps) - min(gaps) < EPSILON, text_of(line)
            checked += min(gaps) > 0.02
    assert checked > 40  # most seed lines had slack to share


def test_no_line_overflows(sample):
    for line in all_lines(sample):
        assert line[-1]["x1"] <= RIGHT + EPSILON, f"{line[-1]['x1'] - RIGHT:+.2f} pt {text_of(line)}"
        assert line[0]["x0"] >= LEFT - EPSILON, text_of(line)


def test_last_lines_are_not_justified(sample):
    for paragraph in sample["justified"]:
        assert abs(justification_gap(paragraph[-1])) < 0.02, text_of(paragraph[-1])


# --- Line breaking ------------------------------------------------------------------------------

def test_kinsoku(sample):
    faults = kinsoku_faults(sample["justified"] + sample["left"])
    assert not faults, "\n".join(faults)


# Spaces next to punctuation and inline boxes, where UAX #14 alone would break. Each text is
# tried at every position across a line end (prefix lengths 14 to 31 characters).
SWEEP = ["使用 API ……还有后文", "他说 Python ”对吧", "<a href=\"#k\">使用 API </a>……还有后文",
         "<a href=\"#k\">他说 Python </a>’对吧", "一个“ Python 引号", "《<a href=\"#k\">书名</a>》，以及“<b>粗体"
         "</b>”。结尾", "他说——这是破折号", "误解……事实上"]


def sweep_faults():
    paragraphs = ["测" * k + text + "完" * 12 + "。" for text in SWEEP for k in range(14, 32)]
    return kinsoku_faults(paragraph_lines(render(paragraphs), paragraphs))


def test_kinsoku_at_spaces_and_inline_boxes():
    faults = sweep_faults()
    assert not faults, "\n".join(faults)


def test_kinsoku_sweep_meets_the_uax14_breaks(monkeypatch):
    """Without the patch's break rules, the sweep above does find faults."""
    monkeypatch.setattr(cjk_layout, "NO_BREAK", re.compile("(?!)"))
    assert len(sweep_faults()) >= 8


# --- Punctuation, quotes, CJK–Latin spacing -----------------------------------------------------

def test_punctuation_pairs_take_one_and_a_half_em(sample):
    found = pairs(all_lines(sample), EM)
    assert {"。”", "”，", "，“", "）。", "“《", "？”"} <= {text[:2] for _, text in found}
    assert len(found) > 300
    # 1.5 em; WeasyPrint draws a glyph's x_offset 2.4 % too far: a compressed opening mark is
    # drawn 0.512 em to the left, its x0 too, so a pair that starts with one measures 1.512 em.
    wide = [f"{width:.3f} em {text}" for width, text in found if width > 1.52]
    assert not wide, "\n".join(wide)


def test_pairs_are_exactly_one_and_a_half_em_without_justification(sample):
    found = pairs([line for paragraph in sample["left"] for line in paragraph], EM)
    assert len(found) > 20
    for width, text in found:
        assert 1.49 < width < 1.515, f"{width:.3f} em {text}"


def test_quotes_are_full_width(sample):
    quotes = [(line, i) for line in all_lines(sample) for i, c in enumerate(line) if c["text"] in "“”‘’"]
    assert {line[i]["text"] for line, i in quotes} == set("“”‘’")
    for line, i in quotes:
        assert abs(line[i]["width"] - EM) < 0.01, text_of(line)  # the full-width glyph
    # and a full em of advance where no pair compresses them (left-aligned: no justification)
    for paragraph in sample["left"]:
        for line in paragraph:
            for a, b, c in zip([None] + line, line, line[1:] + [None]):
                if b["text"] in "“”‘’" and c and c["text"] not in CLOSING + OPENING and not (
                        a and a["text"] in CLOSING + OPENING and b["text"] in OPENING):
                    assert abs(c["x0"] - b["x0"] - EM) < 0.01 * EM, text_of(line)


def test_a_quarter_em_between_chinese_and_latin(sample):
    gaps = cjk_latin_gaps(all_lines(sample), EM)
    assert {"0天", "0元", "n和", "用P", "I查", "3章", "有3"} <= {pair for _, pair, _ in gaps}
    assert len(gaps) > 200
    for gap, pair, text in gaps:
        assert abs(gap - 0.25) <= 0.05, f"{gap:.3f} em {pair}: {text}"
    for gap, pair, text in cjk_latin_gaps([line for p in sample["left"] for line in p], EM):
        assert abs(gap - 0.25) <= 0.01, f"{gap:.3f} em {pair}: {text}"


def test_spacing_is_not_in_the_text(sample):
    """No space characters are added: the PDF's characters are the source's (checked for every
    paragraph by paragraph_lines), spaces only where the source has one, and a text extraction
    reads "30天" whole."""
    sources = [re.sub(" +", " ", plain(p)) for p in seed_paragraphs() + CRAFTED + torture_paragraphs()]
    for line in all_lines(sample):
        for a, b, c in zip(line, line[1:], line[2:]):
            if b["text"] == " ":
                assert any(a["text"] + " " + c["text"] in source for source in sources), text_of(line)
    with pdfplumber.open(io.BytesIO(sample["pdf"])) as document:
        text = "".join(page.extract_text() for page in document.pages)
    for word in ("30天", "50元", "使用Python", "用户在App中", "第12节", "API查询"):
        assert word in text


def test_bold_and_links_that_span_lines_are_justified(sample):
    """The crafted paragraphs do put bold and link runs across line ends (not a vacuous test)."""
    crafted = sample["justified"][len(seed_paragraphs()):][:len(CRAFTED)]
    spanning = 0
    for paragraph in crafted:
        for line, following in zip(paragraph, paragraph[1:]):
            fonts = {char["fontname"].split("+")[-1] for char in line}
            if len(fonts) > 1 and line[-1]["fontname"] == following[0]["fontname"] != line[0]["fontname"]:
                spanning += 1
                assert abs(line[-1]["x1"] - RIGHT) <= FLUSH, text_of(line)
    assert spanning >= 1


# --- Min-content widths (tables, floats): WeasyPrint's preferred.py -----------------------------

# A closing mark after an inline box: 好。 may not be split, so the narrowest the box can be is
# two ideographs wide, not one.
SHRINK_TO_FIT = {
    "table cell": '<table style="width: 1px"><tr><td>中文<b>好</b>。</td></tr></table>',
    "float": '<div style="width: 1px"><div class="box" style="float: left">中文<b>好</b>。</div></div>',
}


def narrowest(html_body: str) -> tuple[float, list[str]]:
    """The content width (in em) of the table cell or float, and its lines."""
    from weasyprint.formatting_structure import boxes

    document = f'<html lang="zh-Hans"><body>{html_body}</body></html>'
    font_config = FontConfiguration()
    css = weasyprint.CSS(string=CSS + "td { padding: 0; }", font_config=font_config)
    page = weasyprint.HTML(string=document).render(stylesheets=[css], font_config=font_config).pages[0]
    box = next(b for b in page._page_box.descendants()
               if isinstance(b, boxes.TableCellBox) or (isinstance(b, boxes.BlockBox) and b.is_floated()))
    lines = ["".join(leaf.text for leaf in line.descendants() if isinstance(leaf, boxes.TextBox))
             for line in box.descendants() if isinstance(line, boxes.LineBox)]
    return box.width / (EM * 4 / 3), lines


@pytest.mark.parametrize("kind", SHRINK_TO_FIT)
def test_kinsoku_holds_in_min_content_widths(kind):
    width, lines = narrowest(SHRINK_TO_FIT[kind])
    assert lines[-1] == "好。" and abs(width - 2) < 0.01, (width, lines)


@pytest.mark.parametrize("kind", SHRINK_TO_FIT)
def test_min_content_width_without_the_preferred_patch_splits_the_pair(kind, monkeypatch):
    """What the preferred.py patch changes: without it, WeasyPrint sizes the box for one ideograph
    and the pair overflows it."""
    from weasyprint.layout import preferred

    monkeypatch.setattr(preferred, "can_break_text", patches._originals["preferred_can_break_text"])
    monkeypatch.setattr(preferred, "inline_line_widths", patches._originals["inline_line_widths"])
    width, _ = narrowest(SHRINK_TO_FIT[kind])
    assert abs(width - 1) < 0.01, width
