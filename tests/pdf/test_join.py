"""zhbook.pdf.join on small parts made here: blank pages where zhbook.pdf.plan says, the page
count returned, and pikepdf's warnings kept off the console."""

import warnings
from datetime import datetime, timezone

import pikepdf
import weasyprint

from tests.helpers import REPO
from zhbook.pdf.join import join_parts
from zhbook.pdf.plan import Plan

SERIF = (REPO / "fonts" / "NotoSerifCJKsc-Regular.otf").as_uri()
CSS = f'@font-face {{ font-family: "ZH Serif"; src: url({SERIF}); }} html {{ font-family: "ZH Serif"; }}'


def _part(path, pages: int, word: str):
    body = "".join(f'<p style="break-before: page">{word}{n}</p>' for n in range(pages))
    weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf(
        path, stylesheets=[weasyprint.CSS(string=CSS)])
    return path


def test_blank_pages_where_the_plan_says_and_the_page_count(tmp_path, monkeypatch):
    counts = (3, 2, 1)
    parts = [_part(tmp_path / "front.pdf", 1, "front")]
    parts += [_part(tmp_path / f"c{i}.pdf", count, f"c{i}") for i, count in enumerate(counts)]
    emitted = []
    save = pikepdf.Pdf.save

    def save_with_a_warning(self, *args, **kwargs):
        # what pikepdf says when it fears for named destinations or form fields of copied pages
        warnings.warn("named destinations may be lost", pikepdf.PageCopyWarning)
        emitted.append(True)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(pikepdf.Pdf, "save", save_with_a_warning)
    out = tmp_path / "book.pdf"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        total, dangling = join_parts(parts, lambda digest: b"", datetime(2023, 11, 14, tzinfo=timezone.utc), out)
    assert emitted and [w.message for w in caught] == []
    # No dangling link; these parts are set by WeasyPrint alone (no font configuration: the
    # @font-face is not loaded), in a system font, and the join says so (a font not ours).
    assert [message for message in dangling if "a link to" in message] == []
    assert dangling and all(", a system font:" in message for message in dangling), dangling
    assert total == 2 + Plan(counts).pages == 10
    with pikepdf.open(out) as book:
        assert len(book.pages) == total
        texts = [bytes(page.obj.Contents.read_bytes()) if "/Contents" in page.obj else b"" for page in book.pages]
        blanks = [number for number, text in enumerate(texts) if not text.strip()]
        # front: 1 page + a blank; chapters open on physical pages 3, 7, 9 (1-based), blanks after odd ends
        assert blanks == [1, 5, 9]
        first_body = 2
        assert [first_body + page - 1 for page in Plan(counts).first_pages] == [2, 6, 8]
