"""The vertical EPUB (竖排): what changes in the documents' text, as tree passes over each body.

- Two-digit numbers are set upright in the column (縦中横, tate-chu-yoko): each run of exactly two ASCII
  digits between characters that are not letters or digits is wrapped in <span class="tcy">, which
  vertical.css combines into one em (`text-combine-upright`). Longer numbers (years, 1,000), dates
  and times (2023-11-14, 10:30) and Latin words stay sideways, as clreq and JLREQ set them.
- With `vertical = "kindle"` only: the marks Kindle is reported to leave unrotated in vertical text
  (brackets, quotation marks, the dash and the ellipsis) are replaced by their vertical presentation
  forms (U+FE10–FE4F). Other readers rotate them through the fonts' `vert` feature, which the subsets
  keep (zhbook.assets.fonts.EXTRA_FEATURES), so the default keeps the characters the author wrote:
  search, copy and text-to-speech see 「」, not ﹁﹂.
"""

from __future__ import annotations

import re

from ..markdown import fragment

TCY_CLASS = "tcy"
# Not part of a longer number, a word, a decimal, a date or a time (2023-11-14, 10:30 stay sideways).
TWO_DIGITS = re.compile(r"(?<![0-9A-Za-z.,:/-])[0-9]{2}(?![0-9A-Za-z]|[.,:/-][0-9])")
# Text shown as written, and annotations (ruby text is set small beside the column): never touched.
VERBATIM = frozenset({"code", "kbd", "samp", "pre", "rt", "rp", "script", "style", "svg", "math"})
# The vertical presentation forms Kindle needs (Unicode's Vertical Forms and CJK Compatibility Forms).
KINDLE_FORMS = str.maketrans({
    "「": "\ufe41", "」": "\ufe42", "『": "\ufe43", "』": "\ufe44",
    "“": "\ufe41", "”": "\ufe42", "‘": "\ufe43", "’": "\ufe44",
    "（": "\ufe35", "）": "\ufe36", "《": "\ufe3d", "》": "\ufe3e", "〈": "\ufe3f", "〉": "\ufe40",
    "【": "\ufe3b", "】": "\ufe3c", "〔": "\ufe39", "〕": "\ufe3a", "〖": "\ufe17", "〗": "\ufe18",
    "—": "\ufe31", "…": "\ufe19",
})


def vertical_body(body: str, kindle_forms: bool = False) -> str:
    """body (an XHTML fragment) with its two-digit numbers upright, and with kindle_forms the
    vertical presentation forms of the marks Kindle does not rotate."""
    container = fragment.parse(body)
    _walk(container, kindle_forms)
    return fragment.serialize(container)


def _walk(element, kindle_forms: bool) -> None:
    for child in list(element):
        if not isinstance(child.tag, str):
            continue
        if child.tag.split("}")[-1] not in VERBATIM:
            _walk(child, kindle_forms)
        child.tail = _put(element, child, child.tail, kindle_forms)
    element.text = _put(element, None, element.text, kindle_forms)


def _put(parent, after, text: str | None, kindle_forms: bool) -> str | None:
    """text (parent's text when after is None, else after's tail) with its two-digit runs moved into
    spans inserted at that place; returns the text left before the first span."""
    if not text:
        return text
    if kindle_forms:
        text = text.translate(KINDLE_FORMS)
    matches = list(TWO_DIGITS.finditer(text))
    if not matches:
        return text
    index = 0 if after is None else parent.index(after) + 1
    spans = []
    for number, match in enumerate(matches):
        span = parent.makeelement("span", {"class": TCY_CLASS})
        span.text = match.group()
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        span.tail = text[match.end():end] or None
        spans.append(span)
    for offset, span in enumerate(spans):
        parent.insert(index + offset, span)
    return text[:matches[0].start()] or None
