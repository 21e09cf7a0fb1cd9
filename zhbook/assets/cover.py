"""The cover: a supplied image (book.toml `cover`), or one set from the metadata in the book's own fonts."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from ..codehash import code_digest
from ..errors import BookError
from .fonts import code_points
from ..model import Book
from ..output import replace_file

SIZE = (1600, 2560)  # the 1:1.6 portrait that Kindle, Kobo and Apple Books recommend
MARGIN = 150
# A flat, two-tone design: a deep ink-blue block carrying the title in paper colour, the lower part
# paper with the subtitle and the author. It stays legible as a store thumbnail (the title is about a
# tenth of the cover wide per character) and on a grey e-ink screen (block and paper are far apart).
PAPER = (244, 239, 228)
BLOCK = (28, 42, 58)
ON_BLOCK = (244, 239, 228)
ON_BLOCK_MUTED = (170, 180, 190)
INK = (33, 37, 41)
MUTED = (92, 96, 102)
ACCENT = (182, 40, 32)  # 朱红, the colour of a seal
RULE = (160, 156, 148)
LANGUAGE = "zh-Hans"  # raqm applies the font's Simplified Chinese (locl) forms, as the book does
# Closing marks may not start a line and opening marks may not end one (clreq), on the cover too.
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’…—·")
NO_LINE_END = set("（「『《〈【〔“‘")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break Chinese text into lines no wider than width, keeping punctuation where it belongs."""
    lines, line = [], ""
    for char in text:
        if line and _length(line + char, font) > width and char not in NO_LINE_START:
            carry = ""
            while line and line[-1] in NO_LINE_END:
                carry, line = line[-1] + carry, line[:-1]
            lines.append(line)
            line = carry
        line += char
    return lines + [line] if line else lines


def _length(text: str, font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(text, language=LANGUAGE)


def _balanced(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """As many lines as a greedy wrap needs, but of even length: no lone last character."""
    count = len(_wrap(text, font, width))
    if count < 2:
        return [text]
    return _wrap(text, font, int(_length(text, font) / count) + font.size)


def _face_for(text: str, preferred: Path, other: Path) -> Path:
    """The face that has every character of text: no tofu on the cover. preferred, else other."""
    for path in (preferred, other):
        if all(ord(c) in code_points(path) or c.isspace() for c in text):
            return path
    missing = sorted({f"U+{ord(c):04X} {c}" for c in text if ord(c) not in code_points(preferred) | code_points(other)})
    raise BookError(f"the cover text has characters no embedded font covers ({', '.join(missing)}); "
                    "change them in book.toml or supply a cover image with `cover = \"…\"`")


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _lines(draw: ImageDraw.ImageDraw, lines: list[str], font, x: float, baseline: float, leading: float,
           fill) -> float:
    """Draw lines from their first baseline down; return the last baseline."""
    for number, line in enumerate(lines):
        draw.text((x, baseline + number * leading), line, font=font, fill=fill, anchor="ls", language=LANGUAGE)
    return baseline + (len(lines) - 1) * leading


def generated_cover(book: Book, serif: Path, sans: Path) -> bytes:
    """A typographic cover: the title in 黑体 on the block, subtitle and author in 宋体 on paper."""
    meta = book.meta
    width, height = SIZE
    measure = width - 2 * MARGIN
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)

    title_face = _face_for(meta.title, sans, serif)
    title_size = 180
    title_font = _font(title_face, title_size)
    while len(_wrap(meta.title, title_font, measure)) > 4 and title_size > 90:
        title_size -= 10  # long titles get smaller, never run off the cover
        title_font = _font(title_face, title_size)
    title_lines = _balanced(meta.title, title_font, measure)
    leading = round(title_size * 1.28)
    # The title sits low in the block, its last line a fixed distance above the block's edge, so a
    # one-line and a four-line title both look placed, not dropped.
    block_bottom = max(1420, 640 + len(title_lines) * leading)
    first_baseline = block_bottom - 230 - (len(title_lines) - 1) * leading
    draw.rectangle((0, 0, width, block_bottom), fill=BLOCK)
    draw.rectangle((MARGIN, first_baseline - title_size - 110, MARGIN + 110, first_baseline - title_size - 92),
                   fill=ACCENT)
    _lines(draw, title_lines, title_font, MARGIN, first_baseline, leading, ON_BLOCK)
    draw.rectangle((0, block_bottom, width, block_bottom + 14), fill=ACCENT)

    if meta.subtitle:
        size = 66
        subtitle_font = _font(_face_for(meta.subtitle, serif, sans), size)
        _lines(draw, _balanced(meta.subtitle, subtitle_font, measure), subtitle_font, MARGIN,
               block_bottom + 14 + 150, round(size * 1.6), INK)

    # The author at the foot, above a hairline: name in 黑体, "著" smaller in 宋体, as on a printed cover.
    rule_y = height - 430
    draw.rectangle((MARGIN, rule_y, width - MARGIN, rule_y + 3), fill=RULE)
    baseline = rule_y + 190
    author_font = _font(_face_for(meta.author, sans, serif), 84)
    draw.text((MARGIN, baseline), meta.author, font=author_font, fill=INK, anchor="ls", language=LANGUAGE)
    role_font = _font(serif, 58)
    draw.text((MARGIN + _length(meta.author, author_font) + 36, baseline), "著", font=role_font, fill=MUTED,
              anchor="ls", language=LANGUAGE)
    if meta.publisher:
        publisher_font = _font(_face_for(meta.publisher, serif, sans), 52)
        draw.text((width - MARGIN, baseline), meta.publisher, font=publisher_font, fill=MUTED, anchor="rs",
                  language=LANGUAGE)

    buffer = io.BytesIO()
    # A flat design: a small palette keeps the PNG small with no JPEG artefacts around the text.
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        buffer, "PNG", optimize=True)
    return buffer.getvalue()


