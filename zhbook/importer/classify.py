"""Lines of an article → what each is: title, author, clutter, disclaimer, heading, list item or body.

Clutter is a whole line the website added (rules.CLUTTER_RULES); a sentence about 扫码关注 is text.
Heading levels come from the numbering schemes in the order they first appear.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..cjk import HAN_RE
from ..errors import Diagnostics
from .punctuation import normalise_punctuation
from .rules import (AUTHOR, AUTHOR_END, BREADCRUMB, CLAUSE_END, CLOSING_HEADING, CLUTTER_RULES, DATE_ONLY,
                    DISCLAIMER, FIGURE, MAX_NUMBERED_HEADING, MAX_PLAIN_HEADING, NAMES_THE_SITE, NOT_A_HEADING,
                    PLAIN, RELATED, RELATED_ITEM, SCHEMES, SENTENCE_END, SENTENCE_PUNCTUATION, SITE_SUFFIX,
                    SITE_WORDS, SOURCE_REASON, TITLE_SEPARATOR, URL)

ANONYMOUS = "佚名"
MAX_RELATED_LINKS = 12  # a related-reading box lists a few titles; more lines are the article again
BYLINE_SEARCH = 5  # the byline is within this many lines under the title


@dataclass
class Line:
    number: int  # in the source file, from 1
    raw: str  # as in the source, stripped
    text: str  # punctuation normalised
    marks: int = 0  # ASCII marks made full width
    kind: str = "body"  # title, author, clutter, disclaimer, heading, item, body
    reason: str = ""  # why a line is not body text (the report)
    scheme: str = ""  # a heading's numbering scheme
    level: int = 0  # a heading's Markdown level


def read_lines(text: str) -> list[Line]:
    """The non-empty lines of text, stripped, numbered as in the file, their punctuation normalised."""
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.strip()
        if raw:
            lines.append(Line(number, raw, *normalise_punctuation(raw)))
    return lines


def squeezed(text: str) -> str:
    """The letters of text only: for comparing titles whatever their punctuation and spaces."""
    return re.sub(r"[\W_]+", "", text)


def scheme_of(text: str) -> tuple[str, re.Match] | tuple[None, None]:
    """The numbering scheme of a heading label at the start of text, and the label's match."""
    for name, pattern in SCHEMES:
        match = pattern.match(text)
        if match:
            return name, match
    return None, None


def clutter_reason(line: Line, title: str) -> str:
    """Why line is site clutter ("" when it is text); title is the article's title, squeezed."""
    caption = FIGURE.match(line.raw)
    if caption and (not caption.group("caption").strip()
                    or difflib.SequenceMatcher(None, squeezed(caption.group("caption")), title).ratio() >= 0.8):
        return "figure caption repeating the title"
    if squeezed(line.text) == title:
        return "the title repeated"
    return next((rule.reason for rule in CLUTTER_RULES if rule.removes(line.raw)), "")


def link_like(line: Line) -> bool:
    """A line of a related-reading list: a bullet, 《title》 or URL, or a short title without a full stop."""
    if RELATED_ITEM.match(line.raw):
        return True
    return (len(line.raw) <= 40 and "。" not in line.text and not CLAUSE_END.search(line.text)
            and scheme_of(line.text)[0] is None)


def plain_heading_candidate(line: Line) -> bool:
    """A short unnumbered line that could be a heading: Chinese, not a sentence, a URL, a date or a credit."""
    text = line.text
    return (len(text) <= MAX_PLAIN_HEADING and len(HAN_RE.findall(text)) >= 2 and "。" not in text
            and not CLAUSE_END.search(text) and not URL.search(text) and not DATE_ONLY.match(text)
            and not text.startswith(("（", "(", "【", "[", "—", "-")) and not NOT_A_HEADING.match(text)
            and scheme_of(text)[0] is None)


def numbered_kind(line: Line, scheme: str, label: re.Match) -> str:
    """A line starting with a numbering label: "heading", "item" (of an ordered list) or "body"."""
    rest = line.text[label.end():].strip()
    if scheme == "arabic-dot" and SENTENCE_END.search(line.text):
        return "item"  # "1. 一句完整的话。": an ordered list item
    if not rest:
        return "heading" if scheme in ("chapter", "part", "section") else "body"
    if len(rest) <= MAX_NUMBERED_HEADING and "。" not in rest and not CLAUSE_END.search(rest) \
            and not URL.search(rest):
        return "heading"
    return "body"


