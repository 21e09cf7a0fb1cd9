"""The built EPUB as real readers show it: epub.js in Chromium (tests/epub_reader.py), calibre, and
DAISY Ace as the accessibility checker.

The other EPUB tests read the files we wrote; these ask readers what they did with them: which font
actually drew the text, whether the indent, leading and justification came through, and what text
is on the screen. The cover, the contents page and two chapters are rendered and screenshotted.
Set ZHBOOK_READER_SHOTS=/some/dir to keep the screenshots.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from tests.epub_reader import render_epub_page, run_ace
from tests.helpers import seed_sentences, squeeze, without_supplements

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((REPO / "book" / "chapters").glob("*.md"))
HAN = r"\u3400-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026"
WIDTH, HEIGHT, SCALE = 600, 900, 2  # a phone-sized page, CSS px; screenshots at 2× like a phone
# Spine hrefs are c001.xhtml, c002.xhtml, … in the order of book/chapters/*.md.
RENDERED = {"c001.xhtml": CHAPTERS[0], "c002.xhtml": CHAPTERS[1]}
FRONT = ("cover.xhtml", "contents.xhtml")


def heading_of(chapter: Path) -> str:
    """The chapter's title: its first line, '# Title'."""
    first = chapter.read_text("utf-8").split("\n", 1)[0]
    assert first.startswith("# "), f"{chapter.name} does not start with '# Title'"
    return first[2:].strip()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reader-book")
    result = subprocess.run([sys.executable, "build.py", "epub", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    assert result.returncode == 0, f"build failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    epubs = list(out.glob("*.epub"))
    assert len(epubs) == 1, f"expected one EPUB in {out}, found {epubs}"
    return epubs[0]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    from tests.epub_reader import screenshot_folder

    return screenshot_folder(tmp_path_factory.mktemp("reader-shots"))


@pytest.fixture(scope="module")
def pages(book, shots) -> dict[str, dict]:
    """Each chapter in RENDERED displayed once in epub.js (first page), with its facts."""
    return {href: render_epub_page(book, href, shots / href.replace(".xhtml", ".png"),
                                   width=WIDTH, height=HEIGHT, scale=SCALE)
            for href in (*FRONT, *RENDERED)}


@pytest.fixture(scope="module")
def embedded_fonts(book) -> dict[str, str]:
    """@font-face family → PostScript name of the font file the EPUB embeds for it."""
    with zipfile.ZipFile(book) as archive:
        css_name = next(n for n in archive.namelist() if n.endswith("styles/book.css"))
        css = archive.read(css_name).decode("utf-8")
        faces = {}
        for block in re.findall(r"@font-face\s*{([^}]*)}", css):
            family = re.search(r"font-family:\s*[\"']([^\"']+)[\"']", block).group(1)
            src = re.search(r"url\(\s*[\"']?([^\"')]+)", block).group(1)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(css_name), src))
            font = TTFont(io.BytesIO(archive.read(path)), lazy=True)
            faces[family] = font["name"].getDebugName(6)
    assert {"ZH Serif", "ZH Sans"} <= faces.keys(), faces
    return faces


@pytest.fixture(scope="module")
def embedded_cmap(book) -> frozenset[int]:
    """Every code point the EPUB's own font files can draw."""
    with zipfile.ZipFile(book) as archive:
        return frozenset().union(*(TTFont(io.BytesIO(archive.read(name)), lazy=True).getBestCmap()
                                   for name in archive.namelist() if name.endswith((".otf", ".ttf"))))


params = pytest.mark.parametrize("href", list(RENDERED))


@params
def test_the_reader_shows_the_chapter_without_errors(pages, href):
    page = pages[href]
    assert page["problems"] == [], "the page, epub.js or a request failed"
    assert href in page["spine"]
    assert page["page"]["displayed"]["page"] == 1


@params
def test_the_embedded_fonts_loaded_and_drew_the_text(pages, embedded_fonts, href):
    page = pages[href]
    status = {face["family"]: face["status"] for face in page["fonts"]}
    assert status == {"ZH Serif": "loaded", "ZH Sans": "loaded"}, page["fonts"]
    assert page["fonts_check"] == {"ZH Serif": True, "ZH Sans": True}
    assert page["p"]["font_family"].startswith('"ZH Serif"')
    assert page["h1"]["font_family"].startswith('"ZH Sans"')
    # Chromium's own record of the fonts that drew each element: only the embedded files, no
    # system fallback for any character (a missing glyph would add a non-custom font here).
    for selector, family in (("p", "ZH Serif"), ("h1", "ZH Sans")):
        used = page["platform_fonts"][selector]
        assert [(f["postscript"], f["custom"]) for f in used] == [(embedded_fonts[family], True)], used


@params
def test_language_is_chinese(pages, href):
    assert pages[href]["lang"].lower().startswith("zh")
    assert pages[href]["p"]["lang"].lower().startswith("zh")


