"""Lines of an article → what each is: title, author, clutter, disclaimer, heading, list item or body.

Clutter is a whole line the website added: a line the table removes (rules.CLUTTER_RULES), and what its
place tells: the page's header above the headline, the lines between headline and text that lead nowhere,
everything after the line that ends the article (an editor line, a notice, a reply …), short lines after the
last sentence. A sentence about 扫码关注 is text. Heading levels come from the numbering schemes in the order
they first appear.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..cjk import HAN_RE
from ..errors import Diagnostics
from .punctuation import normalise_punctuation
from .rules import (ACCOUNT_FORMS, AUTHOR, AUTHOR_END, BYLINE, BYLINE_FORMS, CLAUSE_END, CLOSING_HEADING,
                    CLUTTER_RULES, CONTENTS, DATE_LINE_REASON, DATE_ONLY, DISCLAIMER, FIGURE, FOLLOW,
                    MAX_NUMBERED_HEADING, MAX_PLAIN_HEADING, NAMES_THE_SITE, NAVIGATION, NOT_A_HEADING, PAGE, PLAIN,
                    PROMPT, RELATED, RELATED_ITEM, RELATED_KIND, REPLIES, REPLY, REPORTER, REPORTER_STOP, SCHEMES,
                    SENTENCE_END, SENTENCE_PUNCTUATION, SITE_SUFFIX, SITE_WORDS, SOURCE_REASON, TAIL_REASONS,
                    TAIL_START, TITLE_AGAIN, TITLE_SEPARATOR, TRADITIONAL_FOLD, URL)

ANONYMOUS = "佚名"
MAX_RELATED_LINKS = 12  # a related-reading box lists a few titles; more lines are the article again
BYLINE_SEARCH = 5  # the byline is within this many lines after the first paragraph of text
MAX_TITLE = 80
NAME_LIKE = re.compile(r"^[^，。！？：；、“”,.!?:;]{1,16}$")
TITLE_TAG = re.compile(r"^\s*[\[【][^\]】]{1,8}[\]】]\s*|\s*[\[【][^\]】]{1,8}[\]】]\s*$")
# "【准备材料】" alone on a line: a heading in a forum post.
BRACKETED_HEADING = re.compile(r"^【[^】]{2,20}】$")
# "你昨晚睡了几个小时？": a short question put to the reader opens a paragraph, it heads nothing.
QUESTION_TO_READER = re.compile(r"^[^，]{0,8}[你您][^，]{0,8}[？?]$")
QUESTION = re.compile(r".{4,}[？?]$")
POINT_SCHEMES = ("arabic-dot", "arabic-comma", "arabic-paren", "circled")
PAGE_TITLE_SEPARATOR = re.compile(r"\s+[-–—|｜]\s*|\s*[_｜|]\s*")


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
    category: str = ""  # a removed line's kind, as the colophon names it

    @property
    def plain(self) -> str:
        """The text as the rules read it: in the Simplified spelling of the rules' words."""
        return self.text.translate(TRADITIONAL_FOLD)

    def remove(self, reason: str, category: str) -> None:
        self.kind, self.reason, self.category = "clutter", reason, category


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


def rule_for(line: Line):
    """The first clutter rule that removes line, or None."""
    plain = line.plain
    return next((rule for rule in CLUTTER_RULES if rule.removes(plain)), None)


def clutter_reason(line: Line, title: str) -> str:
    """Why line is site clutter ("" when it is text); title is the article's title, squeezed."""
    caption = FIGURE.match(line.raw)
    if caption and (not caption.group("caption").strip()
                    or difflib.SequenceMatcher(None, squeezed(caption.group("caption")), title).ratio() >= 0.8):
        return "figure caption repeating the title"
    if squeezed(line.text) == title:
        return "the title repeated"
    rule = rule_for(line)
    return rule.reason if rule else ""


def prose(line: Line) -> bool:
    """A line that says something: a sentence (with 。 or ！) or a long line. (A question alone may be a title
    or a heading.)"""
    return (len(line.text) >= 8 and re.search("[。！；]|[.!]$", line.text) is not None) or len(line.text) > 50


def first_prose(lines: list[Line], start: int = 0) -> int:
    return next((i for i in range(start, len(lines)) if lines[i].kind == "body" and prose(lines[i])), len(lines))


