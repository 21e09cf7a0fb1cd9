"""The book folder's files (zhbook.importer.write): Markdown escaping, book.toml, atomic writing."""

from __future__ import annotations

import tomllib

import markdown
import pytest
from lxml import html as lxml_html

from zhbook.errors import BookError, Diagnostics
from zhbook.importer.write import (MARKER, book_toml, check_out_dir, colophon_markdown, escape_block, escape_heading,
                                   write_book)

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("text", [
    "1. 不是列表", "12. 也不是", "# 不是标题", "#话题# 也不是", "> 不是引用", "- 不是列表", "+ 不是列表", "---",
    "*不是强调*", "a_b_c /_x_ 下划线", "`不是代码`", "```", "~~~", "[不是链接](http://x)", "![不是图片](a.png)",
    "<b>不是标签</b>", "&amp; 不是实体", "[^1]: 不是脚注", "*[HTML]: 不是缩写", "段落 {: #id}", "反斜杠\\不变",
])
def test_escaped_text_renders_exactly_as_written(text):
    for block, wrap in ((escape_block(text), lambda s: s), (escape_heading(text), lambda s: "## " + s)):
        rendered = markdown.markdown(wrap(block), extensions=["extra", "sane_lists"], output_format="xhtml")
        root = lxml_html.fragment_fromstring(rendered, create_parent="div")
        assert len(root) == 1 and root[0].tag in ("p", "h2"), rendered
        assert root[0].text_content() == text, rendered


@pytest.mark.parametrize("value", ['a"b\\c', "行一\n行二\t制表", "\x01\x7f控制", "中文“引号”", ""])
def test_book_toml_round_trips_every_string(value):
    meta = {"title": value or "书", "subtitle": value, "author": "某", "language": "zh-Hans"}
    text = book_toml(meta, [f"chapters/{value}.md"])
    assert text.startswith(MARKER + "\n")
    assert tomllib.loads(text) == {**{k: v for k, v in meta.items() if v}, "chapters": [f"chapters/{value}.md"]}


def test_book_toml_starts_with_the_marker_and_leaves_out_empty_values():
    text = book_toml({"title": "书", "subtitle": "", "author": "某"}, ["chapters/01-text.md"])
    assert text == MARKER + '\ntitle = "书"\nauthor = "某"\nchapters = [\n    "chapters/01-text.md",\n]\n'


def test_write_book_writes_every_file_whole_and_warns_about_stale_chapters(tmp_path):
    out = tmp_path / "book"
    (out / "chapters").mkdir(parents=True)
    (out / "chapters" / "09-old.md").write_text("# 旧\n", "utf-8")
    diagnostics = Diagnostics(quiet=True)
    written = write_book(out, {"book.toml": book_toml({"title": "书"}, ["chapters/01-text.md"]),
                               "chapters/01-text.md": "# 书\n\n正文。\n"}, diagnostics)
    assert written == [out / "book.toml", out / "chapters" / "01-text.md"]
    assert tomllib.loads((out / "book.toml").read_text("utf-8"))["chapters"] == ["chapters/01-text.md"]
    assert (out / "chapters" / "01-text.md").read_text("utf-8") == "# 书\n\n正文。\n"
    assert sorted(p.name for p in out.rglob("*")) == ["01-text.md", "09-old.md", "book.toml", "chapters"]  # no temp
    assert diagnostics.warnings == [f"{out / 'chapters' / '09-old.md'}: left from an earlier import and not listed "
                                    "in book.toml (so not in the book); delete it"]


def test_only_a_folder_the_importer_wrote_is_overwritten(tmp_path):
    (tmp_path / "book.toml").write_text('title = "书"\n', "utf-8")
    with pytest.raises(BookError, match="already holds a book that the importer did not write"):
        check_out_dir(tmp_path)
    (tmp_path / "book.toml").write_text(book_toml({"title": "书"}, []), "utf-8")
    check_out_dir(tmp_path)
    with pytest.raises(BookError, match="exists and is not a folder"):
        check_out_dir(tmp_path / "book.toml")


def test_the_colophon_names_only_the_kinds_removed_with_counts():
    note = colophon_markdown(None, [], ["网站导航", "编辑署名", "网站导航"], 0)
    assert "删去了网页上不属于正文的 3 行（网站导航 2 行、编辑署名 1 行）" in note
    assert "图注" not in note and "声明" not in note and "标点" not in note
    assert "删去" not in colophon_markdown(None, [], [], 2)


def test_a_traditional_edition_has_its_note_in_traditional_characters():
    note = colophon_markdown(None, [], ["网站导航", "转载和版权声明"], 3, "zh-Hant")
    assert note == ("**編者說明：**本書據網路文章整理（由 build.py import 匯入），刪去了網頁上不屬於正文的 2 行（網站導覽 1 行、"
                    "轉載和版權聲明 1 行），文中 3 處英文標點已改為中文全形標點。\n")
