"""build.py import: scraped articles (tests/data/articles/ and the seed) → book folders that build and pass
EPUBCheck; the seed's import equals the hand-made book/ except for the editor's 〔〕 supplements."""

from __future__ import annotations

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

from tests.helpers import EPUBCHECK_JAR, HAN, SEED, epub_documents, full_width, squeeze, without_supplements
from zhbook.errors import BookError, Diagnostics
from zhbook.importer import escape_block, escape_heading, import_article, normalise_punctuation, toml_string

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "tests" / "data" / "articles"
# The rule, checked on the output: no ASCII , ? ! : ; ( ) touching a Chinese character.
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
    ["作者:翻忆 |", "借呗逾期为何“无人催收”?项目融资视角下的问题解析与解决策略 图1",
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
        ["作者:李明 | 2024-03-15", "发布时间:2024-03-15 10:30 | 阅读量:1,024", "分享到:微信 微博 QQ空间",
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
        ["作者：王强", "本文来源:新能源观察网", "(图片来源:网络)", "【版权声明】本文版权归原作者所有,转载请注明出处。",
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
        ["文/赵敏", "微信 微博 QQ 朋友圈", "———", "点赞 收藏 评论", "热门推荐:", "《90后理财入门:从每月存500元开始》",
         "《如何制定家庭预算表》", "(完)"],
        ["#话题#", "<10%", "1,000名", "8,000元", "2,800元", "3.5倍*[1]", "@save_money_daily", "3,650元",
         "*[1] 数据来自", "1. 第一步"],
        ["“引言”为整理时所加"],
    ),
]
IDS = [article.path.stem for article in ARTICLE_LIST]


def source_lines(article: Article) -> list[str]:
    return [line.strip() for line in article.path.read_bytes().decode(article.codec).lstrip("\ufeff").splitlines()]


def normalise(line: str) -> str:
    """The issue's punctuation rule, written independently of the importer: "…" around Chinese → “…”,
    then ASCII , ? ! : ; ( ) next to Chinese → full width."""
    line = re.sub(f'"([^"]*[{HAN}][^"]*)"', "“\\1”", line)
    return full_width(line)


def sentences(article: Article) -> list[str]:
    """Every sentence (split at 。？！ and lines) except the title and the clutter, normalised, squeezed."""
    found = []
    for line in [line for line in source_lines(article) if line][1:]:
        if line in article.clutter:
            continue
        for sentence in re.findall(r"[^。？！]+[。？！]?", normalise(line)):
            sentence = squeeze(re.sub(r"^\d+\.\s*", "", sentence.strip()))  # the <ol> draws list labels
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
    return subprocess.run([sys.executable, "build.py", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, Imported]:
    """Every article imported and built by the real CLI; EPUBCheck runs on all the EPUBs at once."""
    results = {}
    for article in ARTICLE_LIST:
        out = tmp_path_factory.mktemp(article.path.stem) / "book"
        results[article.path.stem] = result = Imported(article, out, run("import", article.path, "--out", out))
        if result.import_log.returncode != 0:
            continue
        dist = out.parent / "dist"
        result.build_log = run("epub", "--book", out, "--out", dist)
        epubs = sorted(dist.glob("*.epub"))
        result.epub = epubs[0] if len(epubs) == 1 else None
    checks = {name: subprocess.Popen(["java", "-jar", str(EPUBCHECK_JAR), "--json", "-", str(result.epub)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for name, result in results.items() if result.epub}
    for name, process in checks.items():
        stdout, _ = process.communicate(timeout=300)
        for message in json.loads(stdout)["messages"]:
            results[name].epubcheck.setdefault(message["severity"], []).append(f"{message['ID']}: {message['message']}")
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
    text = squeeze("".join("".join(doc.itertext()) for doc in chapters + colophon))
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
    written = squeeze(unescaped("".join(result.chapters) + result.colophon))
    for line in result.article.clutter:
        numbers = [number for number, text in enumerate(lines, start=1) if text == line]
        assert numbers, f"test data: {line!r} is not a line of {result.article.path.name}"
        if line.startswith(("作者", "文/")):  # the byline becomes the author
            assert f":{numbers[0]}: byline" in result.import_log.stderr
            continue
        assert squeeze(normalise(line)) not in written and squeeze(line) not in written
        for number in numbers:
            assert f"{result.article.path}:{number}: removed" in result.import_log.stderr
    removed = re.findall(r":\d+: removed ", result.import_log.stderr)
    expected = sum(lines.count(line) for line in result.article.clutter if not line.startswith(("作者", "文/")))
    assert len(removed) == expected  # nothing else was dropped


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
        assert 1000 <= article.path.stat().st_size <= 3072, article.path.name


@pytest.mark.parametrize("source, expected", [
    ("借呗逾期,为什么?", "借呗逾期，为什么？"),
    ("海外称为Buy Now, Pay Later,简称BNPL", "海外称为Buy Now, Pay Later，简称BNPL"),
    ("约1,000元,年化3.5%;每天10:30提醒!", "约1,000元，年化3.5%；每天10:30提醒！"),
    ("见https://example.com/a?b=1,2,了解", "见https://example.com/a?b=1,2，了解"),
    ('他说"先买后付"很方便', "他说“先买后付”很方便"),
    ('支持"Plug and Charge"功能', '支持"Plug and Charge"功能'),
    ("先买后付(BNPL)模式", "先买后付（BNPL）模式"),
    ("Buy Now, Pay Later (BNPL)", "Buy Now, Pay Later (BNPL)"),
    ("车桩比约为2.4:1", "车桩比约为2.4:1"),
    ("包括: 借呗", "包括：借呗"),
    ("见https://example.com/wiki/Foo_(bar)了解", "见https://example.com/wiki/Foo_(bar)了解"),
    ("(见https://example.com/a?b=1,2),再", "（见https://example.com/a?b=1,2），再"),
])
def test_punctuation_normalisation(source, expected):
    assert normalise_punctuation(source)[0] == expected


@pytest.mark.parametrize("text", [
    "1. 不是列表", "12. 也不是", "# 不是标题", "#话题# 也不是", "> 不是引用", "- 不是列表", "+ 不是列表", "---",
    "*不是强调*", "a_b_c /_x_ 下划线", "`不是代码`", "```", "~~~", "[不是链接](http://x)", "![不是图片](a.png)",
    "<b>不是标签</b>", "&amp; 不是实体", "[^1]: 不是脚注", "*[HTML]: 不是缩写", "段落 {: #id}", "反斜杠\\不变",
])
def test_escaped_text_renders_exactly_as_written(text):
    for block, wrap in ((escape_block(text), lambda s: s), (escape_heading(text), lambda s: "## " + s)):
        rendered = markdown.markdown(wrap(block), extensions=["extra", "sane_lists"], output_format="xhtml")
        root = lxml_html.fragment_fromstring(rendered, create_parent="div")
        assert len(root) == 1 and root[0].tag in ("p", "h2"), rendered
        assert root[0].text_content() == text, rendered


@pytest.mark.parametrize("value", ['a"b\\c', "行一\n行二\t制表", "\x01\x7f控制", "中文“引号”", ""])
def test_toml_strings_round_trip(value):
    assert tomllib.loads(f"key = {toml_string(value)}")["key"] == value
