"""Bytes → text for every input a user writes: chapters (zhbook.load) and imported articles (zhbook.importer).

One policy for both, so a file reads the same whichever way it comes in:
  UTF-8, with or without a BOM: read silently.
  UTF-16 with a BOM, UTF-16 without one (recognised by its NUL bytes), GBK and GB18030 Chinese, Big5
    Traditional Chinese: read, with a warning naming the encoding (the user should save it as UTF-8, but
    nothing is lost).
  Anything else is refused in one line that names what it looks like (Shift-JIS, EUC-JP, EUC-KR,
    Latin-1/Windows-1252, binary) rather than turned into mojibake.
And the characters XML forbids (FORBIDDEN), removed from what was read with a warning (strip_forbidden).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import NamedTuple

from .cjk import HAN, KANA
from .errors import BookError, Diagnostics

# Not allowed in XML 1.0 (C0 controls other than tab and newline, surrogates, U+FFFE/U+FFFF), plus the
# C1 controls and noncharacters, which HTML forbids and no text needs.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                       + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                                 for plane in range(1, 17)) + "]")
MAX_REPORTED = 5  # control characters reported one by one; the rest are counted

# GB18030 decodes almost any byte soup: its text is taken as Chinese only when this share of the
# non-ASCII characters is plausible Chinese (plausible_chinese).
GB_PLAUSIBLE_SHARE = 0.8
# More NULs than this (and not UTF-16) is binary data; a few are control characters that the callers strip.
MAX_STRAY_NULS = 16
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
BINARY = "not a text file (it contains NUL bytes or control characters: binary data?); save the file as UTF-8"
HANGUL_RE = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
KANA_RE = re.compile(f"[{KANA}]")
# Han characters separated by single spaces: how Korean read as GB2312 looks (Korean spaces its words).
SPACED_HAN = re.compile(r"[\u3400-\u9fff] [\u3400-\u9fff]")


class Decoded(NamedTuple):
    text: str
    encoding: str  # for the importer's "read as …" line: "UTF-8", "GBK (a subset of GB18030)", …
    warning: str | None  # the same sentence for a chapter and an article; None for UTF-8


class EncodingError(ValueError):
    """The bytes are not text we accept; message says what they look like and what to do."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _warning(encoding: str, why: str) -> str:
    return f"not UTF-8: decoded as {encoding} ({why}); save it as UTF-8"


def decode(raw: bytes, path: Path | str | None = None) -> Decoded:
    """The text of raw; BookError naming path (and line and column) when it is not text we accept."""
    try:
        return decode_bytes(raw)
    except EncodingError as exc:
        raise BookError(exc.message, path, exc.line, column=exc.column) from None


