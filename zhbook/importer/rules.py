"""The importer's rules: every pattern that decides what a line of a scraped article is.

CLUTTER_RULES is the table classify walks, in order, for every line: the first rule that accepts a line
removes it, its reason is what the report prints and its kind what the colophon counts. The other patterns
name what classify decides from a line's neighbours: bylines (AUTHOR, REPORTER, BYLINE_FORMS, FOLLOW), where
the article ends (TAIL_START, REPLY), related-reading boxes, tables of contents, headings. Lines are matched in
the Simplified spelling of the rules' words (TRADITIONAL_FOLD), so one table serves Traditional pages too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..cjk import HAN_RE

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
AUTHOR = re.compile(r"(?:^|(?<=[\s|｜丨]))(?:作者|文|撰文|文字|记者|楼主)\s*[:：/／|｜丨]\s*(?P<name>\S.*)$")
# Where the author's name ends: a separator bar, two spaces, or a following "key：value" or date.
AUTHOR_END = re.compile(r"\s*(?:[|｜丨]|\s{2,}|\s+(?=\d)|\s+(?=\S{1,6}[:：])).*$")

# Clutter: whole lines the website added. CLUTTER_RULES (below) gives each pattern its reason in the report.
FIGURE = re.compile(r"^(?P<caption>.*?)\s*图\s*\d+$")
IMAGE_SOURCE = re.compile(r"^[▲△(（]?\s*(?:图片来源|图源|图片由|配图来源|图片作者|题图|封面图|头图)"
                          r"|^[▲△(（]?\s*(?:图片|配图|图)(?:来源|提供)?\s*[:：|｜/／]")
# A figure's caption or what stands for the missing image: "图1：…", "图2 …", "… 图1", "图为…", "…记者 某某 摄",
# "[img]…[/img]", "IMG_0001.jpg (168 KB)".
FIGURE_CAPTION = re.compile(r"^[▲△▼↑]?\s*(?:图|图表|组图)\s*\d+(?:\s|[:：.、．\-—|｜]|$)|^[▲△▼↑]?\s*图为"
                            r"|^.{0,80}\s(?:图|图片)\s*\d+$|^.*(?:记者|摄影|通讯员)\s*\S{2,4}\s*摄[)）]?$"
                            r"|^\[img\].*$|^\S+\.(?:jpe?g|png|gif|webp)(?:\s*[(（].*[)）])?$|^[\[【(（]?(?:图片|资料图|示意图)[\]】)）]?$",
                            re.I)
LEGAL = re.compile(r"^【[^】]*(?:法律|责任|声明|版权|免责|侵权|告知|转载|风险提示|投资提示)[^】]*】")
# A navigation word ends at the line's end, a colon, a space or punctuation: "相关阅读：", "上一篇 …".
_NAV_END = r"(?=$|[\s:：,，>》|｜\-—·•!！。])"
# The heads of related-reading boxes ("相关阅读：", "往期推荐", "上一篇：…"): the box, not the article.
RELATED_HEADS = (r"站内文章|相关阅读|相关文章|相关推荐|推荐阅读|延伸阅读|热门推荐|热门文章|热门阅读|猜你喜欢|往期推荐|往期回顾|"
                 r"往期精选|精彩推荐|更多阅读|相关新闻|大家都在看|热点推荐|今日好文推荐|好文推荐|编辑推荐|阅读排行|"
                 r"喜欢此内容的人还喜欢|阅读下一篇|上一篇|下一篇|前一篇|后一篇")
RELATED_LINE = re.compile(r"^(?:" + RELATED_HEADS + ")" + _NAV_END)
SITE_PROMPT = re.compile(
    r"^(?:更多精彩|返回顶部|返回首页|返回搜狐|阅读原文|查看原文|展开全文|分享到|文章导航|"
    r"分享至|点击关注|关注我们|扫码关注|扫描二维码|长按二维码|长按识别|微信扫一扫|打开APP|下载APP|原文链接|原文地址|"
    r"本文链接|文章链接|网页链接|查看更多)" + _NAV_END
    + r"|^(?:责任编辑|免责声明|版权声明|特别声明|平台声明)")
META = re.compile(r"^[(（]?(?:来源|本文来源|文章来源|原标题|编辑|责编|校对|审核|审校|发布时间|发布日期|发表时间|更新时间|"
                  r"阅读量|阅读数|浏览量|浏览次数|标签|关键词|关键字|分类|分类专栏|文章标签)\s*[:：]")
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
RELATED = re.compile(r"^(?:" + RELATED_HEADS + r")[\s:：>》▼↓👇]*$")
RELATED_ITEM = re.compile(r"^(?:[·•●▪◆►▶▷>\-*]\s*\S|《[^》]+》$|(?:https?://|www\.)\S+$)")
# A follow/share prompt addresses the reader: it opens with a cue and then asks for a follow, a like or a
# share. A sentence about such prompts ("很多商家要求顾客扫码关注……") is text, not a prompt.
PROMPT_START = re.compile(r"^(?:[\s↓👇👆☝⬆↑▼☟>]*[👇👆☝⬆☟]|[\s↓▼>]*(?:请|欢迎|点击|点个|点一下|扫码|扫描|长按|记得|别忘了|更多|"
                          r"喜欢|觉得|星标|设为星标|用微信|用手机|免费领取|"
                          r"如果觉得|如果你喜欢|如果您喜欢|如果喜欢|戳|添加|加入|后台回复|一键|立即|想了解更多|想看更多|"
                          r"获取更多))")
PROMPT_WORDS = re.compile(r"扫码关注|点击关注|一键关注|加关注|关注我们|关注公众号|关注本号|关注.{0,12}(?:公众号|视频号|微信号|头条号)|"
                          r"蓝字|星标|置顶|分享到|分享给|点赞|在看|转发|收藏本文|二维码|下载APP|打开APP|加入.{0,8}群|后台回复|"
                          r"阅读原文|查看原文|领取|在评论区|评论区|留言|一起探讨|好梦|关注我|APP|App|客户端")
PROMPT_NOT = re.compile(r"可能|容易|导致|风险|泄露|诈骗|要求|商家|用户|顾客|消费者|很多|不少|有人|他们|她们|调查|研究")
SHARE_BUTTONS = re.compile(r"^(?:(?:微信|微博|QQ空间|QQ|朋友圈|好友|豆瓣|抖音|点赞|收藏|评论|转发|分享|举报|打赏)"
                           r"[\s|｜/·、,，:：和及]*)+$")
BREADCRUMB = re.compile(r"^(?:(?:网站)?首页|主页|当前位置\s*[:：]?\s*(?:首页)?)\s*(?:[>›»/＞]|&gt;)"
                        r"|^当前位置\s*[:：]|^[^。，]{1,12}(?:\s*[>›»＞]\s*[^。，>›»＞]{1,12}){2,}$")
# "分享给朋友：微信 | 朋友圈": a share prompt followed only by share buttons.
SHARE_LINE = re.compile(r"^(?:分享|转发)(?:给|到|至)?(?:朋友们?|好友|朋友圈)?\s*[:：]?\s*")
SEPARATOR = re.compile(r"^[-—_=~·*＊\s]{3,}$")
END_MARK = re.compile(r"^[-—_=~·*\s]*(?:THE\s+END|END|End|end|完|全文完)[-—_=~·*\s]*$|^[(（](?:完|全文完)[)）]$")
# A closing note that the article is fiction or not advice: "（本文…虚构…）"; without brackets only when fiction.
DISCLAIMER = re.compile(r"^[(（](?:本文|本篇|文中|以上).*(?:虚构|杜撰|纯属巧合|仅供参考|不构成|AI|人工智能).*[)）]$"
                        r"|^(?:以上|本文|本篇)(?:内容|观点|文章)?(?:仅|只|均|纯属)[^。]{0,16}(?:个人观点|参考|科普)"
                        r"|^(?:本文|本篇|文中|以上).*(?:虚构|杜撰|纯属巧合)")


# A page title often ends with the site's name: "标题 - 知乎", "标题_新浪财经_新浪网", "标题 | 36氪".
SITE_SUFFIX = re.compile(r"(?:\s+[-–—|｜]\s*|\s*[_｜|]\s*)(?P<site>[^\s_|｜\-–—，。？！：；、“”]{2,12})$")
SITE_WORDS = re.compile(r"(?:网|网站|频道|新闻|日报|晚报|早报|时报|周刊|杂志|财经|官网|资讯|知乎|公众号|APP|App|客户端|"
                        r"论坛|博客|百科|头条|在线|中文网|之家|社区)$")


SITE_PROMPT_REASON = "site prompt or page metadata"
DATE_LINE_REASON = "page metadata (date line)"

# Lines where a page names its site ("来源：创业邦", "本文由创业邦原创", "转载自…"): a title's site suffix is cut
# when one of them names it.
NAMES_THE_SITE = re.compile("来源|原创|转载|首发|出品|来自")
# A byline inside a metadata line, not at its start, counts only when the line has no sentence punctuation.
SENTENCE_PUNCTUATION = re.compile("[，。；,;]")
# "主标题？副标题", "主标题：副标题", "主标题——副标题".
TITLE_SEPARATOR = re.compile(r"[？：]?——|[？：]")


# The rules' words are Simplified; a Traditional page's lines are matched in this Simplified spelling (only the
# characters of the rules' vocabulary: 來源 → 来源, 責任編輯 → 责任编辑, 延伸閱讀 → 延伸阅读, 登入 stays).
TRADITIONAL_FOLD = str.maketrans(
    "來輯責關註冊錄頁閱閲讀掃點讚贊轉載權歸聲圖號機時間發佈於報導記攝網題標籤鍵級擊碼維體寫舉編對審瀏覽數評論據資訊訂樓覆檢類頻聞為爲區廣專欄熱門薦請歡與頂動態說們個後處參無稱務實長條應幫輕繼續車學習會員帳設顯將產經濟綜聯訪盡詳視線縮傳貼錯糾從總劃製監採導覽獲傳紙圍屬歷",
    "来辑责关注册录页阅阅读扫点赞赞转载权归声图号机时间发布于报导记摄网题标签键级击码维体写举编对审浏览数评论据资讯订楼复检类频闻为为区广专栏热门荐请欢与顶动态说们个后处参无称务实长条应帮轻继续车学习会员帐设显将产经济综联访尽详视线缩传贴错纠从总划制监采导览获传纸围属历")
# Sentence punctuation: a line with it says something; page furniture has none.
NARRATIVE_PUNCTUATION = re.compile("[，。！？；]")
ANYWHERE = re.compile("")  # for rules decided by their accepts() alone
DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)")
# Portal navigation: short items between bars or spaces ("新闻 | 体育 | 财经 | 登录 | 注册").
NAV_SPLIT = re.compile(r"[|｜丨·•/\s]+")
NAV_ITEM = 8
NAV_ACCOUNT = re.compile(r"登录|注册|登入|手机版|客户端|English|会员")
CRUMB_SPLIT = re.compile(r"\s*(?:[>›»＞]+|&gt;)\s*")
# Counters and buttons: a line of nothing but these words, numbers and separators ("赞同 3612", "关注问题 写回答",
# "阅读(312) | 评论 (5)", "1,286", "#1"), longest words first.
_BUTTONS = sorted(set("""
首页 主页 会员 发现 等你来答 登录 注册 登入 退出 搜索 下载 学习 社区 会议 博客 论坛 手机版 客户端 更多 返回 返回列表 发新帖 发帖
我要发帖 回帖 快速回复 回复 引言回复 支持 反对 使用道具 举报 检举 我要举报 只看该作者 只看楼主 倒序浏览 阅读模式 脱水模式 打赏 电梯直达
楼主 沙发 板凳 地板 高级模式 关注 关注他 关注她 关注我 加关注 +加关注 +关注 已关注 关注问题 写回答 邀请回答 好问题 添加评论 评论 条评论
分享 分享至 分享到 收藏 收藏该文 喜欢 收起 展开 展开阅读全文 阅读全文 赞同 赞 踩 点赞 点赞数 在看 转发 转载 打印 编辑 删除 复制链接
申请转载 赞赏 赞赏支持 订阅 订阅专栏 专栏收录该内容 好文要顶 微信分享 刷新评论 刷新页面 返回顶部 默认排序 按时间排序 查看全部 个回答
更多回答 查看更多 继续浏览内容 打开 继续 知道了 取消 允许 使用小程序 预览时标签不可点 继续滑动看下一个 向上滑动看下一个 轻触阅读原文
微信扫一扫 扫一扫 关注该公众号 视频 小程序 轻点两下取消赞 轻点两下取消在看 跳至内容 跳到主要内容 字数 阅读 阅读量 阅读数 浏览 被浏览
关注者 粉丝 篇文章 人赞同了该回答 人赞同了该文章 人点赞 人正在系统学习中 下载次数 查看 点击 人参与 参与 跟贴 收录于合集
微博 微信 QQ QQ空间 朋友圈 新浪微博 +1 评分 留言 条 次 个 ▼ ▲
""".split()), key=len, reverse=True)
COUNTER_WORDS = re.compile("|".join(map(re.escape, _BUTTONS)))
TAGS = re.compile(r"^(?:#[^#\s]{1,16}#?(?:\s*\d+个)?\s*)+$")
FONT_SWITCH = re.compile(r"^.{0,40}?(?:缩小字体|放大字体|字体大小|小字号|中字号|大字号|字级|字号|字体)"
                         r"\s*[:：]?\s*(?:[大中小]\s*){0,3}(?:\s|$)")
EDITOR_LINE = re.compile(r"^(?:【[^】]{1,6}】\s*)*[(（【\[]?\s*(?:责任编辑|责编|编辑|校对|审核|审校|审稿|排版|美编|策划|监制|统筹|主编|"
                         r"值班编辑|编审|终审|初审|复审|实习编辑|视觉|设计|出品人|出品|制作)\s*[:：|｜/／]")
# Copyright and reprint notices, wherever they are in a short line; not a sentence about copyright law.
NOTICE_WORDS = re.compile(r"如有侵权|侵权(?:必删|删除|请|立删)|联系(?:我们|小编)?删除|版权所有|版权归|著作权归|版权属于|"
                          r"未经.{0,8}(?:授权|许可|同意)|禁止转载|不得转载|谢绝转载|转载请|如需转载|请勿转载|转载自|"
                          r"经授权转载|授权转载|Copyright|©|All rights reserved|本文来源于|以下文章来源于|本网站所刊载|"
                          r"不代表.{0,10}(?:观点|立场)|仅提供信息存储|信息存储空间|Powered by|由\s*WordPress", re.I)
NOTICE_NOT = re.compile(r"法院|判决|起诉|案件|律师|他人|行为|违法")
# What a site says about itself: app promotion, hotlines, advertisements, boilerplate it adds to every page.
PROMO = re.compile(r"^(?:海量资讯|更多精彩|更多资讯|精彩内容)|^.{0,24}尽在.{0,12}(?:APP|App|客户端)|^【推荐】|^(?:广告|推广)\s*[:：]"
                   r"|^.{0,10}(?:报料|爆料|新闻热线|投稿邮箱|商务合作)\s*[:：]|^(?:点击)?(?:播报本文|语音播报|收听本文)"
                   r"|^(?:GMT[+-]\d|Processed in)")
# Lines that end the article: what follows them is the page's footer (comments, replies, links, buttons).
TAIL_REASONS = ("editor line", "end mark", "reprint notice", "reprint or copyright notice", "legal notice in 【】",
                "site promotion", DATE_LINE_REASON)
TAIL_START = re.compile(r"^(?:特别声明|平台声明|免责声明|版权声明|文章导航|评分|发表回复|发表评论|全部评论|热门评论|网友评论|"
                        r"我来说两句|标签|分类|关键词)|^posted\s*@", re.I)
# A reply under a forum post: "作者：X 回复日期：…", "X 发表于 2024-4-21 21:12", a floor (沙发, 板凳, 2楼, #2).
REPLY = re.compile(r"^(?:作者|楼主)\s*[:：]\s*\S+\s+回复日期|^\S{1,16}\s+(?:楼主\s*[|｜]?\s*)?发表于\s*\d{4}"
                   r"|^(?:沙发|板凳|地板|\d{1,4}\s*楼|#\d{1,4})$")
# A table of contents before the text ("目录", then the headings): the headings come again below.
CONTENTS = re.compile(r"^(?:文章|本文)?目录[:：]?$")
# The forms of a byline besides AUTHOR: a reporter ("（记者 李晓 王丹）", "证券时报记者 马小川"), a WeChat header
# ("原创 老K 老K聊理财 2024年…"), "X 于 2023-07-14 发布", "发表于 2023年9月2日 由 X", "本帖最后由 X 于 …",
# "posted @ 2023-10-09 21:16 X 阅读(…)", "以下文章来源于…，作者X", "X的博客", "X 2024-02-18 21:40".
REPORTER = re.compile(r"(?:记者|通讯员)\s*(?P<name>[\u4e00-\u9fff·]{2,4}(?:[\s、，]+[\u4e00-\u9fff·]{2,4})*)(?=[\s)）／/、]|$)")
REPORTER_STOP = re.compile(r"^(?:实习生|通讯员|摄影|摄|报道|编辑|记者|综合|发自|电)$")
BYLINE_FORMS = (
    re.compile(r"^原创\s+(?P<name>\S+)\s+\S+\s+\d{4}"),
    re.compile(r"^本帖最后由\s*(?P<name>\S+)\s*于"),
    re.compile(r"^posted\s*@\s*\S+\s+\S+\s+(?P<name>\S+)", re.I),
    re.compile(r"(?:发表于|发布于|更新于)\s*\S+(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s+(?:由|by)\s*(?P<name>\S+)$", re.I),
    re.compile(r"^(?P<name>[^\s\d]{2,16})\s+(?:于|发表于)\s*\d{4}[-/.年]\S*(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:发布|发表)?"
               r"(?:\s*[|｜].*)?$"),
    re.compile(r"^(?:以下文章来源于|本文来源于|本文转载自|转载自).*[，,\s]作者\s*[:：]?\s*(?P<name>[^\s，,。]{2,12})$"),
    re.compile(r"^(?P<name>[^\s|｜]{1,12})的(?:博客|个人空间|主页|专栏)$"),
    re.compile(r"^(?P<name>[^\s\d|｜:：，。]{2,16})(?<!于)\s+(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"
               r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+(?!发布|发表|编辑|更新)[\u4e00-\u9fff]{2,4})?$"),  # (and the place)
)
# The button under an author's name on Zhihu, Jianshu, CSDN, cnblogs: the line above it names the author.
FOLLOW = re.compile(r"^(?:\+?\s*加?关注(?:他|她|作者)?|\d[\d,.]*\s*万?\s*人赞同了该(?:回答|文章))$")
# A WeChat account named by its header or by a repost card: its name is no text of the article.
ACCOUNT_FORMS = (re.compile(r"^原创\s+\S+\s+(?P<account>\S+)\s+\d{4}"), re.compile(r"^以下文章来源于\s*(?P<account>[^\s，,]+)"))


# What the colophon calls each kind of removed line (it lists only the kinds this article had).
NAVIGATION, BYLINE, FONT_SIZE, CAPTION, EDITOR, NOTICE, PROMPT, RELATED_KIND, COUNTER, REPLIES, TITLE_AGAIN, PAGE = (
    "网站导航", "署名和日期行", "字号切换", "图注和图片占位", "编辑署名", "转载和版权声明", "关注和分享提示", "推荐链接",
    "计数和分享栏", "读者回复", "重复的标题", "页眉页脚")


@dataclass(frozen=True)
class ClutterRule:
    """A line the website added: pattern matches it (at its start) and accepts(match, line) agrees."""

    pattern: re.Pattern
    reason: str  # what the report says: "removed (REASON): line"
    kind: str  # what the colophon calls it
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


def _no_sentence(match: re.Match, line: str) -> bool:
    return len(line) <= 100 and not NARRATIVE_PUNCTUATION.search(line)


def _navigation(match: re.Match, line: str) -> bool:
    """Three or more short items between bars or spaces, or short items with 登录/注册/手机版; no sentence."""
    if NARRATIVE_PUNCTUATION.search(line):
        return False
    items = [item for item in NAV_SPLIT.split(line) if item]
    short = all(len(item) <= NAV_ITEM for item in items) and sum(HAN_RE.search(item) is not None for item in items) >= 2
    return short and (len(items) >= 3 or (len(items) >= 2 and NAV_ACCOUNT.search(line) is not None))


def _breadcrumb(match: re.Match, line: str) -> bool:
    """Places joined by > › » (the last may be the article's title); or a trail from 首页/当前位置."""
    if BREADCRUMB.match(line):
        return True
    parts = [part.strip() for part in CRUMB_SPLIT.split(line)]
    return (len(parts) >= 3 and all(0 < len(part) <= 16 and "。" not in part for part in parts[:-1])
            and "。" not in parts[-1]) or (len(parts) == 2 and all(0 < len(part) <= 12 for part in parts)
                                            and not NARRATIVE_PUNCTUATION.search(line))


def _counter(match: re.Match, line: str) -> bool:
    """Only numbers and the words of counters and buttons: "点赞(128)", "1,286", "关注者 3,405 被浏览 …"."""
    rest = COUNTER_WORDS.sub("", line)
    return len(line) <= 60 and not re.sub(r"[\d\s.,，:：|｜/()（）\[\]+\-#·•▼▲*]+|[kKwW万亿千]", "", rest)


def _date_metadata(match: re.Match, line: str) -> bool:
    """A line with a date and no sentence in it: "2024-09-14 10:05 来源：…", "(2015-10-20 16:38:11)",
    "码农小张 于 2023-07-14 发布", "编辑于 2024-05-07 22:18・IP 属地上海"."""
    return DATE.search(line) is not None and _no_sentence(match, line) and len(line) <= 90


def _notice(match: re.Match, line: str) -> bool:
    return len(line) <= 160 and NOTICE_WORDS.search(line) is not None and NOTICE_NOT.search(line) is None


def _caption(match: re.Match, line: str) -> bool:
    return len(line) <= 120


# Walked in order; the first rule that removes a line gives its reason. (Lines repeating the title are
# found before this table: that test needs the title.) Lines are matched in their Simplified spelling
# (TRADITIONAL_FOLD), so 來源, 責任編輯, 延伸閱讀 are found as 来源, 责任编辑, 延伸阅读.
CLUTTER_RULES = (
    ClutterRule(IMAGE_SOURCE, "image credit", CAPTION),
    ClutterRule(FIGURE_CAPTION, "figure caption or image placeholder", CAPTION, _caption),
    ClutterRule(LEGAL, "legal notice in 【】", NOTICE),
    ClutterRule(EDITOR_LINE, "editor line", EDITOR, _no_sentence),
    ClutterRule(SOURCE, SOURCE_REASON, BYLINE),
    ClutterRule(RELATED_LINE, "related-reading list", RELATED_KIND),
    ClutterRule(SITE_PROMPT, SITE_PROMPT_REASON, PROMPT),
    ClutterRule(META, SITE_PROMPT_REASON, BYLINE),
    ClutterRule(DATELINE, DATE_LINE_REASON, BYLINE, _short_dateline),
    ClutterRule(WECHAT_HEADER, DATE_LINE_REASON, BYLINE, lambda match, line: len(line) <= 60),
    ClutterRule(REPRINT, "reprint notice", NOTICE, lambda match, line: len(line) <= 80),
    ClutterRule(ANYWHERE, "reprint or copyright notice", NOTICE, _notice),
    ClutterRule(FONT_SWITCH, "font-size switcher", FONT_SIZE, _no_sentence),
    ClutterRule(SHARE_BUTTONS, "share buttons", COUNTER),
    ClutterRule(SHARE_LINE, "share line", COUNTER, _share_line),
    ClutterRule(END_MARK, "end mark", NAVIGATION),
    ClutterRule(SEPARATOR, "separator line", NAVIGATION),
    ClutterRule(PROMPT_START, "follow/share prompt", PROMPT, _prompt),
    ClutterRule(ANYWHERE, "breadcrumb navigation", NAVIGATION, _breadcrumb),
    ClutterRule(ANYWHERE, DATE_LINE_REASON, BYLINE, _date_metadata),
    ClutterRule(ANYWHERE, "counter or button", COUNTER, _counter),
    ClutterRule(TAGS, "topic tags", NAVIGATION),
    ClutterRule(ANYWHERE, "site navigation", NAVIGATION, _navigation),
    ClutterRule(PROMO, "site promotion", PROMPT, lambda match, line: len(line) <= 80),
)
