"""ASCII punctuation next to Chinese becomes full width: , ? ! : ; ( ) and "…" around Chinese, and a full
stop "." that ends a Chinese sentence becomes 。.

Only marks directly next to a Chinese character change: "Buy Now, Pay Later", "1,000元", "3.5%", "10:30",
"v20.10.0", ".com" and URLs keep theirs. A pair of parentheses or quotes changes together.
"""

from __future__ import annotations

import re

from ..cjk import CHINESE_RE, HAN_RE, is_chinese
from .rules import URL, URL_TRAILING

FULL_WIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}
# Where an ASCII mark closes a Chinese clause: the text after the last of these must hold Han.
CLAUSE_BREAK = re.compile(r"[，。？！：；,.?!:;“”\"]")
# Full-width marks carry their own space: ASCII spaces between them and their neighbours go.
SPACE_AROUND_FULL_WIDTH = (
    re.compile(r"(?<=[，？！：；（）])[ \t]+(?=" + CHINESE_RE.pattern + ")"),
    re.compile(r"(?<=[，？！：；（）])[ \t]+(?=[!-~])"),
    re.compile(r"(?<=" + CHINESE_RE.pattern + r")[ \t]+(?=[，？！：；（）])"),
    re.compile(r"(?<=[!-~])[ \t]+(?=[，？！：；（）])"),
)


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each URL in text; sentence marks after a URL are not part of it, nor is an
    unbalanced ")"."""
    spans = []
    for match in URL.finditer(text):
        url = match.group(0)
        while True:
            trimmed = URL_TRAILING.sub("", url)
            if trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
                trimmed = trimmed[:-1]
            if trimmed == url:
                break
            url = trimmed
        spans.append((match.start(), match.start() + len(url)))
    return spans


class _Marks:
    """The characters of one line being changed, with the URL positions that must not change."""

    def __init__(self, text: str):
        self.chars = list(text)
        self.protected = [False] * len(self.chars)
        for start, end in url_spans(text):
            self.protected[start:end] = [True] * (end - start)
        self.changed = 0

    def at(self, i: int) -> str:
        """The character at i, or "" beyond either end."""
        return self.chars[i] if 0 <= i < len(self.chars) else ""

    def beyond(self, i: int, step: int) -> str:
        """The nearest neighbour of i in direction step that is not a space."""
        i += step
        while 0 <= i < len(self.chars) and self.chars[i] in " \t":
            i += step
        return self.at(i)

    def set(self, i: int, char: str) -> None:
        self.chars[i] = char
        self.changed += 1


def _pair_quotes(marks: _Marks) -> None:
    """Double quotes in order, pairwise: a pair around Chinese text becomes “…”."""
    quotes = [i for i, c in enumerate(marks.chars) if c == '"' and not marks.protected[i]]
    for open_, close in zip(quotes[0::2], quotes[1::2]):
        if HAN_RE.search("".join(marks.chars[open_ + 1:close])):
            marks.set(open_, "\u201c")
            marks.set(close, "\u201d")


def _parentheses(marks: _Marks) -> None:
    """A matched pair changes if either bracket touches Chinese (across spaces outside); a lone one if it does."""
    stack, pairs, lone = [], [], []
    for i, c in enumerate(marks.chars):
        if marks.protected[i]:
            continue
        if c == "(":
            stack.append(i)
        elif c == ")":
            if stack:
                pairs.append((stack.pop(), i))
            else:
                lone.append(i)
    lone += stack
    for open_, close in pairs:
        if any(is_chinese(marks.at(i)) for i in (open_ + 1, close - 1)) or is_chinese(marks.beyond(open_, -1)) \
                or is_chinese(marks.beyond(close, 1)):
            marks.set(open_, "（")
            marks.set(close, "）")
    for i in lone:
        if is_chinese(marks.at(i - 1)) or is_chinese(marks.at(i + 1)):
            marks.set(i, FULL_WIDTH[marks.chars[i]])


def _ends_chinese_clause(marks: _Marks, i: int) -> bool:
    """A ? ! ; : at the line's end closing a Chinese clause that ends on a Latin word ("看一份BP!")."""
    return (marks.chars[i] in "?!;:" and marks.beyond(i, 1) == "" and marks.at(i - 1) not in " \t"
            and HAN_RE.search(CLAUSE_BREAK.split("".join(marks.chars[:i]))[-1]) is not None)


def _sentence_marks(marks: _Marks) -> None:
    """, ? ! : ; touching Chinese; or after a word and before Chinese across spaces ("BNPL, 简称"); or
    ending a Chinese clause."""
    for i, c in enumerate(marks.chars):
        if c not in ",?!:;" or marks.protected[i]:
            continue
        if is_chinese(marks.at(i - 1)) or is_chinese(marks.at(i + 1)) \
                or (marks.at(i + 1) in " \t" and marks.at(i - 1) not in " \t" and is_chinese(marks.beyond(i, 1))) \
                or _ends_chinese_clause(marks, i):
            marks.set(i, FULL_WIDTH[c])


def _full_stops(marks: _Marks) -> None:
    """"." after a Chinese character and before another, a quotation mark or the line's end: 。. A "." between
    digits or letters (3.5, v2.0, .com, "Mr. Smith") or in a URL is not a Chinese full stop."""
    for i, c in enumerate(marks.chars):
        if c != "." or marks.protected[i] or not is_chinese(marks.at(i - 1)) or marks.at(i - 1) in "。．.…":
            continue
        after = marks.at(i + 1)
        if after == "" or is_chinese(after) or after in "\"'“”‘’":
            marks.set(i, "。")


def normalise_punctuation(text: str) -> tuple[str, int]:
    """Full-width punctuation where ASCII marks touch Chinese; the number of marks changed."""
    marks = _Marks(text)
    _pair_quotes(marks)
    _parentheses(marks)
    _sentence_marks(marks)
    _full_stops(marks)
    result = "".join(marks.chars)
    for spaces in SPACE_AROUND_FULL_WIDTH:
        result = spaces.sub("", result)
    return result, marks.changed
