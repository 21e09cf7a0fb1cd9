"""The built EPUB as real readers show it: epub.js in Chromium (tests/epub_reader.py) and calibre.

The other EPUB tests read the files we wrote; these ask readers what they did with them: which font
actually drew the text, whether the indent, leading and justification came through, and what text
is on the screen. Set ZHBOOK_READER_SHOTS=/some/dir to keep the screenshots.
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

from tests.epub_reader import render_epub_page

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((REPO / "book" / "chapters").glob("*.md"))
HAN = r"\u3400-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026"
WIDTH, HEIGHT, SCALE = 600, 900, 2  # a phone-sized page, CSS px; screenshots at 2× like a phone
# Spine hrefs are c001.xhtml, c002.xhtml, … in the order of book/chapters/*.md.
RENDERED = {"c001.xhtml": CHAPTERS[0], "c002.xhtml": CHAPTERS[1]}


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
    keep = os.environ.get("ZHBOOK_READER_SHOTS")
    return Path(keep) if keep else tmp_path_factory.mktemp("reader-shots")


@pytest.fixture(scope="module")
def pages(book, shots) -> dict[str, dict]:
    """Each chapter in RENDERED displayed once in epub.js (first page), with its facts."""
    return {href: render_epub_page(book, href, shots / href.replace(".xhtml", ".png"),
                                   width=WIDTH, height=HEIGHT, scale=SCALE)
            for href in RENDERED}


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


@params
def test_the_screenshot_shows_a_page(pages, href):
    png = Path(pages[href]["png"])
    with Image.open(png) as image:
        assert image.size == (WIDTH * SCALE, HEIGHT * SCALE)
        histogram = image.convert("L").histogram()
    ink = sum(histogram[:200])  # pixels clearly darker than the white page
    assert ink > 0.01 * WIDTH * SCALE * HEIGHT * SCALE, f"{png} looks blank ({ink} dark pixels)"


def test_calibre_reads_every_heading(book, tmp_path):
    ebook_convert = shutil.which("ebook-convert")
    if not ebook_convert:
        pytest.skip("calibre's ebook-convert is not installed (Debian: apt-get install -y calibre)")
    out = tmp_path / "book.txt"
    result = subprocess.run([ebook_convert, str(book), str(out)], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, f"ebook-convert failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    lines = {line.strip() for line in out.read_text("utf-8").splitlines()}
    # Every chapter title, and the section headings under them.
    headings = [heading_of(chapter) for chapter in CHAPTERS]
    headings += [line.lstrip("#").strip() for chapter in CHAPTERS
                 for line in chapter.read_text("utf-8").splitlines() if re.match(r"#{2,6} ", line)]
    missing = [heading for heading in headings if heading not in lines]
    assert missing == [], f"headings calibre did not show as a line of text: {missing}"