def split_title(text: str) -> tuple[str, str]:
    """"主标题？副标题", "主标题：副标题" or "主标题——副标题" → (title, subtitle) when there is one such
    separator and both parts are substantial; the question mark stays with the title."""
    separators = [m for m in TITLE_SEPARATOR.finditer(text) if 0 < m.start() and m.end() < len(text)]
    if len(separators) == 1:
        head, tail = text[:separators[0].start()].strip(), text[separators[0].end():].strip()
        if all(len(part) >= 4 and len(HAN_RE.findall(part)) >= 2 for part in (head, tail)):
            return head + ("？" if separators[0].group().startswith("？") else ""), tail
    return text, ""


def strip_site_name(text: str, page: str) -> tuple[str, list[str]]:
    """The title without the site names at its end; a name goes when the page names the site elsewhere
    (来源：创业邦) or it looks like one (…网, …日报, 知乎 …)."""
    sites = []
    while True:
        match = SITE_SUFFIX.search(text)
        if not match or len(HAN_RE.findall(text[:match.start()])) < 4:
            return text, sites
        site = match.group("site")
        if site not in page and not SITE_WORDS.search(site):
            return text, sites
        sites.insert(0, site)
        text = text[:match.start()].rstrip()


def find_title(lines: list[Line], diagnostics: Diagnostics, path: Path) -> tuple[int, str, str, str]:
    """(index of the title line, the full title, title, subtitle): the first line after the page's
    breadcrumb trail ("首页 > 财经 > 正文"), without the site's name, split at a subtitle separator."""
    top = 0
    while top < min(3, len(lines) - 1) and BREADCRUMB.match(lines[top].raw):
        lines[top].kind, lines[top].reason = "clutter", "breadcrumb navigation"
        top += 1
    lines[top].kind, lines[top].reason = "title", "the book's title"
    page = "\n".join(line.raw for line in lines[top + 1:] if NAMES_THE_SITE.search(line.raw))
    full_title, sites = strip_site_name(lines[top].text, page)
    if sites:
        lines[top].reason += f" (the site's name removed from it: {' / '.join(sites)})"
    if len(full_title) > 60 or "。" in full_title:
        diagnostics.warn(f"the first line, taken as the title, looks like a paragraph ({len(full_title)} characters); "
                         "put the article's title on the first line", path, lines[top].number)
    return (top, full_title, *split_title(full_title))


def find_author(lines: list[Line], top: int, diagnostics: Diagnostics, path: Path) -> str:
    """The author from the byline near the top (作者：X, 文/X, …), which is marked; else 佚名, with a warning."""
    for line in lines[top + 1:top + 1 + BYLINE_SEARCH]:
        match = AUTHOR.search(line.raw)
        # Not at the start of the line only in a metadata line: short, no sentence punctuation.
        if match and (match.start() == 0 or (len(line.raw) <= 80 and not SENTENCE_PUNCTUATION.search(line.raw))):
            author = AUTHOR_END.sub("", match.group("name")).strip()
            if author:
                line.kind, line.reason = "author", f"byline (author: {author})"
                return author
    diagnostics.warn(f"no author line (作者：…) near the top: the author is set to {ANONYMOUS}; "
                     "correct it in book.toml", path)
    return ANONYMOUS


def mark_clutter(lines: list[Line], top: int, title: str) -> None:
    """Mark the site's lines below the title; a "来源：" line between paragraphs stays (it credits data)."""
    title = squeezed(title)
    for line in lines[top + 1:]:
        if line.kind == "body":
            reason = clutter_reason(line, title)
            if reason:
                line.kind, line.reason = "clutter", reason
    body = [index for index, line in enumerate(lines) if line.kind == "body"]
    for index, line in enumerate(lines):
        if line.reason == SOURCE_REASON and body and body[0] < index < body[-1] and index - top > 6:
            line.kind, line.reason = "body", ""


