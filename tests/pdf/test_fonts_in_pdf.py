"""The fonts the joined PDF embeds (zhbook.pdf.join, zhbook.assets.fonts.FontSet.pdf_program): only the
glyphs the pages draw, as bare CID-keyed CFF programs whose charset keeps each glyph's CID, the number
the parts' text was written with. Verified in two PDF engines (poppler, PDFium) against the same PDF
with each font embedded keeping the full font's glyph numbers; and a build from the cache after the
book gained new characters equals a build without the cache, byte for byte."""

import io
import os
import re
import shutil

import pikepdf
import pypdfium2
import pytest
import uharfbuzz as hb
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops

from tests.helpers import REPO, run_build
from zhbook.assets.fonts import _hb_subset

pytestmark = pytest.mark.slow

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
FONT_FILES = {"ZH-Serif": "NotoSerifCJKsc-Regular.otf", "ZH-Sans-Bold": "NotoSansCJKsc-Bold.otf"}
# Characters the sample book does not have (checked below), all in the Serif face.
NEW_SENTENCE = "鼹鼠与麒麟在饕餮的宴席上跳踢踏舞，蝙蝠和蟋蟀鼓掌。"


def _cids(program: bytes) -> list[int]:
    """The CIDs of a bare CFF program's glyphs, in glyph order."""
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(program), None)
    assert hasattr(cff.topDictIndex[0], "ROS"), "not a CID-keyed CFF"
    return [0 if name == ".notdef" else int(name[3:]) for name in cff.topDictIndex[0].charset]


def _programs(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Object]:
    """Font name (ZH-Serif …) → its embedded program stream."""
    found = {}
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            found[str(descriptor.FontName).split("+")[-1]] = descriptor
    return found


def _with_programs(source, target, make) -> None:
    """source with each font's program replaced by make(full font path, CIDs) → (data, subtype)."""
    with pikepdf.open(source) as pdf:
        for name, descriptor in _programs(pdf).items():
            program = descriptor.FontFile3.read_bytes()
            data, subtype = make(REPO / "fonts" / FONT_FILES[name], _cids(program))
            stream = pdf.make_stream(data)
            stream.Subtype = pikepdf.Name(subtype)
            descriptor.FontFile3 = stream
        pdf.save(target)


def _keeping_glyph_numbers(path, cids):
    """The font as WeasyPrint embeds it: glyph numbers kept (in these fonts CID = glyph number)."""
    return _hb_subset(path, glyphs=set(cids), retain_gids=True, for_pdf=True), "/OpenType"


def _renumbered(path, cids):
    """A compact CFF whose CIDs are renumbered 0, 1, 2 … (HarfBuzz's identity charset): wrong."""
    options = hb.SubsetInput()
    options.glyph_set.update(cids)
    options.flags = hb.SubsetFlags.CFF_IDENTITY_CHARSET | hb.SubsetFlags.DESUBROUTINIZE
    face = hb.subset(hb.Face(hb.Blob.from_file_path(str(path))), options)
    return face.reference_table("CFF ").data, "/CIDFontType0C"


def _poppler(pdf, tmp_path, name) -> list[Image.Image]:
    import subprocess

    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(tmp_path / name)], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob(f"{name}-*.png"))]


def _pdfium(pdf) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(str(pdf))
    return [document[i].render(scale=100 / 72).to_pil().convert("L") for i in range(len(document))]


def _strongly_differing_pixels(a: Image.Image, b: Image.Image) -> int:
    """Pixels darker or lighter by more than a third of the range: a different glyph, not anti-aliasing."""
    return sum(ImageChops.difference(a, b).point(lambda v: 255 if v > 96 else 0).histogram()[255:])