@params
def test_paragraph_indent_leading_and_justification(pages, href):
    p = pages[href]["p"]
    size = p["font_size_px"]
    assert p["text_indent_px"] == pytest.approx(2 * size, abs=0.5), "text-indent should be 2em (two characters)"
    assert p["line_height_px"] == pytest.approx(1.8 * size, rel=0.02), "line-height should be 1.8"
    assert p["text_align"] == "justify"
    gaps = pages[href]["p_line_gaps_px"]
    assert len(gaps) >= 2, f"the first paragraph should wrap at {WIDTH}px: {gaps}"
    # Justified for real: every line but the last reaches the right edge of the text block.
    assert all(gap < 1 for gap in gaps[:-1]), f"ragged right edge (px short of the margin per line): {gaps}"


@params
def test_the_visible_text_starts_with_the_heading_and_has_no_stray_spaces(pages, href):
    lines = pages[href]["visible_lines"]
    heading = heading_of(RENDERED[href])
    assert heading in "".join(lines), f"{heading!r} not on the page:\n" + "\n".join(lines)
    assert "".join(lines).startswith(heading), "the page should open with the chapter heading"
    chinese = f"[{HAN}{CJK_PUNCT}]"
    stray = [line for line in lines if re.search(f"{chinese}\\s+{chinese}", line)]
    assert stray == [], f"spaces between Chinese characters on screen: {stray}"
    body = "".join(lines[1:])
    assert len(re.findall(f"[{HAN}]", body)) > 100, "too little body text on the first page"


@pytest.mark.parametrize("href", [*FRONT, *RENDERED])
def test_the_screenshot_is_not_blank(pages, href):
    png = Path(pages[href]["png"])
    with Image.open(png) as image:
        assert image.size == (WIDTH * SCALE, HEIGHT * SCALE)
        histogram = image.convert("L").histogram()
    ink = sum(histogram[:200])  # pixels clearly darker than the white page
    assert ink > 0.01 * WIDTH * SCALE * HEIGHT * SCALE, f"{png} looks blank ({ink} dark pixels)"
    assert pages[href]["problems"] == [], "the page, epub.js or a request failed"


@pytest.mark.parametrize("href", [*FRONT, *RENDERED])
def test_every_character_on_screen_comes_from_an_embedded_font(pages, embedded_fonts, href):
    """No tofu and no silent system fallback: Chromium's record of the fonts that drew every text
    node of the page lists only the EPUB's own font files."""
    used = pages[href]["platform_fonts"]["*"]
    assert used or href == "cover.xhtml", "no text drawn"  # the cover page's text is in its image
    assert all(f["custom"] for f in used), f"system fonts drew part of {href}: {used}"
    assert {f["postscript"] for f in used} <= set(embedded_fonts.values()), used


@pytest.mark.parametrize("href", [*FRONT, *RENDERED])
def test_no_tofu_every_character_on_screen_is_in_the_embedded_fonts(pages, embedded_cmap, href):
    """A character that no font on the system has is drawn as the embedded font's .notdef box, and
    Chromium still credits the embedded font: so also check the characters on screen themselves."""
    shown = "".join(pages[href]["visible_lines"])
    tofu = sorted({f"U+{ord(c):04X} {c}" for c in shown if not c.isspace() and ord(c) not in embedded_cmap})
    assert tofu == [], f"characters on screen that the embedded fonts cannot draw: {tofu}"
    if href != "cover.xhtml":
        assert len(re.findall(f"[{HAN}]", shown)) > 50, "too little Chinese text on screen"


def test_the_cover_page_shows_the_cover_image_filling_the_screen(pages, book, tmp_path):
    page = pages["cover.xhtml"]
    assert page["problems"] == []
    [image] = page["images"]
    assert image["tag"] == "image"  # the SVG <image>; epub.js has replaced its href with a blob: URL
    rect, view = image["rect"], page["view_rect"]
    # Scaled to fit the reading area (preserveAspectRatio meet), undistorted and centred; what is left
    # is epub.js's own page margins and the difference of 1:1.6 from this 2:3 screen.
    assert rect["width"] / rect["height"] == pytest.approx(1600 / 2560, rel=0.01)
    assert rect["width"] * rect["height"] > 0.75 * view["width"] * view["height"], (rect, view)
    assert rect["left"] + rect["width"] / 2 == pytest.approx(view["left"] + view["width"] / 2, abs=2)
    # What is on screen there is our cover, not a broken-image box: the screenshot, cropped to the
    # image's box, matches the cover file scaled to the same size.
    with zipfile.ZipFile(book) as archive:
        cover = Image.open(io.BytesIO(archive.read("EPUB/images/cover.png"))).convert("RGB")
    with Image.open(page["png"]) as shot:
        box = tuple(round(v * SCALE) for v in (rect["left"], rect["top"], rect["left"] + rect["width"],
                                                rect["top"] + rect["height"]))
        shown = shot.convert("RGB").crop(box)
    expected = cover.resize(shown.size, Image.Resampling.LANCZOS)
    difference = sum(abs(a - b) for a, b in zip(shown.convert("L").tobytes(), expected.convert("L").tobytes()))
    assert difference / (shown.size[0] * shown.size[1]) < 8, "the cover on screen differs from cover.png"


