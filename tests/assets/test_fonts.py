"""Font checks, per-face character sets from the real stylesheet, subsetting and its cache."""

import shutil
import xml.etree.ElementTree as ET

import pytest
from fontTools.ttLib import TTFont

from zhbook import paths
from zhbook.assets.fonts import FontSet
from zhbook.errors import BookError
from zhbook.model import Styles

FONTS_DIR = paths.fonts_dir()
CSS = Styles(paths.styles_dir()).read("book.css", "epub.css")
DOC = ET.fromstring('<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>黑体标题</h1>'
                    '<p>宋体正文<strong>强调</strong>。</p></body></html>')


@pytest.fixture
def fonts(tmp_path):
    return FontSet(FONTS_DIR, CSS, tmp_path / "cache")


def test_families_come_from_the_stylesheet(fonts):
    assert {f: [x.path.name for x in v] for f, v in fonts.by_family.items()} == {
        "ZH Serif": ["NotoSerifCJKsc-Regular.otf"], "ZH Sans": ["NotoSansCJKsc-Bold.otf"]}


def test_characters_follow_the_cascade(fonts):
    chars = fonts.characters([DOC], CSS)
    sans, serif = chars["NotoSansCJKsc-Bold.otf"], chars["NotoSerifCJKsc-Regular.otf"]
    assert set("黑体标题强调") <= sans and not set("宋正文") & sans
    assert set("宋体正文黑标题强调") <= serif  # the body face holds every character of the book


def test_subset_holds_exactly_the_requested_text_and_is_cached(fonts, tmp_path):
    serif = fonts.by_family["ZH Serif"][0]
    data = fonts.subset(serif, set("中文"))
    path = tmp_path / "s.otf"
    path.write_bytes(data)
    cmap = TTFont(path)["cmap"].getBestCmap()
    assert ord("中") in cmap and ord("文") in cmap and ord("书") not in cmap
    assert len(data) < 100_000
    cached = list((tmp_path / "cache" / "fonts").iterdir())
    assert len(cached) == 1
    assert fonts.subset(serif, set("中文")) == data and len(list((tmp_path / "cache" / "fonts").iterdir())) == 1


def test_missing_characters_are_reported(fonts):
    assert fonts.missing("中文\U00013000A") == ["\U00013000"]


def test_corrupt_or_missing_font_is_a_clear_error(tmp_path):
    fonts_dir = tmp_path / "fonts"
    shutil.copytree(FONTS_DIR, fonts_dir)
    target = fonts_dir / "NotoSansCJKsc-Bold.otf"
    target.write_bytes(b"not a font")
    with pytest.raises(BookError, match="sha256"):
        FontSet(fonts_dir, CSS, tmp_path / "cache")
    target.unlink()
    with pytest.raises(BookError, match="missing"):
        FontSet(fonts_dir, CSS, tmp_path / "cache")
