"""The fonts in fonts/: checked, matched to the stylesheet's @font-face rules, subset and cached.

Which characters each font must hold is worked out from the real documents and the real stylesheet:
cssselect2 applies the stylesheet's font-family declarations (cascade and inheritance), and each
character goes to the first family in its element's stack whose font has it — as a reader would.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import cssselect2
import tinycss2
import uharfbuzz as hb
from fontTools.ttLib import TTFont, TTLibError

from ..errors import BookError
from ..output import replace_file

# Part of every subset whatever the text: digits and Latin for page numbers, roman numerals, URLs;
# the list bullets (book.css), which no text holds: the list markers draw them.
ALWAYS_INCLUDED = {chr(c) for c in range(0x20, 0x7F)} | set("　，。、；：？！“”‘’（）《》〔〕…—·•◦▪●○■")
SUBSET_VERSION = "7"  # bump when the subsetting options change, to invalidate the cache


@dataclass
class FontFile:
    path: Path
    sha256: str
    family: str = ""
    weight: str = "normal"
    url: str = ""  # as written in the stylesheet's @font-face src
    file: str = ""  # its name in the EPUB and the stylesheet, if not the file's own (a book's font)

    @property
    def name(self) -> str:
        return self.file or self.path.name

    def cmap(self) -> frozenset[int]:
        """The code points the font maps."""
        return code_points(self.path)


def _declarations(block) -> list:
    return [d for d in tinycss2.parse_declaration_list(block, skip_comments=True, skip_whitespace=True)
            if d.type == "declaration"]


def unused_faces_removed(stylesheet: str, unused: set[str]) -> str:
    """The stylesheet without the @font-face rules of the font files named in unused: a reader
    must not be told of a font the book does not embed (Kobo; EPUBCheck: a missing resource).
    Unchanged, byte for byte, when there is nothing to remove."""
    if not unused:
        return stylesheet
    rules = tinycss2.parse_stylesheet(stylesheet)
    kept = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and _face_url(rule) is not None \
                and Path(_face_url(rule)).name in unused:
            while kept and kept[-1].type in ("whitespace", "comment"):
                kept.pop()  # with its comment and the line breaks before it
            continue
        kept.append(rule)
    return tinycss2.serialize(kept)


def _face_url(rule) -> str | None:
    """The url() of an @font-face rule's src."""
    for decl in _declarations(rule.content):
        if decl.lower_name == "src":
            for token in decl.value:
                if token.type == "url":
                    return token.value
                if token.type == "function" and token.lower_name == "url":
                    return token.arguments[0].value
    return None


def _families(tokens) -> list[str]:
    """A font-family value as a list of names: 'ZH Sans', "ZH Serif", serif → [ZH Sans, ZH Serif, serif]."""
    names, current = [], []
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            names.append(" ".join(current))
            current = []
        elif token.type in ("string", "ident"):
            current.append(token.value)
    names.append(" ".join(current))
    return [n for n in names if n]


# The book's own fonts (book.toml [fonts]): the family and weight each role takes in the stylesheets.
ROLE_FACES = {"body": ("ZH Serif", "normal"), "heading": ("ZH Sans", "bold"), "code": ("ZH Mono", "normal")}


def book_font_name(role: str, path: Path) -> str:
    """The file name of a book's font in the EPUB and in the stylesheet's url(): never one of ours."""
    return f"book-{role}{path.suffix.lower()}"


def book_faces(fonts) -> str:
    """@font-face rules for the book's fonts ((role, path) pairs), in the families of their roles;
    a code font is also made the face of code (our stylesheet sets code in the body face)."""
    rules = []
    for role, path in fonts:
        family, weight = ROLE_FACES[role]
        rules.append(f'@font-face {{\n  font-family: "{family}";\n  src: url("../fonts/{book_font_name(role, path)}");\n'
                     f"  font-weight: {weight};\n  font-style: normal;\n}}")
        if role == "code":
            rules.append('pre, code { font-family: "ZH Mono", "ZH Serif", monospace; }')
    return "/* the book's fonts (book.toml [fonts]) */\n" + "\n".join(rules) + "\n"


def without_faces(stylesheet: str, roles) -> str:
    """stylesheet without our @font-face rules for the families the book's fonts take over."""
    families = {ROLE_FACES[role][0] for role in roles}
    kept = []
    for rule in tinycss2.parse_stylesheet(stylesheet):
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
            names = [" ".join(_families(d.value)) for d in _declarations(rule.content) if d.lower_name == "font-family"]
            if names and names[0] in families:
                continue
        kept.append(rule)
    return tinycss2.serialize(kept)


