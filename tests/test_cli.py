"""The command line as users run it: a minimal folder builds; bad input is one line, no traceback."""

import hashlib
import os
import subprocess
import sys

import pytest

from tests.cli_checks import MINIMAL, code_copy, make_book, one_line_error
from tests.helpers import REPO, epubcheck_messages, run_build


def test_a_folder_with_only_the_three_keys_and_chapters_builds(tmp_path):
    book = tmp_path / "mini"
    (book / "chapters").mkdir(parents=True)
    (book / "book.toml").write_text('title = "小书"\nauthor = "某人"\nlanguage = "zh-Hans"\n', "utf-8")
    (book / "chapters" / "01.md").write_text("# 第一章\n\n正文第一行，\n接着第二行。\n", "utf-8")
    (book / "chapters" / "02.md").write_text("# 第二章\n\n正文。\n", "utf-8")
    run_build("all", "--book", book, "--out", tmp_path / "out")
    epub, pdf = tmp_path / "out" / "小书.epub", tmp_path / "out" / "小书.pdf"
    assert pdf.stat().st_size > 1000
    messages = epubcheck_messages(epub)
    assert not any(messages.get(sev) for sev in ("FATAL", "ERROR", "WARNING")), messages


def test_bad_input_is_one_line_naming_the_file_and_keeps_previous_output(tmp_path):
    book = tmp_path / "bad"
    book.mkdir()
    (book / "book.toml").write_text('title = "x"\nauthor = \n', "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "x.epub"
    previous.write_bytes(b"previous good output")
    result = run_build("epub", "--book", book, "--out", out, check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "book.toml:2" in lines[0] and "Traceback" not in result.stderr
    assert previous.read_bytes() == b"previous good output" and os.listdir(out) == ["x.epub"]


def test_debug_shows_the_traceback(tmp_path):
    result = run_build("epub", "--book", tmp_path / "nowhere", "--debug", check=False)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_missing_pango_is_one_line_naming_the_debian_packages(monkeypatch):
    import builtins

    from zhbook.errors import BookError
    from zhbook.pdf import load_weasyprint

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":  # what WeasyPrint raises when cffi cannot dlopen Pango
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(BookError) as error:
        load_weasyprint()
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in str(error.value) and "\n" not in str(error.value)


# Fonts, internal errors and interruptions are one line too.



def build_with(repo, book, out):
    """build.py of a copy of the builder (its own fonts/), as a user runs it."""
    return subprocess.run([sys.executable, "build.py", "epub", "--book", book, "--out", out], cwd=repo,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("damage, needle", [
    ("missing", "fonts/NotoSerifCJKsc-Regular.otf: font file missing; restore it with `git checkout -- fonts/`"),
    ("corrupt", "fonts/NotoSerifCJKsc-Regular.otf: font file is corrupt or was replaced (sha256 differs from "
                "fonts.toml); restore it with `git checkout -- fonts/`"),
    ("truncated", "fonts/NotoSansCJKsc-Bold.otf: font file is corrupt or was replaced"),
    ("unreadable", "fonts/NotoSerifCJKsc-Regular.otf: cannot read the font ("),
    ("no list", "fonts/fonts.toml: cannot read the font list ("),
])
def test_missing_or_corrupt_fonts_are_a_clear_error(tmp_path, damage, needle):
    repo = code_copy(tmp_path / "repo", fonts="none")
    fonts = repo / "fonts"
    for font in sorted((REPO / "fonts").glob("*.[ot]tf")):
        (fonts / font.name).symlink_to(font)
    serif, sans = fonts / "NotoSerifCJKsc-Regular.otf", fonts / "NotoSansCJKsc-Bold.otf"
    if damage == "missing":
        serif.unlink()
    elif damage == "corrupt":
        serif.unlink()
        serif.write_bytes(b"OTTO" + bytes(4096))
    elif damage == "truncated":
        sans.unlink()
        sans.write_bytes((REPO / "fonts" / sans.name).read_bytes()[:100_000])
    elif damage == "unreadable":  # garbage that fonts.toml vouches for: the font parser itself fails
        serif.unlink()
        serif.write_bytes(b"OTTO" + bytes(4096))
        listed = (fonts / "fonts.toml").read_text("utf-8")
        old = listed.split('"NotoSerifCJKsc-Regular.otf" = "')[1].split('"')[0]
        (fonts / "fonts.toml").write_text(listed.replace(old, hashlib.sha256(serif.read_bytes()).hexdigest()))
    else:
        (fonts / "fonts.toml").unlink()
    book = make_book(tmp_path / "book", files={"chapters/01.md": "# 标题\n\n正文。\n"})
    line = one_line_error(build_with(repo, book, tmp_path / "out"), f"error: {repo}/{needle}")
    assert not (tmp_path / "out").exists(), line


def test_an_internal_error_is_one_line_asking_for_a_report(tmp_path, monkeypatch, capsys):
    from zhbook import cli, pipeline

    book = make_book(tmp_path / "book", files={"chapters/01.md": "# 标题\n"})

    def broken(*args):
        raise KeyError("a bug\nover two lines")

    monkeypatch.setattr(pipeline, "load_book", broken)
    assert cli.main(["epub", "--book", str(book), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == ("error: internal error (KeyError: 'a bug\\nover two lines'); rerun with "
                                       "--debug and report it\n")
    with pytest.raises(KeyError):
        cli.main(["epub", "--book", str(book), "--out", str(tmp_path / "out"), "--debug"])


def test_errors_at_every_stage_are_one_line_and_exit_1(tmp_path):
    """A sample across the stages (book.toml, chapter, image, output) through the real CLI."""
    cases = {
        "toml": (make_book(tmp_path / "t", "title = \n"), "book.toml:1:9: invalid TOML"),
        "language": (make_book(tmp_path / "l", MINIMAL.replace("zh-Hans", "zh_CN"), {"chapters/a.md": "# a\n"}),
                     "book.toml:3: language 'zh_CN' is not a BCP 47 language tag (write 'zh-CN')"),
        "chapter": (make_book(tmp_path / "c", files={"chapters/a.md": b"\xff\xfe\x00\xd8"}),
                    "chapters/a.md: starts like UTF-16 but is not valid UTF-16"),
        "image": (make_book(tmp_path / "i", files={"chapters/a.md": "# a\n\n![](images/x.png)\n"}),
                  "chapters/a.md:3: image 'images/x.png' not found"),
    }
    for name, (book, needle) in cases.items():
        one_line_error(run_build("epub", "--book", book, "--out", tmp_path / "out", check=False), f"{book}/{needle}")
