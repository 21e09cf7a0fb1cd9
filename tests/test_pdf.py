"""The PDF of the real book, read back with PDF libraries (pypdf for structure, pdfplumber for text)."""

import pypdf

from tests.helpers import (ASCII_NEXT_TO_HAN, SEED_CLUTTER, pdf_body_text, seed_sentences, squeeze,
                           without_supplements)

A5 = (419.53, 595.28)  # points


def test_every_seed_sentence_is_in_the_pdf_text(built):
    text = squeeze(without_supplements(pdf_body_text(built["pdf"])))
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


def test_no_clutter_and_no_ascii_punctuation_next_to_chinese(built):
    text = pdf_body_text(built["pdf"])
    assert [c for c in SEED_CLUTTER if c in text] == []
    assert ASCII_NEXT_TO_HAN.findall(text) == []


def _fonts(reader: pypdf.PdfReader) -> dict[str, dict]:
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    return fonts


def test_every_font_is_embedded_and_is_ours(built):
    fonts = _fonts(pypdf.PdfReader(built["pdf"]))
    assert fonts, "no fonts found"
    for name, descriptor in fonts.items():
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} not embedded"
    # Only the book's own fonts: nothing fell back to a system font.
    assert {name.split("+", 1)[1] for name in fonts} == {"ZH-Serif", "ZH-Sans-Bold"}


def test_page_size_page_numbers_metadata_and_bookmarks(built):
    reader = pypdf.PdfReader(built["pdf"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A5[0], 1), round(A5[1], 1))
    meta = reader.metadata
    assert meta.title == "借呗逾期为何无人催收？" and meta.author == "翻忆"
    assert str(reader.trailer["/Root"].get("/Lang", "")).startswith("zh")
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top[-6:] == ["借呗逾期，为什么会出现“没人催”的现象？", "借呗逾期的基本情况与催收机制解析", "借呗逾期用户的应对策略",
                        "从项目融资角度看借呗催收模式的优缺点", "未来的趋势与建议", "结语"]
    sections = [item.title for sub in outline if isinstance(sub, list) for item in sub if not isinstance(item, list)]
    assert "（一）借呗逾期的表现形式" in sections and "（四）实际案例分析：借呗逾期的后果与教训" in sections
    # Body pages carry their number at the foot; the first chapter opens on page 1.
    first_chapter = next(i for i, page in enumerate(reader.pages) if "借呗逾期，为什么会出现" in page.extract_text()
                         and "目录" not in page.extract_text())
    assert reader.pages[first_chapter].extract_text().strip().splitlines()[-1].strip() == "1"
    assert reader.pages[first_chapter + 2].extract_text().strip().splitlines()[-1].strip() == "3"


def _page_texts(pdf):
    import pdfplumber
    with pdfplumber.open(pdf) as document:
        return [(page.extract_text() or "", page.extract_words(), page.height) for page in document.pages]


CHAPTERS = ["借呗逾期，为什么会出现“没人催”的现象？", "借呗逾期的基本情况与催收机制解析", "借呗逾期用户的应对策略",
            "从项目融资角度看借呗催收模式的优缺点", "未来的趋势与建议", "结语"]


def test_chapters_open_on_odd_pages_with_no_running_head(built):
    reader = pypdf.PdfReader(built["pdf"])
    labels = reader.page_labels
    pages = _page_texts(built["pdf"])
    openings = []
    for title in CHAPTERS:
        index = next(i for i, (text, _, _) in enumerate(pages)
                     if squeeze(text).startswith(squeeze(title)) and "目录" not in text)
        openings.append(index)
        assert index % 2 == 0, f"{title} opens on physical page {index + 1}, a left-hand page"
        assert int(labels[index]) % 2 == 1
    assert labels[openings[0]] == "1"


