"""`build.py preview` as the author runs it: a subprocess on a copy of the sample book, its pages open
in headless Chromium, chapters edited, broken and fixed on disk, Ctrl-C at the end."""

from __future__ import annotations

import http.client
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.epub_reader import ensure_node_modules
from tests.helpers import REPO, pdf_body_text, squeeze
from tests.preview_driver import Chromium, PreviewProcess, tools

pytestmark = pytest.mark.slow
PDF_SECONDS = 240  # a cold PDF of the sample book on a busy 2-core machine, with room
EDITED = "预览里改过的这一句，立刻就能看见。"
BROKEN = "如@fig:no-such-figure所示。"


def _descendants(pid: int) -> set[int]:
    """Every process below pid (from /proc: parent ids)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        children = {p for p, parent in parents.items() if parent == current}
        todo += children - found
        found |= children
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def book(tmp_path) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(REPO / "book", folder, ignore=shutil.ignore_patterns("source"))
    return folder


def _request(url: str, path: str) -> tuple[int, bytes]:
    host, port = url.split("//")[1].rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("GET", path)  # sent as given: http.client does not remove ..
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.reader
def test_a_save_reloads_the_open_page_in_place_errors_overlay_it_and_the_pdf_follows(book, tmp_path):
    found = tools()
    if found is None:
        pytest.skip("node and chromium are needed (Debian: apt-get install -y nodejs npm chromium)")
    ensure_node_modules()
    out = tmp_path / "dist"
    chapter = book / "chapters" / "01-intro.md"
    original = chapter.read_text("utf-8")
    with PreviewProcess(book, out) as preview, Chromium(*found) as browser:
        assert _request(preview.url, "/../../etc/passwd")[0] == 404
        assert _request(preview.url, "/%2e%2e/%2e%2e/etc/passwd")[0] == 404
        browser.goto(preview.url)
        assert browser.eval("document.querySelector('h1').textContent") == browser.eval("document.title")
        browser.goto(preview.url + "c001.xhtml")
        assert browser.eval("document.contentType") == "application/xhtml+xml"
        assert browser.eval("document.querySelectorAll('#zhbook-preview-contents a[href$=\".xhtml\"]').length") >= 10
        # The EPUB's stylesheet and subset fonts are in use.
        browser.wait("document.fonts.status === 'loaded'")
        assert "ZH Serif" in browser.eval("getComputedStyle(document.querySelector('section p')).fontFamily")
        assert browser.eval("[...document.fonts].some(f => f.family.includes('ZH Serif') && f.status === 'loaded')")
        pdf = out / f"{_slug(book)}.pdf"
        browser.wait("document.querySelector('#zhbook-preview-pdf')?.dataset.state === 'fresh'", PDF_SECONDS)
        first_pdf = pdf.stat()

        # 1. An edit: the page changes, without a navigation (the window's own state survives).
        browser.eval("window.previewMarker = 'kept'")
        lines = original.split("\n")
        paragraph = next(i for i, line in enumerate(lines) if i > 0 and line.strip() and not line.startswith("#"))
        lines[paragraph] = EDITED + lines[paragraph]
        saved = time.time()
        chapter.write_text("\n".join(lines), "utf-8")
        browser.wait(f"document.body.textContent.includes({EDITED!r})", 30)
        shown = browser.eval("window.zhbookPreviewShown && window.zhbookPreviewShown.at") or time.time() * 1000
        assert browser.eval("window.previewMarker") == "kept"
        assert browser.eval("performance.getEntriesByType('navigation').length") == 1
        print(f"save to page: {shown / 1000 - saved:.2f} s")

        # 2. A broken chapter: an overlay in the page's own DOM with file:line; the last good page
        #    stays under it; the terminal says the same.
        mark = len(preview.lines)
        broken_line = paragraph + 3  # 1-based, after the blank line
        lines.insert(paragraph + 1, "")
        lines.insert(paragraph + 2, BROKEN)
        chapter.write_text("\n".join(lines), "utf-8")
        overlay = browser.wait("document.getElementById('zhbook-preview-error')?.textContent", 30)
        assert f"01-intro.md:{broken_line}:" in overlay and "@fig:no-such-figure" in overlay
        assert browser.eval("document.getElementById('zhbook-preview-error').getRootNode() === document")
        assert browser.eval("document.getElementById('zhbook-preview-error').parentNode === document.body")
        assert browser.eval(f"document.body.textContent.includes({EDITED!r})")
        preview.wait_for_output(rf"error: \S*01-intro\.md:{broken_line}: @fig:no-such-figure", 10, mark)
        browser.screenshot(tmp_path / "overlay.png")

        # 3. Fixed: the overlay goes, the page has the fix, still the same window.
        del lines[paragraph + 1:paragraph + 3]
        chapter.write_text("\n".join(lines), "utf-8")
        browser.wait("!document.getElementById('zhbook-preview-error')", 30)
        assert browser.eval("window.previewMarker") == "kept"
        assert browser.eval(f"document.body.textContent.includes({EDITED!r})")

        # 4. The PDF is rebuilt with the edit and replaced whole; the page says so and links to it.
        browser.wait("document.querySelector('#zhbook-preview-pdf')?.dataset.state === 'fresh'", PDF_SECONDS)
        assert pdf.stat().st_ino != first_pdf.st_ino  # a new file moved into place, not rewritten
        assert squeeze(EDITED) in squeeze(pdf_body_text(pdf))
        assert [p.name for p in out.iterdir()] == [pdf.name]  # no temporary file left
        href = browser.eval("document.querySelector('#zhbook-preview-pdf a').getAttribute('href')")
        status, data = _request(preview.url, href)
        assert status == 200 and data == pdf.read_bytes()
        assert browser.page_errors() == []

        # 5. Ctrl-C: the preview, its PDF builder and its workers all end, promptly.
        lines.insert(paragraph + 1, "\n又一处修改，让 PDF 重新排版。")
        chapter.write_text("\n".join(lines), "utf-8")
        browser.wait("document.querySelector('#zhbook-preview-pdf')?.dataset.state === 'building'", 30)
        children = _descendants(preview.process.pid)
        assert children, "the PDF builder runs beside the server"
        started = time.monotonic()
        assert preview.stop() == 0
        assert time.monotonic() - started < 10
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in children if _alive(p)], "processes left behind after Ctrl-C"
        assert "preview: stopped" in preview.output()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def _slug(book: Path) -> str:
    import tomllib

    from zhbook.load import slugify

    meta = tomllib.loads((book / "book.toml").read_text("utf-8"))
    return meta.get("slug") or slugify(meta["title"])


def test_the_preview_refuses_a_busy_port_in_one_line(book, tmp_path):
    with PreviewProcess(book, tmp_path / "dist") as first:
        port = first.url.rsplit(":", 1)[1].strip("/")
        import subprocess
        import sys

        python = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
        second = subprocess.run([python, str(REPO / "build.py"), "preview", "--book", str(book), "--out",
                                 str(tmp_path / "dist2"), "--port", port], capture_output=True, text=True, timeout=120,
                                cwd=REPO, env=dict(os.environ))
        assert second.returncode == 1
        assert second.stderr.strip().startswith("error: cannot listen on 127.0.0.1:" + port)
        assert len(second.stderr.strip().splitlines()) == 1


def test_ctrl_c_stops_a_preview_started_as_a_background_job(book, tmp_path):
    """A shell starts a background job with SIGINT ignored, and Python keeps it ignored: the preview
    installs its own handler, so Ctrl-C (SIGINT) still stops it."""
    import signal
    import subprocess
    import sys

    python = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
    process = subprocess.Popen([python, str(REPO / "build.py"), "preview", "--book", str(book), "--out",
                                str(tmp_path / "dist"), "--port", "0"], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        for line in process.stdout:
            if "serving" in line:
                break
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
