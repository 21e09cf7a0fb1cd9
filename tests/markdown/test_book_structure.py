"""The structural elements of a Chinese book, in the Markdown stage and the book-level pass:
cross-references, links between chapters, figures, table captions and alignment, verse and line
breaks, heading ids and texts, footnotes never referenced, line joining next to Chinese quotes."""

from pathlib import Path

import lxml.html
import pytest

from zhbook.cjk import joins_lines
from zhbook.errors import BookError, Diagnostics
from zhbook.markdown import render_chapter
from zhbook.markdown.references import resolve_references
from zhbook.model import SourceFile

pytestmark = pytest.mark.fast


def render(text, doc_id="c001", name="01-a.md", diagnostics=None):
    return render_chapter(SourceFile(Path("/book/chapters") / name, text, doc_id), None,
                          diagnostics or Diagnostics(quiet=True))


def book(*texts):
    """Chapters 01-a.md, 02-b.md … rendered and resolved as a book."""
    chapters = [render(text, f"c{n:03d}", f"0{n}-{'abcd'[n - 1]}.md") for n, text in enumerate(texts, start=1)]
    return resolve_references(chapters, None)[0]


def tree(body):
    return lxml.html.fragment_fromstring(body, create_parent="div")


def test_references_after_chinese_text_resolve_to_numbers_and_links():
    first, second = book("# 一\n\n正文。\n",
                         "# 二 {#sec:two}\n\n## 节 {#sec:part}\n\n如@fig:arch所示，见@tbl:t，参看@sec:two和@sec:part。\n\n"
                         "![结构](a.png){#fig:arch}\n\n| a |\n|---|\n| 1 |\n\nTable: 表题 {#tbl:t}\n")
    links = {a.text: a.get("href") for a in tree(second.body).iter("a")}
    assert links == {"图2-1": "#c002-fig-arch", "表2-1": "#c002-tbl-t", "第2章": "#c002-h1", "2.1节": "#c002-h2"}
    assert "如<a" in second.body and ">图2-1</a>所示" in second.body  # no typed space around the number


def test_a_label_ends_at_the_first_other_character_and_mails_and_code_are_not_references():
    (chapter,) = book("# 一\n\n![x](a.png){#fig:a-b}\n\n见@fig:a-b. 又见@fig:a-b-。写信给 me@fig.com，"
                      "代码 `@fig:zz` 不变。\n\n```\n@fig:yy\n```\n")
    texts = [a.text for a in tree(chapter.body).iter("a")]
    assert texts == ["图1-1", "图1-1"]
    assert "me@fig.com" in chapter.body and "@fig:zz" in chapter.body and "@fig:yy" in chapter.body


def test_unknown_reference_is_an_error_with_file_and_line():
    with pytest.raises(BookError) as error:
        book("# 一\n\n第一段。\n\n见@fig:nowhere。\n")
    assert "01-a.md:5" in str(error.value) and "@fig:nowhere" in str(error.value)


def test_links_between_chapters_with_and_without_fragment_and_automatic_ids():
    first, second = book("# 第一章　开始\n\n[下一章](02-b.md)，[一节](02-b.md#一阅读习惯的变迁)，"
                         "[有名的节](02-b.md#named)，[本章](#第一章-开始)。\n",
                         "# 二\n\n## 一、阅读习惯的变迁\n\n## 另一节 {#named}\n")
    assert [a.get("href") for a in tree(first.body).iter("a")] == ["#c002-h1", "#c002-h2", "#c002-h3", "#c001-h1"]
    assert ("一阅读习惯的变迁", "c002-h2") in {(a.name, a.id) for a in second.anchors}


@pytest.mark.parametrize("link, needle", [("03-c.md", "03-c.md"), ("02-b.md#nothing", "nothing")])
def test_a_link_to_a_missing_file_or_id_is_an_error_with_file_and_line(link, needle):
    with pytest.raises(BookError) as error:
        book(f"# 一\n\n正文。\n\n[去]({link})\n", "# 二\n")
    assert "01-a.md:5" in str(error.value) and needle in str(error.value)


def test_figures_numbered_unnumbered_and_without_caption():
    (chapter,) = book("# 一\n\n![流程](a.png){#fig:flow}\n\n![示意](b.png)\n\n![](c.png)\n\n文字![行内](d.png)文字\n")
    figures = list(tree(chapter.body).iter("figure"))
    assert [f.findtext("figcaption") if f.find("figcaption") is None else f.find("figcaption").text_content()
            for f in figures] == ["图1-1\u3000流程", "示意", None]
    assert figures[0].get("id") == "c001-fig-flow" and figures[0].find("img").get("id") is None
    assert len(figures) == 3  # the image inside running text stays inline


def test_table_caption_before_or_after_numbered_and_alignment_classes_without_warnings():
    diagnostics = Diagnostics(quiet=True)
    chapter = render("# 一\n\nTable: 前面 {#tbl:a}\n\n| a | b | c |\n|:-:|--:|:--|\n| 1 | 2 | 3 |\n\n"
                     "| x |\n|---|\n| 1 |\n\nTable: 后面\n", diagnostics=diagnostics)
    (chapter,) = resolve_references([chapter], None)[0]
    tables = list(tree(chapter.body).iter("table"))
    assert [t.find("caption").text_content() for t in tables] == ["表1-1\u3000前面", "后面"]
    assert [c.get("class") for c in tables[0].iter("th")] == ["align-center", "align-right", "align-left"]
    assert tables[0].find("thead") is not None and "style" not in chapter.body and "Table:" not in chapter.body
    assert diagnostics.given == []