class FontSet:
    """The fonts of fonts/ as the stylesheet uses them, and the book's own (book_fonts: role → path),
    whose content hash is computed here (they have no entry in fonts.toml)."""

    def __init__(self, fonts_dir: Path, stylesheet: str, cache_dir: Path, book_fonts: dict[str, Path] | None = None):
        self.cache_dir = cache_dir
        manifest = fonts_dir / "fonts.toml"
        try:
            listed = tomllib.loads(manifest.read_text("utf-8"))["files"]
        except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
            raise BookError(f"cannot read the font list ({exc}); restore fonts/ from git", manifest)
        self.files: dict[str, FontFile] = {}
        self._covered: frozenset[int] | None = None  # code points some embedded font maps
        for name, digest in listed.items():
            path = fonts_dir / name
            if not path.is_file():
                raise BookError("font file missing; restore it with `git checkout -- fonts/`", path)
            self.files[name] = FontFile(path=path, sha256=digest)
        self._verify()
        for role, path in (book_fonts or {}).items():
            self.files[book_font_name(role, path)] = FontFile(path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                                                              file=book_font_name(role, path))
        self.by_family: dict[str, list[FontFile]] = {}
        for rule in tinycss2.parse_stylesheet(stylesheet, skip_comments=True, skip_whitespace=True):
            if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
                self._add_face(rule)

    def _verify(self) -> None:
        stamp_path = self.cache_dir / "fonts-verified.json"
        try:
            stamps = json.loads(stamp_path.read_text())
        except (OSError, ValueError):
            stamps = {}
        changed = False
        for font in self.files.values():
            stat = font.path.stat()
            stamp = f"{font.sha256}:{stat.st_size}:{stat.st_mtime_ns}"
            if stamps.get(str(font.path)) == stamp:
                continue  # same file as last verified: skip hashing 20 MB again
            digest = hashlib.sha256(font.path.read_bytes()).hexdigest()
            if digest != font.sha256:
                raise BookError("font file is corrupt or was replaced (sha256 differs from fonts.toml); "
                                "restore it with `git checkout -- fonts/`", font.path)
            stamps[str(font.path)] = stamp
            changed = True
        if changed:
            stamp_path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(stamp_path, json.dumps(stamps, indent=1).encode())

    def _add_face(self, rule) -> None:
        family = weight = None
        url = _face_url(rule)
        for decl in _declarations(rule.content):
            if decl.lower_name == "font-family":
                family = " ".join(_families(decl.value))
            elif decl.lower_name == "font-weight":
                weight = tinycss2.serialize(decl.value).strip()
        name = Path(url or "").name
        if family and name in self.files:
            font = self.files[name]
            font.family, font.weight, font.url = family, weight or "normal", url
            self.by_family.setdefault(family, []).append(font)

    @property
    def embedded(self) -> list[FontFile]:
        return [f for fonts in self.by_family.values() for f in fonts]

    def characters(self, documents: list[ET.Element], stylesheet: str) -> dict[str, set[str]]:
        """For each font file name, the characters the documents set in it."""
        matcher = cssselect2.Matcher()
        order = 0
        for rule in tinycss2.parse_stylesheet(stylesheet, skip_comments=True, skip_whitespace=True):
            if rule.type != "qualified-rule":
                continue
            families = [_families(d.value) for d in _declarations(rule.content) if d.lower_name == "font-family"]
            if not families:
                continue
            for selector in cssselect2.compile_selector_list(rule.prelude):
                if selector.pseudo_element is None:
                    matcher.add_selector(selector, (order, families[-1]))
            order += 1

        default = next(iter(self.by_family), "")
        text_by_stack: dict[tuple[str, ...], set[str]] = {}  # font-family stack → characters set in it

        def visit(element: cssselect2.ElementWrapper, inherited: tuple[str, ...]) -> None:
            matches = matcher.match(element)
            stack = tuple(max(matches, key=lambda m: (m[0], m[3][0]))[3][1]) if matches else inherited
            node = element.etree_element
            text = (node.text or "") + "".join(child.tail or "" for child in node)
            if text:
                text_by_stack.setdefault(stack, set()).update(text)
            for child in element.iter_children():
                visit(child, stack)

        for document in documents:
            visit(cssselect2.ElementWrapper.from_xml_root(document), (default,))

        # Each character goes to the first family of its stack with a font that has it.
        cmaps = {family: [(f.name, f.cmap()) for f in fonts]
                 for family, fonts in self.by_family.items()}
        chars: dict[str, set[str]] = {name: set() for name in self.files}
        for stack, text in text_by_stack.items():
            for char in text:
                code = ord(char)
                for family in stack:
                    names = [name for name, cmap in cmaps.get(family, ()) if code in cmap]
                    for name in names:
                        chars[name].add(char)
                    if names:
                        break
        # The body face holds every character of the book: running heads and other text that
        # the PDF moves into page margins are set in it whatever face they had in the text.
        every_char = set().union(*text_by_stack.values())
        for name, cmap in cmaps.get(default, ()):
            chars[name] |= {c for c in every_char if ord(c) in cmap}
        body = {name for name, _ in cmaps.get(default, ())}
        # A face the documents set some visible character in gets the characters every subset
        # holds; a face they do not use gets none: the EPUB leaves it out (unused_faces_removed),
        # the PDF never draws with it.
        for name, used in chars.items():
            if name in body or any(not c.isspace() for c in used):
                used |= ALWAYS_INCLUDED
            else:
                used.clear()
        return chars

    def cover_faces(self) -> tuple[FontFile, FontFile]:
        """The body face (the first @font-face family) and the bold face (the first bold one), which
        the generated cover is drawn with."""
        body = next(iter(self.by_family.values()))[0]
        bold = next((f for f in self.embedded if f.weight in ("bold", "700")), body)
        return body, bold

    def missing(self, text: str) -> list[str]:
        """Characters (other than white space and controls) that no embedded font covers."""
        if self._covered is None:
            self._covered = frozenset().union(*(f.cmap() for f in self.embedded))
        return sorted({c for c in set(text) if ord(c) not in self._covered and not c.isspace() and ord(c) >= 0x20})

    def _subset_path(self, font: FontFile, chars: set[str], retain_gids: bool) -> Path:
        key = hashlib.sha256("\0".join([SUBSET_VERSION, font.sha256, "".join(sorted(chars)),
                                         "retain-gids" if retain_gids else ""]).encode()).hexdigest()[:24]
        return self.cache_dir / "fonts" / f"{font.path.stem}-{key}{font.path.suffix}"

    def subset(self, font: FontFile, chars: set[str], retain_gids: bool = False) -> bytes:
        """The font cut down to chars (plus their layout alternates), cached by content.
        retain_gids: every glyph keeps its number in the full font (the others are left empty), so
        that text set with one such subset displays with any larger one: what the PDF's parts are
        laid out with (zhbook.pdf.join embeds pdf_program instead)."""
        return self.subsets([(font, chars, retain_gids)])[0]

    def subsets(self, wanted: list[tuple[FontFile, set[str], bool]], progress=None, stage: str = "font subsets"
                ) -> list[bytes]:
        """subset() of each (font, chars, retain_gids); HarfBuzz cuts one in a tenth of a second, so
        they are made here, one after the other, and cached. progress (zhbook.progress.Progress)
        shows them as the stage `stage`."""
        programs = []
        for done, (font, chars, retain_gids) in enumerate(wanted):
            if progress is not None:
                progress.update(stage, done, len(wanted))
            path = self._subset_path(font, chars, retain_gids)
            if path.exists():
                programs.append(path.read_bytes())
                continue
            data = _hb_subset(font.path, unicodes={ord(c) for c in chars}, retain_gids=retain_gids)
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(path, data)
            programs.append(data)
        if progress is not None:
            progress.update(stage, len(wanted), len(wanted))
        return programs

    def pdf_program(self, font: FontFile, glyphs: set[int]) -> tuple[bytes, str]:
        """The font as the joined PDF embeds it: only the glyphs its pages draw (their numbers in
        the full font, which the parts' text is written with), and only the tables a PDF reader
        uses. Returns the program and its kind, the PDF's name for it:
        - "CIDFontType0C", the bare CFF table, for a CID-keyed CFF font whose CIDs are its glyph
          numbers (the Noto CJK faces): a PDF reader finds a CID's glyph through the CFF charset,
          which HarfBuzz's subset keeps, so the glyphs are renumbered and no empty ones are kept;
        - "OpenType" or "TrueType" for any other font: its glyphs keep their numbers, with empty
          ones between them, as WeasyPrint embeds fonts.
        Cached by content: the font and the glyph set."""
        key = hashlib.sha256(f"{SUBSET_VERSION}\0{font.sha256}\0{sorted(glyphs)}".encode()).hexdigest()[:24]
        cached = self.cache_dir / "fonts" / f"{font.path.stem}-pdf-{key}"
        for kind in PDF_FONT_KINDS:
            if cached.with_suffix("." + kind).exists():
                return cached.with_suffix("." + kind).read_bytes(), kind
        data, kind = _pdf_program(font.path, glyphs)
        cached.parent.mkdir(parents=True, exist_ok=True)
        replace_file(cached.with_suffix("." + kind), data)
        return data, kind


