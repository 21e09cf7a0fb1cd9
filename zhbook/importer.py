"""Import a scraped web article (plain text) into a book folder: book.toml, chapters/*.md, colophon.md.

The stages, in order:
  decode     UTF-8 (± BOM), UTF-16 (BOM) or GB18030/GBK, detected and reported; binary/empty refused.
  classify   each non-empty line: title, author, clutter (site additions), disclaimer, heading,
             list item or body. Clutter is reported line by line; nothing with real content is dropped.
  levels     heading levels from the numbering schemes in the order they first appear.
  normalise  ASCII , ? ! : ; ( ) next to Chinese become full width, "…" around Chinese become “…";
             URLs, numbers and Latin phrases are left exactly as they were.
  write      Markdown (escaped so that Python-Markdown shows the text as written), one file per
             top-level part, book.toml (with a small, exact TOML string escaper) and colophon.md.

The same input always gives the same output: nothing depends on time, paths or dict order.
"""

from __future__ import annotations

import codecs
import difflib
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import BookError, Diagnostics
from .sanitize import FORBIDDEN

# The first line of every book.toml the importer writes: only such a folder is overwritten.
MARKER = "# Written by `python build.py import`; edit freely (a re-import overwrites this folder's files)."
ANONYMOUS = "佚名"
INTRO_TITLE, CLOSING_TITLE = "引言", "结语"

