"""build.py import: scraped articles (tests/data/articles/ and the seed) → book folders that build and pass
EPUBCheck; the seed's import equals the hand-made book/ except for the editor's 〔〕 supplements.

Speed: the articles are imported and built by the real command line (zhbook.cli.main) in this process, EPUB
only, and EPUBCheck runs in one Java VM for all of them (started first, so it compiles and warms up while
the books are built); where that VM cannot start, each book gets its own `java -jar epubcheck.jar`."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import pytest
from lxml import html as lxml_html

from tests.helpers import EPUBCHECK_JAR, HAN, SEED, epub_documents, epubcheck_messages, squeeze, without_supplements
from zhbook import cli
from zhbook.errors import BookError, Diagnostics
from zhbook.importer import import_article

REPO = Path(__file__).resolve().parent.parent.parent
ARTICLES = REPO / "tests" / "data" / "articles"
# The punctuation rule, checked on the output: no ASCII , ? ! : ; ( ) touching a Chinese character.
ASCII_NEXT_TO_CHINESE = re.compile(f"[{HAN}][,?!:;()]|[,?!:;()][{HAN}]")


@dataclass
class Article:
    path: Path
    codec: str  # how the test reads the source (independently of the importer)
    encoding: str  # what the importer's info line must name
    title: str
    subtitle: str
    author: str
    headings: list[tuple[int, str]]
    byline: str | None  # the source line that gives the author (it becomes book.toml's author, not text)
    clutter: list[str]  # source lines (as written) that must be removed, each reported with its line number
    spans: list[str] = field(default_factory=list)  # Latin phrases, numbers and URLs kept exactly
    colophon: list[str] = field(default_factory=list)  # what colophon.md must say


SEED_ARTICLE = Article(
    SEED, "utf-8", "UTF-8", "借呗逾期为何无人催收？", "项目融资视角下的问题解析与解决策略", "翻忆",
    [(1, "借呗逾期，为什么会出现“没人催”的现象？"), (1, "借呗逾期的基本情况与催收机制解析"),
     (2, "（一）借呗逾期的表现形式"), (2, "（二）借呗催收机制的特点"), (3, "1. 技术驱动的自动化催收"),
     (3, "2. 宽容性与灵活性并存"), (3, "3. 联合惩戒机制"), (2, "（三）为何会出现“没人催”的错觉？"),
     (1, "借呗逾期用户的应对策略"), (2, "1. 及时与平台沟通"), (2, "2. 寻求外部帮助"), (2, "3. 调整个人财务状况"),
     (2, "（四）实际案例分析：借呗逾期的后果与教训"), (1, "从项目融资角度看借呗催收模式的优缺点"),
     (2, "（一）优势分析"), (3, "1. 技术驱动的高效性"), (3, "2. 用户体验优化"), (3, "3. 风险控制能力"),
     (2, "（二）劣势分析"), (3, "1. 柔性催收的局限性"), (3, "2. 平台信用记录不足"), (3, "3. 政策风险"),
     (1, "未来的趋势与建议"), (2, "（一）未来趋势"), (3, "1. 催收技术的进一步升级"), (3, "2. 监管政策的趋严"),
     (3, "3. 用户教育的重要性"), (2, "（二）行业建议"), (1, "结语")],
    "作者:翻忆 |",
    ["借呗逾期为何“无人催收”?项目融资视角下的问题解析与解决策略 图1",
     "借呗逾期为何“无人催收”?项目融资视角下的问题解析与解决策略 图2",
     "【用户内容法律责任告知】根据《民法典》及《信息网络传播权保护条例》,本页面实名用户发布的内容由发布者独立担责。"
     "品牌融资网平台系信息存储空间服务提供者,未对用户内容进行编辑、修改或推荐。该内容与本站其他内容及广告无商业关联,"
     "亦不代表本站观点或构成推荐、认可。如发现侵权、违法内容或权属纠纷,请按《平台公告四》联系平台处理。", "站内文章"],
    ["30天内", "50元", "10分"],
    ["（本文所有信息均为虚构，不涉及真实个人或机构。）", "“结语”为整理时所加"],
)

ARTICLE_LIST = [
    SEED_ARTICLE,
    Article(
        ARTICLES / "a_bnpl.txt", "utf-8", "UTF-8", '"Buy Now, Pay Later"来了', "先买后付是新选择还是新陷阱", "李明",
        [(1, "引言"), (1, "一、先买后付是什么"), (2, "（一）基本运作方式"), (2, "（二）与信用卡分期的区别"),
         (3, "1. 审批门槛更低"), (3, "2. 费用结构不同"), (1, "二、为什么年轻人喜欢它"), (1, "三、潜在的风险"),
         (2, "（一）过度消费"), (2, "（二）逾期记录"), (1, "结语")],
        "作者:李明 | 2024-03-15",
        ["发布时间:2024-03-15 10:30 | 阅读量:1,024", "分享到:微信 微博 QQ空间",
         '"Buy Now, Pay Later"来了:先买后付是新选择还是新陷阱 图1', "扫码关注公众号,获取更多消费金融资讯", "相关阅读:",
         "· 信用卡分期的真实成本是多少?", "· 如何读懂个人征信报告", "责任编辑:王芳"],
        ['"Buy Now, Pay Later"', "BNPL", "1.2亿", "1,000元", "0.6%", "3.5%", "8,000元",
         "https://example.com/a?b=1,2", "10:30"],
        ["“引言”为整理时所加", "“结语”为整理时所加"],
    ),
    Article(
        ARTICLES / "b_charging_gb18030.txt", "gb18030", "GBK", "2024年新能源汽车充电桩行业观察", "", "王强",
        [(1, "引言"), (1, "第一部分 市场规模"), (2, "（1）公共充电桩"), (2, "（2）私人充电桩"), (1, "第二部分 技术趋势"),
         (2, "（1）超级快充"), (2, "（2）即插即充"), (1, "第三部分 运营挑战"), (2, "（1）利用率偏低"), (2, "（2）维护成本")],
        "作者：王强",
        ["本文来源:新能源观察网", "(图片来源:网络)", "【版权声明】本文版权归原作者所有,转载请注明出处。",
         "-END-", "点击关注,第一时间获取行业资讯"],
        ["2.4:1", "120kW", "1,000元", "3,000元", '"Plug and Charge"', "https://example.com/charge?city=sh&type=dc",
         "23:00", "7:00", "0.3元/千瓦时", "10%"],
        ["“引言”为整理时所加"],
    ),
    Article(
        ARTICLES / "c_digital_utf16.txt", "utf-16", "UTF-16", "小微企业如何做好数字化转型？", "一份从入门到实践的指南",
        "佚名",
        [(1, "引言"), (1, "第一章 认识数字化转型"), (2, "什么是数字化转型"), (2, "常见的误区"), (1, "第二章 从哪里开始"),
         (2, "先从财务和客户管理入手"), (2, "选择合适的工具"), (1, "第三章 案例与经验"), (2, "一家杭州服装店的尝试"),
         (2, "老板的三点体会")],
        None,
        ["发布时间:2024-05-20 | 来源:企业服务频道", "小微企业如何做好数字化转型?一份从入门到实践的指南 图1",
         "推荐阅读:小微企业贷款申请全攻略", "免责声明:本文仅供参考,不构成任何投资建议。"],
        ['"Software as a Service, SaaS"', "ISO 27001", "3.5%", "1,000元", "5,000元", "10:30", "18%"],
        ["（本文案例均为虚构，如有雷同纯属巧合。）", "“引言”为整理时所加"],
    ),
    Article(
        ARTICLES / "d_savings.txt", "utf-8-sig", "UTF-8 with a byte order mark", "年轻人的储蓄焦虑",
        "从“月光族”到“存钱搭子”", "赵敏",
        [(1, "引言"), (1, "储蓄为何越来越难"), (2, "（1）房租占去大头"), (2, "（2）消费的“隐形”支出"),
         (1, "“存钱搭子”是怎么回事")],
        "文/赵敏",
        ["微信 微博 QQ 朋友圈", "———", "点赞 收藏 评论", "热门推荐:", "《90后理财入门:从每月存500元开始》",
         "《如何制定家庭预算表》", "(完)"],
        ["#话题#", "<10%", "1,000名", "8,000元", "2,800元", "3.5倍*[1]", "@save_money_daily", "3,650元",
         "*[1] 数据来自", "1. 第一步"],
        ["“引言”为整理时所加"],
    ),
    Article(  # 第一章 / 一、 / (1); a WeChat header, 文 | X, a site name and a —— subtitle in the title
        ARTICLES / "e_pension.txt", "utf-8", "UTF-8", "个人养老金怎么买最划算", "一份2024年的实用指南", "张三",
        [(1, "引言"), (1, "第一章 先弄懂规则"), (2, "一、缴费与税收"), (3, "（1）谁能省税"), (3, "（2）谁不划算"),
         (2, "二、开户与转账"), (1, "第二章 产品怎么选"), (2, "一、四类产品"), (3, "（1）储蓄和理财"), (3, "（2）基金"),
         (1, "写在最后")],
        "文 | 张三",
        ["原创 张三 财经观察 2024-06-01 08:00 发表于北京", "点击上方蓝字关注我们",
         "个人养老金怎么买最划算——一份2024年的实用指南 图1", "相关阅读", "个人所得税专项附加扣除怎么填",
         "养老目标基金值得买吗?", "【风险提示】本文不构成投资建议,市场有风险,投资需谨慎。", "本文由财经观察原创,转载请联系授权。",
         "喜欢这篇文章吗?欢迎点赞、在看、转发三连!", "分享给朋友: 微信 | 朋友圈 | 微博",
         "原文链接:https://mp.example.com/s/AbC_123", "站内文章"],
        ["12,000元", "1,200元", "5,000元", "3%", "10%", "2.5%", "3.5%", "https://si.12333.gov.cn", "ETF", "App",
         '"Exchange Traded Fund, ETF"', '"Buy and Hold"', "1,000元"],
        ["“引言”为整理时所加"],
    ),
    Article(  # 1. / 1.1 / 1.1.1; a date line with the author in it, a site name in the title, 上一篇/下一篇
        ARTICLES / "f_crossborder.txt", "utf-8", "UTF-8", "跨境电商独立站入门", "从选品到投放", "李四",
        [(1, "引言"), (1, "1. 为什么要做独立站"), (2, "1.1 平台规则的限制"), (2, "1.2 品牌与数据"), (1, "2. 建站与选品"),
         (2, "2.1 建站工具"), (3, "2.1.1 域名与支付"), (3, "2.1.2 物流"), (2, "2.2 选品思路"), (1, "3. 投放与复盘"),
         (2, "3.1 广告投放"), (2, "3.2 每周复盘")],
        "2023年08月12日 14:35  来源：环球商业网  作者：李四",
        ["上一篇：2024年海外社媒营销趋势", "下一篇：如何申请美国商标？", "【免责声明】本文仅代表作者观点,不构成任何投资建议。",
         "推荐阅读：", "《独立站的十个常见误区》", "《一文读懂跨境支付》", "返回搜狐,查看更多"],
        ["Direct-to-Consumer, DTC", "Shopify", "WordPress + WooCommerce", "https://www.shopify.com/zh/pricing",
         "ROAS(Return on Ad Spend)", "Google Trends", "PayPal", ".com", "8%", "2.5%", "1,500美元", "9:00", "1.5%",
         "29美元"],
        ["“引言”为整理时所加"],
    ),
]
IDS = [article.path.stem for article in ARTICLE_LIST]


def source_lines(article: Article) -> list[str]:
    return [line.strip() for line in article.path.read_bytes().decode(article.codec).lstrip("\ufeff").splitlines()]


FOLD = str.maketrans("，？！：；（）“”", ',?!:;()""')


def folded(text: str) -> str:
    """Squeezed, full-width marks folded to ASCII: the text alone, whatever the punctuation rule did to it."""
    return squeeze(text).translate(FOLD)


def sentences(article: Article) -> list[str]:
    """Every sentence (split at 。?! and at lines) except the title, the byline and the clutter, folded: whether
    the words are all there, in order. (The punctuation has a test of its own.)"""
    found = []
    for line in [line for line in source_lines(article) if line][1:]:
        if line in article.clutter or line == article.byline:
            continue
        for sentence in re.findall(r"[^。?!]+[。?!]?", folded(line)):
            sentence = re.sub(r"^\d+\.", "", sentence)  # the <ol> draws list labels
            if sentence:
                found.append(sentence)
    return found


def unescaped(text: str) -> str:
    """Markdown source text as shown: backslash escapes and the entities the importer writes resolved."""
    return re.sub(r"\\(.)", r"\1", text).replace("&lt;", "<").replace("&amp;", "&").replace("&#126;", "~")


@dataclass
class Imported:
    article: Article
    out: Path
    import_log: subprocess.CompletedProcess
    build_log: subprocess.CompletedProcess | None = None
    epub: Path | None = None
    epubcheck: dict[str, list[str]] = field(default_factory=dict)

    @property
    def meta(self) -> dict:
        return tomllib.loads((self.out / "book.toml").read_text("utf-8"))

    @property
    def chapters(self) -> list[str]:
        return [(self.out / name).read_text("utf-8") for name in self.meta["chapters"]]

    @property
    def colophon(self) -> str:
        return (self.out / self.meta["colophon"]).read_text("utf-8")


def run(*args, timeout=300) -> subprocess.CompletedProcess:
    """python build.py ARGS in a new process, as a user runs it."""
    return subprocess.run([sys.executable, "build.py", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def cli_main(*args) -> subprocess.CompletedProcess:
    """The same command line in this process (zhbook.cli.main, what build.py calls): no interpreter start."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main([str(arg) for arg in args])
    return subprocess.CompletedProcess(["build.py", *map(str, args)], code, stdout.getvalue(), stderr.getvalue())