# The kinds of font program pdf_program gives, by their PDF names.
PDF_FONT_KINDS = ("CIDFontType0C", "OpenType", "TrueType")
# Layout features kept in the subsets besides HarfBuzz's defaults (kern, locl, vpal …): the half-width
# alternates of punctuation compression; and, named though HarfBuzz keeps them anyway, the vertical
# forms of punctuation and brackets (vert, vrt2) that a vertical EPUB is set with (zhbook.epub.vertical).
EXTRA_FEATURES = ("halt", "palt", "vhal", "vert", "vrt2")
# Tables a PDF reader does not use: it is given each glyph's width, and the text is shaped already.
PDF_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT",
                      "SVG ", "VORG", "vhea", "vmtx")


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


def _hb_face(path: Path) -> hb.Face:
    """The font file as a HarfBuzz face (the file is mapped, not read); a file replaced since (a
    book's font, while the preview runs) is mapped again."""
    try:
        changed = path.stat().st_mtime_ns
    except OSError as exc:
        raise BookError(f"cannot read the font ({exc.strerror}); restore it from git", path)
    return _hb_face_as_of(path, changed)


@functools.lru_cache(maxsize=16)
def _hb_face_as_of(path: Path, changed: int) -> hb.Face:
    try:
        face = hb.Face(hb.Blob.from_file_path(str(path)))
    except Exception as exc:  # uharfbuzz raises plain exceptions for unreadable files
        raise BookError(f"cannot read the font ({exc}); restore it from git", path)
    if face.glyph_count == 0:
        raise BookError("cannot read the font (no glyphs in it); restore it from git", path)
    return face


