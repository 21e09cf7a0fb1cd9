"""zhbook.markdown.images through the real CLI: missing images, paths leaving the book folder, files that are
not images, huge images. Refused images stop the build with one line naming file:line."""

import io
import os
import zipfile

import pytest
from PIL import Image

from tests.cli_checks import failing_build, make_book, png, png_header_only
from zhbook.errors import BookError, Diagnostics
from zhbook.markdown.images import MAX_HEIGHT, MAX_WIDTH, embed

SECRET = "root:x:0:0:the secret outside the book"


def book_with(tmp_path, chapter: str, files=None):
    return make_book(tmp_path / "book", files=dict({"chapters/01.md": chapter, "images/dot.png": png(2, 2)},
                                                   **(files or {})))


def test_missing_image_is_an_error_with_file_and_line(tmp_path):
    book = book_with(tmp_path, "# 标题\n\n文字。\n\n![图](images/none.png)\n")
    failing_build(tmp_path, book, f"{book}/chapters/01.md:5: image 'images/none.png' not found",
                  "paths are relative to the book folder")


@pytest.mark.parametrize("reference, needle", [
    ("![图](../../etc/passwd)", "is outside the book folder"),
    ("![图](../secret.txt)", "is outside the book folder"),
    ("<img src=\"/etc/passwd\">", "is an absolute path; copy the image into the book folder"),
    ("![图](file:///etc/passwd)", "file: URLs are not allowed"),
    ("![图](images/link.png)", "is outside the book folder (a '..' path, or a symlink pointing out)"),
    ("![图](linked/secret.txt)", "is outside the book folder"),
    ("![图](https://example.com/a.png)", "remote image 'https://example.com/a.png' is not embedded; download it"),
    ("![图](data:image/png;base64,iVBORw0KGgo=)", "data: images are not supported"),
])
def test_paths_leaving_the_book_folder_are_refused_and_never_embedded(tmp_path, reference, needle):
    (tmp_path / "secret.txt").write_text(SECRET, "utf-8")
    book = book_with(tmp_path, f"# 标题\n\n{reference}\n")
    (book / "images" / "link.png").symlink_to(tmp_path / "secret.txt")  # a symlink pointing outside
    (book / "linked").symlink_to(tmp_path, target_is_directory=True)  # a folder symlink pointing outside
    failing_build(tmp_path, book, f"{book}/chapters/01.md:3: ", needle)  # nothing was written


def test_a_refused_image_is_never_read(tmp_path, monkeypatch):
    """The path check comes before any read: the file outside is not opened at all."""
    from pathlib import Path

    (tmp_path / "secret.png").write_bytes(png(2, 2))
    book = book_with(tmp_path, "# 标题\n")
    (book / "images" / "link.png").symlink_to(tmp_path / "secret.png")
    opened = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: opened.append(self) or real_read(self))
    for src in ("images/link.png", "../secret.png", str(tmp_path / "secret.png")):
        with pytest.raises(BookError):
            embed(src, book / "chapters" / "01.md", book, Diagnostics(quiet=True), 3)
    assert opened == []
    assert embed("images/dot.png", book / "chapters" / "01.md", book, Diagnostics(quiet=True), 3).data == png(2, 2)


def test_dot_dot_that_stays_inside_the_book_is_fine(tmp_path):
    book = book_with(tmp_path, "# 标题\n")
    image = embed("../images/dot.png", book / "chapters" / "01.md", book, Diagnostics(quiet=True), 3)
    assert image.media_type == "image/png" and image.href.startswith("images/dot-")


@pytest.mark.parametrize("content, needle", [
    (b"hello, I am text", "not an image (or a format Pillow cannot read)"),
    (png(64, 64)[:-20], "the image is damaged or truncated"),
    (png_header_only(12000, 12800), "image of 12000×12800 pixels is too large to embed; scale it down"),
    (png_header_only(30000, 30000), "the image is too large to embed (over 150 MP); scale it down"),
])
def test_files_that_are_not_images_or_too_large_are_a_clear_error(tmp_path, content, needle):
    book = book_with(tmp_path, "# 标题\n\n正文。\n\n![图](images/bad.png)\n", {"images/bad.png": content})
    failing_build(tmp_path, book, f"{book}/chapters/01.md:5: image 'images/bad.png':", needle)


def test_huge_images_are_downscaled_with_a_warning(messy_build):
    path = f"{messy_build['book']}/chapters/09-images.md"
    assert (f"warning: {path}:3: image 'images/huge.png': downscaled from 4000×3000 to 1600×1200 pixels "
            "(images are embedded at most 1600×2560 and 4 MP); scale it yourself to choose") in messy_build["warnings"]
    assert f"warning: {path}:5: image 'images/pic.webp': converted WEBP to PNG, which every e-reader shows" \
        in messy_build["warnings"]
    with zipfile.ZipFile(messy_build["epub"]) as archive:
        images = {name: archive.read(name) for name in archive.namelist()
                  if name.startswith("EPUB/images/") and "cover" not in name}
        opf = archive.read("EPUB/content.opf").decode()
    sizes = {name.split("/")[-1].split("-")[0]: Image.open(io.BytesIO(data)).size for name, data in images.items()
             if not name.endswith(".svg")}
    assert sizes["huge"] == (1600, 1200) and all(w <= MAX_WIDTH and h <= MAX_HEIGHT for w, h in sizes.values())
    assert {name.rsplit(".", 1)[-1] for name in images} == {"png", "svg"}  # WebP became PNG
    assert 'media-type="image/webp"' not in opf


def test_svg_images_lose_their_scripts(messy_build):
    with zipfile.ZipFile(messy_build["epub"]) as archive:
        svg = next(archive.read(n) for n in archive.namelist() if n.endswith(".svg")).decode()
    assert "<script" not in svg and "onload" not in svg and "javascript" not in svg and "<rect" in svg


def test_images_inside_the_book_are_embedded_once(tmp_path):
    book = book_with(tmp_path, "# 标题\n\n![a](images/dot.png)\n\n<img src='images/dot.png' alt='b'>\n")
    from tests.helpers import run_build

    run_build("epub", "--book", book, "--out", tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "小书.epub") as archive:
        pictures = [n for n in archive.namelist() if n.startswith("EPUB/images/dot-")]
    assert len(pictures) == 1 and os.path.getsize(tmp_path / "out" / "小书.epub") > 0
