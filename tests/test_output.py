"""zhbook.output: outputs appear whole or not at all. A failed build leaves the previous
files byte-identical and no temporary file behind; two builds into one folder do not mix."""

import errno
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import epubcheck_jvm
from tests.cli_checks import MINIMAL, code_copy, make_book, one_line_error
from tests.helpers import REPO, epub_text, run_build
from zhbook import cli
from zhbook.errors import BookError
from zhbook.output import atomic_output, outputs_together

BOOK = {"chapters/01.md": "# 第一章\n\n正文。\n"}


def previous_outputs(out, *names):
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        (out / name).write_bytes(f"previous {name}".encode())
    return {name: (out / name).read_bytes() for name in names}


def unchanged(out, previous) -> bool:
    return sorted(os.listdir(out)) == sorted(previous) and all(
        (out / name).read_bytes() == data for name, data in previous.items())


def test_atomic_output_replaces_only_when_complete(tmp_path):
    target = tmp_path / "book.epub"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the build failed while writing")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["book.epub"]
    with atomic_output(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".book.epub.")  # same folder: rename is atomic
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["book.epub"]


def test_outputs_together_keep_every_previous_output_when_one_fails(tmp_path):
    previous = previous_outputs(tmp_path, "a.epub", "a.pdf")
    with pytest.raises(BookError):
        with outputs_together():
            with atomic_output(tmp_path / "a.epub") as tmp:
                tmp.write_bytes(b"new epub")
            with atomic_output(tmp_path / "a.pdf") as tmp:
                raise BookError("the PDF failed")
    assert unchanged(tmp_path, previous)
    with outputs_together():
        for name in ("a.epub", "a.pdf"):
            with atomic_output(tmp_path / name) as tmp:
                tmp.write_bytes(b"new " + name.encode())
        assert all((tmp_path / n).read_bytes() == data for n, data in previous.items())  # nothing moved yet
    assert (tmp_path / "a.pdf").read_bytes() == b"new a.pdf" and sorted(os.listdir(tmp_path)) == ["a.epub", "a.pdf"]


