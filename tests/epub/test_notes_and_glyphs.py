"""Footnotes in both outputs, and characters no embedded font covers."""

import os
import zipfile

import pdfplumber
import pytest

from tests.helpers import epubcheck_messages, run_build

NOTE_TEXT = "这是脚注的内容。"


@pytest.fixture(scope="module")
def notes_book(tmp_path_factory):
    root = tmp_path_factory.mktemp("notes")
    book = root / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "book.toml").write_text('title = "注释之书"\nauthor = "某人"\nlanguage = "zh-Hans"\n', "utf-8")
    body = "".join(f"第{i}段正文，内容足够长以便排版检查。" * 6 + "\n\n" for i in range(12))
    (book / "chapters" / "01.md").write_text(f"# 第一章\n\n正文有一个注释[^a]。\n\n{body}[^a]: {NOTE_TEXT}\n", "utf-8")
    run_build("all", "--book", book, "--out", root / "out", env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    return root / "out"


def test_epub_notes_are_standard_pop_up_notes(notes_book):
    epub = notes_book / "注释之书.epub"
    with zipfile.ZipFile(epub) as archive:
        chapter = archive.read("EPUB/c001.xhtml").decode()
    assert 'epub:type="noteref"' in chapter and 'role="doc-noteref"' in chapter
    assert '<aside class="footnote duokan-footnote-item" epub:type="footnote" id="c001-fn-a" role="doc-footnote">' in chapter
    assert 'href="#c001-fnref-a"' in chapter and 'role="doc-backlink"' in chapter
    assert not any(epubcheck_messages(epub).get(sev) for sev in ("FATAL", "ERROR", "WARNING"))


def test_pdf_note_sits_at_the_foot_of_the_page_that_calls_it(notes_book):
    with pdfplumber.open(notes_book / "注释之书.pdf") as pdf:
        page = next(p for p in pdf.pages if "正文有一个注释" in (p.extract_text() or ""))
        lines = page.extract_text_lines()
    note = next(line for line in lines if NOTE_TEXT in line["text"])
    body = [line for line in lines if "段正文" in line["text"]]
    assert note["top"] > max(line["bottom"] for line in body)  # below the text block
    assert note["bottom"] > page.height * 0.8


def test_missing_glyph_is_reported_with_code_point_and_line_and_strict_fails(tmp_path):
    book = tmp_path / "glyphs"
    (book / "chapters").mkdir(parents=True)
    (book / "book.toml").write_text('title = "字"\nauthor = "某"\nlanguage = "zh-Hans"\n', "utf-8")
    (book / "chapters" / "01.md").write_text("# 章\n\n正文。\n\n埃及文字\U00013000在此。\n", "utf-8")
    result = run_build("epub", "--book", book, "--out", tmp_path / "out")
    # The character itself, its code point and file:line, as a warning; the EPUB is still written.
    warning = next(line for line in result.stderr.splitlines() if "U+13000" in line)
    assert "\U00013000" in warning and "01.md:5" in warning and "warning" in warning.lower(), warning
    assert (tmp_path / "out" / "字.epub").exists()
    strict = run_build("epub", "--book", book, "--out", tmp_path / "strict", "--strict", check=False)
    assert strict.returncode == 1 and "U+13000" in strict.stderr
    assert not (tmp_path / "strict" / "字.epub").exists()