def mark_rules(lines: list[Line]) -> None:
    """Every line the clutter table removes, wherever it is."""
    for line in lines:
        rule = rule_for(line)
        if rule:
            line.remove(rule.reason, rule.kind)


def link_like(line: Line) -> bool:
    """A line of a related-reading list: a bullet, 《title》 or URL, or a short title without a full stop."""
    if RELATED_ITEM.match(line.raw):
        return True
    return (len(line.raw) <= 40 and "。" not in line.text and not CLAUSE_END.search(line.text)
            and scheme_of(line.text)[0] is None)


def plain_heading_candidate(line: Line) -> bool:
    """A short unnumbered line that could be a heading: Chinese, not a sentence, a URL, a date or a credit."""
    text = line.text
    if BRACKETED_HEADING.match(text):  # a forum post's "【准备材料】"
        text = text[1:-1]
    return (len(text) <= MAX_PLAIN_HEADING and len(HAN_RE.findall(text)) >= 2 and "。" not in text
            and not CLAUSE_END.search(text) and not URL.search(text) and not DATE_ONLY.match(text)
            and not text.startswith(("（", "(", "【", "[", "—", "-")) and not NOT_A_HEADING.match(text)
            and not QUESTION_TO_READER.match(text) and scheme_of(text)[0] is None)


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


def clean_title(text: str, lines: list[Line]) -> str:
    """A headline without a forum's [tag] and, for a page title ("标题 - 栏目 - 站名", "标题_关键词-CSDN博客"),
    only its first part when the page shows that part on a line of its own."""
    text = TITLE_TAG.sub("", TITLE_TAG.sub("", text)).strip()
    parts = PAGE_TITLE_SEPARATOR.split(text)
    if len(parts) > 1 and len(HAN_RE.findall(parts[0])) >= 4:
        first = squeezed(parts[0])
        if any(first in squeezed(line.text) and line.text != text for line in lines):
            return parts[0].strip()
    return text


def title_candidate(line: Line) -> bool:
    """A line that can be a headline: text (no clutter, no byline), not a sentence, with some Chinese."""
    return (line.kind == "body" and len(line.text) <= MAX_TITLE and len(HAN_RE.findall(line.text)) >= 4
            and not re.search(r"[。.!！]$", line.text))


def find_title(lines: list[Line], diagnostics: Diagnostics, path: Path) -> tuple[int, str, str, str]:
    """(index of the title line, the full title, title, subtitle): the headline, which is near the top, is no
    navigation, breadcrumb, byline or site name, and usually stands just above the byline or date line;
    without the site's name, split at a subtitle separator. The lines above it are the page's header."""
    end = min(first_prose(lines) + 1, len(lines))
    candidates = [i for i in range(end) if title_candidate(lines[i])]
    anchors = [i for i in range(end) if lines[i].kind == "author" or lines[i].reason == DATE_LINE_REASON]
    above = [max(c for c in candidates if c < anchor) for anchor in anchors if any(c < anchor for c in candidates)]
    if above:
        top = above[0]
    elif candidates:
        top = candidates[0]
    else:
        top = next((i for i, line in enumerate(lines) if line.kind == "body"), 0)
    for line in lines[:top]:
        if line.kind == "body":
            line.remove("page header above the title", PAGE)
    lines[top].kind, lines[top].reason = "title", "the book's title"
    page = "\n".join(line.raw for line in lines[top + 1:] if NAMES_THE_SITE.search(line.raw))
    full_title, sites = strip_site_name(clean_title(lines[top].text, lines[top + 1:]), page)
    if sites:
        lines[top].reason += f" (the site's name removed from it: {' / '.join(sites)})"
    if len(full_title) > 60 or "。" in full_title:
        diagnostics.warn(f"the line taken as the title looks like a paragraph ({len(full_title)} characters); "
                         "put the article's title on the first line", path, lines[top].number)
    return (top, full_title, *split_title(full_title))


def reporters(line: Line) -> str:
    """The names after 记者 in a byline or a news lead: "（记者 李晓 王丹）" → "李晓、王丹"."""
    match = REPORTER.search(line.plain)
    if not match:
        return ""
    names = []
    for name in re.split(r"[\s、，]+", line.text[match.start("name"):match.end("name")]):
        if REPORTER_STOP.match(name):
            break
        names.append(name)
    return "、".join(names)


