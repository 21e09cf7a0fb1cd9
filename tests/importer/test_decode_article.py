"""What the importer reads (zhbook.importer.decode_article): zhbook.textio.decode, then the checks an article
needs (empty, control characters, an HTML page)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from zhbook.errors import BookError
from zhbook.importer import decode_article

pytestmark = pytest.mark.fast
ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
ARTICLE_TEXT = (ARTICLES / "e_pension.txt").read_text("utf-8")


@pytest.mark.parametrize("raw, name", [
    (ARTICLE_TEXT.encode("utf-8"), "UTF-8"),
    (codecs.BOM_UTF8 + ARTICLE_TEXT.encode("utf-8"), "UTF-8 with a byte order mark"),
    (codecs.BOM_UTF16_LE + ARTICLE_TEXT.encode("utf-16-le"), "UTF-16 little-endian (byte order mark)"),
    (codecs.BOM_UTF16_BE + ARTICLE_TEXT.encode("utf-16-be"), "UTF-16 big-endian (byte order mark)"),
    (ARTICLE_TEXT.encode("utf-16-le"), "UTF-16 little-endian (no byte order mark)"),
    (ARTICLE_TEXT.encode("utf-16-be"), "UTF-16 big-endian (no byte order mark)"),
    (ARTICLE_TEXT.encode("gbk"), "GBK (a subset of GB18030)"),
    ((ARTICLE_TEXT + "生僻字𠀀与㐀。\n").encode("gb18030"), "GB18030"),
])
def test_every_encoding_is_detected_and_named(raw, name):
    text, found, _ = decode_article(raw, Path("a.txt"))
    assert found == name
    assert text.startswith("个人养老金怎么买最划算") and "扫码关注公众号才能领取" in text


def test_big5_traditional_chinese_is_read():
    text = "台灣缺工問題延燒\n\n記者林怡秀／台北報導\n\n國發會最新調查顯示，國內有近六成中小企業面臨缺工問題。\n"
    decoded, found, warning = decode_article(text.encode("big5"), Path("a.txt"))
    assert (decoded, found) == (text, "Big5") and "Traditional Chinese" in warning


@pytest.mark.parametrize("raw, says", [
    (b"", "is empty"),
    (b"\n  \r\n\t\n", "no text"),
    ((ARTICLES / "bad_binary.txt").read_bytes(), "not a text file"),
    (bytes(range(1, 32)) * 20 + "中文".encode("utf-8"), "not a text file"),
    ("日本語の記事です。東京都に住んでいます。\n".encode("shift_jis") * 20,
     "not UTF-8 (byte 0x93): looks like Shift-JIS (Japanese); save the file"),
    ("Café, naïve résumé. ".encode("latin-1") * 30, "not UTF-8 (byte 0xE9): looks like Latin-1/Windows-1252"),
    (ARTICLE_TEXT[:200].encode("utf-8") + b"\xff" + ARTICLE_TEXT[200:].encode("utf-8"), "invalid UTF-8 byte 0xFF"),
    (b"<!DOCTYPE html>\n<html><head><title>t</title></head><body>\xe6\xad\xa3\xe6\x96\x87</body></html>",
     "is an HTML page"),
])
def test_bad_input_is_one_clear_line(raw, says):
    with pytest.raises(BookError) as error:
        decode_article(raw, Path("a.txt"))
    assert says in str(error.value) and "\n" not in str(error.value) and str(error.value).startswith("a.txt")