def test_the_compact_programs_draw_the_same_glyphs_in_poppler_and_pdfium(built, tmp_path):
    ours = built["pdf"]
    reference, wrong = tmp_path / "reference.pdf", tmp_path / "wrong.pdf"
    _with_programs(ours, reference, _keeping_glyph_numbers)
    _with_programs(ours, wrong, _renumbered)
    assert ours.stat().st_size < reference.stat().st_size  # the compact programs are smaller

    pages = {name: _poppler(pdf, tmp_path, name) for name, pdf in
             [("ours", ours), ("reference", reference), ("wrong", wrong)]}
    assert len(pages["ours"]) == len(pages["reference"]) >= 10
    for page, (a, b) in enumerate(zip(pages["ours"], pages["reference"])):
        assert ImageChops.difference(a, b).getbbox() is None, f"poppler draws page {page + 1} differently"
    # The check can fail: CIDs renumbered draw other glyphs.
    assert sum(_strongly_differing_pixels(a, b) for a, b in zip(pages["wrong"], pages["reference"])) > 5_000

    pdfium = {name: _pdfium(pdf) for name, pdf in [("ours", ours), ("reference", reference), ("wrong", wrong)]}
    for page, (a, b) in enumerate(zip(pdfium["ours"], pdfium["reference"])):
        # PDFium anti-aliases a bare CFF and an OpenType font a little differently; the glyphs are the same.
        assert _strongly_differing_pixels(a, b) < 50, f"PDFium draws page {page + 1} with other glyphs"
    assert sum(_strongly_differing_pixels(a, b) for a, b in zip(pdfium["wrong"], pdfium["reference"])) > 5_000


def test_only_the_drawn_glyphs_are_embedded(built):
    with pikepdf.open(built["pdf"]) as pdf:
        programs = {name: descriptor.FontFile3.read_bytes() for name, descriptor in _programs(pdf).items()}
    text = "".join((REPO / "book" / "chapters" / p).read_text("utf-8") for p in os.listdir(REPO / "book" / "chapters"))
    cids = {name: _cids(program) for name, program in programs.items()}
    assert all(found == sorted(set(found)) for found in cids.values())
    cmaps = {name: TTFont(REPO / "fonts" / FONT_FILES[name], lazy=True).getBestCmap() for name in cids}
    # Every Han character of the book is drawn in the body face or the heading face …
    han = {c for c in text if "\u4e00" <= c <= "\u9fff"}
    for char in han:
        assert any(int(cmaps[name][ord(char)][3:]) in cids[name] for name in cids), char
    # … and no glyph is embedded that no page draws: fewer glyphs than the layout subsets hold
    # (every character of the book in the body face).
    assert len(cids["ZH-Serif"]) < len(han) + 250
    assert len(cids["ZH-Sans-Bold"]) < len(han) / 2


def test_a_build_from_the_cache_after_new_characters_equals_one_without_it(tmp_path):
    book, cache, out = tmp_path / "book", tmp_path / "cache", tmp_path / "out"
    shutil.copytree(REPO / "book", book, ignore=shutil.ignore_patterns("source"))
    env = dict(ENV, ZHBOOK_CACHE_DIR=str(cache))
    run_build("pdf", "--book", book, "--out", out, env=env)
    chapter = book / "chapters" / "06-closing.md"
    before = "".join(p.read_text("utf-8") for p in (book / "chapters").glob("*.md"))
    new = {c for c in NEW_SENTENCE if c not in before and "\u4e00" <= c <= "\u9fff"}
    assert len(new) >= 10
    chapter.write_text(chapter.read_text("utf-8").rstrip("\n") + NEW_SENTENCE + "\n", "utf-8")

    result = run_build("pdf", "--book", book, "--out", out, env=env)
    assert "5 chapters from the cache" in result.stdout, result.stdout  # the other chapters: cached parts
    assert re.search(r"^pdf font subsets: 4/4 in \d+\.\d s$", result.stdout, re.M), result.stdout  # shown, timed
    from_cache = (out / "jiebei-yuqi.pdf").read_bytes()
    run_build("pdf", "--book", book, "--out", tmp_path / "fresh", env=dict(env, ZHBOOK_CACHE_DIR=str(tmp_path / "empty")))
    assert from_cache == (tmp_path / "fresh" / "jiebei-yuqi.pdf").read_bytes()

    # The new characters' glyphs are in the embedded program (and the text layer has them).
    with pikepdf.open(out / "jiebei-yuqi.pdf") as pdf:
        serif = set(_cids(_programs(pdf)["ZH-Serif"].FontFile3.read_bytes()))
    cmap = TTFont(REPO / "fonts" / FONT_FILES["ZH-Serif"], lazy=True).getBestCmap()
    assert {int(cmap[ord(c)][3:]) for c in new} <= serif
