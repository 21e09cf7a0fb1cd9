"""`build.py new DIR`: a minimal book folder that `build.py all --book DIR` builds at once: book.toml
with comments, one chapter showing the common syntax, an empty images folder."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from .errors import BookError

# The keys are written by tomli_w (quoting and escaping are its job); the comments around them are ours.
BOOK_TOML = """\
# The book's settings. Required: title, author, language. Every key: README.md, "A book folder".
{required}
# language is BCP 47: zh-Hans (Simplified Chinese). `build.py all --edition zh-Hant` also makes a
# Traditional Chinese edition (OpenCC); [edition.zh-Hant] below chooses how.
# subtitle = "副标题"
# publisher = "出版社"
# description = "一两句简介，电子书的书目信息里显示。"
# cover = "images/cover.jpg"        # without it, a cover is drawn from the title and author
# slug = "my-book"                  # the output's file name: dist/<slug>.epub; without it, from the title
# numbering = "第{{一}}章"            # chapters numbered 第一章, 第二章 …
# chapters = ["chapters/01.md"]     # without it, chapters/*.md in file-name order

# [pdf]
# page = "A5"                       # "B5", "A4", "16开", "32开" or "W×H mm"
# font_size = "五号"                # or "小四", "10.5pt" …

# [edition.zh-Hant]
# opencc = "s2twp"                  # Taiwan, with its vocabulary; "s2tw", "s2hk" (Hong Kong), "s2t"
# quotes = "corner"                 # “”‘’ become 「」『』; "keep" leaves them
# [edition.zh-Hant.overrides]       # words whose Traditional form you choose yourself
# "头发" = "頭髮"
"""

CHAPTER = """\
# 第一章

这是第一章的第一段。中文段落可以随意换行，
换行不会变成空格。**粗体**用黑体，*强调*在 PDF 里是着重号。

## 一节 {#sec:first}

- 列表的一项
- 另一项，带[链接](https://example.com)

1. 编号的一项
2. 第二项

> 引文用楷体，左右缩进。

表格带标题，可以被引用：如@tbl:sample所示，见@sec:first。

Table: 示例表格 {#tbl:sample}

| 项目 | 数量 |
|---|---:|
| 甲 | 1 |
| 乙 | 20 |

脚注写在段落里[^note]。代码写成 `print("你好")`，或者一段：

```python
print("你好，世界")
```

图片放在 images/ 文件夹里，单独成段就是带编号的图：`![说明](../images/图.png){#fig:name}`，
引用写 `@fig:name`。

[^note]: 这是脚注的内容。
"""


def new_book(folder: Path, title: str = "", author: str = "") -> list[Path]:
    """Create the book folder; the paths written. A folder that already holds a book (or any file
    this would write) is refused in one line: nothing is overwritten."""
    folder = Path(folder)
    toml_path, chapter_path, images = folder / "book.toml", folder / "chapters" / "01.md", folder / "images"
    if folder.exists() and not folder.is_dir():
        raise BookError("exists and is not a folder; choose another name for the book", folder)
    for path in (toml_path, chapter_path):
        if path.exists():
            raise BookError("already exists: `new` never overwrites a book; choose another folder", path)
    title = title.strip() or folder.resolve().name
    required = tomli_w.dumps({"title": title, "author": author.strip() or "佚名", "language": "zh-Hans"})
    try:
        chapter_path.parent.mkdir(parents=True, exist_ok=True)
        images.mkdir(exist_ok=True)
        toml_path.write_text(BOOK_TOML.format(required=required.rstrip("\n")), "utf-8")
        chapter_path.write_text(CHAPTER, "utf-8")
    except OSError as exc:
        raise BookError(f"cannot create the book folder ({exc.strerror}); choose another place", folder)
    return [toml_path, chapter_path, images]
