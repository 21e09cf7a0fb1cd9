"""The book folder an import writes: book.toml (by tomli_w), chapters/*.md and colophon.md.

The Markdown is escaped so that Python-Markdown shows the text as written; one chapter file per
top-level part. Every file is written atomically, and the folder's files are moved into place together
(zhbook.output), so a failed import leaves an earlier one as it was.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from ..errors import BookError, Diagnostics
from ..output import atomic_output, outputs_together
from .classify import Line
from .rules import PLAIN, SUMMARY_START

# The first line of every book.toml the importer writes: only such a folder is overwritten.
MARKER = "# Written by `python build.py import`; edit freely (a re-import overwrites this folder's files)."
INTRO_TITLE, CLOSING_TITLE, CLOSING_TITLE_HANT = "引言", "结语", "結語"

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


def build_chapters(blocks: list[Line], title: str, language: str = "zh-Hans") -> list[Chapter]:
    """One chapter per level-1 heading, with an added 引言 before the first and 结语 (結語) for the closing
    paragraphs; the whole text as one chapter, titled by the book, when it has no headings."""
    if not any(block.kind == "heading" for block in blocks):
        return [Chapter(title, blocks, added="whole")]
    closing = find_closing(blocks)
    chapters: list[Chapter] = []
    for index, block in enumerate(blocks):
        if index == closing:
            chapters.append(Chapter(CLOSING_TITLE_HANT if language == "zh-Hant" else CLOSING_TITLE, [],
                                    added="closing"))
        elif block.kind == "heading" and block.level == 1:
            chapters.append(Chapter(block.text, [], scheme=block.scheme))
        elif not chapters:
            chapters.append(Chapter(INTRO_TITLE, [], added="intro"))
        chapters[-1].blocks.append(block)
    return chapters


def chapter_file(number: int, chapter: Chapter) -> str:
    """chapters/NN-KIND.md, KIND saying what the chapter is: intro, part, chapter, closing …"""
    name = {"intro": "intro", "closing": "closing", "whole": "text"}.get(chapter.added) or \
        {"part": "part", "section": "section"}.get(chapter.scheme, "chapter")
    return f"chapters/{number:02d}-{name}.md"


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


def book_toml(meta: dict[str, str], chapter_files: list[str]) -> str:
    """book.toml: the marker line, then the metadata that has a value and the chapter list."""
    values = {key: value for key, value in meta.items() if value}
    return MARKER + "\n" + tomli_w.dumps({**values, "chapters": chapter_files})


# The editor's note in the edition's script (fixed phrases, written out: no conversion at run time).
NOTE_PHRASES = {
    "zh-Hans": {"source": "本书据网络文章整理（由 build.py import 导入）",
                "removed": "删去了网页上不属于正文的 {count} 行（{listed}）", "lines": "{kind} {count} 行",
                "marks": "文中 {marks} 处英文标点已改为中文全角标点",
                "intro": "首章标题“{title}”为整理时所加，原文无此标题。",
                "closing": "末章标题“{title}”为整理时所加，原文无此标题。",
                "whole": "原文没有小标题，全文作为一章，以书名为章题。", "label": "编者说明："},
    "zh-Hant": {"source": "本書據網路文章整理（由 build.py import 匯入）",
                "removed": "刪去了網頁上不屬於正文的 {count} 行（{listed}）", "lines": "{kind} {count} 行",
                "marks": "文中 {marks} 處英文標點已改為中文全形標點",
                "intro": "首章標題「{title}」為整理時所加，原文無此標題。",
                "closing": "末章標題「{title}」為整理時所加，原文無此標題。",
                "whole": "原文沒有小標題，全文作為一章，以書名為章題。", "label": "編者說明："},
}
KINDS_HANT = {"网站导航": "網站導覽", "署名和日期行": "署名和日期行", "字号切换": "字級切換", "图注和图片占位": "圖說和圖片占位",
              "编辑署名": "編輯署名", "转载和版权声明": "轉載和版權聲明", "关注和分享提示": "追蹤和分享提示", "推荐链接": "推薦連結",
              "计数和分享栏": "計數和分享列", "读者回复": "讀者回覆", "重复的标题": "重複的標題", "页眉页脚": "頁首頁尾"}


def colophon_markdown(disclaimer: Line | None, chapters: list[Chapter], removed: list[str], marks: int,
                      language: str = "zh-Hans") -> str:
    """The article's disclaimer and the editor's note on what the import changed: the kinds of lines removed
    (removed: each removed line's kind), with counts, in the order they first occur; in the edition's script."""
    phrases = NOTE_PHRASES["zh-Hant" if language == "zh-Hant" else "zh-Hans"]
    notes = [phrases["source"]]
    if removed:
        kinds = Counter(KINDS_HANT.get(kind, kind) if language == "zh-Hant" else kind for kind in removed)
        listed = "、".join(phrases["lines"].format(kind=kind, count=count) for kind, count in kinds.items())
        notes.append(phrases["removed"].format(count=len(removed), listed=listed))
    if marks:
        notes.append(phrases["marks"].format(marks=marks))
    note = "，".join(notes) + "。"
    for chapter in chapters:
        if chapter.added:
            note += phrases[chapter.added].format(title=chapter.title)
    parts = [escape_block(disclaimer.text)] if disclaimer else []
    parts.append(f"**{phrases['label']}**" + escape_inline(note))
    return "\n\n".join(parts) + "\n"


def check_out_dir(out_dir: Path) -> None:
    """The folder may be written: it is new, empty of a book, or holds an earlier import."""
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


def write_book(out_dir: Path, files: dict[str, str], diagnostics: Diagnostics) -> list[Path]:
    """Write files (name in the folder → text), each atomically and all moved into place together; warn
    about chapter files left from an earlier import that are no longer listed."""
    written = [out_dir / name for name in files]
    with outputs_together():
        for path, content in zip(written, files.values()):
            with atomic_output(path) as tmp:
                tmp.write_bytes(content.encode("utf-8"))
    for stale in sorted((out_dir / "chapters").glob("*.md")):
        if stale not in written:
            diagnostics.warn("left from an earlier import and not listed in book.toml (so not in the book); "
                             "delete it", stale)
    return written