# EPUBCheck's own command-line class (what `java -jar epubcheck.jar` runs) called once per book in one VM:
# each line on stdin is "BOOK.epub<TAB>REPORT.json".
EPUBCHECK_BATCH = """
import com.adobe.epubcheck.tool.EpubChecker;
import java.io.*;
import java.nio.charset.StandardCharsets;

public class EpubCheckBatch {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] job = line.split("\t");
            new EpubChecker().run(new String[] {"--quiet", "--json", job[1], job[0]});
        }
    }
}
"""


def by_severity(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in report["messages"]:
        found.setdefault(message["severity"], []).append(f"{message['ID']}: {message['message']}")
    return found


class EpubCheckBatch:
    """EPUBCheck for many books in one Java VM (java's source-file mode runs the class above); a book whose
    report is missing (no Java compiler in this JRE, a crash) is checked on its own with `java -jar`."""

    def __init__(self, folder: Path):
        self.folder, self.jobs = folder, {}
        source = folder / "EpubCheckBatch.java"
        source.write_text(EPUBCHECK_BATCH, "utf-8")
        try:
            self.process = subprocess.Popen(
                ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", str(EPUBCHECK_JAR), str(source)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        except OSError:
            self.process = None

    def submit(self, name: str, epub: Path) -> None:
        report = self.folder / f"{name}.json"
        self.jobs[name] = (epub, report)
        if self.process:
            try:
                self.process.stdin.write(f"{epub}\t{report}\n")
                self.process.stdin.flush()
            except OSError:  # the VM has gone (it could not compile the class)
                self.process = None

    def results(self) -> dict[str, dict[str, list[str]]]:
        if self.process:
            try:
                self.process.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()
        results = {}
        for name, (epub, report) in self.jobs.items():
            try:
                found = json.loads(report.read_text("utf-8"))
            except (OSError, ValueError):
                results[name] = epubcheck_messages(epub)
                continue
            assert Path(found["checker"]["path"]) == epub, found["checker"]  # the report is this book's
            results[name] = by_severity(found)
        return results


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, Imported]:
    """Every article imported and built (EPUB) by the real command line; EPUBCheck on every EPUB."""
    root = tmp_path_factory.mktemp("imported")
    checker = EpubCheckBatch(root)  # first: the VM starts while the books are built
    results = {}
    for article in ARTICLE_LIST:
        out = root / article.path.stem / "book"
        results[article.path.stem] = result = Imported(article, out, cli_main("import", article.path, "--out", out))
        if result.import_log.returncode != 0:
            continue
        dist = out.parent / "dist"
        result.build_log = cli_main("epub", "--book", out, "--out", dist)
        epubs = sorted(dist.glob("*.epub"))
        result.epub = epubs[0] if len(epubs) == 1 else None
        if result.epub:
            checker.submit(article.path.stem, result.epub)
    for name, messages in checker.results().items():
        results[name].epubcheck = messages
    return results


@pytest.mark.parametrize("name", IDS)
def test_import_and_build_succeed_without_warnings_and_epubcheck_is_clean(imported, name):
    result = imported[name]
    assert result.import_log.returncode == 0, result.import_log.stderr
    assert result.build_log.returncode == 0 and "warning" not in result.build_log.stderr, result.build_log.stderr
    assert result.epub is not None
    problems = {sev: msgs for sev, msgs in result.epubcheck.items() if sev in ("FATAL", "ERROR", "WARNING")}
    assert problems == {}


@pytest.mark.parametrize("name", IDS)
def test_title_subtitle_author_and_the_encoding_info(imported, name):
    result = imported[name]
    meta = result.meta
    assert (meta["title"], meta.get("subtitle", ""), meta["author"]) == \
        (result.article.title, result.article.subtitle, result.article.author)
    assert meta["language"] == "zh-Hans" and "identifier" not in meta
    assert f"read as {result.article.encoding}" in result.import_log.stderr
    anonymous_warning = "the author is set to 佚名" in result.import_log.stderr
    assert anonymous_warning == (result.article.author == "佚名")


@pytest.mark.parametrize("name", IDS)
def test_headings_and_their_levels(imported, name):
    result = imported[name]
    headings = [(len(m.group(1)), unescaped(m.group(2)))
                for chapter in result.chapters for m in re.finditer(r"^(#{1,6}) (.+)$", chapter, re.M)]
    assert headings == result.article.headings
    # Each chapter file starts with its level-1 heading and holds exactly one.
    assert all(chapter.startswith("# ") and len(re.findall(r"^# ", chapter, re.M)) == 1 for chapter in result.chapters)
    assert all(re.fullmatch(r"chapters/\d\d-[a-z]+\.md", name) for name in result.meta["chapters"])


@pytest.mark.parametrize("name", IDS)
def test_every_sentence_is_in_the_epub_in_order(imported, name):
    result = imported[name]
    documents = dict(epub_documents(result.epub))
    chapters = [doc for path, doc in documents.items() if re.search(r"/c\d+\.xhtml$", path)]
    colophon = [doc for path, doc in documents.items() if path.endswith("/colophon.xhtml")]
    text = folded("".join("".join(doc.itertext()) for doc in chapters + colophon))
    position, missing = 0, []
    for sentence in sentences(result.article):
        found = text.find(sentence, position)
        if found < 0:
            missing.append(sentence)
        else:
            position = found + len(sentence)
    assert missing == []


@pytest.mark.parametrize("name", IDS)
def test_clutter_is_removed_and_reported_with_line_numbers(imported, name):
    result = imported[name]
    lines = source_lines(result.article)
    written = folded(unescaped("".join(result.chapters) + result.colophon))
    if result.article.byline:  # the byline becomes the author
        assert f"{result.article.path}:{lines.index(result.article.byline) + 1}: byline" in result.import_log.stderr
        assert folded(result.article.byline) not in written
    for line in result.article.clutter:
        numbers = [number for number, text in enumerate(lines, start=1) if text == line]
        assert numbers, f"test data: {line!r} is not a line of {result.article.path.name}"
        assert folded(line) not in written, line
        for number in numbers:
            assert f"{result.article.path}:{number}: removed" in result.import_log.stderr
    removed = re.findall(r":\d+: removed ", result.import_log.stderr)
    assert len(removed) == sum(lines.count(line) for line in result.article.clutter)  # nothing else was dropped


@pytest.mark.parametrize("name", IDS)
def test_punctuation_is_full_width_next_to_chinese_and_spans_are_untouched(imported, name):
    result = imported[name]
    written = "".join(result.chapters) + result.colophon
    assert ASCII_NEXT_TO_CHINESE.findall(unescaped(written)) == []
    assert ASCII_NEXT_TO_CHINESE.findall(result.meta.get("subtitle", "")) == []
    epub_text = "".join("".join(doc.itertext()) for _, doc in epub_documents(result.epub))
    for span in result.article.spans:
        assert span in unescaped(written) and span in epub_text, span


@pytest.mark.parametrize("name", IDS)
def test_colophon_has_the_disclaimer_and_the_added_headings(imported, name):
    result = imported[name]
    for expected in result.article.colophon:
        assert expected in result.colophon
    for chapter in result.chapters:  # the disclaimer is only in the colophon
        assert "虚构" not in chapter


def test_seed_chapters_equal_the_hand_made_book_without_the_editors_supplements(imported):
    result = imported[SEED.stem]
    book = REPO / "book"
    book_meta = tomllib.loads((book / "book.toml").read_text("utf-8"))
    expected = [without_supplements((book / name).read_text("utf-8")) for name in book_meta["chapters"]]
    assert result.chapters == expected
    meta = result.meta
    assert (meta["title"], meta["subtitle"], meta["author"]) == \
        (book_meta["title"], book_meta["subtitle"], book_meta["author"])


def test_lists_are_tight_ordered_lists_and_a_numbered_sentence_that_is_no_item_stays_text(imported):
    chapters = imported["d_savings"].chapters
    assert "1. 每周日晚上在群里晒出本周的储蓄金额。\n2. 约定每月至少存下收入的20%，没完成的人请大家喝奶茶。\n3. " \
        in chapters[2]
    assert "\n1\\. 第一步：打开记账软件" in chapters[1]
    documents = dict(epub_documents(imported["d_savings"].epub))
    body = [doc for path, doc in documents.items() if path.endswith("c002.xhtml")][0]
    assert body.find(".//{*}ol") is None  # "1. 第一步…" is a paragraph, not a list
    lists = [doc for path, doc in documents.items() if path.endswith("c003.xhtml")][0]
    assert [len(ol.findall("{*}li")) for ol in lists.iter("{*}ol")] == [3]


def test_the_import_is_deterministic_and_overwrites_only_its_own_folders(tmp_path):
    article = ARTICLES / "a_bnpl.txt"
    first, second = tmp_path / "first", tmp_path / "second"
    written = import_article(article, first, Diagnostics(quiet=True))
    import_article(article, second, Diagnostics(quiet=True))
    tree = lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())  # noqa: E731
    assert tree(first) == tree(second) == sorted(str(p.relative_to(first)) for p in written)
    assert all(p.read_bytes() == (second / p.relative_to(first)).read_bytes() for p in written)
    # A re-import into its own folder is allowed and gives the same files.
    assert import_article(article, first, Diagnostics(quiet=True)) == written
    # A hand-made book is never overwritten.
    hand_made = tmp_path / "hand"
    hand_made.mkdir()
    (hand_made / "book.toml").write_text('title = "书"\nauthor = "某"\nlanguage = "zh-Hans"\n', "utf-8")
    with pytest.raises(BookError) as error:
        import_article(article, hand_made, Diagnostics(quiet=True))
    assert "did not write" in str(error.value) and sorted(p.name for p in hand_made.iterdir()) == ["book.toml"]


