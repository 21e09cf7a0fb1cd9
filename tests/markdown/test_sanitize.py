"""zhbook.markdown.sanitize and zhbook.textio: characters XML forbids, tag soup, duplicate ids, active content.

The chapter cases are all in the messy book (tests.cli_checks.MESSY), built once per session by the
real CLI (the messy_build fixture): each test reads its warnings and the EPUB it wrote.
"""

import re
import zipfile
from pathlib import Path

from lxml import etree

from tests import epubcheck_jvm
from tests.cli_checks import ASTRAL, COMBINING, LONG_PARAGRAPH, ZWJ
from tests.helpers import XHTML, epub_documents
from zhbook.errors import Diagnostics
from zhbook.markdown import render_chapter
from zhbook.textio import strip_forbidden
from zhbook.model import SourceFile


def chapter(messy_build, number: int) -> etree._Element:
    return dict(epub_documents(messy_build["epub"]))[f"EPUB/c{number:03d}.xhtml"]


def body_text(document: etree._Element) -> str:
    return "".join(document.find(f"{XHTML}body").itertext())


def render(text: str):
    diagnostics = Diagnostics(quiet=True)
    document = render_chapter(SourceFile(Path("t.md"), text, "c001"), None, diagnostics)
    return document, diagnostics.warnings


def test_the_messy_book_passes_epubcheck_without_errors_or_warnings(messy_build):
    assert epubcheck_jvm.problems(messy_build["epub"], ("FATAL", "ERROR", "WARNING")) == {}


def test_control_characters_are_removed_with_a_warning_giving_line_and_column(messy_build):
    path = f"{messy_build['book']}/chapters/01-controls.md"
    for where, code in (("3:3", "0007"), ("3:5", "0000"), ("3:8", "001B"), ("5:4", "000B")):
        assert f"warning: {path}:{where}: removed control character U+{code} (not allowed in XML text)" \
            in messy_build["warnings"]
    text = body_text(chapter(messy_build, 1))
    assert "正文有控制字符。" in text and "第二段end。" in text


def test_control_character_positions_count_characters_not_bytes():
    diagnostics = Diagnostics(quiet=True)
    assert strip_forbidden("𠮷𠮷\x01\n\t\x7f\ufffe😀\U0010ffff", "a.md", diagnostics) == "𠮷𠮷\n\t😀"
    assert diagnostics.warnings == [
        "a.md:1:3: removed control character U+0001 (not allowed in XML text)",
        "a.md:2:2: removed control character U+007F (not allowed in XML text)",
        "a.md:2:3: removed control character U+FFFE (not allowed in XML text)",
        "a.md:2:5: removed control character U+10FFFF (not allowed in XML text)",
    ]


def test_many_control_characters_are_summed_up_after_five():
    diagnostics = Diagnostics(quiet=True)
    assert strip_forbidden("a\x01" * 8, "a.md", diagnostics) == "a" * 8
    assert len(diagnostics.warnings) == 6 and diagnostics.warnings[-1] == "a.md: removed 3 more control characters"


def test_malformed_raw_html_is_repaired_into_well_formed_xhtml(messy_build):
    document = chapter(messy_build, 2)  # parsed as XML by epub_documents: it is well-formed
    text = body_text(document)
    assert "段落 & 符号 < 号" in text and "a stray < and & and &bogus; in text" in text
    assert "not an item" in text and "block in a link" in text
    lists = document.findall(f".//{XHTML}ul")
    assert all(child.tag == f"{XHTML}li" for ul in lists for child in ul)  # <ul><p> was repaired
    links = document.findall(f".//{XHTML}a")
    assert links and all(link.find(f".//{XHTML}div") is None for link in links)
    path = f"{messy_build['book']}/chapters/02-html.md"
    assert f"warning: {path}:9: repaired malformed HTML: <ul> cannot stand there, made it a <div>" \
        in messy_build["warnings"]


def test_stray_angle_brackets_and_ampersands_render_as_text():
    document, _ = render("# 标题\n\n1 < 2 && 3 > 2, AT&T, &copy; &#0; &#xD800; &bogus;\n\n<p>a<b>b<i>c</p>\n")
    root = etree.fromstring(f"<root>{document.body}</root>")  # raises if not well-formed XML
    text = "".join(root.itertext())
    assert "1 < 2 && 3 > 2, AT&T, ©" in text and "&bogus;" in text and "abc" in text


def test_control_characters_written_as_character_references_are_removed_too():
    """Found by the fuzzer: libxml2 decodes &#x1; and lxml then refused the text when a removed
    <script>'s neighbours were joined (an internal error)."""
    document, warnings = render("| a | b |\n|---|---|\n| x&#x1; | <script>x</script>&#0;y |\n\n"
                                "<p>a&#x1;<script>x</script>b</p>\n")
    assert "\x01" not in document.body and "<td>x</td>" in document.body and "<p>ab</p>" in document.body
    assert "t.md:3: removed a control character written as a character reference (&#…;): not allowed in XML " \
           "(2 times)" in warnings  # &#0; becomes U+FFFD, as in browsers


