"""Import a scraped web article (plain text) into a book folder: book.toml, chapters/*.md, colophon.md.

The stages, in order:
  decode     UTF-8 (± BOM), UTF-16 (± BOM) or GB18030/GBK, detected and reported; binary, empty or
             HTML input refused in one line.
  classify   each non-empty line: breadcrumb, title (site name cut off, subtitle split off), author,
             clutter (site additions), disclaimer, heading, list item or body. Clutter is reported line
             by line; a line is clutter only when all of it is (a sentence about 扫码关注 is text).
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
        utf16 = _utf16_without_bom(raw)
        if utf16:
            codec, name = utf16
            return _checked_text(raw.decode(codec), path), name
        raise BookError("is not a text file (it contains NUL bytes: binary data?); "
                        "save the article as UTF-8 text", path)
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


def _utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a byte order mark: the NUL bytes of its ASCII characters (line breaks,
    digits, punctuation) all fall on the same side of each 2-byte unit, and it decodes to text."""
    if len(raw) % 2:
        return None
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    for codec, name, nuls, others in (("utf-16-le", "UTF-16 little-endian (no byte order mark)", odd, even),
                                      ("utf-16-be", "UTF-16 big-endian (no byte order mark)", even, odd)):
        # (A Han character's low byte can be NUL too, as in 一 U+4E00: a few NULs on the other side.)
        if nuls >= 2 and others * 4 <= nuls:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            readable = sum(1 for c in text if c.isprintable() or c.isspace())
            if readable >= 0.98 * len(text) and "\n" in text and len(HAN_CHAR.findall(text)) >= 0.2 * len(text):
                return codec, name
    return None


def _checked_text(text: str, path: Path) -> str:
    text = text.lstrip("\ufeff")
    controls = len(FORBIDDEN.findall(text.replace("\f", "")))
    if controls > max(4, len(text) // 100):
        raise BookError(f"is not a text file ({controls} control characters: binary data); "
                        "save the article as UTF-8 text", path)
    if not text.strip():
        raise BookError("the article has no text (only blank lines); give the text file of the article", path)
    if HTML_PAGE.match(text):
        raise BookError("is an HTML page, not the article's text; open it in a browser, copy the article "
                        "and save it as a .txt file", path)
    return text


HTML_PAGE = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<(?:!doctype\s+)?html)", re.I)


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
    def beyond(i: int, step: int) -> str:  # the nearest neighbour that is not a space
        i += step
        while 0 <= i < len(chars) and chars[i] in " \t":
            i += step
        return at(i)

    for open_, close in pairs:
        if any(_chinese(at(i)) for i in (open_ + 1, close - 1)) or _chinese(beyond(open_, -1)) \
                or _chinese(beyond(close, 1)):
            chars[open_], chars[close] = "（", "）"
            changed += 2
    for i in lone:
        if _chinese(at(i - 1)) or _chinese(at(i + 1)):
            chars[i] = FULL_WIDTH[chars[i]]
            changed += 1

    for i, c in enumerate(chars):
        if c not in ",?!:;" or protected[i]:
            continue
        # Touching Chinese; or after a word and before Chinese across spaces ("BNPL, 简称"); or ending
        # a Chinese clause that closes on a Latin word or a number ("看一份BP!").
        if _chinese(at(i - 1)) or _chinese(at(i + 1)) \
                or (at(i + 1) in " \t" and at(i - 1) not in " \t" and _chinese(beyond(i, 1))) \
                or (c in "?!;:" and beyond(i, 1) == "" and at(i - 1) not in " \t"
                    and HAN_CHAR.search(re.split(r"[，。？！：；,.?!:;“”\"]", "".join(chars[:i]))[-1])):
            chars[i] = FULL_WIDTH[c]
            changed += 1
    result = "".join(chars)
    # Full-width marks carry their own space: drop ASCII spaces between them and Chinese text.
    result = re.sub(r"(?<=[，？！：；（）])[ \t]+(?=" + CHINESE.pattern + ")", "", result)
    result = re.sub(r"(?<=[，？！：；（）])[ \t]+(?=[!-~])", "", result)
    result = re.sub(r"(?<=" + CHINESE.pattern + r")[ \t]+(?=[，？！：；（）])", "", result)
    result = re.sub(r"(?<=[!-~])[ \t]+(?=[，？！：；（）])", "", result)
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
    ("arabic-dot3", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}(?=[ \t\u3000])")),
    ("arabic-dot2", re.compile(r"^\d{1,2}\.\d{1,2}(?=[ \t\u3000])")),
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
# Short lines that are not headings though they look like one: an interview's question or answer, a credit.
NOT_A_HEADING = re.compile(r"^(?:问|答|Q|A|记者|主持人|来源|数据来源|资料来源|注|备注|图|表)\s*[:：]")
CLOSING_HEADING = re.compile(r"^(?:结语|结论|总结|结束语|写在最后|写在最后的话|最后的话|尾声|后记|余论|总结与展望|结语与展望)$")
SUMMARY_START = re.compile(r"^(?:综上所述|综上|总而言之|总之|总的来说|总体来看|总体而言|整体来看|归根结底|一言以蔽之)")