def test_the_cover_sets_its_chinese_text_in_the_book_fonts(book):
    """The cover's text is pixels; no tofu there means every character it draws is in the face that
    draws it (zhbook.assets.cover picks a covering face or fails the build), and its text has ink."""
    from zhbook.assets.cover import SIZE, _face_for, cover_text
    from zhbook.errors import Diagnostics
    from zhbook.load import load_book

    source = load_book(REPO / "book", Diagnostics(quiet=True))
    meta = source.meta
    assert re.search(f"[{HAN}]", cover_text(source)) and meta.title in cover_text(source)
    sans, serif = REPO / "fonts" / "NotoSansCJKsc-Bold.otf", REPO / "fonts" / "NotoSerifCJKsc-Regular.otf"
    assert _face_for(meta.title, sans, serif) == sans  # 黑体 title: every character in that face
    assert _face_for(meta.subtitle + meta.author + "著", serif, sans) == serif
    with zipfile.ZipFile(book) as archive:
        cover = Image.open(io.BytesIO(archive.read("EPUB/images/cover.png"))).convert("L")
    assert cover.size == SIZE
    # The title band: paper-coloured strokes on the dark block, so the title really was drawn.
    band = cover.crop((0, 700, SIZE[0], 1250))
    light = sum(1 for v in band.tobytes() if v > 200)
    assert 0.08 < light / (band.size[0] * band.size[1]) < 0.6, light


def test_the_contents_page_lists_every_chapter_and_section(pages, embedded_fonts):
    page = pages["contents.xhtml"]
    lines = page["visible_lines"]
    assert lines[0].replace(" ", "") == "目录"
    expected = [heading_of(chapter) for chapter in CHAPTERS]
    expected += [line[3:].strip() for chapter in CHAPTERS for line in chapter.read_text("utf-8").splitlines()
                 if line.startswith("## ")]
    assert [title for title in expected if title not in lines] == [], lines
    fonts = page["platform_fonts"]
    # Chromium names the font files (their PostScript names), not the CSS families.
    assert {f["postscript"] for f in fonts[".chapter-entry"]} == {embedded_fonts["ZH Sans"]}  # chapters in 黑体
    assert {f["postscript"] for f in fonts["ol ol a"]} == {embedded_fonts["ZH Serif"]}  # sections in 宋体
    assert len(re.findall(f"[{HAN}]", "".join(lines))) > 100


def test_calibre_reads_every_sentence_and_heading(book, tmp_path):
    ebook_convert = shutil.which("ebook-convert")
    if not ebook_convert:
        pytest.skip("calibre's ebook-convert is not installed (Debian: apt-get install -y calibre)")
    out = tmp_path / "book.txt"
    result = subprocess.run([ebook_convert, str(book), str(out)], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, f"ebook-convert failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    text = out.read_text("utf-8")
    # Every sentence of the seed article (the editor's 〔〕 supplements aside), in calibre's text.
    squeezed = squeeze(without_supplements(text))
    sentences = seed_sentences()
    assert len(sentences) > 80
    missing = [sentence for sentence in sentences if sentence not in squeezed]
    assert missing == [], f"{len(missing)} of {len(sentences)} sentences missing from calibre's text: {missing[:5]}"
    lines = {line.strip() for line in text.splitlines()}
    # Every chapter title, and the section headings under them, each a line of its own.
    headings = [heading_of(chapter) for chapter in CHAPTERS]
    headings += [line.lstrip("#").strip() for chapter in CHAPTERS
                 for line in chapter.read_text("utf-8").splitlines() if re.match(r"#{2,6} ", line)]
    missing = [heading for heading in headings if heading not in lines]
    assert missing == [], f"headings calibre did not show as a line of text: {missing}"


def test_daisy_ace_reports_no_violations(book, tmp_path):
    """DAISY Ace (EPUB Accessibility 1.1 checks and axe-core on every document), in Debian's chromium."""
    report = run_ace(book, tmp_path / "ace")
    violations = [(a["earl:testSubject"]["url"], b["earl:test"]["dct:title"], b["earl:result"]["dct:description"])
                  for a in report["assertions"] for b in a.get("assertions", [])
                  if b["earl:result"]["earl:outcome"] == "fail"]
    assert violations == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    checked = {a["earl:testSubject"]["url"].rsplit("/", 1)[-1] for a in report["assertions"]}
    assert {"cover.xhtml", "contents.xhtml", "c001.xhtml", "c006.xhtml", "nav.xhtml"} <= checked
    metadata = report["a11y-metadata"]
    assert {"schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
            "schema:accessibilityHazard", "schema:accessibilitySummary"} <= set(metadata["present"])
    # The book claims no conformance (book.toml has no [accessibility] conforms_to), and Ace does not ask for one.
    assert not {"dcterms:conformsTo", "a11y:certifiedBy"} & set(metadata["present"])
