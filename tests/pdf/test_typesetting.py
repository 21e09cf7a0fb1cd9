"""What a real Chinese book holds, measured in the PDF: 着重号 under emphasis, list markers and every
glyph from our fonts, note calls against their character, URLs that break, no lone last characters.

Two kinds of PDF: a small book built by the real CLI (the stylesheets, zhbook.pdf.html and the
join as a user gets them), and WeasyPrint renders of test paragraphs as in test_layout.py.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from tests.cli_checks import make_book
from tests.helpers import REPO, run_build
from tests.pdf import test_layout as layout
from tests.pdf_lines import (IDEOGRAPH, kinsoku_faults, lone_characters, non_final_lines, paragraph_ends,
                             text_of)
from zhbook import cli
from zhbook.assets import fonts as font_module
from zhbook.pdf import weasyprint as patches
from zhbook.pdf.html import _fragment, _html, emphasis_dots, url_breaks

pytestmark = pytest.mark.usefixtures("weasyprint_patched")  # renders in this process (tests/pdf/conftest.py)


EM = 10.5  # pt: the body size (pdf.css)
BOOK_TOML = 'title = "小书"\nauthor = "某人"\nlanguage = "zh-Hans"\nslug = "demo"\nchapters = ["chapters/01.md"]\n'
EMPHASIS = "强调的文字，包括标点"
CHAPTER = f"""# 第一章

这是一段*{EMPHASIS}*，还有普通文字。我们在这里说明规范[^1]的重要性，以及更多的内容来填满这一行文字并且继续写下去。

- 第一项内容
- 第二项内容
    - 嵌套的第一项
    - 嵌套的第二项
- 第三项内容
- 第四项内容

1. 编号第一项
2. 编号第二项

