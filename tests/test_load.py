"""Loading book folders: defaults, derived values and one-line errors."""

import pytest

from tests.cli_checks import GB18030_TEXT, GBK_TEXT, failing_build, make_book
from tests.cli_checks import MINIMAL as CLI_MINIMAL
from tests.helpers import epub_documents, epub_text, run_build
from zhbook.errors import BookError, Diagnostics
from zhbook.load import derive_identifier, load_book, slugify


def write_book(root, toml, chapters=None):
    root.mkdir(parents=True, exist_ok=True)
    (root / "book.toml").write_text(toml, "utf-8")
    for name, text in (chapters or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


MINIMAL = 'title = "小书"\nauthor = "某人"\nlanguage = "zh-Hans"\n'


def test_minimal_book_takes_chapters_in_file_name_order_and_derives_identifier(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL, {"chapters/10-b.md": "# 乙\n", "chapters/02-a.md": "# 甲\n"})
    book = load_book(root)
    assert [c.path.name for c in book.chapters] == ["02-a.md", "10-b.md"]
    assert book.meta.identifier == derive_identifier("小书", "某人") == load_book(root).meta.identifier
    assert book.meta.identifier.startswith("urn:uuid:")
    assert book.meta.slug == "小书"


def test_identifier_differs_between_books():
    assert derive_identifier("甲", "某人") != derive_identifier("乙", "某人")


def test_slugify_keeps_cjk_and_drops_punctuation():
    assert slugify("借呗逾期为何无人催收？") == "借呗逾期为何无人催收"
    assert slugify("Hello, World!") == "hello-world"


def test_explicit_chapter_list_and_missing_chapter_named(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL + 'chapters = ["x.md", "missing.md"]\n', {"x.md": "# x\n"})
    with pytest.raises(BookError) as error:
        load_book(root)
    assert "missing.md" in str(error.value) and "not found" in str(error.value)


def test_missing_required_keys_are_listed(tmp_path):
    root = write_book(tmp_path / "b", 'title = "小书"\n', {"chapters/a.md": "# a\n"})
    with pytest.raises(BookError, match="author, language"):
        load_book(root)


def test_invalid_toml_names_the_line(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL + 'subtitle = "unterminated\n', {"chapters/a.md": "# a\n"})
    with pytest.raises(BookError) as error:
        load_book(root)
    assert error.value.line == 4 and "book.toml" in str(error.value)


def test_unknown_key_warns_with_the_nearest_valid_key(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL + 'autor = "x"\n', {"chapters/a.md": "# a\n"})
    diagnostics = Diagnostics(quiet=True)
    load_book(root, diagnostics)
    assert any("'autor'" in w and "'author'" in w for w in diagnostics.warnings)


@pytest.mark.fast
@pytest.mark.parametrize("value, vertical, forms", [("true", True, False), ('"kindle"', True, True),
                                                    ("false", False, False)])
def test_vertical_key(tmp_path, value, vertical, forms):
    root = write_book(tmp_path / "b", MINIMAL + f"vertical = {value}\n", {"chapters/a.md": "# a\n"})
    book = load_book(root)
    assert (book.vertical, book.vertical_forms) == (vertical, forms)


@pytest.mark.fast
def test_a_bad_vertical_value_is_one_error_with_its_line(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL + 'vertical = "yes"\n', {"chapters/a.md": "# a\n"})
    with pytest.raises(BookError) as error:
        load_book(root)
    assert error.value.line == 4 and "'vertical' must be true, false or \"kindle\"" in str(error.value)


def test_empty_book_is_refused(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL)
    with pytest.raises(BookError, match="no chapters"):
        load_book(root)


def test_source_date_epoch_sets_the_build_date(tmp_path, monkeypatch):
    root = write_book(tmp_path / "b", MINIMAL, {"chapters/a.md": "# a\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert load_book(root).build_date.isoformat() == "2023-11-14T22:13:20+00:00"


# Bad book.toml and bad chapters through the real command line: one line naming the file
# (and line), what to do, no traceback, exit 1, the previous output untouched.


def test_cli_invalid_toml_names_line_and_column(tmp_path):
    book = make_book(tmp_path / "b", CLI_MINIMAL + 'subtitle = "unterminated\n', {"chapters/a.md": "# a\n"})
    line = failing_build(tmp_path, book, f"{book}/book.toml:4:25: invalid TOML", "fix the syntax there")
    assert "Illegal character" in line


def test_cli_toml_cut_off_at_the_end_names_the_last_line(tmp_path):
    book = make_book(tmp_path / "b", CLI_MINIMAL + 'chapters = [\n  "chapters/a.md",\n', {"chapters/a.md": "# a\n"})
    failing_build(tmp_path, book, f"{book}/book.toml:5:", "Invalid value", "missing quote or bracket")


def test_cli_duplicate_key_names_its_line(tmp_path):
    book = make_book(tmp_path / "b", CLI_MINIMAL + 'title = "again"\n', {"chapters/a.md": "# a\n"})
    failing_build(tmp_path, book, f"{book}/book.toml:4:", "Cannot overwrite a value")


def test_cli_missing_required_keys_are_listed(tmp_path):
    book = make_book(tmp_path / "b", 'title = "小书"\n', {"chapters/a.md": "# a\n"})
    failing_build(tmp_path, book, f"{book}/book.toml: missing required key(s): author, language",
                  "add them to book.toml")


def test_cli_no_book_toml(tmp_path):
    book = make_book(tmp_path / "b", None, {"chapters/a.md": "# a\n"})
    failing_build(tmp_path, book, f"{book}/book.toml: no book.toml here", "create one")


def test_cli_misspelt_keys_warn_with_the_nearest_key(messy_build):
    assert f"warning: {messy_build['book']}/book.toml:5: unknown key 'autor' is ignored; did you mean 'author'?" \
        in messy_build["warnings"]


def test_cli_listed_chapter_missing_is_named_with_its_line_in_book_toml(tmp_path):
    toml = CLI_MINIMAL + 'chapters = [\n  "chapters/a.md",\n  "chapters/gone.md",\n]\n'
    book = make_book(tmp_path / "b", toml, {"chapters/a.md": "# a\n"})
    failing_build(tmp_path, book, f"{book}/book.toml:6: chapter 'chapters/gone.md' is listed but not found",
                  "create it or remove it from 'chapters'")


def test_cli_chapter_outside_the_book_folder_is_refused(tmp_path):
    (tmp_path / "secret.md").write_text("# 秘密\n", "utf-8")
    book = make_book(tmp_path / "b", CLI_MINIMAL + 'chapters = ["../secret.md"]\n')
    failing_build(tmp_path, book, "secret.md: the chapter is outside the book folder", "move it into the folder")


def test_cli_book_without_chapters_is_refused(tmp_path):
    book = make_book(tmp_path / "b")
    failing_build(tmp_path, book, f"{book}/book.toml: the book has no chapters", "add chapters/*.md")
    book = make_book(tmp_path / "c", CLI_MINIMAL + "chapters = []\n")
    failing_build(tmp_path, book, f"{book}/book.toml: the book has no chapters")


def test_cli_book_of_blank_chapters_is_refused(tmp_path):
    book = make_book(tmp_path / "b", files={"chapters/a.md": "\n \n", "chapters/b.md": "\ufeff\n"})
    failing_build(tmp_path, book, "chapters/a.md: the book is empty: all its chapters are blank")


def test_cli_gbk_and_gb18030_chapters_are_decoded_with_a_warning_naming_the_encoding(messy_build):
    book = messy_build["book"]
    assert (f"warning: {book}/chapters/03-gbk.md: not UTF-8: decoded as GBK (Chinese text); save it as UTF-8"
            in messy_build["warnings"])
    assert (f"warning: {book}/chapters/04-gb18030.md: not UTF-8: decoded as GB18030 (Chinese text); "
            "save it as UTF-8" in messy_build["warnings"])
    text = epub_text(messy_build["epub"])
    for source in (GBK_TEXT, GB18030_TEXT):  # exactly the characters written: no mojibake
        for paragraph in source.replace("# ", "").split("\n"):
            assert paragraph in text


def test_cli_damaged_utf8_chapter_names_line_and_column(tmp_path):
    raw = "# 标题\n\n中文内容很长很长".encode() + b"\xe4\xb8" + "。\n".encode()
    book = make_book(tmp_path / "b", files={"chapters/a.md": raw})
    failing_build(tmp_path, book, f"{book}/chapters/a.md:3:9: invalid UTF-8 byte 0xE4 in a UTF-8 file",
                  "save as UTF-8")


@pytest.mark.parametrize("text, encoding, says", [
    ("# 第一章\n\n日本語のテキストです。\n", "shift_jis", "a.md:1:3: not UTF-8 (byte 0x91): looks like Shift-JIS"),
    ("# 第一章\n\n日本語のテキストです。東京都に住んでいます。\n", "euc_jp",
     "a.md:1:3: not UTF-8 (byte 0xC2): looks like EUC-JP"),
    ("# 한국어\n\n한국어 텍스트입니다. 인코딩 판정을 테스트합니다.\n", "euc_kr",
     "a.md:1:3: not UTF-8 (byte 0xC7): looks like EUC-KR"),
    ("# Café\n\nnaïve façade\n", "latin-1", "a.md:1:6: not UTF-8 (byte 0xE9): looks like Latin-1/Windows-1252"),
])
def test_other_encodings_are_refused_rather_than_garbled(tmp_path, text, encoding, says):
    """EUC-JP and EUC-KR even decode as GB2312 without an error: they must not become Chinese mojibake."""
    root = write_book(tmp_path / "b", MINIMAL)
    (root / "chapters").mkdir()
    (root / "chapters" / "a.md").write_bytes(text.encode(encoding))
    with pytest.raises(BookError) as error:
        load_book(root, Diagnostics(quiet=True))
    assert says in str(error.value) and str(error.value).endswith("; save the file as UTF-8")


def test_binary_is_refused_and_utf16_without_bom_is_decoded_with_a_warning(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL)
    (root / "chapters").mkdir()
    (root / "chapters" / "a.md").write_bytes(bytes(range(256)) * 8)
    with pytest.raises(BookError, match="a.md: not a text file .*; save the file as UTF-8"):
        load_book(root, Diagnostics(quiet=True))
    (root / "chapters" / "a.md").write_bytes("# 标题\n\n没有字节顺序标记。\n".encode("utf-16-le"))
    diagnostics = Diagnostics(quiet=True)
    assert load_book(root, diagnostics).chapters[0].text == "# 标题\n\n没有字节顺序标记。\n"
    assert diagnostics.warnings == [f"{root / 'chapters' / 'a.md'}: not UTF-8: decoded as UTF-16 little-endian "
                                    "(it has no byte order mark); save it as UTF-8"]


def test_cli_utf16_chapter_with_bom_is_decoded_with_a_warning(tmp_path):
    book = make_book(tmp_path / "b", CLI_MINIMAL + 'slug = "u16"\n',
                     {"chapters/a.md": "# 标题\n\n十六位编码。\n".encode("utf-16")})
    result = run_build("epub", "--book", book, "--out", tmp_path / "out")
    assert f"warning: {book}/chapters/a.md: not UTF-8: decoded as UTF-16" in result.stderr
    assert "十六位编码。" in epub_text(tmp_path / "out" / "u16.epub")


def test_gb18030_with_rare_characters_and_big5_are_accepted_with_a_warning(tmp_path):
    diagnostics = Diagnostics(quiet=True)
    root = write_book(tmp_path / "b", MINIMAL)
    (root / "chapters").mkdir()
    (root / "chapters" / "a.md").write_bytes("# 标题\n\n𠮷€，少见字。\n".encode("gb18030"))
    assert "𠮷€，少见字。" in load_book(root, diagnostics).chapters[0].text
    assert any("decoded as GB18030" in w for w in diagnostics.warnings)
    (root / "chapters" / "a.md").write_bytes("# 標題\n\n中文內容，繁體字。\n".encode("big5"))
    diagnostics = Diagnostics(quiet=True)
    assert "中文內容，繁體字。" in load_book(root, diagnostics).chapters[0].text
    assert any("decoded as Big5 (Traditional Chinese text)" in w for w in diagnostics.warnings)


def test_metadata_with_control_characters_is_cleaned(tmp_path):
    root = write_book(tmp_path / "b", 'title = "小\\u0007书"\nauthor = "某人"\nlanguage = "zh-Hans"\n',
                      {"chapters/a.md": "# a\n"})
    diagnostics = Diagnostics(quiet=True)
    assert load_book(root, diagnostics).meta.title == "小书"
    assert any("book.toml:1: removed control characters from 'title'" in w for w in diagnostics.warnings)


def test_cli_messy_book_is_a_valid_epub_with_every_chapter(messy_build):
    from tests import epubcheck_jvm

    assert epubcheck_jvm.problems(messy_build["epub"], ("FATAL", "ERROR", "WARNING")) == {}
    names = [name for name, _ in epub_documents(messy_build["epub"])]
    assert [n for n in names if n.startswith("EPUB/c0")] == [f"EPUB/c{i:03d}.xhtml" for i in range(1, 10)]


# --- [accessibility]: a conformance claim only when the author makes one ------------------------------

@pytest.mark.fast
def test_no_accessibility_table_claims_nothing(tmp_path):
    meta = load_book(write_book(tmp_path / "b", MINIMAL, {"chapters/01.md": "# 甲\n"})).meta
    assert (meta.conforms_to, meta.certified_by) == ("", "")


@pytest.mark.fast
def test_the_claim_and_who_made_it_come_from_book_toml(tmp_path):
    toml = MINIMAL + '[accessibility]\nconforms_to = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"\n'
    meta = load_book(write_book(tmp_path / "b", toml, {"chapters/01.md": "# 甲\n"})).meta
    assert (meta.conforms_to, meta.certified_by) == ("EPUB Accessibility 1.1 - WCAG 2.1 Level AA", "某人")
    toml += 'certified_by = "某评测机构"\n'
    meta = load_book(write_book(tmp_path / "c", toml, {"chapters/01.md": "# 甲\n"})).meta
    assert meta.certified_by == "某评测机构"


@pytest.mark.fast
@pytest.mark.parametrize("table, words, line", [
    ('conforms_to = "WCAG AA"\n', "must be an EPUB Accessibility 1.1 statement", 5),
    ('certified_by = "某人"\n', "certified_by without conforms_to", 5),
])
def test_a_wrong_claim_is_one_line_naming_its_line(tmp_path, table, words, line):
    root = write_book(tmp_path / "b", MINIMAL + "[accessibility]\n" + table, {"chapters/01.md": "# 甲\n"})
    with pytest.raises(BookError) as error:
        load_book(root)
    assert words in str(error.value) and f"book.toml:{line}" in str(error.value)
