"""The clutter table of zhbook.importer.rules: each rule removes its kind of line and leaves text alone."""

from __future__ import annotations

import pytest

from zhbook.importer.classify import Line, clutter_reason
from zhbook.importer.rules import AUTHOR, BREADCRUMB, CLUTTER_RULES, DISCLAIMER, RELATED, SITE_SUFFIX

pytestmark = pytest.mark.fast

# One line each rule removes and one it must keep, in the table's order.
EXAMPLES = [
    ("image credit", "(图片来源:网络)", "图片显示了一家店铺的门口。"),
    ("figure caption or image placeholder", "图1：部分股份制银行最新存款挂牌利率（单位：%）", "图1显示，利率持续下降。"),
    ("legal notice in 【】", "【版权声明】本文版权归原作者所有,转载请注明出处。", "【案例】王女士每月存下1,000元。"),
    ("editor line", "责任编辑：王晓明 SF183", "编辑部的故事很有趣。"),
    ("page metadata (source)", "本文来源:新能源观察网", "来源不明的消息不要轻信。"),
    ("related-reading list", "相关阅读:", "相关阅读材料显示，储蓄率与年龄有关。"),
    ("site prompt or page metadata", "返回搜狐,查看更多", "返回首页的路上，他想了很多。"),
    ("site prompt or page metadata", "发布时间:2024-03-15 10:30 | 阅读量:1,024", "发布时间定在下周，阅读量会更高。"),
    ("page metadata (date line)", "2024-06-01 08:00 来源：财经观察", "2023年8月12日，央行宣布下调存款准备金率。"),
    ("page metadata (date line)", "原创 张三 财经观察 2024-06-01 08:00 发表于北京",
     "原创 " + "这是一段很长的文字，" * 6 + " 2024-06-01"),
    ("reprint notice", "本文由财经观察原创,转载请联系授权。", "本文讨论的是储蓄，而不是投资。"),
    ("reprint or copyright notice", "文章转载自网络，如有侵权请联系删除", "法院认定，未经授权转载他人文章属于侵权行为。"),
    ("font-size switcher", "字号 大 中 小", "字号太小，老人看不清。"),
    ("share buttons", "微信 微博 QQ 朋友圈", "微信支付让付款更方便。"),
    ("share line", "分享给朋友: 微信 | 朋友圈 | 微博", "分享给大家一个小技巧：每天记账。"),
    ("end mark", "-END-", "完成计划的人不多。"),
    ("separator line", "———", "——"),
    ("follow/share prompt", "喜欢这篇文章吗?欢迎点赞、在看、转发三连!", "请读者注意，扫码关注陌生公众号可能泄露个人信息。"),
    ("breadcrumb navigation", "新浪财经 > 银行 > 正文", "首页设计很重要。"),
    ("page metadata (date line)", "编辑于 2024-05-07 22:18・IP 属地上海", "2023年7月14日，他发布了第一篇博客。"),
    ("counter or button", "点赞(128) 收藏 评论 (5)", "他的文章有128个赞。"),
    ("topic tags", "#合租#租房#年轻人", "#话题# 是微博的标签写法。"),
    ("site navigation", "人民网首页|频道|地方|手机人民网|English|登录|注册", "登录后才能评论，这让很多人不满。"),
    ("site promotion", "海量资讯、精准解读，尽在新浪财经APP", "我常用新浪财经APP看新闻。"),
]


def test_every_rule_has_an_example():
    assert [rule.reason for rule in CLUTTER_RULES] == [reason for reason, _, _ in EXAMPLES]


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[f"{i}-{e[0]}" for i, e in enumerate(EXAMPLES)])
def test_each_rule_removes_its_line_and_keeps_text(index):
    rule, (reason, removed, kept) = CLUTTER_RULES[index], EXAMPLES[index]
    assert rule.removes(removed)
    assert not rule.removes(kept)
    # Walked as a table: the removed line gets this rule's reason (no earlier rule takes it) …
    assert clutter_reason(Line(1, removed, removed), "储蓄的学问") == reason
    # … and the kept line is no clutter at all.
    assert clutter_reason(Line(1, kept, kept), "储蓄的学问") == ""


@pytest.mark.parametrize("caption, reason", [
    ("储蓄的学问 图1", "figure caption repeating the title"),
    ("图 2", "figure caption repeating the title"),
    ("储蓄的学问", "the title repeated"),
    ("消费的学问与储蓄的关系 图1", "figure caption or image placeholder"),  # a caption, though not the title
])
def test_lines_repeating_the_title_are_clutter(caption, reason):
    assert clutter_reason(Line(1, caption, caption), "储蓄的学问") == reason


@pytest.mark.parametrize("pattern, matches, does_not", [
    (AUTHOR, "作者：王强", "作者的观点很有意思"),
    (BREADCRUMB, "首页 > 财经 > 正文", "首页设计很重要。"),
    (RELATED, "推荐阅读：", "推荐阅读这本书。"),
    (DISCLAIMER, "（本文案例均为虚构，如有雷同纯属巧合。）", "（本文作者是一位教师。）"),
])
def test_other_rules(pattern, matches, does_not):
    assert pattern.search(matches) and not pattern.search(does_not)


def test_site_suffix_names_the_site():
    assert SITE_SUFFIX.search("央行降准解读_新浪财经").group("site") == "新浪财经"
    assert SITE_SUFFIX.search("先买后付是新选择") is None
