"""The EPUB of the real book, read back with EPUBCheck, zipfile and lxml."""

import re
import zipfile

from tests.helpers import (ASCII_NEXT_TO_HAN, SEED_CLUTTER, XHTML, epub_documents, epub_text, epubcheck_messages,
                           seed_sentences, squeeze, without_supplements)


def test_the_seed_book_builds_without_warnings(built):
    assert "warning" not in built["log"].stderr, built["log"].stderr


def test_epubcheck_reports_no_errors_and_no_warnings(built):
    messages = epubcheck_messages(built["epub"])
    problems = {sev: msgs for sev, msgs in messages.items() if sev in ("FATAL", "ERROR", "WARNING")}
    assert problems == {}


def test_every_seed_sentence_is_in_the_epub(built):
    text = squeeze(without_supplements(epub_text(built["epub"])))
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


def test_no_clutter_and_no_ascii_punctuation_next_to_chinese(built):
    text = epub_text(built["epub"])
    assert [c for c in SEED_CLUTTER if c in text] == []
    assert ASCII_NEXT_TO_HAN.findall(text) == []


def test_every_document_has_chinese_lang_and_the_shared_stylesheet(built):
    documents = epub_documents(built["epub"])
    assert len(documents) >= 9  # title page, colophon, contents, six chapters
    for name, doc in documents:
        assert doc.get("lang", "").startswith("zh") and doc.get("{http://www.w3.org/XML/1998/namespace}lang") == \
            doc.get("lang"), name
        links = [link.get("href") for link in doc.iter(f"{XHTML}link") if link.get("rel") == "stylesheet"]
        assert links == ["styles/book.css"], name


def test_package_has_nav_ncx_language_and_stable_identifier(built):
    with zipfile.ZipFile(built["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode()
        names = archive.namelist()
    assert "EPUB/nav.xhtml" in names and "EPUB/toc.ncx" in names
    assert re.search(r"<dc:language>zh[^<]*</dc:language>", opf)
    assert "urn:uuid:164eb535-3fad-56b7-9116-3e011f67c410" in opf  # book.toml's identifier
    assert "<dc:title" in opf and "借呗逾期为何无人催收？" in opf and "<dc:creator" in opf


def test_fonts_are_embedded_subset_and_the_epub_is_small(built):
    with zipfile.ZipFile(built["epub"]) as archive:
        fonts = {i.filename: i.file_size for i in archive.infolist() if i.filename.endswith((".otf", ".ttf"))}
        css = archive.read("EPUB/styles/book.css").decode()
    assert set(fonts) == {"EPUB/fonts/NotoSerifCJKsc-Regular.otf", "EPUB/fonts/NotoSansCJKsc-Bold.otf"}
    assert all(size < 1_000_000 for size in fonts.values())  # the whole faces are 17–25 MB
    assert css.count("@font-face") == 2
    assert built["epub"].stat().st_size < 1_000_000


def test_headings_follow_the_article_structure(built):
    documents = dict(epub_documents(built["epub"]))
    chapter_titles = ["".join(doc.find(f".//{XHTML}h1").itertext()) for name, doc in documents.items()
                      if re.search(r"c\d{3}\.xhtml$", name)]
    assert chapter_titles == ["借呗逾期，为什么会出现“没人催”的现象？", "借呗逾期的基本情况与催收机制解析",
                              "借呗逾期用户的应对策略", "从项目融资角度看借呗催收模式的优缺点", "未来的趋势与建议", "结语"]
    c002 = documents["EPUB/c002.xhtml"]
    assert ["".join(h.itertext()) for h in c002.iter(f"{XHTML}h2")] == [
        "（一）借呗逾期的表现形式", "（二）借呗催收机制的特点", "（三）为何会出现“没人催”的错觉？"]


def test_cover_is_the_cover_image_and_opens_the_spine(built):
    from PIL import Image
    import io
    with zipfile.ZipFile(built["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode()
        image = Image.open(io.BytesIO(archive.read("EPUB/images/cover.png")))
    assert image.size == (1600, 2560)
    assert re.search(r'<item href="images/cover.png" id="cover-image" media-type="image/png" properties="cover-image"/>',
                     opf)
    spine = re.findall(r'<itemref idref="([^"]+)"([^/]*)/>', opf)
    assert spine[0] == ("cover", "")  # linear: no linear="no", so no OPF-096 and it fills the first screen
    cover_doc = dict(epub_documents(built["epub"]))["EPUB/cover.xhtml"]
    svg = cover_doc.find(".//{http://www.w3.org/2000/svg}svg")
    assert svg.get("aria-label", "").startswith("封面：借呗逾期为何无人催收？")


def test_nav_has_landmarks_and_toc(built):
    with zipfile.ZipFile(built["epub"]) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode()
    landmarks = nav[nav.index('epub:type="landmarks"'):]
    assert all(f'epub:type="{kind}"' in landmarks for kind in ("cover", "toc", "bodymatter"))
    assert nav.count("<li>") >= 6 + 3


def test_accessibility_metadata_alt_text_and_heading_order(built):
    with zipfile.ZipFile(built["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode()
    for prop in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "schema:accessibilitySummary"):
        assert f'property="{prop}"' in opf, prop
    assert "EPUB Accessibility 1.1 - WCAG 2.1 Level AA" in opf
    for name, doc in epub_documents(built["epub"]):
        for img in doc.iter(f"{XHTML}img"):
            assert img.get("alt"), name
        levels = [int(h.tag[-1]) for h in doc.iter() if isinstance(h.tag, str) and re.fullmatch(f"{re.escape(XHTML)}h[1-6]", h.tag)]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (name, levels)  # no skipped level


def test_the_book_has_front_matter_in_reading_order(built):
    names = [name.rsplit("/", 1)[1] for name, _ in epub_documents(built["epub"])]
    assert names[:4] == ["cover.xhtml", "titlepage.xhtml", "colophon.xhtml", "contents.xhtml"]
    colophon = "".join(dict(epub_documents(built["epub"]))["EPUB/colophon.xhtml"].itertext())
    assert "本文所有信息均为虚构" in colophon and "〔〕" in colophon and "urn:uuid:164eb535" in colophon


def test_two_builds_are_byte_identical(built, tmp_path):
    import os
    from tests.helpers import run_build
    run_build("all", "--book", "book", "--out", tmp_path, env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    for name in ("jiebei-yuqi.epub", "jiebei-yuqi.pdf"):
        assert (tmp_path / name).read_bytes() == (built["out"] / name).read_bytes(), name
    with zipfile.ZipFile(tmp_path / "jiebei-yuqi.epub") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert "<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>" in archive.read("EPUB/content.opf").decode()
