"""Notes stay neutral in the model; the EPUB gives them its form (pop-up asides)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from zhbook.epub.notes import body_with_notes
from zhbook.errors import Diagnostics
from zhbook.markdown import render_chapter
from zhbook.model import SourceFile

pytestmark = pytest.mark.fast
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def chapter(text: str):
    return render_chapter(SourceFile(Path("t.md"), text, "c002"), None, Diagnostics(quiet=True))


def parsed(body: str) -> etree._Element:
    return etree.fromstring(f'<div xmlns:epub="http://www.idpf.org/2007/ops">{body}</div>')


def test_the_model_holds_neutral_notes_and_no_epub_markup():
    rendered = chapter("正文[^a]，再一处[^b]。\n\n[^a]: 注甲，有**粗体**。\n[^b]: 注乙。\n\n    第二段。\n")
    assert "epub:type" not in rendered.body and "aside" not in rendered.body and "footnote" not in rendered.body
    assert [(n.id, n.call_id, n.number) for n in rendered.notes] == [
        ("c002-fn-a", "c002-fnref-a", 1), ("c002-fn-b", "c002-fnref-b", 2)]
    assert rendered.notes[0].body == "<p>注甲，有<strong>粗体</strong>。</p>\n"
    assert rendered.notes[1].body == "<p>注乙。</p><p>第二段。</p>\n"


def test_the_epub_form_is_pop_up_footnotes_with_the_number_linking_back():
    root = parsed(body_with_notes(chapter("正文[^a]。\n\n[^a]: 注甲。\n")))
    call = root.find(".//a[@id='c002-fnref-a']")
    assert call.get(EPUB_TYPE) == "noteref" and call.get("role") == "doc-noteref"
    assert call.get("href") == "#c002-fn-a" and call.get("class") == "noteref duokan-footnote"
    aside = root.find("aside")
    assert aside.get(EPUB_TYPE) == "footnote" and aside.get("id") == "c002-fn-a"
    back = aside.find("p/a")
    assert back.get("href") == "#c002-fnref-a" and back.get("role") == "doc-backlink" and back.text == "1"
    assert "".join(aside.itertext()).strip() == "1　注甲。"


def test_a_chapter_without_notes_is_left_as_it_was():
    rendered = chapter("# 标题\n\n正文。\n")
    assert body_with_notes(rendered) == rendered.body


def test_a_note_that_opens_with_a_rule_or_holds_a_list_keeps_one_note_and_its_number_before_it():
    """Found by the fuzzer: a note opening with `***` (a rule) got its link back inside the <hr>
    (RSC-005), and a list inside a note was taken for more notes (an internal error)."""
    rendered = chapter("正文[^a]。\n\n[^a]: ***\n    - 项目一\n    - 项目二\n")
    assert [(n.id, n.number) for n in rendered.notes] == [("c002-fn-a", 1)]
    aside = parsed(body_with_notes(rendered)).find("aside")
    first = aside[0]
    assert first.tag == "p" and first.find("a").get("role") == "doc-backlink" and first.find("a").text == "1"
    assert aside.find("hr") is not None and len(aside.find("hr")) == 0
    assert [li.text for li in aside.iter("li")] == ["项目一", "项目二"]


def test_a_note_with_a_raw_list_item_keeps_its_text_and_its_call_finds_it():
    """Found by the fuzzer: a raw <li> inside a note made the sanitizer turn the notes' list into
    <div>s, and the note was lost (its call pointed nowhere, RSC-012)."""
    rendered = chapter("·[^1]**·**\n\n- [^1]: ··[^1]<li>lone item</li>·")
    root = parsed(body_with_notes(rendered))
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    aside = root.find("aside")
    assert aside is not None and "lone item" in "".join(aside.itertext())
    for link in root.iter("a"):
        assert link.get("href", "#x").lstrip("#") in ids, link.get("href")