def related_links(lines: list[Line], index: int) -> list[int]:
    """The titles of other articles after the "相关阅读" line at index: link-like lines up to the first line
    that is not one. The last of them is kept when real text follows (then it may be this article's heading)."""
    run: list[int] = []
    for at in range(index + 1, len(lines)):
        if lines[at].kind == "clutter":
            continue
        if lines[at].kind != "body" or not link_like(lines[at]) or len(run) >= MAX_RELATED_LINKS:
            break
        run.append(at)
    if run and not RELATED_ITEM.match(lines[run[-1]].raw) and \
            any(later.kind == "body" for later in lines[run[-1] + 1:]):
        run.pop()
    return run


def mark_related_links(lines: list[Line]) -> None:
    """After each "相关阅读" line, the titles of other articles are clutter too."""
    for index, line in enumerate(lines):
        if line.kind == "clutter" and RELATED.match(line.raw):
            for at in related_links(lines, index):
                lines[at].kind, lines[at].reason = "clutter", "related-reading link"


def mark_headings(content: list[Line]) -> None:
    """Numbered headings and list items, then short unnumbered lines that introduce substantial text."""
    for line in content:
        scheme, label = scheme_of(line.text)
        if scheme:
            line.kind = numbered_kind(line, scheme, label)
            if line.kind == "heading":
                line.scheme = scheme
    for scheme in ("arabic-dot2", "arabic-dot3"):  # "3.5 亿用户": one such line is a number, not a heading
        lone = [line for line in content if line.kind == "heading" and line.scheme == scheme]
        if len(lone) == 1:
            lone[0].kind, lone[0].scheme = "body", ""
    for index, line in enumerate(content):
        if line.kind != "body" or not plain_heading_candidate(line):
            continue
        following = content[index + 1] if index + 1 < len(content) else None
        # Clearly a heading only when what follows is substantial: a paragraph, a list or a numbered part.
        if following and (following.kind in ("heading", "item") or not plain_heading_candidate(following)):
            line.kind, line.scheme = "heading", PLAIN


def classify(lines: list[Line], diagnostics: Diagnostics, path: Path) -> tuple[str, str, str]:
    """Set every line's kind; return title, subtitle and author."""
    top, full_title, title, subtitle = find_title(lines, diagnostics, path)
    author = find_author(lines, top, diagnostics, path)
    mark_clutter(lines, top, full_title)
    mark_related_links(lines)
    content = [line for line in lines if line.kind == "body"]
    if content and DISCLAIMER.match(content[-1].text) and len(content[-1].text) <= 120:
        content[-1].kind, content[-1].reason = "disclaimer", "disclaimer, moved to colophon.md"
        content.pop()
    mark_headings(content)
    return title, subtitle, author


def assign_levels(headings: list[Line]) -> None:
    """Levels from the numbering: the scheme seen first is the highest. A heading closes the open
    headings of its own or a lower rank, so "（四）" after "1." points returns to the "（一）" level."""
    ranks: dict[str, int] = {}
    for heading in headings:
        ranks.setdefault(heading.scheme, len(ranks))
    open_ranks: list[int] = []
    for heading in headings:
        rank = ranks[heading.scheme]
        while open_ranks and open_ranks[-1] >= rank:
            open_ranks.pop()
        open_ranks.append(rank)
        heading.level = min(len(open_ranks), 6)
    # An unnumbered "结语"/"总结" after the numbered parts closes the whole article: a part of its own.
    last = headings[-1] if headings else None
    if last and last.scheme == PLAIN and CLOSING_HEADING.match(last.text) and ranks[PLAIN] > 0:
        last.level = 1


def tidy_label(text: str, scheme: str) -> str:
    """Brackets of a label full width, no space after a full-width label: "(1) 收入" → "（1）收入"."""
    if scheme in ("cn-paren", "arabic-paren"):
        text = re.sub(r"^[(（]([^)）]+)[)）]\s*", r"（\1）", text)
    elif scheme in ("cn-comma", "arabic-comma"):
        text = re.sub(r"^([^、．]+[、．])\s+", r"\1", text)
    return text
