"""The EPUB of the real book, read back with EPUBCheck, zipfile and lxml."""

import re
import zipfile

from tests.helpers import (ASCII_NEXT_TO_HAN, SEED_CLUTTER, XHTML, epub_documents, epub_text, epubcheck_messages,
                           seed_sentences, squeeze, without_supplements)


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
