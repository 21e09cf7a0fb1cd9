"""Ruby annotations (注音): the readings an author writes (`{汉字|hàn zì}`) or asks pypinyin for
(`{拼音:行长}`, `{注音:行長}`), checked and paired with their characters. The Markdown syntax itself
is zhbook.markdown.extensions.Ruby; this module is the plain logic behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..cjk import HAN

PINYIN_MARK = "拼音"  # {拼音:…}: pinyin with tone marks
ZHUYIN_MARK = "注音"  # {注音:…}: Zhuyin (Bopomofo), set to the right of each character where the reader can
ZHUYIN_CLASS = "zhuyin"  # the class of a <ruby> whose annotation is Zhuyin (the stylesheets place it)
# Bopomofo letters (and the extended ones) and the tone marks written with them.
ZHUYIN_RE = re.compile("^[\u3100-\u312f\u31a0-\u31bf\u02ca\u02c7\u02cb\u02d9\u02c9 ]+$")
HAN_CHAR_RE = re.compile(f"[{HAN}]")
SYLLABLES_RE = re.compile(r"[ \t\u3000]+")


@dataclass(frozen=True)
class Annotation:
    """A base text and its reading: pairs (character, syllable) when there is one syllable per
    character, else the whole base with the whole reading (a group ruby)."""

    base: str
    reading: str
    zhuyin: bool

    @property
    def pairs(self) -> list[tuple[str, str]]:
        syllables = SYLLABLES_RE.split(self.reading.strip())
        if len(syllables) == len(self.base) > 1:
            return list(zip(self.base, syllables))
        return [(self.base, " ".join(syllables))]


def zhuyin_beside(language: str) -> bool:
    """Whether Zhuyin goes to the right of each character (Taiwan's convention) in text of this
    language: Traditional Chinese (zh-Hant, zh-TW, zh-HK, and tags under them)."""
    tag = language.lower()
    return any(tag == t or tag.startswith(t + "-") for t in ("zh-hant", "zh-tw", "zh-hk", "zh-mo"))


def is_zhuyin(reading: str) -> bool:
    return bool(ZHUYIN_RE.match(reading))


def explicit(base: str, reading: str) -> tuple[Annotation | None, str]:
    """`{base|reading}` checked: the annotation, or None and what is wrong with it."""
    base, reading = base.strip(), reading.strip()
    if not base:
        return None, "has no base text before '|'"
    if not reading:
        return None, "has no reading after '|'"
    if "|" in reading:
        return None, "has more than one '|'"
    return Annotation(base, reading, is_zhuyin(reading)), ""


@dataclass(frozen=True)
class Review:
    """A polyphonic character pypinyin chose a reading for: from its phrase data (phrase is the
    word), or its single-character default (phrase is ""). Worth a look either way."""

    char: str
    reading: str
    phrase: str
    others: tuple[str, ...]

    def __str__(self) -> str:
        where = f"in {self.phrase}" if self.phrase else "its default reading"
        return f"{self.char} {self.reading} ({where}; also {'/'.join(self.others)})"


def _zhuyin_syllable(syllable: str) -> str:
    """pypinyin writes the neutral tone's dot last (ㄌㄜ˙); Taiwan writes it first (˙ㄌㄜ)."""
    return "\u02d9" + syllable[:-1] if syllable.endswith("\u02d9") else syllable


def automatic(passage: str, zhuyin: bool) -> tuple[list[Annotation | str], list[Review]]:
    """pypinyin's readings of passage: an Annotation for each Han character, other text (punctuation,
    Latin) as it is; and the polyphonic characters it chose a reading for (see Review)."""
    from pypinyin import Style, pinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    from pypinyin.seg.simpleseg import seg

    style = Style.BOPOMOFO if zhuyin else Style.TONE
    pieces: list[Annotation | str] = []
    reviews: list[Review] = []
    for word in seg(passage):
        readings = pinyin(word, style=style, heteronym=False, errors=lambda text: [[c] for c in text])
        tone_readings = pinyin(word, style=Style.TONE, heteronym=False, errors=lambda text: [[c] for c in text])
        for char, (reading,), (tone,) in zip(word, readings, tone_readings):
            if not HAN_CHAR_RE.match(char) or reading == char:
                if pieces and isinstance(pieces[-1], str):
                    pieces[-1] += char
                else:
                    pieces.append(char)
                continue
            pieces.append(Annotation(char, _zhuyin_syllable(reading) if zhuyin else reading, zhuyin))
            known = PINYIN_DICT.get(ord(char), "").split(",")
            if len(known) > 1:
                phrase = word if len(word) > 1 and word in PHRASES_DICT else ""
                reviews.append(Review(char, tone, phrase, tuple(r for r in known if r != tone)))
    return pieces, reviews
