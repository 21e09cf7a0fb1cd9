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
from html import escape

import lxml.html
from lxml import etree

from ..errors import BookError
from ..model import Anchor, Chapter
from .extensions import LINK_ATTR, NUMBER_ATTR, REF_ATTR


def _line_of(text: str, *needles: str) -> int | None:
    for needle in needles:
        index = text.find(needle)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None


def _label(anchor: Anchor, position: int | None) -> str | None:
    """The number a reference to anchor shows (图2-1, 表2-1, 第2章, 2.1节); None if it has none."""
    if position is None:
        return None
    if anchor.kind == "figure":
        return f"图{position}-{anchor.ordinal}"
    if anchor.kind == "table":
        return f"表{position}-{anchor.ordinal}"
    if anchor.kind == "heading" and anchor.level == 1:
        return f"第{position}章"
    if anchor.kind == "heading" and anchor.level == 2:
        return f"{position}.{anchor.ordinal}节"
    return None


def resolve_references(chapters: list[Chapter], colophon: Chapter | None) -> tuple[list[Chapter], Chapter | None]:
    """New chapters (and colophon) with every pending link and reference resolved; BookError if one
    goes nowhere."""
    by_path = {chapter.source.path.resolve(): chapter for chapter in chapters}
    positions = {chapter.id: number for number, chapter in enumerate(chapters, start=1)}
    labels: dict[str, tuple[Chapter, Anchor]] = {}
    for chapter in chapters:
        for anchor in chapter.anchors:
            if anchor.name.split(":", 1)[0] in ("fig", "tbl", "sec") and ":" in anchor.name:
                if anchor.name in labels:
                    other = labels[anchor.name][0]
                    raise BookError(f"the label {{#{anchor.name}}} is used twice (also in {other.source.path.name}); "
                                    "give each figure, table or heading its own", chapter.source.path,
                                    _line_of(chapter.source.text, "#" + anchor.name))
                labels[anchor.name] = (chapter, anchor)
    resolved = [_resolve(chapter, by_path, positions, labels) for chapter in chapters]
    return resolved, (_resolve(colophon, by_path, positions, labels) if colophon else None)


def _resolve(chapter: Chapter, by_path, positions, labels) -> Chapter:
    body = chapter.body
    if not any(attr in body for attr in (REF_ATTR, NUMBER_ATTR, LINK_ATTR)):
        return chapter  # nothing to resolve: the body stays as rendered, byte for byte
    source = chapter.source
    container = lxml.html.fragment_fromstring(body, create_parent="div")
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
            line = _line_of(source.text, "@" + name)
            if target is None:
                kind = {"fig": "figure", "tbl": "table", "sec": "heading"}[name.split(":", 1)[0]]
                raise BookError(f"@{name} refers to no {kind} of the book; label one with {{#{name}}} "
                                "or correct the reference", source.path, line)
            target_chapter, anchor = target
            number = _label(anchor, positions.get(target_chapter.id))
            if number is None:
                raise BookError(f"@{name} refers to a level-{anchor.level} heading: only chapters (#) and "
                                "their sections (##) are numbered; refer to one of those", source.path, line)
            element.text = number
            element.set("href", "#" + anchor.id)
        elif element.get(LINK_ATTR) is not None:
            href = element.attrib.pop(LINK_ATTR)
            element.set("href", "#" + _link_target(href, source, by_path))
    parts = [escape(container.text, quote=False)] if container.text and container.text.strip() else []
    parts += [etree.tostring(child, method="xml", encoding="unicode") for child in container]
    return replace(chapter, body="".join(parts))


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
    line = _line_of(source.text, f"]({href}", f"({href}", href)
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
