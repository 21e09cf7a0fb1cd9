"""The importer's rules: every pattern that decides what a line of a scraped article is.

CLUTTER_RULES is the table classify walks, in order, for each line below the title: the first rule that
accepts a line removes it, and its reason is what the report prints. The other patterns name headings,
bylines, site names and the like for zhbook.importer.classify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# A pasted web page rather than the article's text.
HTML_PAGE = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<(?:!doctype\s+)?html)", re.I)
# A URL is printable ASCII up to a space or a Chinese character; trailing sentence punctuation is not in it.
URL = re.compile(r"(?:https?|ftp)://[!-~]+|www\.[!-~]+")
URL_TRAILING = re.compile(r"[.,;:!?'\"\]]+$")

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

# Clutter: whole lines the website added. CLUTTER_RULES (below) gives each pattern its reason in the report.
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


# A page title often ends with the site's name: "标题 - 知乎", "标题_新浪财经_新浪网", "标题 | 36氪".
SITE_SUFFIX = re.compile(r"(?:\s+[-–—|｜]\s*|\s*[_｜|]\s*)(?P<site>[^\s_|｜\-–—，。？！：；、“”]{2,12})$")
SITE_WORDS = re.compile(r"(?:网|网站|频道|新闻|日报|晚报|早报|时报|周刊|杂志|财经|官网|资讯|知乎|公众号|APP|App|客户端|"
                        r"论坛|博客|百科|头条|在线|中文网|之家|社区)$")


@dataclass(frozen=True)
class ClutterRule:
    """A line the website added: pattern matches it (at its start) and accepts(match, line) agrees."""

    pattern: re.Pattern
    reason: str  # what the report says: "removed (REASON): line"
    accepts: Callable[[re.Match, str], bool] = lambda match, line: True

    def removes(self, line: str) -> bool:
        match = self.pattern.match(line)
        return match is not None and self.accepts(match, line)


def _short_dateline(match: re.Match, line: str) -> bool:
    """A date followed by nothing or page metadata, in a short line that is no sentence."""
    return DATELINE_REST.match(match.group("rest")) is not None and len(line) <= 80 and not re.search("[，。；]", line)


def _share_line(match: re.Match, line: str) -> bool:
    """"分享给朋友：" and then nothing but share buttons."""
    return match.end() > 2 and (match.end() == len(line) or SHARE_BUTTONS.match(line[match.end():]) is not None)


def _prompt(match: re.Match, line: str) -> bool:
    """A short line that, after its cue, asks for a follow or a share, and does not talk about such prompts."""
    return (len(line) <= 60 and PROMPT_WORDS.search(line, max(0, match.end() - 2)) is not None
            and PROMPT_NOT.search(line) is None)


SITE_PROMPT_REASON = "site prompt or page metadata"
DATE_LINE_REASON = "page metadata (date line)"
# Walked in order; the first rule that removes a line gives its reason. (Lines repeating the title are
# found before this table: that test needs the title.)
CLUTTER_RULES = (
    ClutterRule(IMAGE_SOURCE, "image credit"),
    ClutterRule(LEGAL, "legal notice in 【】"),
    ClutterRule(SOURCE, SOURCE_REASON),
    ClutterRule(SITE_PROMPT, SITE_PROMPT_REASON),
    ClutterRule(META, SITE_PROMPT_REASON),
    ClutterRule(DATELINE, DATE_LINE_REASON, _short_dateline),
    ClutterRule(WECHAT_HEADER, DATE_LINE_REASON, lambda match, line: len(line) <= 60),
    ClutterRule(REPRINT, "reprint notice", lambda match, line: len(line) <= 80),
    ClutterRule(SHARE_BUTTONS, "share buttons"),
    ClutterRule(SHARE_LINE, "share line", _share_line),
    ClutterRule(END_MARK, "end mark"),
    ClutterRule(SEPARATOR, "separator line"),
    ClutterRule(PROMPT_START, "follow/share prompt", _prompt),
)

# Lines where a page names its site ("来源：创业邦", "本文由创业邦原创", "转载自…"): a title's site suffix is cut
# when one of them names it.
NAMES_THE_SITE = re.compile("来源|原创|转载|首发|出品|来自")
# A byline inside a metadata line, not at its start, counts only when the line has no sentence punctuation.
SENTENCE_PUNCTUATION = re.compile("[，。；,;]")
# "主标题？副标题", "主标题：副标题", "主标题——副标题".
TITLE_SEPARATOR = re.compile(r"[？：]?——|[？：]")