def name_above(lines: list[Line], index: int) -> int | None:
    """The author's name above a follow button or a "N 人赞同了该回答" line at index: of the two nearest lines
    that are text, the upper when it looks like a name (the lower is then the author's profile)."""
    near = [i for i in range(index - 1, max(-1, index - 6), -1) if lines[i].kind == "body"][:2]
    for i in reversed(near):
        if NAME_LIKE.match(lines[i].text) and not prose(lines[i]):
            return i
    return None


def find_author(lines: list[Line], diagnostics: Diagnostics, path: Path) -> str:
    """The author, from the byline: 作者：X and its kin near the top, a reporter (记者 X), a page's own
    byline forms (原创 X 号名 日期, X 于 日期 发布, posted @ 日期 X, 本帖最后由 X 于 …, X的博客), or the name above a
    follow button. The byline line is marked; else 佚名, with a warning."""
    window = range(min(first_prose(lines) + BYLINE_SEARCH, len(lines)))

    def found(index: int, author: str, start: int) -> str:
        line = lines[index]
        if not prose(line) or start == 0:
            line.kind, line.reason = "author", f"byline (author: {author})"
        return author

    for i in window:
        match = AUTHOR.search(lines[i].plain)
        # Not at the start of the line only in a metadata line: short, no sentence punctuation.
        metadata_line = len(lines[i].raw) <= 80 and not SENTENCE_PUNCTUATION.search(lines[i].raw)
        if match and (match.start() == 0 or metadata_line):
            author = AUTHOR_END.sub("", lines[i].text[match.start("name"):]).strip()
            if author:
                return found(i, author, match.start())
    for i in list(window)[:first_prose(lines) + 2]:
        author = reporters(lines[i])
        if author:
            return found(i, author, 1)
    for i in list(window) + list(range(len(window), len(lines))):
        for form in BYLINE_FORMS:
            match = form.search(lines[i].plain)
            if match:
                return found(i, lines[i].text[match.start("name"):match.end("name")], 1)
    for i, line in enumerate(lines):
        if FOLLOW.match(line.plain):
            name = name_above(lines, i)
            if name is not None:
                for profile in range(name + 1, i):
                    if lines[profile].kind == "body":
                        lines[profile].remove("the author's profile", BYLINE)
                return found(name, lines[name].text, 0)
    diagnostics.warn(f"no author line (作者：…) near the top: the author is set to {ANONYMOUS}; "
                     "correct it in book.toml", path)
    return ANONYMOUS


def mark_names(lines: list[Line], author: str) -> None:
    """Lines that are only the author's or the account's name, or repeat a byline's words ("陈老师 小学语文陈老师"
    under "原创 陈老师 小学语文陈老师 2024年…"), are the page's, not the text's."""
    names = {squeezed(author)} if author != ANONYMOUS else set()
    accounts = {match.group("account") for line in lines for form in ACCOUNT_FORMS
                for match in [form.match(line.plain)] if match}
    words = {word for line in lines if line.kind == "author" or line.reason == DATE_LINE_REASON
             for word in line.text.split()}
    for line in lines:
        if line.kind != "body" or prose(line):
            continue
        if squeezed(line.text) in names:
            line.remove("the author's name", BYLINE)
        elif any(line.text.startswith(account) and len(line.text) <= len(account) + 2 for account in accounts):
            line.remove("the account's name", BYLINE)
        elif len(line.text.split()) >= 2 and all(word in words for word in line.text.split()):
            line.remove("the byline repeated", BYLINE)


def mark_title_repeats(lines: list[Line], top: int, title: str) -> None:
    """The title again: alone, with the site's name ("标题 - 知乎"), with a forum's tags, or as a caption."""
    title = squeezed(title)
    for line in lines[top + 1:]:
        if line.kind in ("author", "title"):
            continue
        text = squeezed(line.text)
        caption = FIGURE.match(line.raw)
        if text == title:
            line.remove("the title repeated", TITLE_AGAIN)
        elif caption and (not caption.group("caption").strip() or difflib.SequenceMatcher(
                None, squeezed(caption.group("caption")), title).ratio() >= 0.8):
            line.remove("figure caption repeating the title", TITLE_AGAIN)
        elif title in text and len(text) - len(title) <= 30 and re.search(r"[-_|｜—\[【]", line.text) \
                and not prose(line):
            line.remove("the page's title (the title with the site's name or tags)", TITLE_AGAIN)