def cover_text(book: Book) -> str:
    """Every character the generated cover draws (for tests and glyph checks)."""
    meta = book.meta
    return meta.title + (meta.subtitle or "") + meta.author + "著" + (meta.publisher or "")


def supplied_cover(path: Path, book_root: Path) -> tuple[bytes, str]:
    """The author's own cover image (JPEG or PNG), checked; returns (bytes, media type)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(book_root.resolve()):
        raise BookError("the cover must be inside the book folder; copy it there", path)
    if not resolved.is_file():
        raise BookError("cover image not found; fix the `cover` path in book.toml", path)
    try:
        with Image.open(resolved) as image:
            kind = image.format
    except (UnidentifiedImageError, OSError):
        raise BookError("the cover is not an image; use a JPEG or PNG", path)
    if kind not in ("JPEG", "PNG"):
        raise BookError(f"the cover is {kind}; use a JPEG or PNG (what every e-reader shows)", path)
    return resolved.read_bytes(), "image/jpeg" if kind == "JPEG" else "image/png"


def cover_image(book: Book, serif: Path, sans: Path, cache_dir: Path | None = None) -> tuple[bytes, str]:
    """The supplied cover, or the generated one; that one is kept in cache_dir/covers, by what it is
    drawn from (its text, the fonts, this module), since drawing it takes a third of a second."""
    if book.meta.cover:
        return supplied_cover(book.meta.cover, book.root)
    if cache_dir is None:
        return generated_cover(book, serif, sans), "image/png"
    meta = book.meta
    key = hashlib.sha256("\0".join(
        [meta.title, meta.subtitle, meta.author, meta.publisher, code_digest("assets/cover.py"),
         *(f"{font.name}:{font.stat().st_size}:{font.stat().st_mtime_ns}" for font in (serif, sans))]
    ).encode()).hexdigest()[:24]
    cached = cache_dir / "covers" / f"{key}.png"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        replace_file(cached, generated_cover(book, serif, sans))
    return cached.read_bytes(), "image/png"
