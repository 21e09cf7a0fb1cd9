"""The rules of Chinese typesetting the PDF follows, as pure functions of characters: which marks
are compressed (`halt`), where the quarter em between Chinese and Latin goes, which gaps take the
justification, where UAX #14 breaks a line that Chinese must not. zhbook.pdf.weasyprint applies
them inside WeasyPrint; nothing here imports WeasyPrint, so they are tested on their own.

The character classes are zhbook.cjk's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..cjk import ALNUM, CLOSING, DOUBLED_MARKS, HAS_CJK_RE, IDEOGRAPH, OPENING, PUNCTUATION, takes_full_em

AUTOSPACE_EM = 0.25  # CJK–Latin gap, in em of the text's font size
CJK_LANGS = ("zh", "ja", "cmn", "yue")
SPACES = " \u00a0"

# Ideographs and kana (not punctuation) next to Latin letters or digits get the quarter em.
AUTOSPACE = re.compile(f"[{IDEOGRAPH}](?=[{ALNUM}])|[{ALNUM}](?=[{IDEOGRAPH}])")
COMPRESS_FIRST = re.compile(f"[{CLOSING}](?=[{CLOSING}])")  # 。” ”， ）。: the first one
COMPRESS_SECOND = re.compile(f"(?<=[{PUNCTUATION}])[{OPENING}]")  # ，“ （“ ”（: the opening one
# Traditional Chinese (Taiwan, Hong Kong; clreq) centres these marks in their em box, as the TC faces
# draw them: no blank half to take away, so they are never compressed, and an opening bracket after
# one keeps its space too. Brackets and quotes (」』）) still are, next to each other.
CENTRED = "，。、；：？！"
BRACKETS_CLOSING = "".join(c for c in CLOSING if c not in CENTRED)
COMPRESS_FIRST_CENTRED = re.compile(f"[{BRACKETS_CLOSING}](?=[{CLOSING}])")  # 」」 」。: the bracket
COMPRESS_SECOND_CENTRED = re.compile(f"(?<=[{BRACKETS_CLOSING}{OPENING}])[{OPENING}]")  # 」「 （「
TRADITIONAL_LANGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
# UAX #14 breaks after a space even before ” ’ …… or a CJK nonstarter (LB18 comes before
# LB19/LB21/LB22), and after an opening mark followed by a space. Not in Chinese.
NO_BREAK = re.compile(f"[{SPACES}]+[{CLOSING}…‥]|[{OPENING}][{SPACES}]+.")

__all__ = ["AUTOSPACE_EM", "CJK_LANGS", "HAS_CJK_RE", "is_cjk_lang", "centres_punctuation", "is_code", "is_set_by_cjk_rules", "spaced",
           "safe", "opportunity", "plan", "no_breaks", "may_break_between", "is_runt", "RUNT_CUTS"]

# A paragraph's last line may not hold a lone ideograph (孤字), with or without closing marks.
RUNT = re.compile(f"[{IDEOGRAPH}][{CLOSING}…—]*")
# The widths (em) by which the line before a runt is set narrower, tried in turn, so that it gives
# the last line one more character or two (see zhbook.pdf.weasyprint._get_next_linebox).
RUNT_CUTS = (1, 2, 3)


def is_cjk_lang(lang: str | None) -> bool:
    """Is text of this `lang` set by the Chinese rules (Chinese or Japanese)?"""
    return (lang or "").lower().startswith(CJK_LANGS)


def centres_punctuation(lang: str | None) -> bool:
    """Does text of this `lang` set 。，、；：！？ in the centre of the em box (Traditional Chinese:
    zh-Hant, zh-TW, zh-HK, zh-MO), so that they are not compressed?"""
    return (lang or "").lower().startswith(TRADITIONAL_LANGS)


def is_code(style) -> bool:
    """Is text of this style code, set as written on the monospace grid? Preformatted text, and text
    whose font stack names the generic `monospace` (styles/book.css: pre, code, kbd, samp), inline
    code inside a Chinese paragraph included. The Chinese rules leave it alone: no `halt`, no
    CJK–Latin gap and no justification inside it (a Han character stays exactly two Latin cells).
    The quarter em between inline code and the Han text next to it stays: the Han side holds it."""
    return (style["white_space"] in ("pre", "pre-wrap", "break-spaces")
            or "monospace" in (family.lower() for family in style["font_family"]))


def is_set_by_cjk_rules(style) -> bool:
    """Is text of this style set by the Chinese rules at all (compression, kinsoku, spacing)?"""
    return is_cjk_lang(style["lang"]) and not is_code(style)


def spaced(style) -> bool:
    """Does text of this style (WeasyPrint's computed style, a mapping) get CJK–Latin spacing and
    Chinese justification? Not code (is_code), nor text with letter- or word-spacing of its own."""
    return (is_set_by_cjk_rules(style) and style["letter_spacing"] == "normal" and not style["word_spacing"])


@lru_cache(maxsize=4096)
def safe(char: str) -> bool:
    """Can this character carry letter-spacing? Letter-spacing splits Pango's shaping runs, which
    would break Latin kerning and ligatures and the one-glyph —— and …… of CJK fonts."""
    return char in SPACES or (takes_full_em(char) and char not in DOUBLED_MARKS)


@lru_cache(maxsize=65536)
def opportunity(char: str, following: str) -> bool:
    """Is the gap between two characters a justification opportunity?"""
    if following in SPACES:
        return False  # the space after a space is the opportunity, not the one before it
    if char in SPACES:
        return True
    if char in PUNCTUATION and following in PUNCTUATION:
        return False  # compressed pairs stay tight
    if AUTOSPACE.match(char + following):
        return False  # 30天: the quarter em only, so that text extraction keeps "30天" together
    if char == following and char in DOUBLED_MARKS:
        return False  # —— and …… are one mark each
    if not (safe(char) or safe(following)):
        return False  # —— next to a digit, say: no character may carry the space
    return takes_full_em(char) or takes_full_em(following)


@lru_cache(maxsize=1024)  # the justification asks for each line what drawing will ask again
def plan(text: str, previous: str | None, following: str | None, font_size: float, justification: float,
         spacing: bool, centred: bool = False) -> tuple[list[int], dict[int, list[float]]]:
    """Which characters of text get `halt` (indexes), and the space wanted before and after
    characters ({index: [lead, trail]}, px), given the characters just before and after the text
    (None: none, or a line end), the font size (px), the justification per gap (px) and whether
    the text is spaced at all (see spaced()); centred: the text's language centres 。，、；：！？
    (centres_punctuation()), which are then never compressed. Cached: the caller must not change what
    it returns."""
    first, second = (COMPRESS_FIRST_CENTRED, COMPRESS_SECOND_CENTRED) if centred else (COMPRESS_FIRST, COMPRESS_SECOND)
    compressible_closing = BRACKETS_CLOSING if centred else CLOSING
    halts = [m.start() for m in first.finditer(text)]
    halts += [m.start() for m in second.finditer(text)]
    if following and text[-1] in compressible_closing and following in CLOSING:
        halts.append(len(text) - 1)
    if previous and text[0] in OPENING and previous in (BRACKETS_CLOSING + OPENING if centred else PUNCTUATION):
        halts.append(0)
    gaps: dict[int, list[float]] = {}
    if spacing:
        chars = (previous or "") + text + (following or "")
        start = 1 if previous else 0  # index of text[0] in chars

        def add(k, amount):  # space between chars[k] and chars[k + 1]
            # Held by the character before the gap if it is safe, else by the one after: decided
            # from the two characters only, so two boxes sharing a gap agree on it.
            after = not safe(chars[k])
            index = k + after - start
            if 0 <= index < len(text):
                gaps.setdefault(index, [0, 0])[0 if after else 1] += amount

        quarter = AUTOSPACE_EM * font_size
        for m in AUTOSPACE.finditer(chars):
            add(m.start(), quarter)
        if justification:
            for k in range(len(chars) - 1):
                if opportunity(chars[k], chars[k + 1]):
                    add(k, justification)
    return halts, gaps


def no_breaks(text: str, previous: str | None) -> list[tuple[int, int]]:
    """The spans [first, end) of text (indexes) inside which the line may not break although
    UAX #14 lets it, previous being the character before text (None: none)."""
    start = 1 if previous else 0
    return [(max(m.start() - start, 0), m.end() - start) for m in NO_BREAK.finditer((previous or "") + text)]


def may_break_between(pair: str, lang: str | None) -> bool:
    """False where the Chinese rules forbid a break between two characters (the last of one inline
    box, the first of the next) that UAX #14 allows; True: UAX #14 decides."""
    return not (len(pair) == 2 and is_cjk_lang(lang) and NO_BREAK.fullmatch(pair))


def is_runt(last_line: str) -> bool:
    """Is this text, a paragraph's last line, a lone ideograph or kana (with its closing marks)?"""
    return bool(RUNT.fullmatch(last_line.strip(SPACES + "\u200b\u3000")))
