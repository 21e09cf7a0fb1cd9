"""Our Python-Markdown extensions: CJK line joining and chapter-scoped ids."""

from pathlib import Path

import pytest

from zhbook.errors import Diagnostics
from zhbook.markdown import render_chapter
from zhbook.model import SourceFile

pytestmark = pytest.mark.fast


def render(text, doc_id="c001"):
    return render_chapter(SourceFile(Path("t.md"), text, doc_id), None, Diagnostics(quiet=True))


def test_line_break_between_chinese_characters_is_dropped():
    assert "<p>第一行第二行第三行</p>" in render("第一行\n第二行\n第三行\n").body


def test_line_break_is_dropped_across_inline_elements_but_kept_next_to_latin():
    body = render("中文\n**粗体**结束\nEnglish words\nand more\n中文").body
    assert "中文<strong>粗体</strong>结束\nEnglish words\nand more\n中文" in body


def test_line_breaks_in_code_are_kept():
    assert "中文\n中文" in render("```\n中文\n中文\n```\n").body


def test_ids_are_scoped_to_the_chapter_and_links_follow():
    doc = render("# 标题\n\n## 小节\n\n正文[^1]。\n\n[^1]: 注释。\n", "c007")
    assert [(h.level, h.id, h.text) for h in doc.headings] == [(1, "c007-h1", "标题"), (2, "c007-h2", "小节")]
    assert '<sup><a class="noteref" href="#c007-fn-1" id="c007-fnref-1">1</a></sup>' in doc.body
    assert [(n.id, n.call_id, n.number, n.body) for n in doc.notes] == [("c007-fn-1", "c007-fnref-1", 1, "<p>注释。</p>\n")]
    assert doc.title == "标题"


def test_duplicate_headings_get_unique_ids():
    doc = render("## 同名\n\n## 同名\n")
    assert len({h.id for h in doc.headings}) == 2


def test_malformed_raw_html_becomes_well_formed_xml():
    from lxml import etree
    body = render('<div>unclosed <b>bold\n\n段落 & 符号 < 号\n').body
    etree.fromstring(f"<root>{body}</root>")  # raises if not well-formed


def test_fenced_code_with_a_language_is_highlighted_with_classes_that_survive_sanitizing():
    body = render("```python\ndef f():  # 中文注释\n    return 1\n```\n").body
    assert body.startswith('<div class="codehilite"><pre><code><span class="k">def</span>')  # no empty <span/>
    assert '<span class="c1"># 中文注释</span>' in body and "style=" not in body


def test_code_without_a_language_is_not_guessed_and_a_shebang_gives_no_line_numbers():
    body = render("```\nx = 1\n```\n\n    #!/usr/bin/env python\n    print(1)\n").body
    assert '<pre><code>x = 1\n</code></pre>' in body and 'class="k"' not in body
    assert "linenos" not in body and "#!/usr/bin/env python" in body


def test_raw_html_that_looks_like_footnotes_is_not_taken_for_notes():
    doc = render('正文[^a]。\n\n<div class="footnote"><ol><li>假注</li></ol></div>\n\n'
                 '<sup><a class="footnote-ref" href="#c001-fn-a">9</a></sup>\n\n[^a]: 真注。\n')
    assert [(n.id, n.body) for n in doc.notes] == [("c001-fn-a", "<p>真注。</p>\n")]
    assert '<div class="footnote"><ol><li>假注</li></ol></div>' in doc.body
    assert '<a class="footnote-ref" href="#c001-fn-a">9</a>' in doc.body  # an author's link, kept as written


def test_raw_html_ids_take_the_chapter_prefix_so_chapters_never_share_an_id():
    """Found by the fuzzer: chapter 2's raw `<span id="c001-h1">` took chapter 1's heading id, and the
    EPUB sent its local link to c001.xhtml (RSC-012); in the PDF both chapters share one namespace."""
    doc = render("·<span id='c001-h1'>clash</span><a href='#c001-h1'>top</a> [x](#c001-h1)\n", "c002")
    assert doc.body == ('<p>·<span id="c002-c001-h1">clash</span><a href="#c002-c001-h1">top</a> '
                        '<a href="#c002-c001-h1">x</a></p>')
