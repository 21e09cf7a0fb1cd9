"""What a new user meets first, through the real command line: -q keeps warnings, --strict fails on any
warning, a build started inside a book folder, full-width quotes in book.toml, a missing image."""

from __future__ import annotations

import pytest

from tests.cli_checks import MINIMAL, make_book
from tests.helpers import run_build
from zhbook import cli

# A warning every build gives: an on* handler removed from raw HTML.
WARNED = {"chapters/01.md": '# 标题\n\n正文<span onclick="x()">点击</span>。\n'}


def test_quiet_prints_warnings_but_no_progress(tmp_path):
    book = make_book(tmp_path / "book", files=WARNED)
    result = run_build("epub", "--book", book, "--out", tmp_path / "out", "-q")
    assert result.stdout == ""
    assert result.stderr == f"warning: {book}/chapters/01.md:3: removed the onclick attribute of <span>: " \
                            "scripts are not allowed in the book\n"


def test_strict_fails_on_any_warning_and_keeps_the_previous_output(tmp_path):
    book = make_book(tmp_path / "book", files=WARNED)
    out = tmp_path / "out"
    run_build("epub", "--book", book, "--out", out)
    previous = (out / "小书.epub").read_bytes()
    (book / "chapters" / "01.md").write_text(WARNED["chapters/01.md"] + "\n新的一段。\n", "utf-8")
    result = run_build("epub", "--book", book, "--out", out, "--strict", check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("error: 1 warning(s) are errors with --strict; first: ")
    assert "onclick" in result.stderr.splitlines()[-1]
    assert (out / "小书.epub").read_bytes() == previous


@pytest.mark.fast
def test_inside_a_book_folder_the_error_suggests_book_dot(tmp_path, monkeypatch, capsys):
    book = make_book(tmp_path / "mybook", files={"chapters/01.md": "# 标题\n"})
    monkeypatch.chdir(book)
    assert cli.main(["epub"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "add --book ." in err and err.startswith("error: book: ")


@pytest.mark.fast
def test_full_width_quotes_in_book_toml_get_a_hint(tmp_path, capsys):
    book = make_book(tmp_path / "book", MINIMAL.replace('author = "某人"', "author = “某人”"),
                     {"chapters/01.md": "# 标题\n"})
    assert cli.main(["epub", "--book", str(book), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {book}/book.toml:2:") and err.count("\n") == 1
    assert 'strings need straight quotes, "…", not full-width “…”' in err


@pytest.mark.fast
def test_a_missing_image_is_missing_not_outside_the_book(tmp_path, capsys):
    book = make_book(tmp_path / "book", files={"chapters/01.md": "# 标题\n\n![图](../images/x.png)\n"})
    (book / "images").mkdir()
    assert cli.main(["epub", "--book", str(book), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {book}/chapters/01.md:3: image '../images/x.png' not found; paths are relative " \
                  "to the book folder (book/)\n"
