"""The EPUB in a second real reading engine: WebKit (WebKitGTK from Debian, through WebKitWebDriver under
Xvfb; tests/webkit_reader.py), the engine family of Apple Books and Kobo's kepub renderer. epub.js in
Chromium (test_readers.py) is Blink.

The browser has no system fonts at all, so Chinese text on screen can only come from the EPUB's own
@font-face fonts. The cover, the contents and a chapter are rendered and screenshotted; a note call is
followed to its note. Set ZHBOOK_READER_SHOTS=/some/dir to keep the screenshots.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from tests.helpers import REPO
from tests.webkit_reader import FACTS, WITHOUT_EMBEDDED_FONTS, webkit_session, with_retry

pytestmark = pytest.mark.reader
HAN = r"\u3400-\u9fff\uf900-\ufaff"
WIDTH, HEIGHT = 600, 900


def _build(tmp_path_factory, book: str, reader: str = "standard") -> Path:
    out = tmp_path_factory.mktemp(f"webkit-{Path(book).name}-{reader}")
    result = subprocess.run([sys.executable, "build.py", "epub", "-q", "--reader", reader, "--book", book, "--out",
                             str(out)], cwd=REPO, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    assert result.returncode == 0, result.stderr
    [epub] = out.glob("*.epub")
    folder = out / "unpacked"
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    from tests.epub_reader import screenshot_folder

    return screenshot_folder(tmp_path_factory.mktemp("webkit-shots"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory, shots) -> dict:
    """The sample book's cover, contents and first chapter in WebKit: facts and screenshots, and the
    first paragraph's ink with and without the embedded fonts."""
    folder = _build(tmp_path_factory, "book")
    notes = _build(tmp_path_factory, "examples/features")
    (folder / "features").symlink_to(notes, target_is_directory=True)
    return with_retry(lambda: _sample_pages(folder, shots))


def _sample_pages(folder: Path, shots: Path) -> dict:
    """One WebKit session (starting one is the slow and fragile part) for everything the tests read."""
    pages = {}
    with webkit_session(folder, WIDTH, HEIGHT) as (driver, base):
        pages["note"] = _follow_a_note(driver, f"{base}features/", shots)
        for name in ("cover.xhtml", "contents.xhtml", "c001.xhtml"):
            driver.get(f"{base}EPUB/{name}")
            facts = driver.execute_async_script(FACTS, "section p")
            png = shots / f"webkit-{name.replace('.xhtml', '.png')}"
            driver.save_screenshot(str(png))
            pages[name] = {**facts, "png": png}
        rect = driver.execute_script("return document.querySelector('section p').getBoundingClientRect().toJSON()")
        with_fonts = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("L")
        driver.execute_script(WITHOUT_EMBEDDED_FONTS)
        rect_without = driver.execute_script(
            "return document.querySelector('section p').getBoundingClientRect().toJSON()")
        without_fonts = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("L")
        without_fonts.save(shots / "webkit-c001-without-embedded-fonts.png")
    pages["ink"] = (_ink(with_fonts, rect), _ink(without_fonts, rect_without))
    pages["heights"] = (rect["height"], rect_without["height"])
    pages["folder"] = folder
    return pages


def _ink(image: Image.Image, rect: dict) -> int:
    box = tuple(round(v) for v in (rect["left"], rect["top"], rect["left"] + rect["width"],
                                   rect["top"] + rect["height"]))
    return sum(1 for v in image.crop(box).tobytes() if v < 128)


def _cmap(folder: Path) -> set[int]:
    return set().union(*(TTFont(path, lazy=True).getBestCmap() for path in (folder / "EPUB" / "fonts").iterdir()))


def test_it_is_webkit(sample):
    assert "AppleWebKit" in sample["c001.xhtml"]["user_agent"] and "Chrome" not in sample["c001.xhtml"]["user_agent"]


@pytest.mark.parametrize("name", ["cover.xhtml", "contents.xhtml", "c001.xhtml"])
def test_the_screenshots_are_not_blank(sample, name):
    with Image.open(sample[name]["png"]) as image:
        assert image.size[0] >= WIDTH * 0.9
        histogram = image.convert("L").histogram()
    assert sum(histogram[:128]) > 0.005 * image.size[0] * image.size[1], f"{name} looks blank"


@pytest.mark.parametrize("name", ["contents.xhtml", "c001.xhtml"])
def test_the_embedded_fonts_loaded(sample, name):
    status = {face["family"]: face["status"] for face in sample[name]["fonts"]}
    assert status == {"ZH Serif": "loaded", "ZH Sans": "loaded"}, sample[name]["fonts"]
    assert sample[name]["lang"] == "zh-Hans"


def test_the_body_is_set_in_the_embedded_song_face(sample):
    page = sample["c001.xhtml"]
    assert page["font_family"].startswith('"ZH Serif"'), page["font_family"]
    assert page["checked"] is True  # document.fonts.check: the face for this text is loaded
    assert len(re.findall(f"[{HAN}]", page["text"])) > 50


def test_only_the_embedded_fonts_draw_the_text(sample):
    """No system fonts: the paragraph has ink with the embedded fonts, and none without them (their
    @font-face rules removed), so every stroke on screen came from the EPUB's fonts."""
    with_fonts, without_fonts = sample["ink"]
    assert with_fonts > 3000, with_fonts
    assert without_fonts < with_fonts / 20, (with_fonts, without_fonts)
    assert sample["heights"][0] > sample["heights"][1]  # seven lines of text, then next to nothing


@pytest.mark.parametrize("name", ["contents.xhtml", "c001.xhtml"])
def test_no_tofu_every_character_on_screen_is_in_the_embedded_fonts(sample, name):
    shown = sample[name]["visible_text"]
    cmap = _cmap(sample["folder"])
    tofu = sorted({f"U+{ord(c):04X} {c}" for c in shown if not c.isspace() and ord(c) not in cmap})
    assert tofu == [] and len(re.findall(f"[{HAN}]", shown)) > 50, tofu


def test_a_note_call_leads_to_its_note(sample):
    """examples/features has notes: following a call in WebKit brings its note (the aside with the same
    id) onto the screen, and its number links back to the call."""
    call, target, state = sample["note"]
    assert state["hash"] == f"#{target}" and state["tag"] == "aside"
    assert 0 <= state["top"] < state["height"], state  # the note is on screen
    assert state["back"] == "#" + call_id(target) and state["text"].strip().startswith("1")


def _follow_a_note(driver, base: str, shots: Path):
    """Click examples/features' first note call; where it led."""
    driver.get(f"{base}EPUB/c001.xhtml")
    call = driver.find_element("css selector", "a[href^='#'][role='doc-noteref']")
    target = call.get_attribute("href").rsplit("#", 1)[1]
    call.click()
    state = driver.execute_script(
        "const note = document.getElementById(arguments[0]); const r = note.getBoundingClientRect();"
        "return {hash: location.hash, tag: note.tagName.toLowerCase(), top: r.top, bottom: r.bottom,"
        " height: innerHeight, text: note.textContent,"
        " back: note.querySelector('a[role=doc-backlink]').getAttribute('href')}", target)
    driver.save_screenshot(str(shots / "webkit-note.png"))
    return call_id(target), target, state


def call_id(note_id: str) -> str:
    return note_id.replace("-fn-", "-fnref-")