@pytest.mark.parametrize("name, says", [("bad_empty.txt", "is empty"), ("bad_binary.txt", "not a text file")])
def test_empty_or_binary_input_is_one_clear_line_and_writes_nothing(tmp_path, name, says):
    result = run("import", ARTICLES / name, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {ARTICLES / name}: ") and says in lines[0], lines
    assert not (tmp_path / "out").exists()
    with pytest.raises(BookError):
        import_article(ARTICLES / name, tmp_path / "direct", Diagnostics(quiet=True))


def test_the_test_inputs_really_are_in_their_encodings():
    gb = (ARTICLES / "b_charging_gb18030.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert b"\r\n" in gb and "充电桩" in gb.decode("gb18030")
    assert (ARTICLES / "c_digital_utf16.txt").read_bytes().startswith(b"\xff\xfe")
    assert (ARTICLES / "d_savings.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    for article in ARTICLE_LIST[1:]:
        assert 1000 <= article.path.stat().st_size <= 4096, article.path.name


# ---------------------------------------------------------------------------------------------
# Encodings, bad input, titles, clutter that is text, headings, punctuation: small inputs, no build.

def import_text(tmp_path: Path, text: str) -> tuple[str, str, dict]:
    """Import TEXT (UTF-8): the chapters' Markdown, the report and book.toml."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "article.txt"
    source.write_text(text, "utf-8")
    log = cli_main("import", source, "--out", tmp_path / "book")
    assert log.returncode == 0, log.stderr
    meta = tomllib.loads((tmp_path / "book" / "book.toml").read_text("utf-8"))
    return "".join((tmp_path / "book" / name).read_text("utf-8") for name in meta["chapters"]), log.stderr, meta


BODY = "这是正文的第一段，内容足够长，讲的是储蓄和消费之间的关系，用来让前面的短行被当作标题。\n\n"


def test_text_that_looks_like_clutter_is_kept(tmp_path):
    kept = ["很多商家会要求顾客扫码关注公众号才能领券，这种做法引发了争议。", "请读者注意，扫码关注陌生公众号可能泄露个人信息。",
            "点赞数并不能说明文章质量。", "分享经济正在改变人们的出行方式。", "分享给大家一个小技巧：每天记账。",
            "【案例】王女士每月存下1,000元，三年后有了一笔应急金。", "来源不明的消息不要轻信。",
            "2023年8月12日，央行宣布下调存款准备金率。", "相关阅读材料显示，储蓄率与年龄有关。",
            "问：年轻人该存多少钱？", "答：先存下三个月的生活费，再谈投资。", "数据来源：国家统计局", BODY.strip()]
    chapters, report, _ = import_text(tmp_path, "储蓄的学问\n\n作者：某人\n\n" + BODY + "\n\n".join(kept) + "\n")
    assert all(f"\n{line}\n" in unescaped(chapters) for line in kept), chapters  # as paragraphs, not headings
    assert "0 line(s) of site clutter removed" in report


def test_page_furniture_around_the_article_is_removed(tmp_path):
    source = ("首页 > 财经 > 正文\n\n　　储蓄的学问\n\n来源：理财周刊　　2024-03-01 09:12:33\n\n" + BODY +
              "（编辑：王芳）\n\n👇👇👇点击下方阅读原文，领取理财课\n")
    chapters, report, meta = import_text(tmp_path, source)
    assert meta["title"] == "储蓄的学问" and chapters == "# 储蓄的学问\n\n" + BODY.strip() + "\n"
    assert [line.split(": removed (")[1].split(")")[0] for line in report.splitlines() if ": removed (" in line] == [
        "breadcrumb navigation", "page metadata (source", "editor line", "follow/share prompt"]


def test_related_reading_titles_are_removed_but_not_the_text_after_them(tmp_path):
    source = ("储蓄的学问\n\n作者：某人\n\n" + BODY + "相关阅读\n\n储蓄的十个误区\n\n如何做预算？\n\n"
              "【风险提示】市场有风险，投资需谨慎。\n")
    chapters, report, _ = import_text(tmp_path, source)
    assert "误区" not in chapters and "预算" not in chapters and "风险" not in chapters
    assert report.count(": removed (related-reading link)") == 2
    # The same box in the middle of the article: the line before real text may be a heading, so it stays.
    source = "储蓄的学问\n\n作者：某人\n\n" + BODY + "相关阅读\n\n储蓄的十个误区\n\n先从记账开始\n\n" + BODY
    chapters, report, _ = import_text(tmp_path / "middle", source)
    assert "误区" not in chapters and "# 先从记账开始" in chapters


@pytest.mark.parametrize("byline, author", [
    ("作者:翻忆 |", "翻忆"), ("作者：王强", "王强"), ("文/赵敏", "赵敏"), ("文 | 张三", "张三"), ("撰文：李雷、韩梅梅", "李雷、韩梅梅"),
    ("作者：王五　　来源：科技日报　　2024-01-10", "王五"), ("2023年08月12日 14:35  来源：创业邦  作者：李四", "李四"),
])
def test_author_forms(tmp_path, byline, author):
    chapters, report, meta = import_text(tmp_path, f"储蓄的学问\n\n{byline}\n\n{BODY}")
    assert meta["author"] == author and f"byline (author: {author})" in report and "作者" not in chapters


def test_heading_schemes_and_levels(tmp_path):
    source = ("储蓄的学问\n\n作者：某人\n\n" + BODY + "第一部分 规则\n\n第一章 缴费\n\n" + BODY + "一、上限\n\n" + BODY +
              "（一）每年\n\n" + BODY + "1. 工资\n\n" + BODY + "(1) 奖金\n\n" + BODY + "① 年终奖\n\n" + BODY +
              "第二章 领取\n\n" + BODY + "3.5 亿人参加\n\n" + BODY + "结语\n\n" + BODY)
    chapters, _, meta = import_text(tmp_path, source)
    assert re.findall(r"^#+ .*$", chapters, re.M) == [
        "# 引言", "# 第一部分 规则", "## 第一章 缴费", "### 一、上限", "#### （一）每年", "##### 1. 工资", "###### （1）奖金",
        "###### ① 年终奖", "## 第二章 领取", "# 结语"]
    assert "\n3.5 亿人参加\n" in chapters  # one "3.5 …" line is a number, not a 1.1-style heading
    assert meta["chapters"] == ["chapters/01-intro.md", "chapters/02-part.md", "chapters/03-chapter.md"]


def test_make_import_is_the_same_command(tmp_path):
    article = ARTICLES / "a_bnpl.txt"
    made = subprocess.run(["make", "-s", "import", f"SRC={article}", f"OUT={tmp_path / 'made'}"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    import_article(article, tmp_path / "direct", Diagnostics(quiet=True))
    files = sorted(p.relative_to(tmp_path / "direct") for p in (tmp_path / "direct").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "made") for p in (tmp_path / "made").rglob("*") if p.is_file())
    assert all((tmp_path / "made" / f).read_bytes() == (tmp_path / "direct" / f).read_bytes() for f in files)
    # Without OUT (whose default is dist/, the build folder) it only says how to call it.
    usage = subprocess.run(["make", "-s", "import", f"SRC={article}"], cwd=REPO, capture_output=True, text=True,
                           timeout=60)
    assert usage.returncode != 0 and "usage: make import SRC=RAW.txt OUT=DIR" in usage.stderr
    helped = subprocess.run(["make", "-s", "help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert re.search(r"^import\t.*SRC=RAW\.txt OUT=DIR", helped.stdout, re.M)
