"""The parts of the PDF (zhbook.pdf.part), joined into one book with pikepdf (qpdf).

What the join keeps right across parts, since each part was made as a PDF of its own:
- every part starts on a right-hand page (or, with `openings = "any"`, on the next page): blank
  pages where zhbook.pdf.plan says;
- named destinations of all parts in one name tree, so links between parts work
  (zhbook.pdf.weasyprint keeps a link to another part's anchor as a link to its name);
- the bookmarks of all parts in book order, and the page labels (roman front matter, then 1, 2 …);
- one structure tree (tagged PDF): every part's elements under one Document, with the keys of the
  parent tree renumbered;
- the embedded fonts: parts name our fonts by a placeholder with the glyphs they draw (see
  zhbook.pdf.weasyprint); the join embeds each font once, with the glyphs of all parts. The parts'
  text is written with the full fonts' glyph numbers, so a part from the cache, set with an older
  subset, shows right with today's program (zhbook.assets.fonts.FontSet.pdf_program).
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from .plan import blanks_after
from .weasyprint import read_font_placeholder

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def join_parts(parts: list[Path], font_program, date: datetime, out: Path,
               openings: str = "right", nested: list[bool] | None = None) -> tuple[int, list[str]]:
    """Join parts[0] (the front matter) and the chapters after it into out; page 1 is the first
    chapter's first page. Return the joined PDF's page count and warnings (fonts not ours, see _system_fonts; links to anchors that
    no part has). pikepdf's PageCopyWarning is not one: it fears for named destinations and form
    fields of copied pages, and the join carries the destinations itself (the parts have no forms).
    font_program(sha256 of a full font, glyph numbers): (the program embedding those glyphs of it, its
    kind: "CIDFontType0C", "OpenType" or "TrueType"), for the parts' placeholders; date: the
    creation and modification date of the book (the parts hold none, see zhbook.pdf.html);
    openings: the book's opening rule (zhbook.pdf.plan), which says where blank pages go;
    nested[i]: part i's bookmarks go under the last top-level bookmark before it (a chapter of a 篇
    after the part's first: its bookmarks belong under the part's title)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        return _join(parts, font_program, date, out, openings, nested or [False] * len(parts))


