"""The EPUB of the real book, read back with EPUBCheck, zipfile and lxml."""

import re
import zipfile

import pytest

from tests.helpers import (ASCII_NEXT_TO_HAN, SEED_CLUTTER, XHTML, epub_documents, epub_text, epubcheck_messages,
                           run_build, seed_sentences, squeeze, without_supplements)


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
    # No conformance claim: book/book.toml makes none ([accessibility] conforms_to), and nobody certified it.
    assert "dcterms:conformsTo" not in opf and "a11y:certifiedBy" not in opf
    assert re.search(r'<package [^>]*xml:lang="zh-Hans"', opf)  # DAISY Ace: the package has a language
    from lxml import etree
    with zipfile.ZipFile(built["epub"]) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    assert nav.get("lang", "").startswith("zh")
    for name, doc in epub_documents(built["epub"]) + [("EPUB/nav.xhtml", nav)]:
        assert doc.get("lang", "").startswith("zh"), name
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


# --- Size, fonts and the subset cache ------------------------------------------------------------

def test_the_epub_is_under_500_kb_with_otf_subsets_not_woff(built):
    from fontTools.ttLib import TTFont
    import io
    assert built["epub"].stat().st_size < 500 * 1024
    with zipfile.ZipFile(built["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode()
        names = archive.namelist()
        fonts = {name: archive.read(name) for name in names if name.startswith("EPUB/fonts/")}
    assert not [n for n in names if n.lower().endswith((".woff", ".woff2"))]
    assert len(fonts) == 2
    for name, data in fonts.items():
        assert data[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"), f"{name} is not an OTF/TTF file"
        assert TTFont(io.BytesIO(data)).getGlyphOrder().__len__() < 3000, name  # the whole faces: 65,535
    assert set(re.findall(r'href="fonts/[^"]+" id="[^"]+" media-type="([^"]+)"', opf)) == {"font/otf"}


def test_font_subsets_are_cached_in_the_repository_and_a_rebuild_does_not_subset_again(built, tmp_path):
    import os
    import subprocess
    import sys
    import time
    from tests.helpers import REPO
    cache = REPO / ".cache" / "fonts"
    with zipfile.ZipFile(built["epub"]) as archive:
        embedded = [archive.read(n) for n in archive.namelist() if n.startswith("EPUB/fonts/")]
    cached = {path.read_bytes() for path in cache.iterdir()}
    assert all(data in cached for data in embedded), "the embedded subsets are not the cached files"
    assert not [p for p in built["out"].rglob("*") if p.suffix in (".otf", ".ttf", ".json")]  # no cache in dist
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    # The same sources again, with fontTools' subsetter made to fail: the build must not need it.
    code = ("import sys\nimport fontTools.subset as s\n"
            "def refuse(*args, **kwargs):\n    raise SystemExit('subset again')\n"
            "s.Subsetter.subset = refuse\n"
            "from zhbook.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, "epub", "--book", "book", "--out", str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "jiebei-yuqi.epub").read_bytes() == built["epub"].read_bytes()
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name in before} == before
    assert elapsed < 30, f"a cached rebuild took {elapsed:.1f} s"


# --- Kindle-safe ---------------------------------------------------------------------------------

def _kindle_checks():
    def language(archive, opf, xhtml):
        assert re.search(r"<dc:language>zh[^<]*</dc:language>", opf)
        for name, text in xhtml.items():
            assert re.search(r'<html[^>]*\slang="zh[^"]*"', text), name

    def xml_declaration(archive, opf, xhtml):
        for name, text in xhtml.items():
            assert re.match(r"<\?xml version=['\"]1\.0['\"] encoding=['\"]utf-8['\"]\?>", text, re.I), name

    def no_encryption(archive, opf, xhtml):
        assert "META-INF/encryption.xml" not in archive.namelist()
        assert "META-INF/rights.xml" not in archive.namelist()

    def fonts_otf_ttf(archive, opf, xhtml):
        for name in archive.namelist():
            if name.startswith("EPUB/fonts/"):
                assert name.endswith((".otf", ".ttf")) and archive.read(name)[:4] in (b"OTTO", b"\x00\x01\x00\x00")

    def images_jpeg_png(archive, opf, xhtml):
        types = set(re.findall(r'media-type="(image/[^"]+)"', opf))
        assert types and types <= {"image/jpeg", "image/png"}, types

    def ascii_file_names(archive, opf, xhtml):
        assert [n for n in archive.namelist() if not re.fullmatch(r"[A-Za-z0-9._/-]+", n)] == []

    def nav_and_ncx_resolve(archive, opf, xhtml):
        from lxml import etree
        ids = {name: set(re.findall(r'\sid="([^"]+)"', text)) for name, text in xhtml.items()}
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        targets = [(a.get("href"), "".join(a.itertext()).strip()) for a in nav.iter("{*}a")]
        ncx = etree.fromstring(archive.read("EPUB/toc.ncx"))
        points = list(ncx.iter("{*}navPoint"))
        targets += [(p.find("{*}content").get("src"), "".join(p.find("{*}navLabel").itertext()).strip())
                    for p in points]
        for href, label in targets:
            file, _, fragment = href.partition("#")
            assert label, href
            assert "EPUB/" + file in ids, href
            assert not fragment or fragment in ids["EPUB/" + file], href
        assert [int(p.get("playOrder")) for p in points] == list(range(1, len(points) + 1))
        depth = max(len(p.xpath("ancestor-or-self::*[local-name()='navPoint']")) for p in points)
        assert ncx.find(".//{*}meta[@name='dtb:depth']").get("content") == str(depth)

    def size(archive, opf, xhtml):
        assert sum(i.compress_size for i in archive.infolist()) < 500 * 1024

    return {"language": language, "xml-declaration": xml_declaration, "no-encryption": no_encryption,
            "fonts-otf-ttf": fonts_otf_ttf, "images-jpeg-png": images_jpeg_png,
            "ascii-file-names": ascii_file_names, "nav-and-ncx-resolve": nav_and_ncx_resolve, "size": size}


def test_every_kindle_rule_has_a_check():
    from zhbook.epub.package import KINDLE_RULES
    assert set(_kindle_checks()) == set(KINDLE_RULES)


@pytest.mark.parametrize("rule", sorted(_kindle_checks()))
def test_kindle_safe(built, rule):
    with zipfile.ZipFile(built["epub"]) as archive:
        opf = archive.read("EPUB/content.opf").decode()
        xhtml = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml")}
        assert "EPUB/nav.xhtml" in xhtml and len(xhtml) >= 11
        _kindle_checks()[rule](archive, opf, xhtml)


# --- Reader-friendly CSS -------------------------------------------------------------------------

ABSOLUTE_UNITS = {"px", "pt", "pc", "cm", "mm", "q", "in"}
WHITE = {"white", "#fff", "#ffffff", "#ffff", "#ffffffff"}


def _declarations(css: str):
    """(selector, property, value tokens) of every declaration in the stylesheet, @media included."""
    import tinycss2

    def walk(rules, context):
        for rule in rules:
            if rule.type == "qualified-rule":
                selector = tinycss2.serialize(rule.prelude).strip()
                for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
                    if decl.type == "declaration":
                        yield selector, decl.lower_name, [t for t in decl.value if t.type != "whitespace"]
            elif rule.type == "at-rule" and rule.content is not None:
                if rule.lower_at_keyword == "font-face":
                    continue
                yield from walk(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                                rule.lower_at_keyword)

    yield from walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), None)


def _epub_css(built) -> str:
    with zipfile.ZipFile(built["epub"]) as archive:
        return archive.read("EPUB/styles/book.css").decode("utf-8")


def test_the_stylesheet_parses_and_has_the_rules_we_expect(built):
    declarations = list(_declarations(_epub_css(built)))
    assert len(declarations) > 80
    assert ("p", "text-indent") in {(s, p) for s, p, _ in declarations}


def test_no_px_and_no_absolute_font_sizes_or_line_heights(built):
    """A reader's font-size and line-spacing settings scale em/% sizes; px (and pt) sizes fight them."""
    bad = []
    for selector, prop, tokens in _declarations(_epub_css(built)):
        units = {t.lower_unit for t in tokens if t.type == "dimension"}
        if "px" in units:
            bad.append((selector, prop, "px"))
        if prop in ("font-size", "font", "line-height") and units & ABSOLUTE_UNITS:
            bad.append((selector, prop, units))
    assert bad == []


def test_no_fixed_page_widths(built):
    """The reader sets the page and its margins: no widths or heights in absolute units, and none at
    all on html and body."""
    bad = []
    for selector, prop, tokens in _declarations(_epub_css(built)):
        if prop in ("width", "min-width", "max-width", "height", "min-height", "max-height"):
            units = {t.lower_unit for t in tokens if t.type == "dimension"}
            if units & ABSOLUTE_UNITS or units & {"vw", "vh"} or re.search(r"\b(html|body)\b", selector):
                bad.append((selector, prop))
        if prop in ("margin", "margin-left", "margin-right", "padding", "padding-left", "padding-right") \
                and re.fullmatch(r"(html|body)", selector):
            if any(t.type == "dimension" and t.lower_unit in ABSOLUTE_UNITS for t in tokens):
                bad.append((selector, prop))
        if prop == "position" and any(t.type == "ident" and t.lower_value == "fixed" for t in tokens):
            bad.append((selector, prop))
    assert bad == []


def test_no_backgrounds_and_no_text_colours_so_night_mode_works(built):
    """Night and sepia modes recolour text and page: a white background or a fixed text colour from the
    book would leave black on black or a white box at night."""
    bad = []
    for selector, prop, tokens in _declarations(_epub_css(built)):
        values = {(t.value.lower() if t.type == "ident" else "#" + t.value.lower() if t.type == "hash" else
                   t.lower_name if t.type == "function" else "") for t in tokens}
        if prop.startswith("background"):
            bad.append((selector, prop, values))  # none at all: the reader owns the page colour
        elif prop == "color" and not values <= {"inherit", "currentcolor", "transparent"}:
            bad.append((selector, prop, values))
        elif values & WHITE:
            bad.append((selector, prop, values))
    assert bad == []


def test_the_generated_cover_is_cached_and_follows_the_title(tmp_path):
    """The drawn cover is kept in .cache/covers by what it shows: a new title draws a new one."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "chapters" / "01.md").write_text("# 第一章\n\n正文。\n", "utf-8")

    def cover(title: str) -> bytes:
        (book / "book.toml").write_text(f'title = "{title}"\nauthor = "某人"\nlanguage = "zh-Hans"\nslug = "c"\n',
                                        "utf-8")
        run_build("epub", "--book", book, "--out", tmp_path / "out")
        with zipfile.ZipFile(tmp_path / "out" / "c.epub") as archive:
            return archive.read("EPUB/images/cover.png")

    first = cover("封面测试之一")
    assert cover("封面测试之二") != first
    assert cover("封面测试之一") == first
