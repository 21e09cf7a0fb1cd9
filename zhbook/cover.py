"""The cover: a supplied image (book.toml `cover`), or one set from the metadata in the book's own fonts."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .errors import BookError
from .load import Book

SIZE = (1600, 2560)  # the 1:1.6 portrait that Kindle, Kobo and Apple Books recommend
PAPER, INK, ACCENT, MUTED = (246, 241, 231), (33, 37, 41), (178, 34, 34), (96, 96, 96)
# Closing marks may not start a line and opening marks may not end one (clreq), on the cover too.
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’…—·")
NO_LINE_END = set("（「『《〈【〔“‘")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break Chinese text into lines no wider than width, keeping punctuation where it belongs."""
    lines, line = [], ""
    for char in text:
        if line and font.getlength(line + char) > width and char not in NO_LINE_START:
            carry = ""
            while line and line[-1] in NO_LINE_END:
                carry, line = line[-1] + carry, line[:-1]
            lines.append(line)
            line = carry
        line += char
    return lines + [line] if line else lines


def _balanced(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """As many lines as a greedy wrap needs, but of even length: no lone last character."""
    count = len(_wrap(text, font, width))
    if count < 2:
        return [text]
    return _wrap(text, font, int(font.getlength(text) / count) + font.size)


def _left(draw: ImageDraw.ImageDraw, lines: list[str], font, x: float, top: float, leading: float, fill) -> float:
    for line in lines:
        draw.text((x, top), line, font=font, fill=fill)
        top += leading
    return top


def generated_cover(book: Book, serif: Path, sans: Path) -> bytes:
    """A typographic cover: title in the sans, subtitle and author in the serif, on paper colour."""
    meta = book.meta
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    margin = 180
    draw.rectangle((0, 0, SIZE[0], 64), fill=ACCENT)
    draw.rectangle((margin, 560, margin + 120, 576), fill=ACCENT)

    title_size = 160
    title_font = ImageFont.truetype(str(sans), title_size)
    while len(_wrap(meta.title, title_font, SIZE[0] - 2 * margin)) > 4 and title_size > 80:
        title_size -= 10  # long titles get smaller, never run off the page
        title_font = ImageFont.truetype(str(sans), title_size)
    title_lines = _balanced(meta.title, title_font, SIZE[0] - 2 * margin)
    top = _left(draw, title_lines, title_font, margin, 660, title_size * 1.3, INK)

    if meta.subtitle:
        subtitle_font = ImageFont.truetype(str(serif), 68)
        _left(draw, _balanced(meta.subtitle, subtitle_font, SIZE[0] - 2 * margin), subtitle_font, margin,
              top + 80, 68 * 1.5, MUTED)
    author_font = ImageFont.truetype(str(serif), 80)
    _left(draw, [f"{meta.author}　著"], author_font, margin, SIZE[1] - 560, 0, INK)
    if meta.publisher:
        publisher_font = ImageFont.truetype(str(serif), 56)
        _left(draw, [meta.publisher], publisher_font, margin, SIZE[1] - 300, 0, MUTED)
    draw.rectangle((0, SIZE[1] - 64, SIZE[0], SIZE[1]), fill=ACCENT)

    buffer = io.BytesIO()
    # A flat design: a small palette keeps the PNG small with no JPEG artefacts around the text.
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        buffer, "PNG", optimize=True)
    return buffer.getvalue()


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


def cover_image(book: Book, serif: Path, sans: Path) -> tuple[bytes, str]:
    if book.meta.cover:
        return supplied_cover(book.meta.cover, book.root)
    return generated_cover(book, serif, sans), "image/png"
