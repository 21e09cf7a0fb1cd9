"""Loading book folders: defaults, derived values and one-line errors."""

import pytest

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


def test_empty_book_is_refused(tmp_path):
    root = write_book(tmp_path / "b", MINIMAL)
    with pytest.raises(BookError, match="no chapters"):
        load_book(root)


def test_source_date_epoch_sets_the_build_date(tmp_path, monkeypatch):
    root = write_book(tmp_path / "b", MINIMAL, {"chapters/a.md": "# a\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert load_book(root).build_date.isoformat() == "2023-11-14T22:13:20+00:00"
