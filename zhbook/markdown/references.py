"""The book-level pass, after every chapter is rendered (and whether it came from the cache or not):
links to other chapter files and cross-references (`@fig:flow`, `@tbl:name`, `@sec:id`) resolved to
neutral in-book links `href="#<output id>"`, and figure and table captions numbered per chapter.

Each renderer gives such a link its own form: the PDF's parts share one name tree, so `#id` lands on
the right page as it is; the EPUB points an id of another chapter at that chapter's document.
Numbers: the chapter's position in the book (1-based) and the element's among its kind in the
chapter: 图2-1, 表2-1, 第2章 (a chapter's level-1 heading), 2.1节 (a level-2 heading). No space is
typed between 图 and 2-1: the quarter em comes from typesetting (the PDF's CJK–Latin spacing, the
reader's text-autospace). A link or reference that goes nowhere is an error, with file and line.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import replace
from lxml import etree

from ..errors import BookError
from ..model import Anchor, Chapter
from . import fragment, line_of
from .extensions import LINK_ATTR, NUMBER_ATTR, REF_ATTR


DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九 (and on: 一百零一)."""
    if number < 10:
        return DIGITS[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    hundreds, rest = divmod(number, 100)
    return DIGITS[hundreds] + "百" + ("" if not rest else ("零" if rest < 10 else "") +
                                     (chinese_number(rest) if rest >= 20 or rest < 10 else "一" + chinese_number(rest)))


def chapter_label(numbering: str, position: int) -> str:
    """The chapter's number in the book's format: 第{一}章 → 第三章, 第{1}章 → 第3章."""
    return numbering.replace("{一}", chinese_number(position)).replace("{1}", str(position))


def number_chapters(chapters: list[Chapter], numbering: str) -> list[Chapter]:
    """The body chapters with their number (numbering: book.toml's format) before the title of their
    first level-1 heading, in the body and in the heading's text: 第三章　标题 (U+3000 between)."""
    if not numbering:
        return chapters
    numbered, position = [], 0
    for chapter in chapters:
        if chapter.matter != "chapter":
            numbered.append(chapter)
            continue
        position += 1
        label = chapter_label(numbering, position)
        first = chapter.headings[0] if chapter.headings and chapter.headings[0].level == 1 else None
        if first is None:
            numbered.append(replace(chapter, label=label))
            continue
        container = fragment.parse(chapter.body)
        for element in container.iter("h1"):
            if element.get("id") == first.id:
                number = etree.Element("span", {"class": "chapter-number"})
                number.text = label
                number.tail = "\u3000" + (element.text or "")
                element.text = None
                element.insert(0, number)
                break
        headings = (replace(first, text=f"{label}\u3000{first.text}"),) + chapter.headings[1:]
        numbered.append(replace(chapter, body=fragment.serialize(container), headings=headings, label=label))
    return numbered


def _label(anchor: Anchor, position: int | None, numbering: str = "") -> str | None:
    """The number a reference to anchor shows (图2-1, 表2-1, 第2章, 2.1节); None if it has none."""
    if position is None:
        return None
    if anchor.kind == "heading" and anchor.level == 1 and numbering:
        return chapter_label(numbering, position)
    if anchor.kind == "figure":
        return f"图{position}-{anchor.ordinal}"
    if anchor.kind == "table":
        return f"表{position}-{anchor.ordinal}"
    if anchor.kind == "heading" and anchor.level == 1:
        return f"第{position}章"
    if anchor.kind == "heading" and anchor.level == 2:
        return f"{position}.{anchor.ordinal}节"
    return None


def resolve_references(chapters: list[Chapter], colophon: Chapter | None,
                       numbering: str = "") -> tuple[list[Chapter], Chapter | None]:
    """New chapters (and colophon) with every pending link and reference resolved; BookError if one
    goes nowhere. Only the body's chapters have a number (front and back matter: none);
    numbering: book.toml's format for a reference to a chapter (第{一}章), "" for 第2章."""
    by_path = {chapter.source.path.resolve(): chapter for chapter in chapters}
    body = [chapter for chapter in chapters if chapter.matter == "chapter"]
    positions = {chapter.id: number for number, chapter in enumerate(body, start=1)}
    labels: dict[str, tuple[Chapter, Anchor]] = {}
    for chapter in chapters:
        for anchor in chapter.anchors:
            if anchor.name.split(":", 1)[0] in ("fig", "tbl", "sec") and ":" in anchor.name:
                if anchor.name in labels:
                    other = labels[anchor.name][0]
                    raise BookError(f"the label {{#{anchor.name}}} is used twice (also in {other.source.path.name}); "
                                    "give each figure, table or heading its own", chapter.source.path,
                                    line_of(chapter.source.text, "#" + anchor.name))
                labels[anchor.name] = (chapter, anchor)
    resolved = [_resolve(chapter, by_path, positions, labels, numbering) for chapter in chapters]
    return resolved, (_resolve(colophon, by_path, positions, labels, numbering) if colophon else None)


def _resolve(chapter: Chapter, by_path, positions, labels, numbering: str = "") -> Chapter:
    body = chapter.body
    if not any(attr in body for attr in (REF_ATTR, NUMBER_ATTR, LINK_ATTR)):
        return chapter  # nothing to resolve: the body stays as rendered, byte for byte
    source = chapter.source
    container = fragment.parse(body)
    own = {anchor.name: anchor for anchor in chapter.anchors}
    for element in list(container.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.get(NUMBER_ATTR) is not None:
            name = element.attrib.pop(NUMBER_ATTR)
            anchor = own.get(name)
            number = _label(anchor, positions.get(chapter.id)) if anchor else None
            if number:
                element.text = number
            else:  # the colophon's figures, or a label of another kind: no number
                _unwrap_number(element)
        elif element.get(REF_ATTR) is not None:
            name = element.attrib.pop(REF_ATTR)
            target = labels.get(name)
            line = line_of(source.text, "@" + name)
            if target is None:
                kind = {"fig": "figure", "tbl": "table", "sec": "heading"}[name.split(":", 1)[0]]
                raise BookError(f"@{name} refers to no {kind} of the book; label one with {{#{name}}} "
                                "or correct the reference", source.path, line)
            target_chapter, anchor = target
            number = _label(anchor, positions.get(target_chapter.id), numbering)
            if number is None:
                raise BookError(f"@{name} refers to a level-{anchor.level} heading: only chapters (#) and "
                                "their sections (##) are numbered; refer to one of those", source.path, line)
            element.text = number
            element.set("href", "#" + anchor.id)
        elif element.get(LINK_ATTR) is not None:
            href = element.attrib.pop(LINK_ATTR)
            element.set("href", "#" + _link_target(href, source, by_path))
    return replace(chapter, body=fragment.serialize(container))


def _unwrap_number(element) -> None:
    """A caption number that has no number: removed, and the ideographic space after it."""
    parent = element.getparent()
    tail = (element.tail or "").lstrip("\u3000")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _link_target(href: str, source, by_path) -> str:
    """The output id a link to a chapter file (02-basics.md or 02-basics.md#id) goes to."""
    line = line_of(source.text, f"]({href}", f"({href}", href)
    path, _, fragment = href.partition("#")
    target = by_path.get((source.path.parent / urllib.parse.unquote(path)).resolve())
    if target is None:
        raise BookError(f"the link to {href!r} goes to no chapter of the book (links are relative to this "
                        "file); correct the file name", source.path, line)
    fragment = urllib.parse.unquote(fragment)
    if not fragment:
        return target.headings[0].id if target.headings else target.id
    for anchor in target.anchors:
        if fragment in (anchor.name, anchor.id):
            return anchor.id
    raise BookError(f"the link to {href!r}: {target.source.path.name} has no heading or element with the id "
                    f"{fragment!r}; use a heading's {{#id}} or its automatic id", source.path, line)