[^1]: 这是脚注的内容。
"""




@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    book = make_book(root / "book", BOOK_TOML, {"chapters/01.md": CHAPTER})
    run_build("pdf", "--book", book, "--out", root / "out")
    return root / "out" / "demo.pdf"


def _chapter_page(pdf: Path):
    document = pdfplumber.open(pdf)
    page = next(page for page in document.pages if "第一章" in (page.extract_text() or "")
                and "目录" not in page.extract_text())
    return document, page


def _run(chars: list[dict], text: str) -> list[dict]:
    """The characters of chars (a page's, in order) that spell text, spaces aside."""
    chars = [char for char in chars if char["text"].strip()]
    joined = "".join(char["text"] for char in chars)
    start = joined.index(text)
    return chars[start:start + len(text)]


# --- 1. 着重号 ----------------------------------------------------------------------------------

def _ink_below(image, scale: float, char: dict, left: float, right: float) -> list[int]:
    """x positions (pt) of dark pixels in the band under the character's baseline (0.1 to 0.65 em
    below it) between left and right (pt)."""
    baseline = char["bottom"] - (char["bottom"] - char["top"]) * 0.12  # the ideographic em box bottom
    size = char["size"]
    top, bottom = baseline + 0.1 * size, baseline + 0.65 * size
    pixels = image.load()
    xs = []
    for x in range(int(left * scale), int(right * scale) + 1):
        for y in range(int(top * scale), int(bottom * scale) + 1):
            if pixels[x, y] < 128:
                xs.append(x)
                break
    return [x / scale for x in xs]


def test_emphasis_has_a_dot_under_each_ideograph_and_none_under_punctuation(demo):
    document, page = _chapter_page(demo)
    with document:
        resolution = 300
        image = page.to_image(resolution=resolution).original.convert("L")
        scale = resolution / 72
        run = _run(page.chars, EMPHASIS)
        checked = 0
        for char in run:
            ink = _ink_below(image, scale, char, char["x0"], char["x1"])
            if IDEOGRAPH.fullmatch(char["text"]):
                assert ink, f"no dot under {char['text']}"
                centre = (min(ink) + max(ink)) / 2
                assert abs(centre - (char["x0"] + char["x1"]) / 2) < 0.06 * char["size"], char["text"]
                assert max(ink) - min(ink) < 0.35 * char["size"], f"a dot, not a line: {char['text']}"
                checked += 1
            else:
                assert not ink, f"a dot under the punctuation {char['text']}"
        assert checked == len(re.findall(f"[{IDEOGRAPH.pattern[1:-1]}]", EMPHASIS))
        # Not emphasised: no dots.
        for char in _run(page.chars, "还有普通文字"):
            assert not _ink_below(image, scale, char, char["x0"], char["x1"]), char["text"]
        # The text layer holds the characters only.
        text = re.sub(r"\s", "", page.extract_text())
        assert f"这是一段{EMPHASIS}，还有普通文字。" in text
        assert not set(text) - set(CHAPTER + "0123456789●○"), set(text) - set(CHAPTER)


def test_dots_do_not_disturb_justification():
    """Seed paragraphs with emphasis runs (every character in a span of its own, with a background):
    every non-final line still flush, no kinsoku fault, the text intact."""
    css = re.search(r"\.emphasis-dot \{.*?\}", (REPO / "styles" / "pdf.css").read_text("utf-8"), re.S).group()
    paragraphs = []
    for number, paragraph in enumerate(layout.seed_paragraphs() + layout.CRAFTED[:3]):
        if "<" not in paragraph:
            third = len(paragraph) // 3
            paragraph = f"{paragraph[:third]}<em>{paragraph[third:2 * third]}</em>{paragraph[2 * third:]}"
        root = _fragment(f"<p>{paragraph}</p>")
        emphasis_dots(root)
        paragraphs.append(_html(root)[3:-4])
    assert sum(p.count("emphasis-dot") for p in paragraphs) > 500
    pdf = layout.render(paragraphs, css=layout.CSS + css)
    grouped = layout.paragraph_lines(pdf, paragraphs)
    ratio, misses = layout.flush_ratio(grouped)
    assert ratio == 1, "\n".join(misses)
    assert kinsoku_faults(grouped) == []


# --- 2. Lists, and only our fonts -----------------------------------------------------------------

def test_list_markers_are_ours_and_nested_lists_keep_the_line_pitch(demo):
    assert shutil.which("pdffonts")
    listing = subprocess.run(["pdffonts", str(demo)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()}
    assert names == {"ZH-Serif", "ZH-Sans-Bold"}, listing
    document, page = _chapter_page(demo)
    with document:
        markers = [char for char in page.chars if char["text"] in "●○"]
        assert [char["text"] for char in markers] == list("●●○○●●")
        assert all(char["fontname"].endswith("ZH-Serif") for char in markers)
        # The items' baselines, nested ones included, one body line apart (line-height 1.8).
        items = ["第一项内容", "第二项内容", "嵌套的第一项", "嵌套的第二项", "第三项内容", "第四项内容"]
        baselines = [_run(page.chars, item)[0]["bottom"] for item in items]
        steps = [b - a for a, b in zip(baselines, baselines[1:])]
        assert max(steps) - min(steps) < 0.2 and abs(statistics.mean(steps) - 1.8 * EM) < 0.2, steps
        # Each bullet on the middle of its item's characters (a half-size ●, not on the baseline).
        for marker, item in zip(markers, items):
            first = _run(page.chars, item)[0]
            middle = (first["top"] + first["bottom"]) / 2
            assert abs((marker["top"] + marker["bottom"]) / 2 - middle) < 0.15 * EM, item


def test_the_sample_book_uses_only_our_fonts(built):
    listing = subprocess.run(["pdffonts", str(built["pdf"])], capture_output=True, text=True, check=True).stdout
    assert {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()} == {
        "ZH-Serif", "ZH-Sans-Bold"}, listing


def test_a_glyph_from_a_system_font_is_a_warning(tmp_path):
    book = make_book(tmp_path / "book", BOOK_TOML, {"chapters/01.md": "# 第一章\n\n这里有一个表情😀。\n"})
    result = run_build("pdf", "--book", book, "--out", tmp_path / "out")
    assert re.search(r"warning: the PDF sets '😀' in .+, a system font", result.stderr), result.stderr


def test_strict_fails_when_the_pdf_would_use_a_system_font(tmp_path, monkeypatch):
    """A glyph the text does not hold (a list bullet) and our subsets lack: only the PDF check can
    see it. Without the bullets in every subset (assets.fonts.ALWAYS_INCLUDED) the PDF would set
    them in a system font; the join names it and --strict fails."""
    monkeypatch.setenv("ZHBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(font_module, "ALWAYS_INCLUDED", font_module.ALWAYS_INCLUDED - set("•◦▪●○■"))
    book = make_book(tmp_path / "book", BOOK_TOML, {"chapters/01.md": "# 第一章\n\n- 一项\n- 两项\n"})
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["pdf", "--book", str(book), "--out", str(tmp_path / "out"), "-q", "--strict"])
    assert code == 1, stderr.getvalue()
    assert re.search(r"the PDF sets '●' in .+, a system font", stderr.getvalue()), stderr.getvalue()


# --- 3. Note calls ------------------------------------------------------------------------------

def test_a_note_call_sits_against_its_character(demo):
    document, page = _chapter_page(demo)
    with document:
        chars = page.chars
        call = next(i for i, char in enumerate(chars) if char["text"] == "1" and char["size"] < 0.7 * EM)
        before, after = chars[call - 1], chars[call + 1]
        assert before["text"] == "范" and after["text"] == "的"
        assert abs(chars[call]["x0"] - before["x1"]) < 0.1, chars[call]["x0"] - before["x1"]  # was a quarter em
        assert abs(after["x0"] - chars[call]["x1"]) < 0.1, after["x0"] - chars[call]["x1"]
        # The note at the page foot: its number, the ideographic space, the text; no gap of its own.
        marker = next(i for i, char in enumerate(chars) if char["text"] == "1" and abs(char["size"] - 8.5) < 0.1)
        number, space, first = chars[marker:marker + 3]
        assert (space["text"], first["text"]) == ("\u3000", "这")
        assert abs(first["x0"] - number["x1"] - 8.5) < 0.1


# --- 4. URLs ------------------------------------------------------------------------------------

URL_TEXT = ("如有疑问请写信给first.last-name@mail.example-company.com.cn或者访问网站"
            "www.example-organisation.co.uk/user_guide/了解详情，我们会尽快答复。")
URLS = ("first.last-name@mail.example-company.com.cn", "www.example-organisation.co.uk/user_guide/")


def _added_space(line: list[dict]) -> float:
    """The space justification added to a line (em): all gaps but those inside Latin words, less
    the quarter em of the CJK–Latin gaps."""
    latin = re.compile("[!-~]")
    total = 0.0
    for a, b in zip(line, line[1:]):
        if latin.fullmatch(a["text"]) and latin.fullmatch(b["text"]):
            continue
        natural = 0.25 * layout.EM if latin.fullmatch(a["text"]) or latin.fullmatch(b["text"]) else 0
        total += max(0.0, b["x0"] - a["x1"] - natural)
    return total / layout.EM


def _url_sweep(breaks: bool) -> tuple[list, bytes]:
    paragraphs = []
    for k in range(40):  # the URLs at every place across a line end
        paragraph = "测" * k + URL_TEXT + "完" * 40 + "。"
        if breaks:
            root = _fragment(f"<p>{paragraph}</p>")
            url_breaks(root)
            paragraph = _html(root)[3:-4]
        paragraphs.append(paragraph)
    pdf = layout.render(paragraphs)
    return layout.paragraph_lines(pdf, paragraphs), pdf


def test_urls_break_after_their_punctuation():
    grouped, pdf = _url_sweep(True)
    ratio, misses = layout.flush_ratio(grouped)
    assert ratio == 1, "\n".join(misses)
    assert kinsoku_faults(grouped) == []
    # The longest piece a URL keeps whole is "organisation." (about 5 em); without the breaks
    # lines take up to 10 em of extra space (test below).
    worst = max(non_final_lines(grouped), key=_added_space)
    assert _added_space(worst) < 5.5, text_of(worst)
    # Lines do end inside the URLs, and only after . - _ @ or /.
    splits = [(text_of(line), text_of(following)) for paragraph in grouped
              for line, following in zip(paragraph, paragraph[1:])
              if re.match(r"[!-~]", text_of(line)[-1]) and re.match(r"[!-~]", text_of(following)[0])]
    assert len(splits) > 20
    for line, following in splits:
        assert line[-1] in "./-_@", f"{line} | {following}"
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = re.sub(r"\s", "", "".join(page.extract_text() for page in document.pages))
    assert "\u200b" not in text
    assert text.count(URLS[0]) == 40 and text.count(URLS[1]) == 40


def test_unbreakable_urls_stretch_lines():
    """The same paragraphs without the breaks: the measure above fails."""
    grouped, _ = _url_sweep(False)
    assert max(map(_added_space, non_final_lines(grouped))) > 8


# --- 5. No lone characters ----------------------------------------------------------------------

def _lone_last_lines(grouped) -> list[str]:
    return [f"{text_of(p[-2])} | {text_of(p[-1])}" for p in grouped
            if len(p) > 1 and re.fullmatch(r"[\u3400-\u9fff][，。、；：？！）」』》”’…—]*", text_of(p[-1]).strip())]


def _runt_sample():
    paragraphs = (layout.seed_paragraphs() + layout.CRAFTED + layout.torture_paragraphs()
                  + layout.torture_paragraphs(count=80, length=100, seed=7))
    return layout.paragraph_lines(layout.render(paragraphs), paragraphs)


def test_no_paragraph_ends_on_a_lone_character():
    grouped = _runt_sample()
    assert _lone_last_lines(grouped) == []
    ratio, misses = layout.flush_ratio(grouped)
    assert ratio == 1, "\n".join(misses)
    assert kinsoku_faults(grouped) == []


def test_without_the_runt_rule_paragraphs_do_end_on_lone_characters(monkeypatch):
    monkeypatch.setattr(patches, "RUNT_CUTS", ())
    assert len(_lone_last_lines(_runt_sample())) >= 8


def test_the_sample_book_has_no_lone_last_characters(built):
    ends = paragraph_ends(built["pdf"], EM)
    assert len(ends) > 20
    assert lone_characters(ends) == []
