"""The Traditional Chinese edition as a transform of the model (zhbook/edition.py): what is converted,
what is never touched, the review list with file:line, the author's pinned words, identifier and
language; and the [edition.zh-Hant] table of book.toml. In process: OpenCC's own converter."""

from __future__ import annotations

import pytest

from tests.cli_checks import make_book
from zhbook.edition import convert_generated, make_edition, review_text
from zhbook.errors import BookError, Diagnostics
from zhbook.load import load_book
from zhbook.model import Chapter, Heading

pytestmark = pytest.mark.fast

TOML = 'title = "头发的故事"\nauthor = "后来者"\nlanguage = "zh-Hans"\ndescription = "“软件”与信息"\n'
CHAPTER = """# 第一章　头发

他说：“我们后来在面馆吃了面条，‘干杯’之后干活。”

代码 `print("头发")` 与网址 https://example.com/头发/后 不变，[链接](https://example.com/里面 "标题") 也是。

```python
# 注释：头发后来
x = "干"
```

    # 缩进的代码：头发
    y = "后"

<span title="头发">面里</span>{#sec:hair .note}

![图片说明：头发](../images/hair.png){#fig:hair}

见[第二节](02.md#二头发的后来)，写信给me@example.com后来[参考][资料]。脚注[^注]。

[资料]: https://example.com/资料 "资料的标题"
[^注]: 脚注里的话。
"""


def _book(tmp_path, toml=TOML, chapter=CHAPTER):
    return make_book(tmp_path / "book", toml, {"chapters/01.md": chapter, "chapters/02.md": "# 二、头发的后来\n"})


def _edition(tmp_path, **kwargs):
    diagnostics = Diagnostics()
    book = load_book(_book(tmp_path, **kwargs), diagnostics)
    edition, review = make_edition(book, "zh-Hant", tmp_path / "cache", diagnostics)
    return book, edition, review, diagnostics


def test_text_headings_and_metadata_are_converted_with_corner_quotes(tmp_path):
    book, edition, _, _ = _edition(tmp_path)
    text = edition.chapters[0].text
    assert "# 第一章　頭髮" in text
    assert "他說：「我們後來在麵館吃了麵條，『乾杯』之後幹活。」" in text
    assert edition.meta.title == "頭髮的故事" and edition.meta.author == "後來者"
    assert edition.meta.description == "「軟體」與資訊"  # s2twp: Taiwan's words, not only its characters
    assert edition.chapters[1].text == "# 二、頭髮的後來\n"
    assert edition.edition == "zh-Hant" and book.edition == ""


def test_code_urls_tags_and_attribute_lists_are_never_touched(tmp_path):
    _, edition, _, _ = _edition(tmp_path)
    text = edition.chapters[0].text
    for kept in ('`print("头发")`', "https://example.com/头发/后", "(https://example.com/里面",
                 '# 注释：头发后来\nx = "干"', '    # 缩进的代码：头发\n    y = "后"', '<span title="头发">',
                 "{#sec:hair .note}", "(../images/hair.png){#fig:hair}"):
        assert kept in text
    assert '"標題")' in text and "<span title=\"头发\">面裡</span>" in text
    assert "![圖片說明：頭髮]" in text
    # A link to a heading by its automatic id: the fragment follows the converted heading.
    assert "[第二節](02.md#二頭髮的後來)" in text
    # An e-mail address is kept, not the words before it; a reference's label and title are
    # converted with its uses, its URL is not; a footnote's text is converted.
    assert "寫信給me@example.com後來[參考][資料]" in text
    assert '[資料]: https://example.com/资料 "資料的標題"' in text
    assert "腳註[^注]" in text and "[^注]: 腳註裡的話。" in text  # the label alike in both


def test_no_line_is_added_or_removed(tmp_path):
    book, edition, _, _ = _edition(tmp_path)
    assert edition.chapters[0].text.count("\n") == book.chapters[0].text.count("\n")


def test_one_to_many_characters_are_listed_with_file_and_line(tmp_path):
    _, edition, review, _ = _edition(tmp_path)
    lines = CHAPTER.split("\n")
    found = {(entry.path.name, entry.line, entry.source, entry.chosen) for entry in review}
    assert ("01.md", 1, "发", "髮") in found  # 头发 → 頭髮, a phrase over 发's default 發
    assert ("01.md", 3, "干", "乾") in found and ("01.md", 3, "干", "幹") in found
    assert ("01.md", 3, "面", "麵") in found and ("01.md", 3, "后", "後") in found
    assert ("02.md", 1, "后", "後") in found
    for entry in review:  # the line named holds the character, and no code line is listed
        if entry.path.name == "01.md":
            assert entry.source in lines[entry.line - 1]
            assert not lines[entry.line - 1].startswith(("x =", "    ", "# 注释"))
    phrase = next(e for e in review if e.source == "发" and e.line == 1)
    assert phrase.decided_by_phrase and phrase.default == "發" and set(phrase.candidates) == set("發髮")
    assert not next(e for e in review if e.source == "后" and e.line == 3).decided_by_phrase
    text = review_text(edition, review)
    phrases = sum(entry.decided_by_phrase for entry in review)
    assert 0 < phrases < len(review)
    assert f"# {len(review)} entries, {phrases} decided by phrase" in text and "chapters/01.md:3: 干 → 乾" in text