def decode_bytes(raw: bytes) -> Decoded:
    """decode() without a path: EncodingError (with line and column where known) for refused bytes."""
    for bom, order in ((codecs.BOM_UTF16_LE, "little-endian"), (codecs.BOM_UTF16_BE, "big-endian")):
        if raw.startswith(bom):
            try:
                text = raw.decode("utf-16")
            except UnicodeDecodeError:
                raise EncodingError("starts like UTF-16 but is not valid UTF-16; save the file as UTF-8")
            return Decoded(text, f"UTF-16 {order} (byte order mark)",
                           _warning("UTF-16", "it has a UTF-16 byte order mark"))
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(raw, exc.start)
    nuls = raw.count(b"\0")
    if nuls > max(MAX_STRAY_NULS, len(raw) // 10):  # (a few NULs are control characters the callers remove)
        decoded = _as_utf16_without_bom(raw)
        if decoded is None:
            raise EncodingError(BINARY)
        return decoded
    if utf8.startswith("\ufeff"):
        return Decoded(utf8[1:], "UTF-8 with a byte order mark", None)
    return Decoded(utf8, "UTF-8", None)


def _as_utf16_without_bom(raw: bytes) -> Decoded | None:
    utf16 = utf16_without_bom(raw)
    if not utf16:
        return None
    codec, order = utf16
    return Decoded(raw.decode(codec), f"UTF-16 {order} (no byte order mark)",
                   _warning(f"UTF-16 {order}", "it has no byte order mark"))


def _not_utf8(raw: bytes, bad: int) -> Decoded:
    """Bytes that are not UTF-8 from offset bad: UTF-16 without a BOM or GB Chinese, else refused."""
    decoded = _as_utf16_without_bom(raw) if b"\0" in raw else None
    if decoded:
        return decoded
    line_start = raw.rfind(b"\n", 0, bad) + 1
    line = raw.count(b"\n", 0, bad) + 1
    column = len(raw[line_start:bad].decode("utf-8", "replace")) + 1
    valid = len(UTF8_SEQUENCE.findall(raw))
    invalid = raw.decode("utf-8", "replace").count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    if valid > invalid:  # UTF-8 with a few bad bytes: damaged, not another encoding
        raise EncodingError(f"invalid UTF-8 byte 0x{raw[bad]:02X} in a UTF-8 file (damaged or cut); "
                            "fix or retype the text there and save as UTF-8", line, column)
    try:
        text = raw.decode("gb18030").lstrip("\ufeff")
    except UnicodeDecodeError:
        text = ""
    if looks_like_chinese(text):
        try:
            raw.decode("gbk")
            encoding, name = "GBK", "GBK (a subset of GB18030)"
        except UnicodeDecodeError:
            encoding = name = "GB18030"
        return Decoded(text, name, _warning(encoding, "Chinese text"))
    if looks_binary(raw):
        raise EncodingError(BINARY)
    likely = likely_encoding(raw)
    if likely == BIG5:
        # Big5 proper maps its full-width marks to the full-width forms (／ U+FF0F); cp950, Microsoft's Big5,
        # reads the vendor additions that Big5 lacks but maps some marks elsewhere (∕ U+2215).
        try:
            text = raw.decode("big5")
        except UnicodeDecodeError:
            text = raw.decode("cp950")
        return Decoded(text.lstrip("\ufeff"), "Big5", _warning("Big5", "Traditional Chinese text"))
    what = f": looks like {likely};" if likely else " and not GBK/GB18030 Chinese;"
    raise EncodingError(f"not UTF-8 (byte 0x{raw[bad]:02X}){what} save the file as UTF-8", line, column)


def utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """(codec, byte order) of UTF-16 saved without a byte order mark: the NUL bytes of its ASCII characters
    (line breaks, digits, punctuation) fall on one side of each 2-byte unit, and it decodes to readable
    text with line breaks (the wrong byte order turns "\n" into U+0A00)."""
    if len(raw) % 2:
        return None
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    for codec, order, nuls, others in (("utf-16-le", "little-endian", odd, even),
                                       ("utf-16-be", "big-endian", even, odd)):
        # Most NULs on one side: a Han character's low byte can be NUL too (一 U+4E00), and short Chinese
        # lines have few ASCII characters, so the other side may have some. The decoded text decides.
        if nuls >= 2 and others < nuls:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            readable = sum(1 for c in text if c.isprintable() or c.isspace())
            if readable >= 0.98 * len(text) and "\n" in text:
                return codec, order
    return None


def plausible_chinese(char: str) -> bool:
    """A character that GB18030 Chinese text is made of: one of GB2312's common characters, or one
    GB18030 writes as a four-byte sequence (rare Han such as 𠮷, symbols). Big5 and Shift-JIS bytes
    read as GBK land on uncommon characters, and never form four-byte sequences."""
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return len(char.encode("gb18030")) == 4


def looks_like_chinese(text: str) -> bool:
    """Whether text, decoded as GB18030, reads as Chinese rather than as mojibake of another encoding.

    EUC-JP and EUC-KR share GB2312's byte layout, so their text decodes as GB2312 characters too:
    Japanese keeps its kana there (GB2312 has them at the same codes), Korean turns into Han
    characters separated by the spaces Korean puts between words. Chinese has neither.
    """
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide or sum(map(plausible_chinese, wide)) < GB_PLAUSIBLE_SHARE * len(wide):
        return False
    kana = len(KANA_RE.findall(text))
    spaced = len(SPACED_HAN.findall(text))
    return kana <= 0.1 * len(wide) and spaced <= 0.1 * len(wide)


def _share(text: str, pattern: re.Pattern) -> float:
    """The share of text's non-ASCII characters that pattern matches."""
    wide = [c for c in text if ord(c) > 0x7F]
    return sum(1 for c in wide if pattern.match(c)) / len(wide) if wide else 0.0


def _japanese(text: str) -> bool:  # Han and kana, with at least some kana (Chinese has none)
    return _share(text, CJK_TEXT) >= 0.9 and _share(text, KANA_RE) >= 0.1


def _western(text: str) -> bool:  # mostly ASCII letters, the rest accented letters and typographic marks
    return _share(text, WESTERN) >= 0.9 and sum(ord(c) > 0x7F for c in text) <= 0.4 * len(text)


BIG5 = "Big5 (Traditional Chinese)"
CJK_TEXT = re.compile(f"[{HAN}{KANA}\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026\u2014]")
# What the non-ASCII characters of Western European text are: accented letters, typographic marks, €.
WESTERN = re.compile("[\u00a0-\u024f\u2013\u2014\u2018-\u201e\u2026\u20ac]")
# (codec, the name in the message, whether the trial decode reads as that language), most specific first:
# Japanese and Korean before Big5, since EUC-JP and EUC-KR bytes decode as Big5 too, as Han characters only.
CANDIDATES = (
    ("shift_jis", "Shift-JIS (Japanese)", _japanese),
    ("euc_jp", "EUC-JP (Japanese)", _japanese),
    ("euc_kr", "EUC-KR (Korean)", lambda text: _share(text, HANGUL_RE) >= 0.5),
    ("cp950", BIG5, lambda text: _share(text, CJK_TEXT) >= 0.9),
    ("cp1252", "Latin-1/Windows-1252 (Western European)", _western),
    ("latin-1", "Latin-1/Windows-1252 (Western European)", _western),  # the bytes cp1252 leaves undefined
)


def looks_binary(raw: bytes) -> bool:
    """More control characters than a text file has (a few stray ones happen in scraped text)."""
    controls = sum(1 for byte in raw if byte < 0x20 and byte not in b"\t\n\r\f")
    return controls > max(4, len(raw) // 100)


def likely_encoding(raw: bytes) -> str | None:
    """What raw (not UTF-8, UTF-16 or GB Chinese) most likely is, for the refusal message; None when no
    candidate reads as text. A trial decode of each candidate codec and a test of the characters it yields."""
    for codec, name, reads_as_text in CANDIDATES:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if reads_as_text(text):
            return name
    return None


def strip_forbidden(text: str, path: Path | str | None, diagnostics: Diagnostics) -> str:
    """text without the characters XML forbids, each removal warned about with line:column."""
    matches = list(FORBIDDEN.finditer(text))
    if not matches:
        return text
    for match in matches[:MAX_REPORTED]:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        diagnostics.warn(f"removed control character U+{ord(match.group()):04X} (not allowed in XML text)",
                         path, line, column=column)
    if len(matches) > MAX_REPORTED:
        diagnostics.warn(f"removed {len(matches) - MAX_REPORTED} more control characters", path)
    return FORBIDDEN.sub("", text)