# ---------------------------------------------------------------------------------------------
# Encoding detection


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def decode_article(raw: bytes, path: Path) -> tuple[str, str]:
    """The text and the name of its encoding; BookError for empty, binary or unknown input.

    GB18030 decodes almost any byte soup, so it is accepted only when ≥ 90% of the non-ASCII
    characters it yields are common simplified Chinese (GB2312): Big5, Latin-1 or binary fail that.
    """
    if not raw:
        raise BookError("the article is empty (0 bytes); give the text file of the article", path)
    boms = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte order mark"),
            (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 little-endian (byte order mark)"),
            (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 big-endian (byte order mark)"))
    for bom, codec, name in boms:
        if raw.startswith(bom):
            try:
                return _checked_text(raw.decode(codec), path), name
            except UnicodeDecodeError:
                raise BookError(f"starts like {name.split(' (')[0]} but is not valid {codec.upper()}; "
                                "save the article as UTF-8 text", path)
    if b"\0" in raw:
        raise BookError("is not a text file (it contains NUL bytes: binary data, or UTF-16 without a "
                        "byte order mark); save the article as UTF-8 text", path)
    try:
        return _checked_text(raw.decode("utf-8"), path), "UTF-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = raw.count(b"\n", 0, bad) + 1
    valid = len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", raw))
    invalid = raw.decode("utf-8", "replace").count("\ufffd")
    if valid > invalid:  # mostly UTF-8 with a few bad bytes: damaged UTF-8, not another encoding
        raise BookError(f"invalid UTF-8 byte 0x{raw[bad]:02X} in a UTF-8 file (damaged or cut); "
                        "fix the text there and save it as UTF-8", path, line)
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    wide = [c for c in text if ord(c) > 0x7F]
    if wide and sum(map(_in_gb2312, wide)) >= 0.9 * len(wide):
        try:
            raw.decode("gbk")
            name = "GBK (a subset of GB18030)"
        except UnicodeDecodeError:
            name = "GB18030"
        return _checked_text(text, path), name
    raise BookError(f"is neither UTF-8, UTF-16 nor GB18030/GBK Chinese text (byte 0x{raw[bad]:02X}; binary "
                    "data?); save the article as UTF-8 text", path, line)


def _checked_text(text: str, path: Path) -> str:
    text = text.lstrip("\ufeff")
    controls = len(FORBIDDEN.findall(text.replace("\f", "")))
    if controls > max(4, len(text) // 100):
        raise BookError(f"is not a text file ({controls} control characters: binary data); "
                        "save the article as UTF-8 text", path)
    if not text.strip():
        raise BookError("the article has no text (only blank lines); give the text file of the article", path)
    return text


# ---------------------------------------------------------------------------------------------
# Character classes and punctuation normalisation

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Chinese context: Han, CJK and full-width punctuation, Chinese quotes, ellipsis and dash.
CHINESE = re.compile(f"[{HAN}\u3000-\u303f\uff00-\uffef\u201c\u201d\u2026\u2014]")
HAN_CHAR = re.compile(f"[{HAN}]")
# A URL is printable ASCII up to a space or a Chinese character; trailing sentence punctuation is not in it.
URL = re.compile(r"(?:https?|ftp)://[!-~]+|www\.[!-~]+")
URL_TRAILING = re.compile(r"[.,;:!?'\"\]]+$")
FULL_WIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}


def _chinese(char: str) -> bool:
    return bool(char) and CHINESE.match(char) is not None


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in URL.finditer(text):
        url = match.group(0)
        while True:  # sentence marks after a URL are not part of it; a ")" is only when unbalanced
            trimmed = URL_TRAILING.sub("", url)
            if trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
                trimmed = trimmed[:-1]
            if trimmed == url:
                break
            url = trimmed
        spans.append((match.start(), match.start() + len(url)))
    return spans


def normalise_punctuation(text: str) -> tuple[str, int]:
    """Full-width punctuation where ASCII marks touch Chinese; the number of marks changed.

    Only marks directly next to a Chinese character change: "Buy Now, Pay Later", "1,000元", "3.5%",
    "10:30" and URLs keep theirs. A pair of parentheses or quotes changes together.
    """
    chars = list(text)
    protected = [False] * len(chars)
    for start, end in _url_spans(text):
        protected[start:end] = [True] * (end - start)
    at = lambda i: chars[i] if 0 <= i < len(chars) else ""  # noqa: E731 (a neighbour, or nothing)
    changed = 0

    # Double quotes around Chinese text: pair them in order.
    quotes = [i for i, c in enumerate(chars) if c == '"' and not protected[i]]
    for open_, close in zip(quotes[0::2], quotes[1::2]):
        if HAN_CHAR.search("".join(chars[open_ + 1:close])):
            chars[open_], chars[close] = "\u201c", "\u201d"
            changed += 2

    # Parentheses: a matched pair changes if either bracket touches Chinese; a lone one if it does.
    stack, pairs, lone = [], [], []
    for i, c in enumerate(chars):
        if protected[i]:
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
        if any(_chinese(at(i)) for i in (open_ - 1, open_ + 1, close - 1, close + 1)):
            chars[open_], chars[close] = "（", "）"
            changed += 2
    for i in lone:
        if _chinese(at(i - 1)) or _chinese(at(i + 1)):
            chars[i] = FULL_WIDTH[chars[i]]
            changed += 1

    for i, c in enumerate(chars):
        if c in ",?!:;" and not protected[i] and (_chinese(at(i - 1)) or _chinese(at(i + 1))):
            chars[i] = FULL_WIDTH[c]
            changed += 1
    result = "".join(chars)
    # Full-width marks carry their own space: drop ASCII spaces between them and Chinese text.
    result = re.sub(r"(?<=[，？！：；（）])[ \t]+(?=" + CHINESE.pattern + ")", "", result)
    result = re.sub(r"(?<=" + CHINESE.pattern + r")[ \t]+(?=[，？！：；）])", "", result)
    return result, changed


# ---------------------------------------------------------------------------------------------
# Line classification

CN_DIGITS = "一二三四五六七八九十百零〇两"
# Numbering schemes of headings: (name, label pattern). A label is kept in the heading text.
SCHEMES = (
    ("chapter", re.compile(rf"^第[{CN_DIGITS}\d]+章")),
    ("part", re.compile(rf"^第[{CN_DIGITS}\d]+部分")),
    ("section", re.compile(rf"^第[{CN_DIGITS}\d]+节")),
    ("cn-comma", re.compile(rf"^[{CN_DIGITS}]+[、．]")),
    ("cn-paren", re.compile(rf"^[(（][{CN_DIGITS}]+[)）]")),
    ("arabic-dot", re.compile(r"^\d{1,2}[.．](?!\d)")),
    ("arabic-comma", re.compile(r"^\d{1,2}、")),
    ("arabic-paren", re.compile(r"^[(（]\d{1,2}[)）]")),
    ("circled", re.compile(r"^[①-⑳]")),
)
PLAIN = "plain"  # an unnumbered short line that is a heading
MAX_NUMBERED_HEADING, MAX_PLAIN_HEADING = 40, 30
# A heading does not end like a sentence or a clause; a question mark is allowed (a question title).
CLAUSE_END = re.compile(r"[。．.，,、；;：:！!…]$")
SENTENCE_END = re.compile(r"[。！!][”’」』）)]?$")
DATE_ONLY = re.compile(r"^\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?")
SUMMARY_START = re.compile(r"^(?:综上所述|综上|总而言之|总之|总的来说|总体来看|总体而言|整体来看|归根结底|一言以蔽之)")

AUTHOR = re.compile(r"^(?:作者|文|撰文)\s*[:：/／]\s*(?P<name>.+)$")
# Where the author's name ends: a separator bar, two spaces, or a following "key：value" or date.
AUTHOR_END = re.compile(r"\s*(?:[|｜丨]|\s{2,}|\s+(?=\d)|\s+(?=\S{1,6}[:：])).*$")

# Clutter: whole lines the website added. Each pattern has the reason printed in the report.
FIGURE = re.compile(r"^(?P<caption>.*?)\s*图\s*\d+$")
IMAGE_SOURCE = re.compile(r"^[(（]?\s*(?:图片来源|图源|图片由|配图来源)")
LEGAL = re.compile(r"^【[^】]*(?:法律|责任|声明|版权|免责|侵权|告知|转载)[^】]*】")
SITE_PROMPT = re.compile(
    r"^(?:站内文章|相关阅读|相关文章|相关推荐|推荐阅读|延伸阅读|热门推荐|热门文章|猜你喜欢|上一篇|下一篇|返回顶部|"
    r"返回首页|阅读原文|查看原文|展开全文|分享到|分享至|点击关注|关注我们|扫码关注|扫描二维码|长按二维码|长按识别|"
    r"微信扫一扫|打开APP|下载APP|责任编辑|免责声明|版权声明)")
META = re.compile(r"^(?:来源|本文来源|原标题|编辑|校对|审核|发布时间|发布日期|更新时间|阅读量|阅读数|浏览量|"
                  r"浏览次数|标签|关键词)\s*[:：]")
RELATED = re.compile(r"^(?:相关阅读|相关文章|相关推荐|推荐阅读|延伸阅读|热门推荐|热门文章|猜你喜欢)")
RELATED_ITEM = re.compile(r"^(?:[·•●▪◆►▶>\-*]\s*\S|《[^》]+》$|(?:https?://|www\.)\S+$)")
PROMPT_WORDS = re.compile(r"扫码关注|点击关注|关注公众号|关注我们|分享到|分享给|点赞|在看|转发|收藏本文|下载APP|打开APP")
PROMPT_CUES = re.compile(r"请|欢迎|点击|扫码|长按|记得|别忘了|点个|一键|立即")
SHARE_BUTTONS = re.compile(r"^(?:(?:微信|微博|QQ空间|QQ|朋友圈|豆瓣|抖音|点赞|收藏|评论|转发|分享|举报|打赏)"
                           r"[\s|｜/·、,，:：]*)+$")
SEPARATOR = re.compile(r"^[-—_=~·*＊\s]{3,}$")
END_MARK = re.compile(r"^[-—_=~·*\s]*(?:END|End|end|完)[-—_=~·*\s]*$|^[(（]完[)）]$")
# A closing note that the article is fiction or not advice: "（本文…虚构…）"; without brackets only when fiction.
DISCLAIMER = re.compile(r"^[(（](?:本文|本篇|文中|以上).*(?:虚构|杜撰|纯属巧合|仅供参考|不构成|AI|人工智能).*[)）]$"
                        r"|^(?:本文|本篇|文中|以上).*(?:虚构|杜撰|纯属巧合)")


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


def _squeezed(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _scheme(text: str) -> tuple[str, re.Match] | tuple[None, None]:
    for name, pattern in SCHEMES:
        match = pattern.match(text)
        if match:
            return name, match
    return None, None


def _clutter_reason(line: Line, title: str) -> str:
    raw = line.raw
    caption = FIGURE.match(raw)
    if caption and (not caption.group("caption").strip()
                    or difflib.SequenceMatcher(None, _squeezed(caption.group("caption")), title).ratio() >= 0.8):
        return "figure caption repeating the title"
    if _squeezed(raw) == title:
        return "the title repeated"
    if IMAGE_SOURCE.match(raw):
        return "image credit"
    if LEGAL.match(raw):
        return "legal notice in 【】"
    if SITE_PROMPT.match(raw) or META.match(raw):
        return "site prompt or page metadata"
    if SHARE_BUTTONS.match(raw):
        return "share buttons"
    if END_MARK.match(raw):
        return "end mark"
    if SEPARATOR.match(raw):
        return "separator line"
    if len(raw) <= 40 and PROMPT_WORDS.search(raw) and PROMPT_CUES.search(raw):
        return "follow/share prompt"
    return ""


def _plain_heading_candidate(line: Line) -> bool:
    text = line.text
    return (len(text) <= MAX_PLAIN_HEADING and len(HAN_CHAR.findall(text)) >= 2 and "。" not in text
            and not CLAUSE_END.search(text) and not URL.search(text) and not DATE_ONLY.match(text)
            and not text.startswith(("（", "(", "【", "[")) and _scheme(text)[0] is None)


def _numbered_kind(line: Line, scheme: str, label: re.Match) -> str:
    rest = line.text[label.end():].strip()
    if scheme == "arabic-dot" and SENTENCE_END.search(line.text):
        return "item"  # "1. 一句完整的话。": an ordered list item
    if not rest:
        return "heading" if scheme in ("chapter", "part", "section") else "body"
    if len(rest) <= MAX_NUMBERED_HEADING and "。" not in rest and not CLAUSE_END.search(rest) \
            and not URL.search(rest):
        return "heading"
    return "body"


def classify(lines: list[Line], diagnostics: Diagnostics, path: Path) -> tuple[str, str, str]:
    """Set every line's kind; return title, subtitle and author."""
    lines[0].kind, lines[0].reason = "title", "the book's title"
    title, subtitle = split_title(lines[0].text)
    squeezed_title = _squeezed(lines[0].raw)

    author = ""
    for line in lines[1:6]:  # the byline is near the top
        match = AUTHOR.match(line.raw)
        if match:
            author = AUTHOR_END.sub("", match.group("name")).strip()
            if author:
                line.kind, line.reason = "author", f"byline (author: {author})"
                break
    if not author:
        author = ANONYMOUS
        diagnostics.warn(f"no author line (作者：…) near the top: the author is set to {ANONYMOUS}; "
                         "correct it in book.toml", path)

    in_related = False
    for line in lines[1:]:
        if line.kind != "body":
            continue
        reason = _clutter_reason(line, squeezed_title)
        if not reason and in_related and RELATED_ITEM.match(line.raw):
            reason = "related-reading link"
        in_related = bool(RELATED.match(line.raw)) or (in_related and bool(reason))
        if reason:
            line.kind, line.reason = "clutter", reason

    content = [line for line in lines if line.kind == "body"]
    if content and DISCLAIMER.match(content[-1].text) and len(content[-1].text) <= 120:
        content[-1].kind, content[-1].reason = "disclaimer", "disclaimer, moved to colophon.md"
        content.pop()

    for line in content:
        scheme, label = _scheme(line.text)
        if scheme:
            line.kind = _numbered_kind(line, scheme, label)
            if line.kind == "heading":
                line.scheme = scheme
    for index, line in enumerate(content):
        if line.kind != "body" or not _plain_heading_candidate(line):
            continue
        following = content[index + 1] if index + 1 < len(content) else None
        # Clearly a heading only when what follows is substantial: a paragraph, a list or a numbered part.
        if following and (following.kind in ("heading", "item") or not _plain_heading_candidate(following)):
            line.kind, line.scheme = "heading", PLAIN
    return title, subtitle, author


def split_title(text: str) -> tuple[str, str]:
    """"主标题？副标题" or "主标题：副标题" → (title, subtitle) when both parts are substantial."""
    separators = [m for m in re.finditer(r"[？：]", text) if 0 < m.start() < len(text) - 1]
    if len(separators) == 1:
        head, tail = text[:separators[0].start()].strip(), text[separators[0].end():].strip()
        if all(len(part) >= 4 and len(HAN_CHAR.findall(part)) >= 2 for part in (head, tail)):
            return head + ("？" if separators[0].group() == "？" else ""), tail
    return text, ""


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


def find_closing(blocks: list[Line]) -> int | None:
    """Where the closing paragraphs start: after the last numbered section, a paragraph that follows
    the section's list, or one that opens with 综上所述/总之…; None when there are none."""
    headings = [i for i, block in enumerate(blocks) if block.kind == "heading"]
    if not headings or blocks[headings[-1]].scheme == PLAIN:
        return None
    last = headings[-1]
    for i in range(last + 1, len(blocks)):
        if blocks[i].kind != "body":
            continue
        if blocks[i - 1].kind == "item" or (i > last + 1 and SUMMARY_START.match(blocks[i].text)):
            return i
    return None


# ---------------------------------------------------------------------------------------------
# Markdown writing

ENTITY = re.compile(r"&(?=#?\w+;)")


def escape_inline(text: str) -> str:
    """Python-Markdown shows these literally: emphasis, code, links, attribute lists, raw HTML, entities."""
    text = re.sub(r"([\\`*_\[\]{}])", r"\\\1", text)
    return ENTITY.sub("&amp;", text).replace("<", "&lt;")


def escape_block(text: str) -> str:
    """A paragraph that must not start a list, a heading, a quote, a rule or a code fence."""
    text = escape_inline(text)
    text = re.sub(r"^(\d+)\.(?=\s)", r"\1\\.", text)  # "1. …" that is not a list item
    text = re.sub(r"^([-+#>])", r"\\\1", text)
    return re.sub(r"^~", "&#126;", text)


def escape_heading(text: str) -> str:
    return re.sub(r"#$", r"\\#", escape_inline(text))  # a trailing # would be taken as a closing sequence


def _tidy_label(text: str, scheme: str) -> str:
    """Brackets of a label full width, no space after a full-width label: "(1) 收入" → "（1）收入"."""
    if scheme in ("cn-paren", "arabic-paren"):
        text = re.sub(r"^[(（]([^)）]+)[)）]\s*", r"（\1）", text)
    elif scheme in ("cn-comma", "arabic-comma"):
        text = re.sub(r"^([^、．]+[、．])\s+", r"\1", text)
    return text


@dataclass
class Chapter:
    title: str
    blocks: list[Line]
    added: str = ""  # "intro" or "closing": a heading the importer supplied
    scheme: str = ""

    def markdown(self) -> str:
        parts: list[str] = []
        if self.added:
            parts.append("# " + escape_heading(self.title))
        previous = ""
        for block in self.blocks:
            if block.kind == "heading":
                parts.append("#" * block.level + " " + escape_heading(block.text))
            elif block.kind == "item":
                # The source's number is kept ("3. …" starts a list at 3); the text after it is escaped.
                label = re.match(r"\d+", block.text).group()
                item = f"{label}. " + escape_inline(re.sub(r"^\d+[.．]\s*", "", block.text))
                if previous == "item":
                    parts[-1] += "\n" + item  # consecutive items: one tight list
                else:
                    parts.append(item)
            else:
                parts.append(escape_block(block.text))
            previous = block.kind
        return "\n\n".join(parts) + "\n"


def build_chapters(blocks: list[Line], title: str) -> list[Chapter]:
    if not any(block.kind == "heading" for block in blocks):
        return [Chapter(title, blocks, added="whole")]
    closing = find_closing(blocks)
    chapters: list[Chapter] = []
    for index, block in enumerate(blocks):
        if index == closing:
            chapters.append(Chapter(CLOSING_TITLE, [], added="closing"))
        elif block.kind == "heading" and block.level == 1:
            chapters.append(Chapter(block.text, [], scheme=block.scheme))
        elif not chapters:
            chapters.append(Chapter(INTRO_TITLE, [], added="intro"))
        chapters[-1].blocks.append(block)
    return chapters


def _chapter_file(number: int, chapter: Chapter) -> str:
    name = {"intro": "intro", "closing": "closing", "whole": "text"}.get(chapter.added) or \
        {"part": "part", "section": "section"}.get(chapter.scheme, "chapter")
    return f"chapters/{number:02d}-{name}.md"


def toml_string(value: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    out = []
    for char in value:
        if char in '\\"':
            out.append("\\" + char)
        elif char in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def book_toml(meta: dict[str, str], chapter_files: list[str]) -> str:
    lines = [MARKER]
    lines += [f"{key} = {toml_string(value)}" for key, value in meta.items() if value]
    lines.append("chapters = [")
    lines += [f"  {toml_string(name)}," for name in chapter_files]
    lines.append("]")
    text = "\n".join(lines) + "\n"
    parsed = tomllib.loads(text)  # the escaper must round-trip: a mismatch is a bug here, not bad input
    assert all(parsed[key] == value for key, value in meta.items() if value), parsed
    return text


def colophon_markdown(disclaimer: Line | None, chapters: list[Chapter], removed: int, marks: int) -> str:
    notes = ["本书据网络文章整理（由 build.py import 导入）"]
    if removed:
        notes.append(f"删去了网站附加的 {removed} 行内容（图注、声明、分享提示等）")
    if marks:
        notes.append(f"文中 {marks} 处英文标点已改为中文全角标点")
    note = "，".join(notes) + "。"
    for chapter in chapters:
        if chapter.added == "intro":
            note += f"首章标题“{chapter.title}”为整理时所加，原文无此标题。"
        elif chapter.added == "closing":
            note += f"末章标题“{chapter.title}”为整理时所加，原文无此标题。"
        elif chapter.added == "whole":
            note += "原文没有小标题，全文作为一章，以书名为章题。"
    parts = [escape_block(disclaimer.text)] if disclaimer else []
    parts.append("**编者说明：**" + escape_inline(note))
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# The command


def _read(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise BookError("article not found; check the path", source)
    except IsADirectoryError:
        raise BookError("is a folder; give the article's text file", source)
    except OSError as exc:
        raise BookError(f"cannot read the article ({exc.strerror}); check its permissions", source)


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise BookError("exists and is not a folder; choose another --out", out_dir)
    toml_path = out_dir / "book.toml"
    if toml_path.exists():
        try:
            first = toml_path.read_text("utf-8").split("\n", 1)[0]
        except (OSError, UnicodeDecodeError):
            first = ""
        if first != MARKER:
            raise BookError("already holds a book that the importer did not write; choose an empty --out folder "
                            "(or delete this one) so it is not overwritten", toml_path)


def report(lines: list[Line], path: Path) -> None:
    """Every line that is not body text: removed clutter, metadata, the moved disclaimer."""
    removed = [line for line in lines if line.kind == "clutter"]
    print(f"{path}: {len(removed)} line(s) of site clutter removed:", file=sys.stderr)
    for line in removed:
        print(f"  {path}:{line.number}: removed ({line.reason}): {line.raw}", file=sys.stderr)
    for line in lines:
        if line.kind in ("title", "author", "disclaimer"):
            print(f"  {path}:{line.number}: {line.reason}: {line.raw}", file=sys.stderr)


def import_article(source: Path, out_dir: Path, diagnostics: Diagnostics) -> list[Path]:
    source, out_dir = Path(source), Path(out_dir)
    _check_out_dir(out_dir)
    text, encoding = decode_article(_read(source), source)
    diagnostics.warn(f"info: read as {encoding}", source)

    text = re.sub("[\u200b\u2060\ufeff]", "", text.replace("\r\n", "\n").replace("\r", "\n"))
    if FORBIDDEN.search(text):
        diagnostics.warn(f"removed {len(FORBIDDEN.findall(text))} control character(s)", source)
        text = FORBIDDEN.sub("", text)
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.strip()
        if raw:
            lines.append(Line(number, raw, *normalise_punctuation(raw)))
    title, subtitle, author = classify(lines, diagnostics, source)

    blocks = [line for line in lines if line.kind in ("heading", "item", "body")]
    if not blocks:
        raise BookError("has no article text after the title (only a byline, site clutter or a disclaimer); "
                        "give the whole article", source)
    for block in blocks:
        block.text = _tidy_label(block.text, _scheme(block.text)[0] or "")
    assign_levels([block for block in blocks if block.kind == "heading"])
    chapters = build_chapters(blocks, title)
    disclaimer = next((line for line in lines if line.kind == "disclaimer"), None)
    marks = sum(line.marks for line in lines if line.kind not in ("clutter", "author"))
    removed = sum(line.kind == "clutter" for line in lines)
    if not diagnostics.quiet:
        report(lines, source)

    chapter_files = [_chapter_file(number, chapter) for number, chapter in enumerate(chapters, start=1)]
    meta = {"title": title, "subtitle": subtitle, "author": author, "language": "zh-Hans",
            "colophon": "colophon.md"}
    files = {"book.toml": book_toml(meta, chapter_files)}
    files.update((name, chapter.markdown()) for name, chapter in zip(chapter_files, chapters))
    files["colophon.md"] = colophon_markdown(disclaimer, chapters, removed, marks)

    (out_dir / "chapters").mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out_dir / name
        path.write_bytes(content.encode("utf-8"))
        written.append(path)
    for stale in sorted((out_dir / "chapters").glob("*.md")):
        if stale not in written:
            diagnostics.warn("left from an earlier import and not listed in book.toml (so not in the book); "
                             "delete it", stale)
    return written