def test_an_override_pins_the_authors_choice_and_leaves_the_review(tmp_path):
    toml = TOML + '\n[edition.zh-Hant]\nquotes = "keep"\n[edition.zh-Hant.overrides]\n"面条" = "麪條"\n"不存在" = "不存在"\n'
    _, edition, review, diagnostics = _edition(tmp_path, toml=toml)
    text = edition.chapters[0].text
    assert "吃了麪條" in text and "“" in text and "「" not in text  # pinned; quotes kept
    assert not [e for e in review if e.line == 3 and e.before.endswith("面条")]
    assert any("'不存在' occurs nowhere" in warning for warning in diagnostics.warnings)


@pytest.mark.parametrize("config, language, sample", [("s2twp", "zh-Hant-TW", "軟體"), ("s2tw", "zh-Hant-TW", "軟件"),
                                                       ("s2hk", "zh-Hant-HK", "軟件"), ("s2t", "zh-Hant", "軟件")])
def test_each_conversion_declares_its_language_and_gets_its_own_identifier(tmp_path, config, language, sample):
    book, edition, _, _ = _edition(tmp_path, toml=TOML + f'\n[edition.zh-Hant]\nopencc = "{config}"\n')
    assert edition.meta.language == language
    assert sample in edition.meta.description
    assert edition.meta.identifier.startswith("urn:uuid:") and edition.meta.identifier != book.meta.identifier
    assert edition.meta.identifier == _edition(tmp_path / "again", toml=TOML + f'\n[edition.zh-Hant]\nopencc = "{config}"\n')[1].meta.identifier
    assert edition.meta.slug == book.meta.slug + ".zh-Hant"


def test_the_builders_own_words_are_converted(tmp_path):
    _, edition, _, _ = _edition(tmp_path)
    assert edition.word("目录") == "目錄" and edition.word("版权信息") == "版權資訊"
    assert edition.word("没有这个词") == "没有这个词"


def test_generated_caption_numbers_and_references_are_converted(tmp_path):
    _, edition, _, _ = _edition(tmp_path)
    chapter = Chapter(source=edition.chapters[0], headings=(Heading(1, "h", "頭髮"),),
                      body='<p>见<a class="xref" href="#x">2.1节</a></p><figure><figcaption><span class="caption-number">'
                           '图1-1</span>　說明</figcaption></figure>')
    [converted], _ = convert_generated([chapter], None, edition)
    assert "2.1節" in converted.body and "圖1-1" in converted.body and "见" in converted.body


def test_a_book_that_is_not_simplified_chinese_is_refused(tmp_path):
    book = load_book(_book(tmp_path, toml=TOML.replace("zh-Hans", "zh-Hant-TW")))
    with pytest.raises(BookError, match="converts a Simplified Chinese book"):
        make_edition(book, "zh-Hant", tmp_path / "cache", Diagnostics())


@pytest.mark.parametrize("table, message, line", [
    ('[edition.zh-Hant]\nopencc = "s2x"\n', 'opencc = "s2x": use "s2twp" or "s2tw" or "s2hk" or "s2t"', 6),
    ('[edition.zh-Hant]\nquotes = "curly"\n', 'quotes = "curly"', 6),
    ('[edition.zh-Hant]\noverrides = ["头发"]\n', "pins words", 6)])
def test_a_bad_edition_table_is_one_line_naming_its_line(tmp_path, table, message, line):
    with pytest.raises(BookError, match=message) as error:
        load_book(_book(tmp_path, toml=TOML + table))
    assert error.value.line == line


def test_an_unknown_key_in_the_edition_table_is_a_warning(tmp_path):
    diagnostics = Diagnostics()
    load_book(_book(tmp_path, toml=TOML + '[edition.zh-Hant]\nopenc = "s2t"\n'), diagnostics)
    assert any("did you mean 'opencc'" in warning for warning in diagnostics.warnings)


def test_quotes_of_chinese_text_become_corner_brackets_and_latin_ones_stay(tmp_path):
    chapter = ("# 引号\n\n他说：“这句话很长，\n跨过了一行。”然后写了`code`。\n\n"
               "He said “hello” and don’t ‘worry’.\n\n“OK”他说，‘好’。\n\n他说“`print()`”。\n\n“没有配对的引号\n")
    _, edition, _, _ = _edition(tmp_path, chapter=chapter)
    text = edition.chapters[0].text
    assert "他說：「這句話很長，\n跨過了一行。」然後" in text  # a pair across a source line break
    assert "He said “hello” and don’t ‘worry’." in text  # Latin quotes and the apostrophe as written
    assert "「OK」他說，『好』。" in text  # Latin words quoted in a Chinese sentence
    assert "他說「`print()`」。" in text  # a pair around code: the code as written
    assert "「沒有配對的引號" in text
