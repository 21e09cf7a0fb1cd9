"""The Traditional Chinese edition's EPUB (build.py all --edition zh-Hant), read back: EPUBCheck, the
language everywhere it is declared, its own identifier, no Simplified character left, corner quotes,
the TC faces embedded as subsets, and the review file the build wrote."""

from __future__ import annotations

import io
import re
import zipfile

import opencc
import pytest
from fontTools.ttLib import TTFont

from tests.helpers import epub_documents, epub_text, epubcheck_messages
from zhbook.edition import one_to_many
from zhbook.load import load_book

pytestmark = pytest.mark.slow

LANGUAGE = "zh-Hant-TW"  # s2twp, the default
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _opf(epub) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(".opf"))).decode()


def test_epubcheck_reports_no_errors_and_no_warnings(hant_built):
    messages = epubcheck_messages(hant_built["epub"])
    assert {sev: msgs for sev, msgs in messages.items() if sev in ("FATAL", "ERROR", "WARNING")} == {}


def test_the_build_warns_of_nothing_and_says_where_the_review_file_is(hant_built):
    log = hant_built["log"]
    assert "warning" not in log.stderr, log.stderr
    count = len([line for line in hant_built["review"].read_text("utf-8").splitlines() if not line.startswith("#")])
    assert count > 50
    assert f"{count} characters with more than one Traditional form, as OpenCC chose them (" in log.stdout + log.stderr
    assert str(hant_built["review"]) in log.stdout + log.stderr


def test_the_language_is_declared_everywhere(hant_built):
    opf = _opf(hant_built["epub"])
    assert f"<dc:language>{LANGUAGE}</dc:language>" in opf and f'xml:lang="{LANGUAGE}"' in opf
    documents = epub_documents(hant_built["epub"])
    assert len(documents) >= 8
    for name, document in documents:
        assert (document.get("lang"), document.get(XML_LANG)) == (LANGUAGE, LANGUAGE), name
    with zipfile.ZipFile(hant_built["epub"]) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode()
    assert f'lang="{LANGUAGE}"' in nav and "<title>目錄</title>" in nav


def test_the_edition_has_its_own_identifier(hant_built):
    book = load_book("book")
    opf = _opf(hant_built["epub"])
    identifier = re.search(r"<dc:identifier[^>]*>([^<]+)<", opf).group(1)
    assert identifier.startswith("urn:uuid:") and identifier != book.meta.identifier


def test_no_simplified_character_is_left_in_text_metadata_or_navigation(hant_built, tmp_path):
    """A character that OpenCC's character table maps to one Traditional form only (说 → 說) must
    not appear: not in the chapters, the front matter, the builder's own words, the OPF or the NCX.
    (干, 后, 面 … have several forms, one of which may be the character itself: OpenCC chose.)"""
    convert = opencc.OpenCC("s2twp").convert  # the edition's configuration (s2t would write 牀 for 床)
    several = one_to_many(tmp_path)
    with zipfile.ZipFile(hant_built["epub"]) as archive:
        texts = {name: re.sub(r"<[^>]+>", " ", archive.read(name).decode()) for name in archive.namelist()
                 if name.endswith((".xhtml", ".opf", ".ncx"))}
    assert len(texts) >= 10
    leftovers = {name: sorted({c for c in text if "\u3400" <= c <= "\u9fff" and convert(c) != c and c not in several})
                 for name, text in texts.items()}
    assert {name: chars for name, chars in leftovers.items() if chars} == {}
    text = epub_text(hant_built["epub"])
    assert "借唄逾期為何無人催收" in text
    assert "“" not in text and "”" not in text and text.count("「") >= 10 and text.count("「") == text.count("」")


def test_the_tc_faces_are_embedded_as_subsets(hant_built):
    with zipfile.ZipFile(hant_built["epub"]) as archive:
        fonts = {n.rsplit("/", 1)[-1]: archive.read(n) for n in archive.namelist() if n.startswith("EPUB/fonts/")}
        css = archive.read("EPUB/styles/book.css").decode()
    assert {"NotoSerifCJKtc-Regular.otf", "NotoSansCJKtc-Bold.otf"} <= set(fonts)
    assert not [name for name in fonts if "CJKsc-Regular" in name or "CJKsc-Bold" in name]
    assert "NotoSerifCJKsc" not in css and "NotoSerifCJKtc-Regular.otf" in css
    serif = TTFont(io.BytesIO(fonts["NotoSerifCJKtc-Regular.otf"]))
    assert serif["name"].getDebugName(4) == "Noto Serif CJK TC"
    cmap = serif.getBestCmap()
    assert len(serif.getGlyphOrder()) < 3000 and all(ord(c) in cmap for c in "借唄逾期為何無人催收「」")
    assert len(fonts["NotoSerifCJKtc-Regular.otf"]) < 1_500_000


def test_the_features_book_in_its_traditional_edition(tmp_path):
    """examples/features (parts, numbering, figures, tables, references, code, verse, an appendix) in
    the zh-Hant edition: EPUBCheck 0/0, generated labels converted, code as written, the appendix kept."""
    from tests.helpers import REPO, run_build

    env = dict(__import__("os").environ, SOURCE_DATE_EPOCH="1700000000")
    run_build("epub", "--edition", "zh-Hant", "--book", REPO / "examples" / "features", "--out", tmp_path, env=env)
    epub = tmp_path / "features.zh-Hant.epub"
    messages = epubcheck_messages(epub)
    assert {sev: msgs for sev, msgs in messages.items() if sev in ("FATAL", "ERROR", "WARNING")} == {}
    with zipfile.ZipFile(epub) as archive:
        documents = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml")}
    every = "".join(documents.values())
    assert '>圖1-1<' in every and '>表2-1<' in every and '>第二章<' in every and ">上篇　結構<" in every
    assert ">图" not in every and ">节" not in every
    assert 'epub:type="appendix"' in documents["EPUB/b001.xhtml"] and "附錄" in documents["EPUB/b001.xhtml"]
    code = re.sub(r"<[^>]+>", "", documents["EPUB/c002.xhtml"])
    assert "# 目录：每章一行，章下面列出各节" in code and "# 章号从 1 开始" in code  # code as written
    assert "不會被當成交叉引用" in code