def test_a_full_disk_is_a_clear_error(tmp_path):
    with pytest.raises(BookError) as error:
        with atomic_output(tmp_path / "a.epub"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(error.value) == (f"{tmp_path}: cannot write a.epub (No space left on device); free some space "
                                "or choose another folder with --out")
    assert os.listdir(tmp_path) == []


def test_cli_output_folder_that_is_a_file_or_under_one(tmp_path):
    book = make_book(tmp_path / "book", files=BOOK)
    (tmp_path / "dist").write_text("a file, not a folder", "utf-8")
    one_line_error(run_build("epub", "--book", book, "--out", tmp_path / "dist", check=False),
                   f"error: {tmp_path}/dist: the output folder is a file; choose another folder with --out")
    one_line_error(run_build("epub", "--book", book, "--out", tmp_path / "dist" / "sub", check=False),
                   f"error: {tmp_path}/dist/sub: cannot write to the output folder (Not a directory); "
                   "choose another with --out or fix its permissions")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_cli_output_folder_without_write_permission(tmp_path):
    book = make_book(tmp_path / "book", files=BOOK)
    out = tmp_path / "dist"
    out.mkdir(mode=0o555)
    one_line_error(run_build("epub", "--book", book, "--out", out, check=False),
                   f"error: {out}: cannot write to the output folder (Permission denied)")


def test_cli_output_folder_that_cannot_be_written(tmp_path, monkeypatch, capsys):
    """What a read-only or full disk gives (tests run as root, for whom permissions do not apply)."""
    import tempfile

    book = make_book(tmp_path / "book", files=BOOK)
    real_mkstemp = tempfile.mkstemp

    def read_only_dist(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == tmp_path / "dist":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only_dist)
    assert cli.main(["epub", "--book", str(book), "--out", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    assert err == (f"error: {tmp_path}/dist: cannot write to the output folder (Read-only file system); "
                   "choose another with --out or fix its permissions\n")


def test_cli_failed_pdf_keeps_the_previous_epub_and_pdf(tmp_path, monkeypatch, capsys):
    """`all` writes the EPUB first: when the PDF then fails, the new EPUB is not moved into place."""
    import zhbook.pdf

    book = make_book(tmp_path / "book", MINIMAL + 'slug = "s"\n', BOOK)
    out = tmp_path / "dist"
    previous = previous_outputs(out, "s.epub", "s.pdf")

    def failing_pdf(*args, **kwargs):
        raise BookError("WeasyPrint cannot load Pango; install it")

    monkeypatch.setattr(zhbook.pdf, "render", failing_pdf)
    assert cli.main(["all", "--book", str(book), "--out", str(out)]) == 1
    assert capsys.readouterr().err.splitlines() == ["error: WeasyPrint cannot load Pango; install it"]
    assert unchanged(out, previous)


@pytest.mark.parametrize("failure, code, message", [
    (RuntimeError("zip writer broke"), 2, "error: internal error (RuntimeError: zip writer broke); "
                                          "rerun with --debug and report it"),
    (KeyboardInterrupt(), 130, "error: interrupted; the previous outputs are as they were"),
    (OSError(errno.ENOSPC, "No space left on device"), 1, "cannot write s.epub (No space left on device)"),
])
def test_cli_failure_while_writing_keeps_the_previous_epub(tmp_path, monkeypatch, capsys, failure, code, message):
    """A failure halfway through writing the zip (a bug, Ctrl-C, a full disk) leaves no partial file."""
    from zhbook.epub.package import ReproducibleEpubWriter

    book = make_book(tmp_path / "book", MINIMAL + 'slug = "s"\n', BOOK)
    out = tmp_path / "dist"
    previous = previous_outputs(out, "s.epub")

    def write_half(self):
        with open(self.file_name, "wb") as half:
            half.write(b"PK\x03\x04 half a zip")
        raise failure

    monkeypatch.setattr(ReproducibleEpubWriter, "write", write_half)
    assert cli.main(["epub", "--book", str(book), "--out", str(out)]) == code
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert unchanged(out, previous)


def test_cli_killed_build_leaves_no_temporary_file(tmp_path):
    """SIGTERM (kill, a CI timeout) ends the build as Ctrl-C does: one line, previous output kept."""
    import signal

    book = make_book(tmp_path / "book", MINIMAL + 'slug = "s"\nsubtitel = "x"\n',
                     {f"chapters/{n:02d}.md": f"# 第{n}章\n\n" + "很长的段落。" * 20000 + "\n" for n in range(1, 9)})
    out = tmp_path / "dist"
    previous = previous_outputs(out, "s.epub")
    process = subprocess.Popen([sys.executable, "build.py", "epub", "--book", book, "--out", out],
                               cwd=REPO, stderr=subprocess.PIPE, text=True)
    first = process.stderr.readline()  # the misspelt key's warning: the build has started
    assert "unknown key 'subtitel'" in first
    process.send_signal(signal.SIGTERM)
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130, rest
    assert rest.strip().splitlines()[-1] == "error: interrupted; the previous outputs are as they were"
    assert "Traceback" not in rest and unchanged(out, previous)


def test_two_builds_at_once_into_one_folder_do_not_corrupt_each_other(tmp_path):
    """Two CLI builds of different books with one slug, into one folder, with a font cache of their
    own that both fill at once: each succeeds, and the EPUB left is one of them, whole and valid."""
    repo = code_copy(tmp_path / "repo")
    out = tmp_path / "dist"
    books = {name: make_book(tmp_path / name, MINIMAL + 'slug = "same"\n',
                             {"chapters/01.md": f"# {title}\n\n{text}\n"})
             for name, title, text in (("a", "甲书", "甲书的正文，第一本。"), ("b", "乙书", "乙书的正文，第二本。"))}
    processes = [subprocess.Popen([sys.executable, "build.py", "epub", "--book", book, "--out", out],
                                  cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for book in books.values()]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    assert [code for code, _ in results] == [0, 0], results
    assert os.listdir(out) == ["same.epub"]
    assert [name for name in os.listdir(repo / ".cache" / "fonts") if name.endswith(".tmp")] == []
    with zipfile.ZipFile(out / "same.epub") as archive:
        assert archive.testzip() is None
    text = epub_text(out / "same.epub")
    assert ("甲书的正文" in text) != ("乙书的正文" in text)
    assert epubcheck_jvm.problems(out / "same.epub") == {}


def test_two_processes_writing_one_cache_file_at_once_both_succeed(tmp_path, monkeypatch):
    """The caches are shared by concurrent builds: a second writer of the same file, between the
    first one's write and rename, must not make the first fail (they used to share a temporary name)."""
    from zhbook.output import replace_file

    target = tmp_path / "cmap.json"
    real_replace = os.replace
    calls = []

    def replace_after_another_writer(source, destination):
        if not calls:
            calls.append(source)
            replace_file(target, b"same content")  # the other build, meanwhile
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace_after_another_writer)
    replace_file(target, b"same content")
    assert target.read_bytes() == b"same content" and os.listdir(tmp_path) == ["cmap.json"]