def test_running_heads_on_body_pages_are_smaller_than_text(built):
    pages = _page_texts(built["pdf"])
    reader = pypdf.PdfReader(built["pdf"])
    first_body = reader.page_labels.index("1")
    checked = 0
    for index in range(first_body, len(pages)):
        text, words, height = pages[index]
        head = [w for w in words if w["bottom"] < height * 0.08]
        if not text.strip() or squeeze(text).startswith(tuple(squeeze(t) for t in CHAPTERS)):
            assert head == [], f"page {index + 1} is blank or a chapter opening and has a head"
            continue
        head_text = "".join(w["text"] for w in head)
        if index % 2 == 1:  # left-hand page: the book title
            assert head_text == "借呗逾期为何无人催收？", index
        else:  # right-hand page: the chapter's title
            assert head_text in CHAPTERS, (index, head_text)
        assert all(w["bottom"] - w["top"] < 9 for w in head)  # 8 pt, smaller than the 10.5 pt text
        checked += 1
    assert checked >= 4


def test_front_matter_has_roman_page_labels_and_the_contents_has_page_numbers(built):
    reader = pypdf.PdfReader(built["pdf"])
    labels = reader.page_labels
    first_body = labels.index("1")
    assert labels[:first_body] == ["i", "ii", "iii", "iv", "v", "vi"][:first_body]
    pages = _page_texts(built["pdf"])
    contents = next(text for text, _, _ in pages if text.startswith("目录"))
    numbers = [int(line.rsplit(" ", 1)[1]) for line in contents.splitlines()[1:] if line.rsplit(" ", 1)[-1].isdigit()]
    assert len(numbers) >= 6 + 9 and numbers == sorted(numbers) and numbers[0] == 1
    # The contents number of each chapter is the page label of the page where it opens.
    for title in CHAPTERS:
        line = next(line for line in contents.splitlines() if squeeze(line).startswith(squeeze(title)))
        opening = next(i for i, (text, _, _) in enumerate(pages)
                       if squeeze(text).startswith(squeeze(title)) and "目录" not in text)
        assert line.rsplit(" ", 1)[1] == labels[opening], title


def test_contents_entries_are_links(built):
    reader = pypdf.PdfReader(built["pdf"])
    contents = next(page for page in reader.pages if page.extract_text().startswith("目录"))
    links = [a.get_object() for a in contents.get("/Annots", []) if a.get_object()["/Subtype"] == "/Link"]
    assert len(links) >= 15


def test_print_variant_has_bleed_and_crop_marks(tmp_path):
    from tests.helpers import run_build
    run_build("pdf", "--print", "--book", "book", "--out", tmp_path)
    page = pypdf.PdfReader(tmp_path / "jiebei-yuqi.print.pdf").pages[3]
    trim, media = page.trimbox, page.mediabox
    bleed = float(trim.left) - float(media.left)
    assert abs(bleed - 8.5) < 0.1  # 3 mm of bleed on each side
    assert (round(float(trim.width), 1), round(float(trim.height), 1)) == (round(A5[0], 1), round(A5[1], 1))
    import pdfplumber
    with pdfplumber.open(tmp_path / "jiebei-yuqi.print.pdf") as pdf:
        marks = [line for line in pdf.pages[3].lines if line["x1"] < 8.5 or line["x0"] > 8.5 + A5[0]]
    assert len(marks) >= 4  # crop marks drawn in the bleed, outside the trim box


def test_pdf_is_tagged_with_headings_and_paragraphs(built):
    import collections
    reader = pypdf.PdfReader(built["pdf"])
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    roles = collections.Counter()

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                roles[str(node["/S"])] += 1
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids] if kids is not None else []):
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert roles["/H1"] >= 6 and roles["/H2"] >= 9 and roles["/P"] >= 20 and roles["/Figure"] >= 1


def test_no_heading_is_left_alone_at_a_page_foot(built):
    import pdfplumber
    with pdfplumber.open(built["pdf"]) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            lines = [line for line in page.extract_text_lines(return_chars=True)
                     if page.height * 0.08 < line["top"] < page.height * 0.92]
            if lines and not any("....." in line["text"] for line in lines):  # not the contents
                last = lines[-1]
                assert not all("ZH-Sans" in char["fontname"] for char in last["chars"]), \
                    f"page {number} ends with the heading {last['text']!r}"
