"""zhbook.textio: the one decoder of chapters and imported articles."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from zhbook.errors import BookError, Diagnostics
from zhbook.importer import decode_article, import_article
from zhbook.load import load_book
from zhbook.textio import EncodingError, decode, decode_bytes, likely_encoding, looks_like_chinese

pytestmark = pytest.mark.fast

ARTICLES = Path(__file__).resolve().parent / "data" / "articles"
CHINESE = "# 第一章　编码\n\n这一章讲的是编码，内容是简体中文。\n"


@pytest.mark.parametrize("raw, encoding, warning", [
    (CHINESE.encode("utf-8"), "UTF-8", None),
    (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), "UTF-8 with a byte order mark", None),
    (CHINESE.encode("utf-16"), "UTF-16 little-endian (byte order mark)",
     "not UTF-8: decoded as UTF-16 (it has a UTF-16 byte order mark); save it as UTF-8"),
    (codecs.BOM_UTF16_BE + CHINESE.encode("utf-16-be"), "UTF-16 big-endian (byte order mark)",
     "not UTF-8: decoded as UTF-16 (it has a UTF-16 byte order mark); save it as UTF-8"),
    (CHINESE.encode("utf-16-le"), "UTF-16 little-endian (no byte order mark)",
     "not UTF-8: decoded as UTF-16 little-endian (it has no byte order mark); save it as UTF-8"),
    (CHINESE.encode("utf-16-be"), "UTF-16 big-endian (no byte order mark)",
     "not UTF-8: decoded as UTF-16 big-endian (it has no byte order mark); save it as UTF-8"),
    (CHINESE.encode("gbk"), "GBK (a subset of GB18030)", "not UTF-8: decoded as GBK (Chinese text); save it as UTF-8"),
    ((CHINESE + "𠮷€\n").encode("gb18030"), "GB18030", "not UTF-8: decoded as GB18030 (Chinese text); save it as UTF-8"),
])
def test_accepted_encodings_give_the_text_its_name_and_the_warning(raw, encoding, warning):
    decoded = decode(raw, "a.md")
    assert decoded.text in (CHINESE, CHINESE + "𠮷€\n")
    assert (decoded.encoding, decoded.warning) == (encoding, warning)


def test_big5_traditional_chinese_is_read_with_a_warning():
    text = "# 第一章\n\n中文內容，繁體字。臺灣的出版社「聯經」。\n"
    decoded = decode(text.encode("big5"), "a.md")
    assert (decoded.text, decoded.encoding) == (text, "Big5")
    assert decoded.warning == "not UTF-8: decoded as Big5 (Traditional Chinese text); save it as UTF-8"


@pytest.mark.parametrize("text, codec, says", [
    ("# 第一章\n\n日本語のテキストです。\n", "shift_jis", "not UTF-8 (byte 0x91): looks like Shift-JIS (Japanese)"),
    ("# 第一章\n\n日本語のテキストです。東京都に住んでいます。\n", "euc_jp",
     "not UTF-8 (byte 0xC2): looks like EUC-JP (Japanese)"),
    ("# 한국어\n\n한국어 텍스트입니다. 인코딩 판정을 테스트합니다.\n", "euc_kr",
     "not UTF-8 (byte 0xC7): looks like EUC-KR (Korean)"),
    ("# Café\n\nnaïve façade\n", "latin-1", "not UTF-8 (byte 0xE9): looks like Latin-1/Windows-1252 (Western European)"),
    ("# “Smart” quotes — and 5 €\n\nText with ‘curly’ marks…\n", "cp1252",
     "not UTF-8 (byte 0x93): looks like Latin-1/Windows-1252 (Western European)"),
])
def test_refused_encodings_are_named(text, codec, says):
    with pytest.raises(BookError) as error:
        decode(text.encode(codec), "a.md")
    assert str(error.value) == f"a.md:1:{error.value.column}: {says}; save the file as UTF-8"


def test_binary_is_refused_as_not_a_text_file():
    for raw in ((ARTICLES / "bad_binary.txt").read_bytes(), bytes(range(256)) * 8):
        with pytest.raises(EncodingError) as error:
            decode_bytes(raw)
        assert error.value.message.startswith("not a text file (")


def test_unknown_bytes_are_refused_without_a_guess():
    raw = bytes(range(0x80, 0x100)) * 4
    assert likely_encoding(raw) is None
    with pytest.raises(EncodingError, match=r"^not UTF-8 \(byte 0x80\) and not GBK/GB18030 Chinese; save the file"):
        decode_bytes(raw)


def test_damaged_utf8_names_line_and_column():
    raw = "# 标题\n\n中文内容很长很长".encode() + b"\xe4\xb8" + "。\n".encode()
    with pytest.raises(EncodingError) as error:
        decode_bytes(raw)
    assert (error.value.line, error.value.column) == (3, 9)
    assert error.value.message.startswith("invalid UTF-8 byte 0xE4 in a UTF-8 file (damaged or cut)")


def test_a_few_nuls_in_utf8_are_left_to_the_caller_and_many_are_binary():
    assert decode_bytes("正文\0有控制字符。\n".encode()).text == "正文\0有控制字符。\n"
    with pytest.raises(EncodingError, match="^not a text file"):
        decode_bytes(b"\0\0\0\0" * 40 + "正文".encode())


def test_korean_and_japanese_read_as_gb_are_not_chinese():
    assert looks_like_chinese("这一章讲的是编码。")
    assert not looks_like_chinese("日本語のテキストです。".encode("euc_jp").decode("gb18030"))
    assert not looks_like_chinese("한국어 텍스트입니다. 인코딩 판정을".encode("euc_kr").decode("gb18030", "replace"))


def test_a_gbk_file_reads_the_same_as_a_chapter_and_as_an_imported_article(tmp_path):
    """The one decoder: the same text and the same warning, whichever way the file comes in."""
    source = ARTICLES / "b_charging_gb18030.txt"
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "book.toml").write_text('title = "书"\nauthor = "某"\nlanguage = "zh-Hans"\n', "utf-8")
    chapter = book / "chapters" / "a.md"
    chapter.write_bytes(source.read_bytes())
    as_chapter = Diagnostics(quiet=True)
    chapter_text = load_book(book, as_chapter).chapters[0].text
    as_article = Diagnostics(quiet=True)
    import_article(source, tmp_path / "imported", as_article)
    article_text = decode_article(source.read_bytes(), source).text

    assert chapter_text == article_text.replace("\r\n", "\n") and "充电桩" in chapter_text
    warning = "not UTF-8: decoded as GBK (Chinese text); save it as UTF-8"
    assert as_chapter.warnings == [f"{chapter}: {warning}"]
    assert as_article.warnings == [f"{source}: {warning}"]
