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
        "ZH Serif": ["NotoSerifCJKsc-Regular.otf"], "ZH Sans": ["NotoSansCJKsc-Bold.otf"],
        "ZH Mono": ["NotoSansMonoCJKsc-Regular.otf"], "ZH Kai": ["LXGWWenKai-Regular.ttf"]}
    body, bold = fonts.cover_faces()  # the generated cover: body face and heading face
    assert (body.path.name, bold.path.name) == ("NotoSerifCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf")


def test_code_goes_to_the_mono_face_quotations_to_kai_and_unused_faces_get_nothing(fonts):
    doc = ET.fromstring('<html xmlns="http://www.w3.org/1999/xhtml"><body><p>正文<code>代码x</code></p>'
                        '<pre><code><span class="c1"># 注释</span></code></pre>'
                        '<blockquote><p>引文𠀀</p></blockquote></body></html>')
    chars = fonts.characters([doc], CSS)
    mono, kai = chars["NotoSansMonoCJKsc-Regular.otf"], chars["LXGWWenKai-Regular.ttf"]
    assert set("代码x#注释") <= mono and not set("正文引") & mono
    assert set("引文") <= kai and not set("代码注释正") & kai
    # A character the 楷体 face lacks falls back to the next family of the stack.
    assert "\U00020000" not in kai
    # Faces the documents set nothing in get nothing, not even the characters every subset holds.
    plain = fonts.characters([DOC], CSS)
    assert plain["NotoSansMonoCJKsc-Regular.otf"] == set() == plain["LXGWWenKai-Regular.ttf"]
    assert set("ABC123") <= plain["NotoSansCJKsc-Bold.otf"]


def test_unused_faces_are_removed_from_the_stylesheet():
    from zhbook.assets.fonts import unused_faces_removed
    assert unused_faces_removed(CSS, set()) is CSS
    css = unused_faces_removed(CSS, {"NotoSansMonoCJKsc-Regular.otf", "LXGWWenKai-Regular.ttf"})
    assert css.count("@font-face") == 2 and "ZH Mono\";" not in css and "LXGWWenKai" not in css
    assert "NotoSerifCJKsc-Regular.otf" in css and "NotoSansCJKsc-Bold.otf" in css
    assert 'font-family: "ZH Mono", "ZH Serif", monospace;' in css  # the stacks stay: nothing else changes
    assert css.replace(" ", "").count("{") == CSS.replace(" ", "").count("{") - 2


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