def test_backslash_line_end_is_a_line_break_and_two_spaces_still_are():
    body = render("第一行\\\n第二行  \n第三行\n").body
    assert body == "<p>第一行<br/>第二行<br/>第三行</p>"


def test_poem_keeps_its_lines_and_stanzas():
    body = render("前文。\n\n::: poem\n床前明月光，\n疑是地上霜。\n\n举头望明月，\n低头思故乡。\n:::\n\n后文。\n").body
    assert ('<div class="poem">\n<p>床前明月光，<br/>疑是地上霜。</p><p>举头望明月，<br/>低头思故乡。</p>\n</div>'
            in body)
    assert body.endswith("<p>后文。</p>")


def test_heading_keeps_the_ideographic_space_and_collapses_ascii_space():
    chapter = render("# 第一章　从纸到屏\n\n## A  B\n")
    assert [h.text for h in chapter.headings] == ["第一章\u3000从纸到屏", "A B"]
    assert ("第一章-从纸到屏", "c001-h1") in {(a.name, a.id) for a in chapter.anchors}


def test_footnote_never_referenced_is_a_warning_and_left_out():
    diagnostics = Diagnostics(quiet=True)
    chapter = render("# 一\n\n正文[^a]。\n\n[^a]: 用了。\n[^b]: 没用。\n", diagnostics=diagnostics)
    assert [n.body for n in chapter.notes] == ["<p>用了。</p>\n"]
    assert "没用" not in chapter.body
    (warning,) = diagnostics.given
    assert warning.line == 6 and "[^b]" in warning.message and "left out" in warning.message


def test_line_break_next_to_chinese_quotes_is_not_a_space():
    assert render("“引号\n”后，‘单\n’引……\n——破折\n").body == "<p>“引号”后，‘单’引……——破折</p>"
    assert render("quoted “word”\nnext").body == "<p>quoted “word”\nnext</p>"
    assert joins_lines("”") and joins_lines("。") and not joins_lines("a") and not joins_lines("")


def test_cached_chapters_carry_their_anchors(tmp_path):
    from zhbook.markdown import render_chapters

    source = SourceFile(tmp_path / "01-a.md", "# 一 {#sec:one}\n\n## 节\n", "c001")
    fresh = render_chapters([source], tmp_path, tmp_path / "cache", Diagnostics(quiet=True))[0]
    cached = render_chapters([source], tmp_path, tmp_path / "cache", Diagnostics(quiet=True))[0]
    assert cached == fresh and [a.name for a in cached.anchors] == ["sec:one", "节"]


def test_epub_points_links_to_other_chapters_at_their_documents():
    from zhbook.epub.notes import body_with_notes

    first, _ = book("# 一\n\n[二](02-b.md#x)，[二](02-b.md)，[本](#一)\n", "# 二\n\n## 节 {#x}\n")
    hrefs = [a.get("href") for a in tree(body_with_notes(first, frozenset({"c001", "c002"}))).iter("a")]
    assert hrefs == ["c002.xhtml#c002-h2", "c002.xhtml#c002-h1", "#c001-h1"]


def test_empty_chapter_is_an_error_and_other_files_in_chapters_a_warning(tmp_path):
    from zhbook.load import load_book

    (tmp_path / "chapters").mkdir()
    (tmp_path / "book.toml").write_text('title = "书"\nauthor = "某"\nlanguage = "zh-Hans"\n', "utf-8")
    (tmp_path / "chapters" / "01-a.md").write_text("# 一\n", "utf-8")
    (tmp_path / "chapters" / "02-b.txt").write_text("# 二\n", "utf-8")
    diagnostics = Diagnostics(quiet=True)
    load_book(tmp_path, diagnostics)
    (warning,) = diagnostics.given
    assert warning.path.endswith("02-b.txt") and "only .md files" in warning.message
    (tmp_path / "chapters" / "02-b.md").write_text("\n  \n", "utf-8")
    with pytest.raises(BookError) as error:
        load_book(tmp_path, Diagnostics(quiet=True))
    assert "02-b.md" in str(error.value) and "empty" in str(error.value)


class _NoMissingGlyphs:
    @staticmethod
    def missing(line):
        return []


def test_second_level1_heading_and_chapter_without_title_say_what_really_happens():
    from zhbook.pipeline import _check

    diagnostics = Diagnostics(quiet=True)
    two = render("# 一\n\n正文。\n\n```\n# 代码\n```\n\n# 又一个\n", name="01-a.md")
    untitled = render("## 小节\n\n正文。\n", "c002", "02-b.md")
    bare = render("正文。\n", "c003", "03-c.md")
    _check([two, untitled, bare], None, _NoMissingGlyphs(), diagnostics)
    second, first_heading, file_name = diagnostics.given
    assert second.line == 9 and "# 又一个" in second.message and "not" not in second.message.split(":")[0]
    assert "contents" in second.message and "make it ##" in second.message
    assert "its first heading, '小节', is used as its title" in first_heading.message
    assert "the file name, '03-c', is used as its title" in file_name.message
