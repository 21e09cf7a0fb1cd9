"""The chapter cache: chapters with images are served from it too, their warnings are given again,
and a changed image file is noticed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from zhbook import markdown as md_stage
from zhbook.errors import Diagnostics
from zhbook.markdown import render_chapters
from zhbook.model import SourceFile

pytestmark = pytest.mark.fast

TEXT = "# 标题\n\n正文<span onclick=\"x()\">点击</span>。\n\n![图](images/a.png)\n\n注释[^1]。\n\n[^1]: 注。\n"


def png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def book(tmp_path) -> Path:
    (tmp_path / "book" / "images").mkdir(parents=True)
    (tmp_path / "book" / "images" / "a.png").write_bytes(png("red"))
    return tmp_path / "book"


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The chapters really rendered (not served from the cache)."""
    rendered, real = [], md_stage.render_chapter

    def counted(*args):
        rendered.append(args[0].id)
        return real(*args)

    monkeypatch.setattr(md_stage, "render_chapter", counted)
    return rendered


def build(book: Path, cache: Path):
    diagnostics = Diagnostics(quiet=True)
    source = SourceFile(book / "chapters" / "01.md", TEXT, "c001")
    return render_chapters([source], book, cache, diagnostics)[0], diagnostics.warnings


def test_a_chapter_with_an_image_and_warnings_comes_from_the_cache_the_same(book, tmp_path, calls):
    first, warnings = build(book, tmp_path / "cache")
    second, again = build(book, tmp_path / "cache")
    assert calls == ["c001"]  # rendered once, then served
    assert second == first and len(first.images) == 1 and first.images[0].data == png("red")
    assert len(first.notes) == 1
    assert again == warnings and any("onclick" in warning for warning in warnings)


def test_a_changed_image_file_is_rendered_again(book, tmp_path, calls):
    first, _ = build(book, tmp_path / "cache")
    (book / "images" / "a.png").write_bytes(png("blue"))
    second, _ = build(book, tmp_path / "cache")
    assert calls == ["c001", "c001"]
    assert second.images[0].data == png("blue") and second.images[0].href != first.images[0].href


def test_rendering_leaves_the_source_as_it_was(book):
    source = SourceFile(book / "chapters" / "01.md", TEXT, "c001")
    before = repr(source)
    md_stage.render_chapter(source, book, Diagnostics(quiet=True))
    assert repr(source) == before
    with pytest.raises(AttributeError):
        source.text = "changed"  # frozen