# A byline: "作者：X", "文/X", "文 | X", at the start of a line or after a space or a bar in a
# metadata line ("2023年08月12日 14:35  来源：创业邦  作者：李四").
AUTHOR = re.compile(r"(?:^|(?<=[\s|｜丨]))(?:作者|文|撰文|文字|记者)\s*[:：/／|｜丨]\s*(?P<name>\S.*)$")
# Where the author's name ends: a separator bar, two spaces, or a following "key：value" or date.
AUTHOR_END = re.compile(r"\s*(?:[|｜丨]|\s{2,}|\s+(?=\d)|\s+(?=\S{1,6}[:：])).*$")

# Clutter: whole lines the website added. Each pattern has the reason printed in the report.
FIGURE = re.compile(r"^(?P<caption>.*?)\s*图\s*\d+$")
IMAGE_SOURCE = re.compile(r"^[(（]?\s*(?:图片来源|图源|图片由|配图来源|图片作者|题图|封面图)")
LEGAL = re.compile(r"^【[^】]*(?:法律|责任|声明|版权|免责|侵权|告知|转载|风险提示|投资提示)[^】]*】")
# A navigation word ends at the line's end, a colon, a space or punctuation: "相关阅读：", "上一篇 …".
_NAV_END = r"(?=$|[\s:：,，>》|｜\-—·•!！。])"
SITE_PROMPT = re.compile(
    r"^(?:站内文章|相关阅读|相关文章|相关推荐|推荐阅读|延伸阅读|热门推荐|热门文章|热门阅读|猜你喜欢|往期推荐|往期回顾|"
    r"往期精选|精彩推荐|更多阅读|更多精彩|上一篇|下一篇|返回顶部|返回首页|返回搜狐|阅读原文|查看原文|展开全文|分享到|"
    r"分享至|点击关注|关注我们|扫码关注|扫描二维码|长按二维码|长按识别|微信扫一扫|打开APP|下载APP|原文链接|原文地址|"
    r"本文链接|文章链接|网页链接|查看更多)" + _NAV_END
    + r"|^(?:责任编辑|免责声明|版权声明|特别声明)")
META = re.compile(r"^[(（]?(?:来源|本文来源|文章来源|原标题|编辑|责编|校对|审核|审校|发布时间|发布日期|发表时间|更新时间|"
                  r"阅读量|阅读数|浏览量|浏览次数|标签|关键词|关键字)\s*[:：]")
