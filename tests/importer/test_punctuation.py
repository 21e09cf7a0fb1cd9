"""ASCII → full-width punctuation next to Chinese (zhbook.importer.punctuation)."""

from __future__ import annotations

import pytest

from zhbook.importer.punctuation import normalise_punctuation, url_spans

pytestmark = pytest.mark.fast


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
    ("投资人只会花3分钟看一份BP!", "投资人只会花3分钟看一份BP！"),  # a Chinese sentence ending on a Latin word
    ("他常说Hello, World!", "他常说Hello, World!"),  # an English phrase keeps its marks
    ("我们使用Python, 它很简单", "我们使用Python，它很简单"),  # before Chinese across a space
    ("先买后付 (BNPL) 模式", "先买后付（BNPL）模式"),
    ("Buy Now, Pay Later (BNPL) 是一种", "Buy Now, Pay Later（BNPL）是一种"),
    ("域名建议用.com结尾;支付", "域名建议用.com结尾；支付"),
    ("在北京时间9:00更新", "在北京时间9:00更新"),
    ("共3个: A, B, C", "共3个：A, B, C"),
    # A full stop after a Chinese character, before Chinese, a quotation mark or the line's end.
    ("利率下调了.业内人士指出,这是趋势.", "利率下调了。业内人士指出，这是趋势。"),
    ('他说"要刷够厚度."然后走了', "他说“要刷够厚度。”然后走了"),
    ("降至1.95%,版本v20.10.0,域名.com", "降至1.95%，版本v20.10.0，域名.com"),
    ("访问www.example.com.", "访问www.example.com."), ("Mr. Smith来了", "Mr. Smith来了"),
    ("等等...", "等等..."), ("看一份BP.", "看一份BP."),
])
def test_punctuation_normalisation(source, expected):
    assert normalise_punctuation(source)[0] == expected


@pytest.mark.parametrize("text, count", [
    ("借呗逾期,为什么?", 2), ('他说"先买后付"很方便', 2), ("先买后付(BNPL)模式", 2), ("Buy Now, Pay Later", 0),
    ("包括: 借呗", 1), ("下调了.业内", 1),
])
def test_the_number_of_marks_changed(text, count):
    assert normalise_punctuation(text)[1] == count


@pytest.mark.parametrize("text, urls", [
    ("见https://example.com/a?b=1,2,了解", ["https://example.com/a?b=1,2"]),
    ("(见https://example.com/a),再", ["https://example.com/a"]),
    ("见https://example.com/wiki/Foo_(bar)了解", ["https://example.com/wiki/Foo_(bar)"]),
    ("访问www.example.com.", ["www.example.com"]),
    ("没有网址。", []),
])
def test_url_spans_leave_out_the_sentence_marks_after_a_url(text, urls):
    assert [text[start:end] for start, end in url_spans(text)] == urls
