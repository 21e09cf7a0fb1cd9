"""The command line as users run it: a minimal folder builds; bad input is one line, no traceback."""

import os

from tests.helpers import epubcheck_messages, run_build


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

    import pytest

    from zhbook.errors import BookError
    from zhbook.pdf import _weasyprint

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":  # what WeasyPrint raises when cffi cannot dlopen Pango
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(BookError) as error:
        _weasyprint()
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in str(error.value) and "\n" not in str(error.value)
