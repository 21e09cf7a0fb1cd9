"""examples/features, built once by the real CLI: every structural element of a Chinese book, measured
on the built EPUB (lxml) and PDF (pypdf, pdfplumber): links between chapters, cross-references,
figures, tables, verse, headings, footnotes; and the errors for what goes nowhere."""

from __future__ import annotations

import re
import zipfile

import pdfplumber
import pypdf
import pytest
from lxml import etree

from tests.cli_checks import failing_build, make_book
from tests.helpers import epub_documents, epub_text, epubcheck_messages, squeeze

pytestmark = pytest.mark.slow

XHTML = "{http://www.w3.org/1999/xhtml}"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def docs(features_built):
    return dict(epub_documents(features_built["epub"]))


@pytest.fixture(scope="module")
def pages(features_built):
    with pdfplumber.open(features_built["pdf"]) as pdf:
        yield [(page, page.extract_text() or "") for page in pdf.pages]


def chapter_docs(docs):
    return {name: doc for name, doc in docs.items() if re.search(r"/c\d{3}\.xhtml$", name)}


def test_epubcheck_finds_nothing(features_built):
    messages = epubcheck_messages(features_built["epub"])
    assert not any(messages.get(s) for s in ("FATAL", "ERROR", "WARNING")), messages


def test_epub_links_between_chapters_go_to_existing_file_and_id(docs):
    ids = {name.rsplit("/", 1)[-1]: {e.get("id") for e in doc.iter() if e.get("id")} for name, doc in docs.items()}
    crossing = []
    for name, doc in chapter_docs(docs).items():
        for link in doc.iter(f"{XHTML}a"):
            href = link.get("href", "")
            if not href or href.startswith(("http", "mailto")):
                continue
            file, _, fragment = href.partition("#")
            file = file or name.rsplit("/", 1)[-1]
            assert file in ids and (not fragment or fragment in ids[file]), (name, href)
            if file != name.rsplit("/", 1)[-1]:
                crossing.append((link.text, href))
    assert ("下一章", "c002.xhtml#c002-h1") in crossing
    assert ("表格的写法", "c002.xhtml#c002-h3") in crossing
    assert ("第一章的第一节", "c001.xhtml#c001-h2") in crossing


def test_pdf_links_land_on_the_page_of_their_target(features_built, docs, pages):
    text_of = {}
    for doc in docs.values():
        for element in doc.iter():
            if element.get("id") and element.tag in {f"{XHTML}{t}" for t in ("h1", "h2", "figure", "table")}:
                caption = element.find(f"{XHTML}figcaption")
                caption = caption if caption is not None else element.find(f"{XHTML}caption")
                text_of[element.get("id")] = squeeze("".join((caption if caption is not None else element).itertext()))
    reader = pypdf.PdfReader(features_built["pdf"])
    destinations = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    checked = 0
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link" or "/Dest" not in annotation:
                continue
            name = str(annotation["/Dest"])
            assert name in destinations, name
            if name in text_of and number > 4:  # the body's links (the contents page's are tested elsewhere)
                assert text_of[name][:8] in squeeze(pages[destinations[name]][1]), (name, destinations[name])
                checked += 1
    assert checked >= 10


def test_figures_are_numbered_per_chapter_with_captions_in_both_outputs(docs, pages):
    captions = ["".join(f.itertext()) for doc in chapter_docs(docs).values() for f in doc.iter(f"{XHTML}figcaption")]
    assert captions == ["图1-1\u3000从稿件到屏幕的三个环节", "近五年电子书销量（示意）", "图2-1\u3000一页电子书的版面"]
    text = squeeze("".join(text for _, text in pages))
    for caption in captions:
        assert squeeze(caption) in text


def test_images_lie_inside_the_text_block_and_fit_a_page(pages):
    images = [(page, image) for page, _ in pages for image in page.images]
    assert len(images) >= 3
    for page, image in images[1:] if images[0][1]["width"] > 140 * MM else images:  # not the cover
        assert image["x0"] >= 13 * MM - 0.5 and image["x1"] <= page.width - 13 * MM + 0.5, image
        assert image["x1"] - image["x0"] <= page.width - 31 * MM + 0.5
        assert image["top"] >= 20 * MM - 0.5 and image["bottom"] <= page.height - 20 * MM + 0.5
        assert image["bottom"] - image["top"] <= 150 * MM + 0.5


def test_tables_have_numbered_captions_alignment_classes_and_aligned_cells(docs, pages):
    tables = [t for doc in chapter_docs(docs).values() for t in doc.iter(f"{XHTML}table")]
    assert ["".join(t.find(f"{XHTML}caption").itertext()) for t in tables] == [
        "表2-1\u3000常见电子书格式", "表2-2\u3000各地区数字阅读调查（示意数据）", "表4-1\u3000历年图书销量（示意数据）"]
    assert [c.get("class") for c in tables[0].iter(f"{XHTML}th")] == [
        "align-left", "align-center", "align-right", "align-left"]
    page = next(p for p, text in pages if "常见电子书格式" in text)
    words = page.extract_words()
    sizes = [w for w in words if w["text"] == "MB"]
    kinds = [w for w in words if w["text"] in ("流式", "固定")]
    assert len(sizes) == 3 and max(w["x1"] for w in sizes) - min(w["x1"] for w in sizes) < 0.5  # right
    centres = [(w["x0"] + w["x1"]) / 2 for w in kinds]
    assert len(kinds) == 3 and max(centres) - min(centres) < 0.5  # centred


