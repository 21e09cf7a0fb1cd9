"""zhbook.pdf.html: the model's neutral notes become footnotes at their calls (in process, fast)."""

from pathlib import Path

import pytest

from zhbook.errors import Diagnostics
from zhbook.markdown import render_chapter
from zhbook.model import Chapter, Note, SourceFile
from zhbook.pdf.html import footnotes_in_place

pytestmark = pytest.mark.fast

SOURCE = SourceFile(Path("t.md"), "", "c001")


def test_a_note_moves_to_its_call_as_a_footnote():
    chapter = Chapter(SOURCE, '<p>正文<sup><a class="noteref" href="#c001-fn1" id="c001-fnref1">1</a></sup>继续。</p>',
                      notes=(Note("c001-fn1", "c001-fnref1", 1, "<p>注释<em>内容</em>。</p>\n"),))
    assert footnotes_in_place(chapter) == '<p>正文<span class="footnote" id="c001-fn1">注释<em>内容</em>。</span>继续。</p>'


def test_the_paragraphs_of_a_note_run_on_in_order():
    chapter = render_chapter(SourceFile(Path("t.md"), "正文[^a]。\n\n[^a]: 第一段**粗**尾。\n\n    第二段。\n", "c001"),
                             None, Diagnostics(quiet=True))
    html = footnotes_in_place(chapter)
    assert '<span class="footnote" id="c001-fn-a">第一段<strong>粗</strong>尾。第二段。</span>' in html


def test_a_call_without_its_note_stays_and_epub_attributes_go():
    chapter = Chapter(SOURCE, '<p>正文<a epub:type="noteref" href="#nowhere">1</a>。</p>')
    assert footnotes_in_place(chapter) == '<p>正文<a href="#nowhere">1</a>。</p>'
