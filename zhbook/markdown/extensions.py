"""Our Markdown extensions, written against Python-Markdown's API.

- CJKLineJoin: a line break between two East Asian wide characters inside a paragraph is not a space
  (Pandoc's east_asian_line_breaks), so Chinese lines wrapped in the source join with nothing between.
- ScopedIds: every id in a chapter (headings, footnotes) gets the chapter's prefix, so chapters can
  share one HTML document (the PDF) without clashes; headings get short ASCII ids and are collected
  for the contents page, the nav and the bookmarks.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from ..cjk import is_wide
from ..model import Heading

HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Text inside these is shown as written: never join its lines.
VERBATIM_TAGS = {"pre", "code", "kbd", "samp"}
SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*")


class CJKLineJoin(Treeprocessor):
    """Drop soft line breaks that sit between two wide characters, also across inline elements."""

    def run(self, root: ET.Element) -> None:
        slots: list[tuple[ET.Element, str]] = []  # (element, "text" | "tail") in reading order

        def collect(element: ET.Element, verbatim: bool) -> None:
            verbatim = verbatim or element.tag in VERBATIM_TAGS
            if not verbatim:
                slots.append((element, "text"))
            for child in element:
                collect(child, verbatim)
                if not verbatim:
                    slots.append((child, "tail"))

        collect(root, False)
        values = [getattr(el, attr) or "" for el, attr in slots]
        for i, value in enumerate(values):
            if "\n" not in value:
                continue

            def neighbour(step: int, start: int) -> str:
                j = start
                while 0 <= j < len(values):
                    if values[j]:
                        return values[j][-1] if step < 0 else values[j][0]
                    j += step
                return ""

            def join(match: re.Match) -> str:
                text = match.string
                before = text[match.start() - 1] if match.start() > 0 else neighbour(-1, i - 1)
                after = text[match.end()] if match.end() < len(text) else neighbour(1, i + 1)
                return "" if is_wide(before) and is_wide(after) else match.group(0)

            values[i] = SOFT_BREAK.sub(join, value)
            element, attr = slots[i]
            setattr(element, attr, values[i])


class ScopedIds(Treeprocessor):
    """Prefix every id and in-chapter link with the chapter id; number the headings."""

    def __init__(self, md: markdown.Markdown, extension: "CJKExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        prefix = self.extension.getConfig("id_prefix")
        renamed: dict[str, str] = {}
        headings: list[Heading] = []
        for element in root.iter():
            if element.tag in HEADING_TAGS:
                new_id = f"{prefix}-h{len(headings) + 1}"
                if element.get("id"):
                    renamed[element.get("id")] = new_id
                element.set("id", new_id)
                text = "".join(element.itertext()).strip()
                headings.append(Heading(int(element.tag[1]), new_id, text))
            elif element.get("id"):
                old = element.get("id")
                renamed[old] = f"{prefix}-{re.sub(r'[^A-Za-z0-9_-]', '-', old)}"
                element.set("id", renamed[old])
        for element in root.iter("a"):
            href = element.get("href", "")
            if href.startswith("#") and href[1:] in renamed:
                element.set("href", "#" + renamed[href[1:]])
        self.extension.headings = headings


class CJKExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"id_prefix": ["c", "prefix for every id in this document"]}
        super().__init__(**kwargs)
        self.headings: list[Heading] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Priorities: inline patterns run at 20, footnotes at 50 and below; ours run after both.
        md.treeprocessors.register(CJKLineJoin(md), "cjk_line_join", 5)
        md.treeprocessors.register(ScopedIds(md, self), "scoped_ids", 1)
