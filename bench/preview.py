"""The live preview's latency on a book: `build.py preview` in a subprocess, one chapter page open in
Debian's Chromium, a chapter saved several times.

(a) save → page: from writing the chapter to the open page showing the new text (the page records
    when it swapped its text in, after the next frame: live.js sets window.zhbookPreviewShown);
    without node/chromium, from the save to the server's event plus a fetch of the page with the
    new text (said in the result's "how");
(b) save → PDF: from writing the chapter to the page's state saying the PDF is fresh (rebuilt in the
    background for that save and moved into place).

    .venv/bin/python bench/preview.py [--size 1m | --book DIR] [--edits 3]

bench/run.py calls measure() on its largest book (the "Preview" table of bench/results.md).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tests.preview_driver import Chromium, PreviewProcess, tools  # noqa: E402

START_SECONDS = 900  # a cold start on the 1M book: the EPUB's pages first (the PDF follows later)
PDF_SECONDS = 900
PAGE_SECONDS = 60


def _edit(chapter: Path) -> str:
    """Move the first sentence of the chapter's longest paragraph to its end (the characters stay:
    the font subsets do not change, as in most edits; each edit gives a text not seen before, so
    no cache has it); the paragraph's new first 12 characters."""
    lines = chapter.read_text("utf-8").split("\n")
    i = max((k for k, line in enumerate(lines) if line and not line.startswith(("#", "[^"))),
            key=lambda k: len(lines[k]))
    sentences = re.findall(r"[^。？！]+[。？！]", lines[i])
    lines[i] = "".join(sentences[1:] + sentences[:1])
    chapter.write_text("\n".join(lines), "utf-8")
    return lines[i][:12]


def _state(url: str) -> dict:
    """The preview's state now: the first event of its stream."""
    with urllib.request.urlopen(url + "_preview/events", timeout=30) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                return json.loads(line[6:])
    raise AssertionError("the event stream ended without a state")


def _wait_pdf_fresh(url: str, timeout: float) -> float:
    """Poll the state until the PDF is fresh; the time.time() it was seen so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _state(url)["pdf"]["fresh"]:
            return time.time()
        time.sleep(0.05)
    raise AssertionError(f"the PDF was not fresh within {timeout} s")


def measure(book: Path, out: Path, edits: int = 3, log=print) -> dict:
    """Run the preview on book (a copy is not made: the book is edited) and measure. Returns
    {"page": [s…], "pdf": [s…], "how": str, "start": s, "chapter": name}."""
    chapters = sorted((book / "chapters").glob("*.md"))
    chapter = chapters[len(chapters) // 2]
    doc = f"c{len(chapters) // 2 + 1:03d}.xhtml"
    found = tools()
    browser_ready = False
    if found is not None and (REPO / "tests" / "reader" / "node_modules" / "playwright-core").is_dir():
        browser_ready = True
    started = time.monotonic()
    page_times, pdf_times = [], []
    with PreviewProcess(book, out, start_timeout=START_SECONDS) as preview:
        start = time.monotonic() - started
        log(f"preview: serving after {start:.1f} s; waiting for the first PDF")
        _wait_pdf_fresh(preview.url, PDF_SECONDS)
        if browser_ready:
            with Chromium(*found) as browser:
                browser.goto(preview.url + doc)
                for n in range(edits):
                    generation = browser.eval("window.zhbookPreviewState ? window.zhbookPreviewState.generation : 0")
                    saved = time.time()
                    text = _edit(chapter)
                    shown = browser.wait(f"window.zhbookPreviewShown && window.zhbookPreviewShown.generation > {generation}"
                                         f" && document.body.textContent.includes({text!r}) && window.zhbookPreviewShown",
                                         PAGE_SECONDS)
                    page_times.append(shown["at"] / 1000 - saved)
                    pdf_times.append(_wait_pdf_fresh(preview.url, PDF_SECONDS) - saved)
                    log(f"preview: edit {n + 1}: page {page_times[-1]:.2f} s, PDF {pdf_times[-1]:.1f} s")
            how = "Chromium: save → the open page showing the new text (next frame after the swap)"
        else:
            for n in range(edits):
                generation = _state(preview.url)["generation"]
                saved = time.time()
                text = _edit(chapter)
                while _state(preview.url)["generation"] <= generation:
                    time.sleep(0.005)
                with urllib.request.urlopen(preview.url + doc, timeout=30) as response:
                    assert text in response.read().decode("utf-8")
                page_times.append(time.time() - saved)
                pdf_times.append(_wait_pdf_fresh(preview.url, PDF_SECONDS) - saved)
                log(f"preview: edit {n + 1}: page {page_times[-1]:.2f} s, PDF {pdf_times[-1]:.1f} s")
            how = "no Chromium here: save → the server's event and a fetch of the page with the new text"
        code = preview.stop()
        rebuilt = [float(s) for s in re.findall(r"pages rebuilt in ([\d.]+) s", preview.output())]
    if code != 0:
        raise AssertionError(f"the preview exited with {code} on Ctrl-C")
    return {"page": page_times, "pdf": pdf_times, "how": how, "start": start, "chapter": chapter.name,
            "rebuild": rebuilt}


def table(result: dict, label: str) -> list[str]:
    """The "Preview" table of bench/results.md."""
    page, pdf = result["page"], result["pdf"]
    rebuild = result["rebuild"]
    server = f"{statistics.median(rebuild):.2f} s" if rebuild else "—"
    return ["| book | edits | save → page, median (max) | of which the server's rebuild, median | "
            "save → fresh PDF, median (max) | measured |",
            "|---|---:|---:|---:|---:|---|",
            f"| {label} ({result['chapter']} edited) | {len(page)} | {statistics.median(page):.2f} s ({max(page):.2f}) | "
            f"{server} | {statistics.median(pdf):.1f} s ({max(pdf):.1f}) | {result['how']} |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/preview.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, help="a book folder (it is edited!); default: a generated one")
    parser.add_argument("--size", default="1m", help="the generated book's size in Han characters (default 1m)")
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--work", type=Path, help="where the generated book and the PDF go (default: a temp folder)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="zhbook-preview-bench-"))
    book = args.book
    if book is None:
        sys.path.insert(0, str(HERE))
        import gen

        book = work / "book"
        if not (book / "book.toml").exists():
            gen.generate(book, gen.parse_size(args.size))
    result = measure(book, work / "dist", args.edits, log=lambda m: print(m, file=sys.stderr, flush=True))
    print("\n".join(table(result, args.size if args.book is None else str(book))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