# "来源：…" under the title or at the end names the page's source; between paragraphs it credits a chart's data.
SOURCE = re.compile(r"^(?:来源|本文来源|文章来源|数据来源)\s*[:：]")
SOURCE_REASON = "page metadata (source)"
# "2024-06-01 08:00 来源：…", "原创 张三 财经观察 2024-06-01 08:00 发表于北京": a page's date line.
DATELINE = re.compile(r"^(?:(?:发布于|发表于|时间)\s*[:：]?\s*)?\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
                      r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?(?P<rest>.*)$")
DATELINE_REST = re.compile(r"^\s*(?:$|[|｜丨]|(?:来源|作者|编辑|发布|发表于|来自|阅读|浏览|评论|字号|分享|\d+\s*(?:阅读|浏览)))")
WECHAT_HEADER = re.compile(r"^原创\s+\S.*\d{4}-\d{1,2}-\d{1,2}")
REPRINT = re.compile(r"^(?:本文|文章|此文|本篇)(?:由|系|为|来自|来源于|转载自|转自|首发于|原载于|原发于|经|摘自|选自|"
                     r"原文首发于|已获|获)[^。]{0,40}?(?:转载|授权|原创|首发|刊发|发布)"
                     r"|^(?:未经(?:许可|授权|允许)|如需转载|转载请|欢迎转载|本文版权|版权归)")
RELATED = re.compile(r"^(?:站内文章|相关阅读|相关文章|相关推荐|推荐阅读|延伸阅读|热门推荐|热门文章|热门阅读|猜你喜欢|"
                     r"往期推荐|往期回顾|往期精选|精彩推荐|更多阅读)[\s:：>》▼↓👇]*$")
RELATED_ITEM = re.compile(r"^(?:[·•●▪◆►▶>\-*]\s*\S|《[^》]+》$|(?:https?://|www\.)\S+$)")
# A follow/share prompt addresses the reader: it opens with a cue and then asks for a follow, a like or a
# share. A sentence about such prompts ("很多商家要求顾客扫码关注……") is text, not a prompt.
PROMPT_START = re.compile(r"^[\s↓👇▼☟>]*(?:请|欢迎|点击|点个|点一下|扫码|扫描|长按|记得|别忘了|更多|喜欢|觉得|"
                          r"如果觉得|如果你喜欢|如果您喜欢|如果喜欢|戳|添加|加入|后台回复|一键|立即|想了解更多|想看更多|"
                          r"获取更多)")
PROMPT_WORDS = re.compile(r"扫码关注|点击关注|一键关注|加关注|关注我们|关注公众号|关注本号|关注.{0,12}(?:公众号|视频号|微信号|头条号)|"
                          r"蓝字|星标|置顶|分享到|分享给|点赞|在看|转发|收藏本文|二维码|下载APP|打开APP|加入.{0,8}群|后台回复|"
                          r"阅读原文|查看原文|领取")
PROMPT_NOT = re.compile(r"可能|容易|导致|风险|泄露|诈骗|要求|商家|用户|顾客|消费者|很多|不少|有人|他们|她们|调查|研究")
SHARE_BUTTONS = re.compile(r"^(?:(?:微信|微博|QQ空间|QQ|朋友圈|豆瓣|抖音|点赞|收藏|评论|转发|分享|举报|打赏)"
                           r"[\s|｜/·、,，:：]*)+$")
BREADCRUMB = re.compile(r"^(?:(?:网站)?首页|主页|当前位置\s*[:：]?\s*(?:首页)?)\s*(?:[>›»/＞]|&gt;)"
                        r"|^当前位置\s*[:：]|^[^。，]{1,12}(?:\s*[>›»＞]\s*[^。，>›»＞]{1,12}){2,}$")
# "分享给朋友：微信 | 朋友圈": a share prompt followed only by share buttons.
SHARE_LINE = re.compile(r"^(?:分享|转发)(?:给|到|至)?(?:朋友们?|好友|朋友圈)?\s*[:：]?\s*")
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
    if _squeezed(line.text) == title:
        return "the title repeated"
    if IMAGE_SOURCE.match(raw):
        return "image credit"
    if LEGAL.match(raw):
        return "legal notice in 【】"
    if SOURCE.match(raw):
        return SOURCE_REASON
    if SITE_PROMPT.match(raw) or META.match(raw):
        return "site prompt or page metadata"
    dateline = DATELINE.match(raw)
    if (dateline and DATELINE_REST.match(dateline.group("rest")) and len(raw) <= 80
            and not re.search("[，。；]", raw)) or (WECHAT_HEADER.match(raw) and len(raw) <= 60):
        return "page metadata (date line)"
    if REPRINT.match(raw) and len(raw) <= 80:
        return "reprint notice"
    if SHARE_BUTTONS.match(raw):
        return "share buttons"
    share = SHARE_LINE.match(raw)
    if share and share.end() > 2 and (share.end() == len(raw) or SHARE_BUTTONS.match(raw[share.end():])):
        return "share line"
    if END_MARK.match(raw):
        return "end mark"
    if SEPARATOR.match(raw):
        return "separator line"
    cue = PROMPT_START.match(raw)
    if cue and len(raw) <= 60 and PROMPT_WORDS.search(raw, max(0, cue.end() - 2)) and not PROMPT_NOT.search(raw):
        return "follow/share prompt"
    return ""


def _link_like(line: Line) -> bool:
    """A line of a related-reading list: a bullet, 《title》 or URL, or a short title without a full stop."""
    text = line.raw
    if RELATED_ITEM.match(text):
        return True
    return (len(text) <= 40 and "。" not in line.text and not CLAUSE_END.search(line.text)
            and _scheme(line.text)[0] is None)


def _plain_heading_candidate(line: Line) -> bool:
    text = line.text
    return (len(text) <= MAX_PLAIN_HEADING and len(HAN_CHAR.findall(text)) >= 2 and "。" not in text
            and not CLAUSE_END.search(text) and not URL.search(text) and not DATE_ONLY.match(text)
            and not text.startswith(("（", "(", "【", "[", "—", "-")) and not NOT_A_HEADING.match(text)
            and _scheme(text)[0] is None)


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
    top = 0  # the title is the first line, after the page's breadcrumb trail ("首页 > 财经 > 正文") if any
    while top < min(3, len(lines) - 1) and BREADCRUMB.match(lines[top].raw):
        lines[top].kind, lines[top].reason = "clutter", "breadcrumb navigation"
        top += 1
    lines[top].kind, lines[top].reason = "title", "the book's title"
    # Where a page names its site: "来源：创业邦", "本文由创业邦原创", "转载自…".
    page = "\n".join(line.raw for line in lines[top + 1:] if re.search("来源|原创|转载|首发|出品|来自", line.raw))
    full_title, sites = strip_site_name(lines[top].text, page)
    if sites:
        lines[top].reason += f" (the site's name removed from it: {' / '.join(sites)})"
    title, subtitle = split_title(full_title)
    squeezed_title = _squeezed(full_title)
    if len(full_title) > 60 or "。" in full_title:
        diagnostics.warn(f"the first line, taken as the title, looks like a paragraph ({len(full_title)} characters); "
                         "put the article's title on the first line", path, lines[top].number)

    author = ""
    for line in lines[top + 1:top + 6]:  # the byline is near the top
        match = AUTHOR.search(line.raw)
        # Not at the start of the line only in a metadata line: short, no sentence punctuation.
        if match and (match.start() == 0 or (len(line.raw) <= 80 and not re.search("[，。；,;]", line.raw))):
            author = AUTHOR_END.sub("", match.group("name")).strip()
            if author:
                line.kind, line.reason = "author", f"byline (author: {author})"
                break
    if not author:
        author = ANONYMOUS
        diagnostics.warn(f"no author line (作者：…) near the top: the author is set to {ANONYMOUS}; "
                         "correct it in book.toml", path)

    for line in lines[top + 1:]:
        if line.kind == "body":
            reason = _clutter_reason(line, squeezed_title)
            if reason:
                line.kind, line.reason = "clutter", reason
    body = [index for index, line in enumerate(lines) if line.kind == "body"]
    for index, line in enumerate(lines):  # a "来源：" line between paragraphs is the text's, not the page's
        if line.reason == SOURCE_REASON and body and body[0] < index < body[-1] and index - top > 6:
            line.kind, line.reason = "body", ""
    # After a "相关阅读" line, the titles of other articles: link-like lines up to the first line that is
    # not one. The last of them is kept when real text follows it (then it may be this article's heading).
    for index, line in enumerate(lines):
        if line.kind != "clutter" or not RELATED.match(line.raw):
            continue
        run: list[int] = []
        for at in range(index + 1, len(lines)):
            if lines[at].kind == "clutter":
                continue
            if lines[at].kind != "body" or not _link_like(lines[at]) or len(run) >= 12:
                break
            run.append(at)
        if run and not RELATED_ITEM.match(lines[run[-1]].raw) and \
                any(later.kind == "body" for later in lines[run[-1] + 1:]):
            run.pop()  # real text follows: keep the line before it
        for link in (lines[at] for at in run):
            link.kind, link.reason = "clutter", "related-reading link"

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
    for scheme in ("arabic-dot2", "arabic-dot3"):  # "3.5 亿用户": one such line is a number, not a heading
        lone = [line for line in content if line.kind == "heading" and line.scheme == scheme]
        if len(lone) == 1:
            lone[0].kind, lone[0].scheme = "body", ""
    for index, line in enumerate(content):
        if line.kind != "body" or not _plain_heading_candidate(line):
            continue
        following = content[index + 1] if index + 1 < len(content) else None
        # Clearly a heading only when what follows is substantial: a paragraph, a list or a numbered part.
        if following and (following.kind in ("heading", "item") or not _plain_heading_candidate(following)):
            line.kind, line.scheme = "heading", PLAIN
    return title, subtitle, author


def split_title(text: str) -> tuple[str, str]:
    """"主标题？副标题", "主标题：副标题" or "主标题——副标题" → (title, subtitle) when there is one such
    separator and both parts are substantial; the question mark stays with the title."""
    separators = [m for m in re.finditer(r"[？：]?——|[？：]", text) if 0 < m.start() and m.end() < len(text)]
    if len(separators) == 1:
        head, tail = text[:separators[0].start()].strip(), text[separators[0].end():].strip()
        if all(len(part) >= 4 and len(HAN_CHAR.findall(part)) >= 2 for part in (head, tail)):
            return head + ("？" if separators[0].group().startswith("？") else ""), tail
    return text, ""


# A page title often ends with the site's name: "标题 - 知乎", "标题_新浪财经_新浪网", "标题 | 36氪".
SITE_SUFFIX = re.compile(r"(?:\s+[-–—|｜]\s*|\s*[_｜|]\s*)(?P<site>[^\s_|｜\-–—，。？！：；、“”]{2,12})$")
SITE_WORDS = re.compile(r"(?:网|网站|频道|新闻|日报|晚报|早报|时报|周刊|杂志|财经|官网|资讯|知乎|公众号|APP|App|客户端|"
                        r"论坛|博客|百科|头条|在线|中文网|之家|社区)$")


def strip_site_name(text: str, page: str) -> tuple[str, list[str]]:
    """The title without the site names at its end; a name goes when the page names the site elsewhere
    (来源：创业邦) or it looks like one (…网, …日报, 知乎 …)."""
    sites = []
    while True:
        match = SITE_SUFFIX.search(text)
        if not match or len(HAN_CHAR.findall(text[:match.start()])) < 4:
            return text, sites
        site = match.group("site")
        if site not in page and not SITE_WORDS.search(site):
            return text, sites
        sites.insert(0, site)
        text = text[:match.start()].rstrip()


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
    if not diagnostics.quiet:
        print(f"{source}: read as {encoding}", file=sys.stderr)

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