def code_points(path: Path) -> frozenset[int]:
    """The code points the font at path maps."""
    return _code_points(_hb_face(path))


@functools.lru_cache(maxsize=16)
def _code_points(face: hb.Face) -> frozenset[int]:
    return frozenset(face.unicodes)


def _hb_subset(path: Path, unicodes: set[int] | None = None, glyphs: set[int] | None = None,
               retain_gids: bool = False, for_pdf: bool = False) -> bytes:
    """The font at path cut down with HarfBuzz's hb-subset to the given characters or glyphs."""
    options = hb.SubsetInput()
    if unicodes is not None:
        options.unicode_set.update(unicodes)
    if glyphs is not None:
        options.glyph_set.update(glyphs)
    flags = hb.SubsetFlags.NOTDEF_OUTLINE
    if retain_gids:
        flags |= hb.SubsetFlags.RETAIN_GIDS
    if for_pdf:
        # No layout closure: exactly the glyphs drawn; unrolled subroutines compress better; no
        # hints (7% of the program), as WeasyPrint embeds fonts.
        flags |= hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING
        options.drop_table_tag_set.update(_tag(name) for name in PDF_DROPPED_TABLES)
    else:
        options.layout_feature_tag_set.update(_tag(name) for name in EXTRA_FEATURES)
        options.name_id_set.add_range(0, 0x7FFF)  # every name: copyright and licence (OFL) included
    options.flags = flags
    subset = hb.subset(_hb_face(path), options)
    if subset is None:
        raise BookError("HarfBuzz could not subset the font; restore it from git", path)
    return subset.blob.data


def _pdf_program(path: Path, glyphs: set[int]) -> tuple[bytes, str]:
    """See FontSet.pdf_program."""
    glyphs = set(glyphs) | {0}
    compact = _hb_subset(path, glyphs=glyphs, for_pdf=True)
    font = TTFont(io.BytesIO(compact), lazy=True)
    if "CFF " in font:
        cff = font["CFF "].cff
        # Trust, but verify: the subset's glyph k is the k-th glyph asked for, named by its CID.
        if hasattr(cff.topDictIndex[0], "ROS") and \
                font.getGlyphOrder() == [".notdef"] + [f"cid{gid:05d}" for gid in sorted(glyphs - {0})]:
            return _hb_face_of(compact).reference_table("CFF ").data, "CIDFontType0C"
    kept = _hb_subset(path, glyphs=glyphs, retain_gids=True, for_pdf=True)
    return kept, "OpenType" if kept[:4] == b"OTTO" else "TrueType"


def _hb_face_of(data: bytes) -> hb.Face:
    return hb.Face(hb.Blob(data))
