"""The helpers of zhbook.importer.classify on small inputs: no files, no build."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhbook.errors import Diagnostics
from zhbook.importer.classify import (ANONYMOUS, Line, assign_levels, classify, find_author, find_title, link_like,
                                      mark_related_links, mark_rules, numbered_kind, plain_heading_candidate,
                                      read_lines, related_links, reporters, scheme_of, split_title, squeezed,
                                      strip_site_name, tidy_label)

pytestmark = pytest.mark.fast
PATH = Path("a.txt")
BODY = "这是正文的第一段，内容足够长，讲的是储蓄和消费之间的关系，用来让前面的短行被当作标题。"


def lines_of(*texts: str) -> list[Line]:
    return read_lines("\n".join(texts))


def test_read_lines_skips_blank_lines_keeps_numbers_and_normalises():
    lines = read_lines("标题\n\n  正文,内容  \n")
    assert [(line.number, line.raw, line.text, line.marks) for line in lines] == [
        (1, "标题", "标题", 0), (3, "正文,内容", "正文，内容", 1)]


@pytest.mark.parametrize("text, scheme, label", [
    ("第一章 认识", "chapter", "第一章"), ("第二部分 市场", "part", "第二部分"), ("一、上限", "cn-comma", "一、"),
    ("（一）每年", "cn-paren", "（一）"), ("1.1 平台", "arabic-dot2", "1.1"), ("2.1.1 域名", "arabic-dot3", "2.1.1"),
    ("3. 投放", "arabic-dot", "3."), ("(2) 私人", "arabic-paren", "(2)"), ("① 年终奖", "circled", "①"),
    ("3.5亿用户", None, None), ("普通的一句话", None, None),
])
def test_scheme_of(text, scheme, label):
    found, match = scheme_of(text)
    assert (found, match.group() if match else None) == (scheme, label)


@pytest.mark.parametrize("text, kind", [
    ("1. 一句完整的话。", "item"), ("1. 审批门槛更低", "heading"), ("第一章", "heading"), ("一、", "body"),
    ("一、这一行很长，" + "很长" * 30, "body"), ("2. 见https://example.com", "body"),
])
def test_numbered_kind(text, kind):
    line = Line(1, text, text)
    scheme, label = scheme_of(text)
    assert numbered_kind(line, scheme, label) == kind


@pytest.mark.parametrize("text, candidate", [
    ("储蓄为何越来越难", True), ("写在最后", True), ("这是一句话。", False), ("问：年轻人该存多少钱", False),
    ("2024年3月1日", False), ("（编者按）", False), ("Buy Now", False), ("一、上限", False),
])
def test_plain_heading_candidate(text, candidate):
    assert plain_heading_candidate(Line(1, text, text)) is candidate


@pytest.mark.parametrize("text, like", [
    ("· 如何读懂个人征信报告", True), ("《如何制定家庭预算表》", True), ("储蓄的十个误区", True),
    (BODY, False), ("1. 为什么要做独立站", False),
])
def test_link_like(text, like):
    assert link_like(Line(1, text, text)) is like


def test_find_title_skips_the_breadcrumb_and_cuts_the_site_name_and_subtitle():
    lines = lines_of("首页 > 财经 > 正文", "个人养老金怎么买最划算——一份2024年的实用指南 - 财经观察网", BODY)
    mark_rules(lines)
    diagnostics = Diagnostics(quiet=True)
    assert find_title(lines, diagnostics, PATH) == (
        1, "个人养老金怎么买最划算——一份2024年的实用指南", "个人养老金怎么买最划算", "一份2024年的实用指南")
    assert [line.kind for line in lines] == ["clutter", "title", "body"]
    assert lines[1].reason == "the book's title (the site's name removed from it: 财经观察网)"
    assert diagnostics.warnings == []


def test_the_title_is_the_headline_above_the_byline_not_the_site_header():
    lines = lines_of("新浪首页 新闻 体育 财经 娱乐 科技 博客", "山间小记", "一个程序员的慢生活", "在阳台种番茄的一年",
                     "2024年07月26日 07:12  证券时报", BODY)
    mark_rules(lines)
    assert find_title(lines, Diagnostics(quiet=True), PATH)[1] == "在阳台种番茄的一年"
    assert [line.reason for line in lines[:3]] == ["site navigation", "page header above the title",
                                                   "page header above the title"]
    # Without a byline or date line: the first line that can be a headline.
    lines = lines_of("博客园  首页  新随笔  联系  订阅  管理", "Git误删分支后如何恢复", BODY)
    mark_rules(lines)
    assert find_title(lines, Diagnostics(quiet=True), PATH)[1] == "Git误删分支后如何恢复"
    # A page title is cut to the headline the page shows on its own line.
    lines = lines_of("Python读取大文件的几种方法对比_python 大文件 逐行读取-CSDN博客", "Python读取大文件的几种方法对比",
                     "码农小张 于 2023-07-14 16:42:18 发布", BODY)
    mark_rules(lines)
    assert find_author(lines, Diagnostics(quiet=True), PATH) == "码农小张"
    assert find_title(lines, Diagnostics(quiet=True), PATH)[:2] == (1, "Python读取大文件的几种方法对比")


def test_a_paragraph_as_title_is_warned_about():
    diagnostics = Diagnostics(quiet=True)
    find_title(lines_of(BODY, BODY), diagnostics, PATH)
    assert diagnostics.warnings == [f"a.txt:1: the line taken as the title looks like a paragraph "
                                    f"({len(BODY)} characters); put the article's title on the first line"]


def test_find_author_marks_the_byline_or_warns():
    lines = lines_of("标题", "2023年08月12日 14:35  来源：环球商业网  作者：李四", BODY)
    assert find_author(lines, Diagnostics(quiet=True), PATH) == "李四"
    assert (lines[1].kind, lines[1].reason) == ("author", "byline (author: 李四)")
    diagnostics = Diagnostics(quiet=True)
    assert find_author(lines_of("标题", BODY, *[BODY] * 3, "作者：近", BODY), diagnostics, PATH) == "近"
    assert find_author(lines_of("标题", BODY, *[BODY] * 4, "作者：太远", BODY), diagnostics, PATH) == ANONYMOUS
    assert diagnostics.warnings[-1] == ("a.txt: no author line (作者：…) near the top: the author is set to 佚名; "
                                        "correct it in book.toml")


@pytest.mark.parametrize("page, author", [
    (["原创 老K 老K聊理财 2024年06月03日 21:30 浙江"], "老K"),
    (["本帖最后由 老周爱折腾 于 2024-4-21 21:05 编辑"], "老周爱折腾"),
    (["发表于 2023年9月2日 由 阿木"], "阿木"),
    (["老树的博客"], "老树"),
    (["小明的家 2024-02-18 21:40"], "小明的家"),
    (["以下文章来源于丁香医生 ，作者张雪"], "张雪"),
    (["澎湃新闻记者 周一凡 实习生 李欣然"], "周一凡"),
    (["林深", "互联网公司产品总监", "关注", "3,612 人赞同了该回答"], "林深"),
])
def test_the_bylines_of_sites(page, author):
    lines = lines_of("标题", *page, BODY)
    mark_rules(lines)
    assert find_author(lines, Diagnostics(quiet=True), PATH) == author


def test_reporters_in_a_news_lead_are_the_authors_and_the_lead_stays_text():
    lines = lines_of("标题", "　　本报北京3月11日电（记者 李晓 王丹）记者从人力资源和社会保障部获悉，试点将扩大。")
    assert reporters(lines[1]) == "李晓、王丹"
    assert find_author(lines, Diagnostics(quiet=True), PATH) == "李晓、王丹" and lines[1].kind == "body"
    assert reporters(lines_of("记者从人力资源和社会保障部获悉。")[0]) == ""


def test_a_byline_in_a_sentence_is_no_byline():
    diagnostics = Diagnostics(quiet=True)
    lines = lines_of("标题", "他说，文/图都由记者：小王提供。", BODY)
    assert find_author(lines, diagnostics, PATH) == ANONYMOUS and lines[1].kind == "body"


def test_related_links_stop_at_text_and_keep_a_possible_heading():
    lines = lines_of("标题", "相关阅读", "储蓄的十个误区", "如何做预算？", BODY)
    lines[1].kind = "clutter"
    assert related_links(lines, 1) == [2]  # "如何做预算？" is followed by text: it may be a heading
    lines = lines_of("标题", BODY, "相关阅读", "· 储蓄的十个误区", "· 如何做预算")
    lines[2].kind = "clutter"
    mark_related_links(lines)
    assert [line.kind for line in lines] == ["body", "body", "clutter", "clutter", "clutter"]


def test_classify_sets_every_kind():
    lines = lines_of("储蓄的学问", "作者：某人", BODY, "第一章 规则", BODY, "1. 一句完整的话。", "分享到:微信 微博",
                     "（本文案例均为虚构。）")
    assert classify(lines, Diagnostics(quiet=True), PATH) == ("储蓄的学问", "", "某人")
    assert [line.kind for line in lines] == ["title", "author", "body", "heading", "body", "item", "clutter",
                                             "disclaimer"]


def test_assign_levels_by_first_appearance_and_a_closing_part():
    headings = [Line(i, text, text, kind="heading", scheme=scheme) for i, (text, scheme) in enumerate([
        ("一、甲", "cn-comma"), ("（一）乙", "cn-paren"), ("1. 丙", "arabic-dot"), ("（二）丁", "cn-paren"),
        ("二、戊", "cn-comma"), ("结语", "plain")])]
    assign_levels(headings)
    assert [heading.level for heading in headings] == [1, 2, 3, 2, 1, 1]


@pytest.mark.parametrize("text, scheme, tidied", [
    ("(1) 收入", "arabic-paren", "（1）收入"), ("一、 上限", "cn-comma", "一、上限"), ("1. 工资", "arabic-dot", "1. 工资"),
])
def test_tidy_label(text, scheme, tidied):
    assert tidy_label(text, scheme) == tidied


def test_squeezed_keeps_letters_only():
    assert squeezed("“借呗” 逾期_为何?") == "借呗逾期为何"


@pytest.mark.parametrize("title, expected", [
    ("借呗逾期为何无人催收？项目融资视角下的问题解析与解决策略", ("借呗逾期为何无人催收？", "项目融资视角下的问题解析与解决策略")),
    ("AI大模型落地：企业应用的三大难题", ("AI大模型落地", "企业应用的三大难题")),
    ("个人养老金新政解读——你需要知道的5件事", ("个人养老金新政解读", "你需要知道的5件事")),
    ("为什么？——一个解释", ("为什么？——一个解释", "")),  # too short to be two titles
    ("问：借钱？答：先想清楚", ("问：借钱？答：先想清楚", "")),  # more than one separator: not clearly a split
    ("2024年新能源汽车充电桩行业观察", ("2024年新能源汽车充电桩行业观察", "")),
])
def test_title_and_subtitle(title, expected):
    assert split_title(title) == expected


@pytest.mark.parametrize("title, page, expected", [
    ("如何写好一份商业计划书 - 创业邦", "来源：创业邦", ("如何写好一份商业计划书", ["创业邦"])),
    ("央行降准解读_新浪财经_新浪网", "", ("央行降准解读", ["新浪财经", "新浪网"])),
    ("先买后付 - 新选择还是新陷阱", "", ("先买后付 - 新选择还是新陷阱", [])),  # not a site: kept
    ("增长的逻辑 - 增长", "中国经济的增长很快", ("增长的逻辑 - 增长", [])),  # named in the text, not as the source
])
def test_a_site_name_at_the_end_of_the_title_is_removed(title, page, expected):
    assert strip_site_name(title, page if "来源" in page else "") == expected
