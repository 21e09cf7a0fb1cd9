"""`build.py new DIR` (zhbook/scaffold.py): a book folder that loads and builds at once, never
written over an existing book."""

from __future__ import annotations

import os

import pytest

from tests.helpers import epubcheck_messages, run_build
from zhbook import cli
from zhbook.errors import BookError
from zhbook.load import load_book
from zhbook.scaffold import new_book


@pytest.mark.fast
def test_new_writes_a_commented_book_toml_one_chapter_and_an_images_folder(tmp_path):
    written = new_book(tmp_path / "书", title='他说 "你好"', author="某人")
    assert [p.relative_to(tmp_path / "书").as_posix() for p in written] == ["book.toml", "chapters/01.md", "images"]
    assert (tmp_path / "书" / "images").is_dir() and not any((tmp_path / "书" / "images").iterdir())
    toml = (tmp_path / "书" / "book.toml").read_text("utf-8")
    assert toml.count("\n# ") >= 10  # commented
    book = load_book(tmp_path / "书")
    assert (book.meta.title, book.meta.author, book.meta.language) == ('他说 "你好"', "某人", "zh-Hans")
    assert len(book.chapters) == 1 and book.chapters[0].text.startswith("# 第一章\n")


@pytest.mark.fast
def test_the_title_defaults_to_the_folders_name(tmp_path):
    new_book(tmp_path / "我的书")
    assert load_book(tmp_path / "我的书").meta.title == "我的书"


@pytest.mark.fast
def test_an_existing_book_is_refused_in_one_line_and_left_as_it_was(tmp_path, capsys):
    new_book(tmp_path / "b")
    toml = tmp_path / "b" / "book.toml"
    toml.write_text('title = "改过"\nauthor = "甲"\nlanguage = "zh-Hans"\n', "utf-8")
    with pytest.raises(BookError, match="never overwrites a book"):
        new_book(tmp_path / "b")
    assert cli.main(["new", str(tmp_path / "b")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(toml) in error
    assert "改过" in toml.read_text("utf-8")


@pytest.mark.slow
def test_the_new_book_builds_at_once_in_both_editions_and_passes_epubcheck(tmp_path):
    run_build("new", tmp_path / "书", "--title", "新书")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    result = run_build("all", "--book", tmp_path / "书", "--out", tmp_path / "dist", env=env)
    assert "warning" not in result.stderr, result.stderr
    result = run_build("all", "--edition", "zh-Hant", "--book", tmp_path / "书", "--out", tmp_path / "dist", env=env)
    assert "warning" not in result.stderr, result.stderr
    for name in ("新书.epub", "新书.pdf", "新书.zh-Hant.epub", "新书.zh-Hant.pdf", "新书.zh-Hant.review.txt"):
        assert (tmp_path / "dist" / name).is_file(), name
    for epub in ("新书.epub", "新书.zh-Hant.epub"):
        messages = epubcheck_messages(tmp_path / "dist" / epub)
        assert {s: m for s, m in messages.items() if s in ("FATAL", "ERROR", "WARNING")} == {}, epub