def _join(parts: list[Path], font_program, date: datetime, out: Path, openings: str,
          nested: list[bool]) -> tuple[int, list[str]]:
    book = pikepdf.open(parts[0])
    sources = [book]  # qpdf copies lazily: sources stay open until the book is saved
    fonts = _FontPrograms(book, font_program)
    names: list[tuple[str, pikepdf.Object]] = list(_dests(book))
    tree = _StructTree(book)
    outline_items = []
    with book.open_outline() as outline:
        outline_items.extend(outline.root)
    fonts.add(range(len(book.pages)))
    _add_blank_pages(book, openings)
    body_start = len(book.pages)
    for path, under in zip(parts[1:], nested[1:]):
        part = pikepdf.open(path)
        sources.append(part)
        first = len(book.pages)
        book.pages.extend(part.pages)
        fonts.add(range(first, len(book.pages)))
        names += [(name, _copy(book, part, dest)) for name, dest in _dests(part)]
        tree.add(part, first)
        with part.open_outline() as part_outline:
            items = [_copied_item(book, part, item) for item in part_outline.root]
            if under and outline_items:
                outline_items[-1].children.extend(items)
            else:
                outline_items += items
        _add_blank_pages(book, openings)

    foreign = _system_fonts(book, fonts.finish())
    names.sort(key=lambda pair: pair[0])
    known = {name for name, _ in names}
    if names:
        book.Root.Names = Dictionary(Dests=Dictionary(Names=Array([x for name, dest in names
                                                                   for x in (pikepdf.String(name), dest)])))
    dangling = _drop_dangling_links(book, known)
    with book.open_outline() as outline:
        outline.root[:] = outline_items
    book.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.r), body_start,
                                                  Dictionary(S=Name.D, St=1)]))
    tree.finish()
    stamp = pikepdf.String(date.astimezone(timezone.utc).strftime("D:%Y%m%d%H%M%SZ"))
    book.docinfo[Name.CreationDate] = book.docinfo[Name.ModDate] = stamp
    book.save(out, deterministic_id=True, compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in sources:
        source.close()
    return len(book.pages), foreign + dangling


def _copy(book: pikepdf.Pdf, source: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """obj of source (another PDF), in book. qpdf copies indirect objects, each once, so a page copied before
    is that page; a direct array or dictionary is made indirect in its PDF first, so that qpdf
    copies it whole (much faster than rebuilding it here item by item)."""
    if isinstance(obj, (Array, Dictionary)):
        return book.copy_foreign(obj if obj.is_indirect else source.make_indirect(obj))
    return obj


def _dests(pdf: pikepdf.Pdf):
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    return [(str(name), dest) for name, dest in pikepdf.NameTree(names.Dests).items()]


def _copied_item(book: pikepdf.Pdf, part: pikepdf.Pdf, item: pikepdf.OutlineItem) -> pikepdf.OutlineItem:
    copied = pikepdf.OutlineItem(item.title, destination=_copy(book, part, item.destination))
    copied.is_closed = item.is_closed
    copied.children.extend(_copied_item(book, part, child) for child in item.children)
    return copied


def _add_blank_pages(book: pikepdf.Pdf, openings: str) -> None:
    """The blank pages after the book so far, so that the next part opens where the rule says."""
    for _ in range(blanks_after(len(book.pages), openings)):
        _add_blank_page(book)


def _add_blank_page(book: pikepdf.Pdf) -> None:
    """An empty page the size of the one before it (with its trim and bleed boxes: print variant)."""
    previous = book.pages[-1].obj
    page = Dictionary(Type=Name.Page, Resources=Dictionary(), Contents=book.make_stream(b""))
    for box in ("/MediaBox", "/TrimBox", "/BleedBox", "/CropBox", "/ArtBox"):
        if box in previous:
            page[box] = previous[box]
    book.pages.append(pikepdf.Page(page))


class _FontPrograms:
    """The parts name our fonts by a placeholder (zhbook.pdf.weasyprint.font_placeholder): the full
    font, and the glyphs the part draws with it (with their widths and text). Each is noted while the
    parts are added; finish() embeds one program per font, with the glyphs all parts draw, and gives
    the parts one font dictionary per face instead of one each: one width array and one ToUnicode
    map for the book, where each part had its own (a sixth of the book's size at 1M characters)."""

    def __init__(self, book: pikepdf.Pdf, program):
        self.book, self.program = book, program
        self.descriptors: dict[str, list[tuple[pikepdf.Object, str]]] = {}  # full font → (descriptor, key)
        self.glyphs: dict[str, dict[int, tuple[float, str]]] = {}  # full font → glyph → (width, text)
        self.conflicting: set[str] = set()  # full fonts with a glyph standing for two texts
        self.faces: dict[tuple[str, str], pikepdf.Object] = {}  # (full font, BaseFont) → the shared font
        self.uses: list[tuple[pikepdf.Object, str, tuple[str, str]]] = []  # (resources' /Font, name, face)
        self.seen: set[tuple[int, int]] = set()  # WeasyPrint gives all pages of a part one resource dictionary

    def add(self, pages: range) -> None:
        for number in pages:
            resources = self.book.pages[number].obj.get("/Resources")
            if resources is None or "/Font" not in resources or resources.objgen in self.seen:
                continue
            if resources.is_indirect:
                self.seen.add(resources.objgen)
            for name, font in resources.Font.items():
                full_font = None
                for descendant in font.get("/DescendantFonts", [font]):
                    descriptor = descendant.get("/FontDescriptor")
                    for key in FONT_FILES if descriptor is not None else ():
                        stream = descriptor.get(key)
                        if stream is None or int(stream.get("/Length", 0)) > 2 ** 20:
                            continue  # a real font program (not one of ours)
                        placeholder = read_font_placeholder(stream.read_bytes())
                        if placeholder is not None:
                            full_font, glyphs = placeholder
                            self.descriptors.setdefault(full_font, []).append((descriptor, key))
                            known = self.glyphs.setdefault(full_font, {})
                            if any(known.get(glyph, (0, text))[1] != text for glyph, (_, text) in glyphs.items()):
                                self.conflicting.add(full_font)
                            known.update(glyphs)
                if full_font is not None and font.get("/Encoding") == Name("/Identity-H"):
                    face = (full_font, str(font.get("/BaseFont")))
                    self.faces.setdefault(face, font)
                    self.uses.append((resources.Font, name, face))

    def finish(self) -> set[tuple[int, int]]:
        """Embed the programs and share the font dictionaries; returns the programs' object ids."""
        streams = set()
        for full_font, descriptors in self.descriptors.items():
            data, kind = self.program(full_font, set(self.glyphs[full_font]))
            stream = self.book.make_stream(data)
            if kind == "TrueType":
                stream.Length1 = len(data)
            else:
                stream.Subtype = Name("/" + kind)
            key = "/FontFile2" if kind == "TrueType" else "/FontFile3"
            for descriptor, old_key in descriptors:
                if old_key != key:
                    del descriptor[old_key]
                descriptor[key] = stream
            streams.add(stream.objgen)
        for (full_font, _), font in self.faces.items():
            if full_font not in self.conflicting:
                glyphs = self.glyphs[full_font]
                font.DescendantFonts[0].W = _widths(glyphs)
                font.ToUnicode = self.book.make_stream(_to_unicode_cmap(glyphs))
        for fonts, name, face in self.uses:
            if face[0] not in self.conflicting:
                fonts[name] = self.faces[face]
        return streams


def _widths(glyphs: dict[int, tuple[float, str]]) -> Array:
    """A CIDFont's /W: runs of consecutive glyph numbers, each with the array of their widths."""
    widths = Array()
    for glyph in sorted(glyphs):
        if glyph - 1 not in glyphs:
            widths.append(glyph)
            widths.append(Array())
        widths[-1].append(glyphs[glyph][0])
    return widths


def _to_unicode_cmap(glyphs: dict[int, tuple[float, str]]) -> bytes:
    """The ToUnicode CMap of glyph numbers → text, as WeasyPrint writes it (weasyprint.pdf.fonts)."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(glyphs.items())
    for start in range(0, len(items), 100):  # at most 100 entries a block
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode() for glyph, (_, text) in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _system_fonts(book: pikepdf.Pdf, ours: set[tuple[int, int]]) -> list[str]:
    """A warning for each font of the joined PDF that is not one of our subsets (ours: the font
    program streams _font_programs put in), naming the characters set in it: a glyph that none of
    our fonts has was taken from a font of the system the book was built on."""
    found: dict[str, set[str]] = {}
    seen = set()
    for page in book.pages:
        resources = page.obj.get("/Resources")
        if resources is None or "/Font" not in resources:
            continue
        for font in resources.Font.values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            programs = [descendant.FontDescriptor.get(key) for descendant in font.get("/DescendantFonts", [font])
                        if "/FontDescriptor" in descendant for key in FONT_FILES]
            if any(program is not None and program.objgen in ours for program in programs):
                continue
            name = str(font.get("/BaseFont", "/unnamed")).lstrip("/").split("+", 1)[-1].replace("-", " ")
            found.setdefault(name, set()).update(_to_unicode(font))
    return [f"the PDF sets {''.join(sorted(chars))!r} in {name}, a system font: none of the book's fonts "
            "(fonts/) has these characters; the PDF depends on the machine it was built on"
            for name, chars in sorted(found.items())]


def _to_unicode(font: pikepdf.Object) -> set[str]:
    """The characters a PDF font's ToUnicode map names (bfchar and bfrange entries)."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return set()
    text = stream.read_bytes().decode("latin-1")
    chars = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
            chars.add(bytes.fromhex(target).decode("utf-16-be", "replace"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for first, last, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = bytes.fromhex(target).decode("utf-16-be", "replace")
            if len(start) == 1:
                chars.update(chr(ord(start) + k) for k in range(int(last, 16) - int(first, 16) + 1))
    return {char for char in chars if not char.isspace()}


def _drop_dangling_links(book: pikepdf.Pdf, known: set[str]) -> list[str]:
    warnings = []
    for number, page in enumerate(book.pages, start=1):
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = Array()
        for annotation in annotations:
            dest = annotation.get("/Dest")
            if isinstance(dest, pikepdf.String) and str(dest) not in known:
                warnings.append(f"a link to #{dest} on page {number}: no heading or note has that id")
                continue
            kept.append(annotation)
        if len(kept) != len(annotations):
            page.obj.Annots = kept
    return warnings


class _StructTree:
    """One structure tree for the joined book: the parts' Document elements' children under the
    front matter's Document, parent-tree keys shifted past the keys already used."""

    def __init__(self, book: pikepdf.Pdf):
        self.root = book.Root.get("/StructTreeRoot")
        self.book = book
        if self.root is None:
            return
        self.document = self._document(self.root)
        self.nums = list(self.root.ParentTree.Nums)
        self.next_key = max((int(k) for k in self.nums[::2]), default=-1) + 1

    @staticmethod
    def _document(root: pikepdf.Object) -> pikepdf.Object:
        kids = root.K
        return kids[0] if isinstance(kids, Array) else kids

    def add(self, part: pikepdf.Pdf, first_page: int) -> None:
        part_root = part.Root.get("/StructTreeRoot")
        if self.root is None or part_root is None:
            return
        offset = self.next_key
        document = _copy(self.book, part, self._document(part_root))
        kids = document.K if isinstance(document.K, Array) else Array([document.K])
        for kid in kids:
            if isinstance(kid, Dictionary):
                kid.P = self.document
            self.document.K.append(kid)
        # The part's own Document stays referenced (by the margin boxes' elements, which WeasyPrint
        # keeps out of the tree): cut it from the part's tree root, or the book would carry every
        # part's root and parent tree along (a sixth of a 1M-character book's size).
        document.K = Array()
        document.P = self.root
        part_nums = list(_copy(self.book, part, part_root.ParentTree).Nums)  # one copy in qpdf, not one per entry
        for key, value in zip(part_nums[::2], part_nums[1::2]):
            self.nums += [int(key) + offset, value]
            self.next_key = max(self.next_key, int(key) + offset + 1)
        for number in range(first_page, first_page + len(part.pages)):
            page = self.book.pages[number].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset

    def finish(self) -> None:
        if self.root is not None:
            self.root.ParentTree = Dictionary(Nums=Array(self.nums))
            self.root.ParentTreeNextKey = self.next_key
