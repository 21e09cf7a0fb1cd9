"""The PDF is set part by part and joined (zhbook.pdf: part, cache, join): what must stay
right across the joins, and what a rebuild sets again. The seed book is seven parts: the front
matter and six chapters."""

import os
import shutil
import subprocess
import sys
import time

import pypdf

from tests.helpers import REPO, run_build, squeeze

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")


def _openings(reader: pypdf.PdfReader, titles: list[str]) -> dict[str, int]:
    """The physical page each chapter title opens on (not the contents page)."""
    texts = [page.extract_text() or "" for page in reader.pages]
    return {title: next(i for i, text in enumerate(texts) if squeeze(text).startswith(squeeze(title))
                        and "目录" not in text) for title in titles}


def test_contents_links_lead_to_their_headings_in_other_parts(built):
    reader = pypdf.PdfReader(built["pdf"])
    contents = next(i for i, page in enumerate(reader.pages) if (page.extract_text() or "").startswith("目录"))
    destinations = reader.named_destinations
    links = [a.get_object() for a in reader.pages[contents].get("/Annots", [])]
    assert len(links) >= 15
    for link in links:
        name = str(link["/Dest"])
        page = reader.get_destination_page_number(destinations[name])
        assert page > contents, name  # the heading is in a chapter part, after the front matter
        heading = name.rsplit("-", 1)[0]  # c002-h3 → c002: that chapter's part
        assert heading in {"c001", "c002", "c003", "c004", "c005", "c006"}
    # A chapter's first heading is on the page where that chapter opens.
    openings = _openings(reader, ["借呗逾期的基本情况与催收机制解析", "结语"])
    assert reader.get_destination_page_number(destinations["c002-h1"]) == openings["借呗逾期的基本情况与催收机制解析"]
    assert reader.get_destination_page_number(destinations["c006-h1"]) == openings["结语"]


def _book_copy(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(REPO / "book", book)
    return book


def test_an_edit_sets_only_its_chapter_and_a_longer_chapter_moves_the_later_ones(tmp_path):
    book, out = _book_copy(tmp_path), tmp_path / "out"
    run_build("pdf", "--book", book, "--out", out, env=ENV)
    # A number of this run's own, so that no earlier run has these chapters in the cache.
    token = f"（第{time.time_ns() % 10**9}次测试）"

    # An edit that keeps the page count (the last chapter has room): the other five chapters come
    # from the cache.
    chapter = book / "chapters" / "06-closing.md"
    chapter.write_text(chapter.read_text("utf-8").replace("避免因轻率行为", f"避免因轻率{token}行为"), "utf-8")
    result = run_build("pdf", "--book", book, "--out", out, env=ENV)
    assert "6 chapters, " in result.stdout and "5 chapters from the cache" in result.stdout, result.stdout
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out / "jiebei-yuqi.pdf").pages)
    assert f"避免因轻率{token}行为" in squeeze(text)

    # Chapter 2 made four pages longer: chapters 3 to 6 start later and are set again with their
    # new page numbers; the contents, labels and running heads follow.
    second = book / "chapters" / "02-basics.md"
    second.write_text(second.read_text("utf-8") + ("\n\n" + "这是为测试而加的一段文字，让本章变长。" * 40) * 8
                      + token, "utf-8")
    result = run_build("pdf", "--book", book, "--out", out, env=ENV)
    assert "1 chapters from the cache" in result.stdout, result.stdout  # chapter 1 only
    reader = pypdf.PdfReader(out / "jiebei-yuqi.pdf")
    labels = reader.page_labels
    titles = ["借呗逾期的基本情况与催收机制解析", "借呗逾期用户的应对策略", "从项目融资角度看借呗催收模式的优缺点", "结语"]
    openings = _openings(reader, titles)
    contents = next(page.extract_text() for page in reader.pages if (page.extract_text() or "").startswith("目录"))
    for title, index in openings.items():
        assert index % 2 == 0, f"{title} opens on a left-hand page"
        line = next(line for line in contents.splitlines() if squeeze(line).startswith(squeeze(title)))
        assert line.rsplit(" ", 1)[1] == labels[index], title
        footer = reader.pages[index].extract_text().strip().splitlines()[-1].strip()
        assert footer == labels[index]  # the number printed at the foot is the page's label
    assert int(labels[openings["借呗逾期用户的应对策略"]]) >= 9  # moved on from page 5


def test_a_build_from_the_cache_equals_one_without_it(tmp_path, built):
    shutil.rmtree(REPO / ".cache" / "pdf-parts", ignore_errors=True)
    run_build("pdf", "--book", "book", "--out", tmp_path, env=ENV)
    assert (tmp_path / "jiebei-yuqi.pdf").read_bytes() == built["pdf"].read_bytes()


def test_each_font_is_embedded_once_as_a_compact_cid_keyed_cff(built):
    reader = pypdf.PdfReader(built["pdf"])
    programs = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile3" in descriptor, "a CFF font embedded as TrueType"
            reference = descriptor.raw_get("/FontFile3")
            stream = reference.get_object()
            assert stream["/Subtype"] == "/CIDFontType0C"
            data = stream.get_data()
            assert data[:2] == b"\x01\x00" and len(data) > 10_000  # a CFF program (version 1.0), no placeholder
            programs.setdefault(str(descriptor["/FontName"]).split("+")[-1], set()).add(reference.idnum)
    assert {name: len(ids) for name, ids in programs.items()} == {"ZH-Serif": 1, "ZH-Sans-Bold": 1}


def test_a_build_leaves_weasyprint_unpatched_in_the_building_process(tmp_path):
    """Every part is set in a worker process, even when only one is to be set (a one-chapter book,
    built in process by the CLI, sets exactly one part at a time): WeasyPrint stays as it was.
    The build runs in a fresh Python of its own: this test process may hold a Java VM (EPUBCheck
    through jpype), and a process forked from it can hang in the VM's threads."""
    from tests.cli_checks import MINIMAL, make_book

    book = make_book(tmp_path / "book", MINIMAL + 'slug = "one"\n',
                     {"chapters/01.md": f"# 第一章\n\n正文{time.time_ns()}。\n"})
    script = f"""
import sys
from zhbook import cli
from zhbook.pdf import weasyprint as patches

def current():
    return {{short: getattr(*patches._where(dotted)) for short, (dotted, _) in patches.REPLACED.items()}}

before = current()
assert not patches.installed()
code = cli.main(["pdf", "--book", {str(book)!r}, "--out", {str(tmp_path / "out")!r}, "--quiet"])
assert code == 0, code
assert current() == before, "WeasyPrint was patched in the building process"
assert not patches.installed()
print("unpatched")
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "unpatched", result.stderr
    assert (tmp_path / "out" / "one.pdf").is_file()
