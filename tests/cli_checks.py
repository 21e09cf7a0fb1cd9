"""Shared by the bad-input tests: book folders made on the fly, the one-line error rule,
and one messy book built once by the real CLI for every test that only needs to look at it."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from tests.helpers import REPO, run_build

MINIMAL = 'title = "小书"\nauthor = "某人"\nlanguage = "zh-Hans"\n'


def make_book(root: Path, toml: str | None = MINIMAL, files: dict[str, str | bytes] | None = None) -> Path:
    """A book folder: book.toml (unless None) and files (str written as UTF-8, bytes as they are)."""
    root.mkdir(parents=True, exist_ok=True)
    if toml is not None:
        (root / "book.toml").write_text(toml, "utf-8")
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    return root


def one_line_error(result, *needles: str) -> str:
    """The build failed with exactly one line on stderr, `error: …`, holding every needle; no traceback."""
    lines = result.stderr.strip("\n").splitlines()
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def failing_build(tmp_path: Path, book: Path, *needles: str, target: str = "epub") -> str:
    """Run the CLI on book (it must fail), check the one-line rule, and that the output folder,
    which held a previous output, holds exactly that, byte for byte."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    previous = out / "previous.epub"
    previous.write_bytes(b"the last good build")
    line = one_line_error(run_build(target, "--book", book, "--out", out, check=False), *needles)
    assert os.listdir(out) == ["previous.epub"] and previous.read_bytes() == b"the last good build"
    return line


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG of one colour, written by hand so that huge declared sizes cost nothing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b""))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height but has no pixel data: a 'decompression bomb' stand-in."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IEND", b""))


def code_copy(root: Path, fonts: str = "link") -> Path:
    """A copy of the builder (build.py, zhbook/, styles/) with its own fonts/ and an empty .cache/:
    fonts="link" links the real font files (and reuses their cached character maps), "none" leaves
    fonts/ with only fonts.toml."""
    root.mkdir(parents=True)
    shutil.copy2(REPO / "build.py", root / "build.py")
    shutil.copytree(REPO / "zhbook", root / "zhbook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "styles", root / "styles")
    (root / "fonts").mkdir()
    shutil.copy2(REPO / "fonts" / "fonts.toml", root / "fonts" / "fonts.toml")
    if fonts == "link":
        for font in sorted((REPO / "fonts").glob("*.[ot]tf")):
            (root / "fonts" / font.name).symlink_to(font)
    return root


# The messy book: one build of the real CLI carries many of the bad-chapter cases at once, so the
# tests that only look at the result share its cost (a build with font subsetting takes seconds).
ASTRAL = "𠮷野家的𩸽"
ZWJ = "👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏿‍💻"
COMBINING = "Café́ ñ ạ̈ 葛󠄀"
LONG_PARAGRAPH = ("长段落测试，" + "这是一个很长的段落，没有换行也没有空格。" * 10_000)[:200_000]
GBK_TEXT = "# 第三章　编码\n\n这一章以 GBK 编码保存，内容是简体中文。\n"
GB18030_TEXT = "# 第四章　四字节\n\n这一章以 GB18030 保存，含有𠮷与€。\n"
MESSY = {
    "chapters/01-controls.md": "# 控制字符\n\n正文\x07有\x00控制\x1b字符。\n\n第二段\x0bend。\n",
    "chapters/02-html.md": (
        "# 标签\n\n"
        "<div>unclosed <b>bold\n\n"
        "段落 & 符号 < 号 <p>x<table><tr><td>1</div>\n\n"
        "a stray < and & and &bogus; in text, <i>never closed\n\n"
        "<ul><p>not an item</p></ul>\n\n"
        "<a href='https://example.com'><div>block in a link</div></a>\n"),
    "chapters/03-gbk.md": GBK_TEXT.encode("gbk"),
    "chapters/04-gb18030.md": GB18030_TEXT.encode("gb18030"),
    "chapters/05-headings.md": ("# 同名\n\n## 小节\n\n甲。\n\n## 小节\n\n乙。\n\n## 小节 {#custom}\n\n丙。\n\n"
                                "## 小节 {#custom}\n\n丁。\n\n<h2 id='c005-h2'>raw</h2>\n\n[回到小节](#custom)\n"),
    "chapters/06-unicode.md": f"# 字符\n\n{ASTRAL}\n\n{ZWJ}\n\n{COMBINING}\n",
    "chapters/07-long.md": f"# 长段落\n\n{LONG_PARAGRAPH}\n",
    "chapters/08-active.md": (
        "# 脚本\n\n"
        "<script>alert('script')</script>\n\n"
        "<p onclick=\"steal()\" onmouseover='x()'>有事件处理的段落</p>\n\n"
        "<iframe src=\"https://example.com/frame\"></iframe>\n\n"
        "<object data=\"movie.swf\"><param name=\"a\" value=\"b\"></object>\n\n"
        "<embed src=\"movie.swf\">\n\n"
        "[点我](javascript:alert('link')) <a href=\" JaVa&#x09;ScRiPt:alert(1)\">也点我</a>\n\n"
        "<img src=\"images/dot.png\" alt=\"点\" onerror=\"alert('img')\">\n\n"
        "![图](images/evil.svg)\n"),
    "chapters/09-images.md": "# 图片\n\n![大图](images/huge.png)\n\n![网图](images/pic.webp)\n",
    "images/dot.png": png(2, 2),
    "images/huge.png": png(4000, 3000),
    "images/evil.svg": ("<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
                        "width='10' height='10' onload='alert(1)'><script>alert(2)</script>"
                        "<a xlink:href='javascript:alert(3)'><rect width='10' height='10'/></a></svg>"),
}


@pytest.fixture(scope="session")
def messy_build(tmp_path_factory):
    """The messy book (with a misspelt key in book.toml), built once as an EPUB by the real CLI."""
    from PIL import Image
    import io

    root = tmp_path_factory.mktemp("messy")
    webp = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(webp, "WEBP")
    book = make_book(root / "book", MINIMAL + 'slug = "messy"\nautor = "某人"\n',
                     dict(MESSY, **{"images/pic.webp": webp.getvalue()}))
    out = root / "out"
    result = run_build("epub", "--book", book, "--out", out, env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    return {"book": book, "epub": out / "messy.epub", "out": out, "stderr": result.stderr, "warnings": warnings}
