"""zhbook.pdf.html: the EPUB's pop-up notes become footnotes at their calls (in process, fast)."""

import pytest

from zhbook.pdf.html import footnotes_in_place

pytestmark = pytest.mark.fast

EPUB_FORM = (
    '<p>正文<sup><a epub:type="noteref" href="#c001-fn1" id="c001-fnref1" class="noteref">1</a></sup>继续。</p>'
    '<aside id="c001-fn1" epub:type="footnote" class="footnote"><p><a href="#c001-fnref1" '
    'class="note-number">1</a>　注释<em>内容</em>。</p></aside>'
)


def test_a_note_moves_to_its_call_as_a_footnote():
    assert footnotes_in_place(EPUB_FORM) == (
        '<p>正文<span class="footnote" id="c001-fn1">注释<em>内容</em>。</span>继续。</p>')


def test_a_call_without_its_note_stays_and_epub_attributes_go():
    html = footnotes_in_place('<p>正文<a epub:type="noteref" href="#nowhere">1</a>。</p>')
    assert html == '<p>正文<a href="#nowhere">1</a>。</p>'
