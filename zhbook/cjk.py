"""Chinese character and punctuation classes: the one source for every module that asks.

The ranges are strings for regular-expression classes (`f"[{HAN}]"`); the predicates work on one
character.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Han ideographs: the BMP blocks (Extension A, unified, compatibility) and the supplementary planes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
KANA = "\u3040-\u30ff"
# Ideographs and kana (not punctuation), with 々 and 〇: what takes the quarter em next to Latin.
IDEOGRAPH = "\u3005\u3007" + KANA + HAN
# CJK Symbols and Punctuation, and the Halfwidth and Fullwidth Forms.
CJK_SYMBOLS = "\u3000-\u303f\uff00-\uffef"
# Latin, Greek and Cyrillic letters and digits: the other side of the CJK–Latin gap.
ALNUM = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"

# Full-width punctuation with its ink on one side of the em box. Closing marks (ink on the left)
# may not start a line; opening ones (ink on the right) may not end one (clreq kinsoku).
CLOSING = "，。、；：？！）」』》”’〕】〉〗〙］｝"
OPENING = "（「『《“‘〔【〈〖〘［｛"
PUNCTUATION = CLOSING + OPENING
# Marks written as two characters that read as one: never split, never spaced inside.
# Marks that end a sentence (Chinese full-width and ASCII): where Kobo's spans split a paragraph.
SENTENCE_END = "。？！?!"
DOUBLED_MARKS = "—…"

HAN_RE = re.compile(f"[{HAN}]")
# Chinese context for punctuation rules: Han, CJK and full-width punctuation, “”, … and —.
CHINESE_RE = re.compile(f"[{HAN}{CJK_SYMBOLS}\u201c\u201d\u2026\u2014]")
# Text with anything Chinese or Japanese to set: ideographs, kana or CJK punctuation.
HAS_CJK_RE = re.compile(f"[{IDEOGRAPH}{PUNCTUATION}{CJK_SYMBOLS}]")


def is_wide(char: str) -> bool:
    """East Asian Wide/Fullwidth: Han, kana, hangul and the full-width punctuation."""
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")


def joins_lines(char: str) -> bool:
    """A character next to which a source line break is not a space (Pandoc's east_asian_line_breaks):
    the wide ones and the Chinese punctuation Unicode calls ambiguous (“”‘’…—·)."""
    return takes_full_em(char) if char else False


@lru_cache(maxsize=4096)
def takes_full_em(char: str) -> bool:
    """Characters that take a full em in Chinese text: the wide ones, and the marks that Chinese
    fonts set full width although Unicode calls them ambiguous (“”‘’…—·)."""
    return is_wide(char) or char in "“”‘’…—·"


def is_chinese(char: str) -> bool:
    return bool(char) and CHINESE_RE.match(char) is not None


# Han characters outside GB2312 (the Simplified set): a few in Simplified text (rare names), a large share in
# Traditional text (這 們 來 說 時 會 …).
TRADITIONAL_SHARE = 0.08


def looks_traditional(text: str) -> bool:
    """Whether text is written in Traditional characters: enough of its Han characters are outside GB2312."""
    han = HAN_RE.findall(text)
    if not han:
        return False
    outside = 0
    for char in han:
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            outside += 1
    return outside >= TRADITIONAL_SHARE * len(han)