def mark_top(lines: list[Line], top: int) -> None:
    """Between the title and the text: a line that goes on from a prompt ("点击上方蓝字关注" / "每天一篇干货"),
    and a line followed by the page's lines rather than by text (a place name, an account's motto)."""
    start = first_prose(lines, top + 1)
    for i in range(top + 1, start):
        previous = lines[i - 1]
        if lines[i].kind == "body" and previous.kind == "clutter" and previous.category == PROMPT \
                and len(lines[i].text) <= 30:
            lines[i].remove("the prompt continued", PROMPT)
    for i in range(start - 1, top, -1):
        if lines[i].kind == "body" and lines[i + 1].kind in ("clutter", "author", "title"):
            lines[i].remove("page header under the title", PAGE)


def mark_tail(lines: list[Line], top: int) -> None:
    """The page after the article: from the first line that ends an article (an editor line, an end mark, a
    notice, a date line, a reply, the author's card …) after the text has begun, every line is the page's."""
    start = first_prose(lines, top + 1)
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.reason in TAIL_REASONS or line.reason == "the author's name" or TAIL_START.match(line.plain) \
                or REPLY.match(line.plain):
            break
    else:
        return
    replies = False
    for line in lines[index:]:
        replies = replies or REPLY.match(line.plain) is not None
        if line.kind == "body" and DISCLAIMER.match(line.text):
            continue  # the author's own note: it goes to the colophon
        if line.kind == "body":
            line.remove(f"after the article's end (line {lines[index].number})", REPLIES if replies else PAGE)


def mark_contents(lines: list[Line]) -> None:
    """A table of contents ("目录" and the headings, which come again below) is the page's."""
    for index, line in enumerate(lines):
        if line.kind != "body" or not CONTENTS.match(line.plain):
            continue
        entries = []
        for at in range(index + 1, len(lines)):
            if lines[at].kind == "clutter":
                continue
            text = squeezed(lines[at].text)
            if not text or not any(squeezed(later.text) == text for later in lines[at + 1:]):
                break
            entries.append(at)
        if entries:
            line.remove("table of contents", NAVIGATION)
            for at in entries:
                lines[at].remove("table of contents", NAVIGATION)


def mark_footer(lines: list[Line]) -> None:
    """Short lines after the last sentence of the text (buttons, links, a motto) are the page's footer. (A
    question to the readers at the end is the author's.)"""
    last = max((i for i, line in enumerate(lines) if line.kind in ("body", "disclaimer") and
                (prose(line) or QUESTION.search(line.text) or DISCLAIMER.match(line.text))), default=None)
    if last is None:
        return
    for line in lines[last + 1:]:
        if line.kind == "body" and len(line.text) <= 60 and not prose(line) and scheme_of(line.text)[0] is None:
            line.remove("page footer after the text", PAGE)


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
        if line.kind == "clutter" and RELATED.match(line.plain):
            for at in related_links(lines, index):
                lines[at].remove("related-reading link", RELATED_KIND)


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


def restore_sources(lines: list[Line]) -> None:
    """A "来源：" line between paragraphs stays: it credits a chart's data."""
    body = [index for index, line in enumerate(lines) if line.kind == "body"]
    for index, line in enumerate(lines):
        if line.reason == SOURCE_REASON and body and body[0] < index < body[-1] and index - body[0] > 4:
            line.kind, line.reason, line.category = "body", "", ""


def classify(lines: list[Line], diagnostics: Diagnostics, path: Path) -> tuple[str, str, str]:
    """Set every line's kind; return title, subtitle and author."""
    mark_rules(lines)
    author = find_author(lines, diagnostics, path)
    mark_names(lines, author)
    top, full_title, title, subtitle = find_title(lines, diagnostics, path)
    mark_title_repeats(lines, top, full_title)
    mark_top(lines, top)
    mark_tail(lines, top)
    restore_sources(lines)
    mark_related_links(lines)
    mark_contents(lines)
    mark_footer(lines)
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
    # Unnumbered headings after numbered points ("1. 免疫力下降", "2. …", then "怎样才能睡得更好？") are not
    # sub-points of the last point: they rank first. (Under a 第一章 chapter they are its sections.)
    if ranks.get(PLAIN, 0) > 0 and all(scheme in POINT_SCHEMES for scheme in ranks if scheme != PLAIN):
        ranks = {scheme: (0 if scheme == PLAIN else rank + 1) for scheme, rank in ranks.items()}
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
