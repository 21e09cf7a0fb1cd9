"""book.toml's structure keys as loaded (fast, in process): parts, front, back, toc_depth, numbering,
and the help for a misspelt one."""

from __future__ import annotations

import pytest

from tests.cli_checks import make_book
from zhbook.errors import BookError, Diagnostics
from zhbook.load import load_book

pytestmark = pytest.mark.fast

BOOK = 'title = "书"\nauthor = "某"\nlanguage = "zh-Hans"\n'
FILES = {"a.md": "# 一\n", "b.md": "# 二\n", "c.md": "# 三\n", "pre.md": "# 前言\n", "post.md": "# 后记\n"}


def test_parts_front_and_back_load_in_order_with_their_own_ids(tmp_path):
    toml = BOOK + ('front = ["pre.md"]\nback = ["post.md"]\nnumbering = "第{一}章"\ntoc_depth = 1\n'
                   '[[parts]]\ntitle = "上篇"\nchapters = ["a.md", "b.md"]\n[[parts]]\ntitle = "下篇"\nchapters = ["c.md"]\n')
    book = load_book(make_book(tmp_path, toml, FILES))
    assert [c.id for c in book.chapters] == ["c001", "c002", "c003"]
    assert [(p.title, p.chapter_ids, p.id) for p in book.parts] == [("上篇", ("c001", "c002"), "p01"),
                                                                    ("下篇", ("c003",), "p02")]
    assert [(s.id, s.matter) for s in book.front + book.back] == [("f001", "front"), ("b001", "back")]
    assert (book.numbering, book.toc_depth) == ("第{一}章", 1)


def test_defaults_change_nothing(tmp_path):
    book = load_book(make_book(tmp_path, BOOK, {"chapters/a.md": "# 一\n"}))
    assert (book.parts, book.front, book.back, book.toc_depth, book.numbering, book.styles, book.fonts) == \
        ((), (), (), None, "", (), ())


def test_a_misspelt_structure_key_gets_the_nearest(tmp_path):
    diagnostics = Diagnostics(quiet=True)
    load_book(make_book(tmp_path, BOOK + "toc_dept = 2\n", {"chapters/a.md": "# 一\n"}), diagnostics)
    assert any("did you mean 'toc_depth'" in str(given) for given in diagnostics.given), diagnostics.given


@pytest.mark.parametrize("extra", ['[fonts]\nbodyy = "x.otf"\n', 'parts = ["a.md"]\n', 'front = "pre.md"\n'])
def test_malformed_structure_keys_are_errors(tmp_path, extra):
    with pytest.raises(BookError):
        load_book(make_book(tmp_path, BOOK + extra, FILES | {"chapters/a.md": "# 一\n"}))