def test_duplicate_headings_get_unique_ids_and_links_still_resolve(messy_build):
    document = chapter(messy_build, 5)
    ids = [element.get("id") for element in document.iter() if element.get("id")]
    assert len(ids) == len(set(ids)) and len(ids) >= 6
    headings = [h.get("id") for h in document.iter(f"{XHTML}h2")]
    assert len(headings) == 5 and len(set(headings)) == 5
    targets = {element.get("id") for element in document.iter() if element.get("id")}
    for link in document.iter(f"{XHTML}a"):
        assert link.get("href").lstrip("#") in targets
    with zipfile.ZipFile(messy_build["epub"]) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    nav_targets = [a.get("href").split("#")[1] for a in nav.iter(f"{XHTML}a") if "c005.xhtml#" in a.get("href")]
    assert len(nav_targets) == len(set(nav_targets)) == 4 and set(nav_targets) <= targets


def test_astral_zwj_emoji_and_combining_marks_are_kept_intact(messy_build):
    with zipfile.ZipFile(messy_build["epub"]) as archive:
        raw = archive.read("EPUB/c006.xhtml").decode("utf-8")
    for text in (ASTRAL, ZWJ, COMBINING):
        assert text in raw  # the exact code point sequence, not normalised, split or escaped
    assert "&#" not in raw


def test_a_200000_character_paragraph_builds(messy_build):
    paragraphs = [p for p in chapter(messy_build, 7).iter(f"{XHTML}p")]
    assert ["".join(p.itertext()) for p in paragraphs] == [LONG_PARAGRAPH]


def test_active_content_is_removed_with_a_warning(messy_build):
    path = f"{messy_build['book']}/chapters/08-active.md"
    expected = [
        f"{path}:3: removed <script>", f"{path}:5: removed the onclick attribute of <p>",
        f"{path}:5: removed the onmouseover attribute of <p>", f"{path}:7: removed <iframe>",
        f"{path}:9: removed <object>", f"{path}:11: removed <embed>", f"{path}:15: removed the onerror attribute",
        f"{path}:13: removed a javascript: link: scripts are not allowed in the book (2 times)",
        f"{path}:17: image 'images/evil.svg': SVG: removed <script>, href='javascript:alert(3)', onload=",
    ]
    for start in expected:
        assert any(w.startswith("warning: " + start) for w in messy_build["warnings"]), start
    document = chapter(messy_build, 8)
    assert "有事件处理的段落" in body_text(document) and "点我" in body_text(document)


def test_the_epub_never_contains_or_declares_scripts(messy_build):
    with zipfile.ZipFile(messy_build["epub"]) as archive:
        names = archive.namelist()
        opf = archive.read("EPUB/content.opf").decode()
        contents = {name: archive.read(name) for name in names if name.endswith((".xhtml", ".svg", ".ncx"))}
    assert not [n for n in names if n.endswith((".js", ".mjs", ".swf"))]
    assert "scripted" not in opf and "javascript" not in opf.lower()
    assert not re.search(r'media-type="(application|text)/(x-)?(java|ecma)script"', opf)
    for name, data in contents.items():
        lowered = data.decode("utf-8").lower()
        assert "<script" not in lowered and "javascript:" not in lowered and "<iframe" not in lowered, name
        assert "<object" not in lowered and "<embed" not in lowered, name
        assert not re.search(r"\son[a-z]+\s*=", lowered), name


def test_script_hidden_in_entities_and_case_is_removed_too():
    document, warnings = render('<a href="&#106;ava&#x0A;script:alert(1)">a</a> <A HREF="JAVASCRIPT:x">b</A> '
                                '<svg><script>x</script></svg> <img src=x ONERROR=alert(1)>\n\n'
                                '<scr<script>ipt>alert(1)</script>\n')
    lowered = document.body.lower()
    assert "javascript" not in lowered and "<script" not in lowered and "onerror" not in lowered
    assert any("javascript: link" in w for w in warnings)


def test_headings_that_were_only_a_script_get_no_empty_title_or_nav_entry():
    document, _ = render("# <script>alert(1)</script>\n\n## \t\n\n## 小节[^1]\n\n[^1]: 注。\n")
    assert [h.text for h in document.headings] == ["小节"]  # the note call is not part of the title
    assert render("# <b></b>\n\n正文。\n")[0].title == "t"  # the file name, as without a heading


def test_absurd_nesting_is_a_clear_error_not_a_crash():
    import pytest

    from zhbook.errors import BookError

    for text in ("<div>" * 300 + "x", "> " * 300 + "x", "*" * 5000 + "x" + "*" * 5000):
        with pytest.raises(BookError, match="nested (more than 200 levels|too deeply).*; simplify it"):
            render(text)
    assert render("- " * 20 + "x")[0].body.count("<li>") == 20  # deep, but not absurd: builds