def test_a_wide_table_fits_the_text_block(pages):
    page = next(p for p, text in pages if "智能手机" in text)
    edges = [e for e in page.edges if e["orientation"] == "v"]
    assert min(e["x0"] for e in edges) >= 13 * MM - 0.5 and max(e["x1"] for e in edges) <= page.width - 13 * MM + 0.5


def test_a_long_table_repeats_its_header_row_on_each_page(pages):
    holding = [squeeze(text) for _, text in pages if re.search(r"20\d\d纸质书", squeeze(text))]
    assert len(holding) >= 2  # the table crosses a page
    assert all("年份类别销量（万册）占比（%）" in text for text in holding), holding


def test_cross_references_are_numbers_linked_to_their_targets(docs, pages):
    refs = [(a.text, a.get("href")) for doc in chapter_docs(docs).values() for a in doc.iter(f"{XHTML}a")
            if a.get("class") == "xref"]
    assert ("图1-1", "#c001-fig-flow") in refs  # right after Chinese text: 如@fig:flow所示
    assert ("表2-1", "c002.xhtml#c002-tbl-formats") in refs
    assert ("第二章", "c002.xhtml#c002-h1") in refs  # book.toml numbering = "第{一}章"
    assert ("1.2节", "c001.xhtml#c001-h3") in refs
    text = squeeze("".join(text for _, text in pages))
    assert "如图1-1所示" in text and "第二章的表2-1比较" in text and "@sec" not in text
    assert "@fig:flow在代码里" in text  # code is left alone


def test_unreferenced_footnote_is_a_warning_and_in_neither_output(features_built, pages):
    assert "chapters/01-paper.md:30: footnote [^unused] is never referenced" in features_built["log"].stderr
    assert "从未被引用" not in epub_text(features_built["epub"])
    assert "从未被引用" not in "".join(text for _, text in pages)


def test_poem_lines_start_at_one_edge_on_one_page(docs, pages):
    lines = ["床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡。", "春眠不觉晓，", "处处闻啼鸟。", "夜来风雨声，",
             "花落知多少。"]
    holding = [page for page, text in pages if "床前明月光" in text]
    assert len(holding) == 1 and all(line in holding[0].extract_text() for line in lines)
    starts = [w["x0"] for w in holding[0].extract_words() if w["text"] in lines]
    assert len(starts) == 8 and max(starts) - min(starts) < 0.5
    edge = next(w["x0"] for w in holding[0].extract_words() if w["text"] == "诗歌")  # a heading: the text block's edge
    assert abs(min(starts) - (edge + 2 * 10.5)) < 1  # the block indented 2em, its lines not indented
    poem = next(d for doc in docs.values() for d in doc.iter(f"{XHTML}div") if d.get("class") == "poem")
    assert len(poem.findall(f"{XHTML}p")) == 2 and len(list(poem.iter(f"{XHTML}br"))) == 6


def test_ideographic_space_in_nav_ncx_contents_and_bookmarks(features_built, docs):
    with zipfile.ZipFile(features_built["epub"]) as archive:
        nav = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("nav.xhtml"))
        ncx = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".ncx"))
    assert "第一章\u3000从纸到屏" in nav and "第一章\u3000从纸到屏" in ncx
    contents = next(doc for name, doc in docs.items() if name.endswith("contents.xhtml"))
    assert "第一章\u3000从纸到屏" in "".join(contents.itertext())
    assert "附录\u3000术语表" in [o.title for o in pypdf.PdfReader(features_built["pdf"]).outline
                                  if not isinstance(o, list)]


def test_no_space_between_a_character_and_a_closing_quote_across_a_source_line(features_built, pages):
    assert "“引号”前后" in epub_text(features_built["epub"])
    assert "“引号”前后" in "".join(text for _, text in pages)


BOOK = 'title = "书"\nauthor = "某"\nlanguage = "zh-Hans"\n'


@pytest.mark.parametrize("files, needles", [
    ({"chapters/01-a.md": "# 一\n\n正文。\n\n见[二](02-b.md#nowhere)。\n", "chapters/02-b.md": "# 二\n"},
     ("chapters/01-a.md:5:", "nowhere")),
    ({"chapters/01-a.md": "# 一\n\n正文。\n\n见[三](03-c.md)。\n"}, ("chapters/01-a.md:5:", "03-c.md")),
    ({"chapters/01-a.md": "# 一\n\n如@fig:none所示。\n"}, ("chapters/01-a.md:3:", "@fig:none")),
    ({"chapters/01-a.md": "# 一\n", "chapters/02-b.md": "\n"}, ("chapters/02-b.md", "empty")),
])
def test_what_goes_nowhere_is_one_line_with_file_and_line(tmp_path, files, needles):
    failing_build(tmp_path, make_book(tmp_path / "book", BOOK, files), *needles)
