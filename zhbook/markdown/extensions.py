"""Our Markdown extensions, written against Python-Markdown's API.

- CJKLineJoin: a line break between two East Asian wide characters inside a paragraph is not a space
  (Pandoc's east_asian_line_breaks), so Chinese lines wrapped in the source join with nothing between.
- BackslashBreak: a backslash at the end of a line is a line break (CommonMark).
- CrossRef: `@fig:flow`, `@tbl:name`, `@sec:id` become a pending reference (numbered and linked by the
  book-level pass, zhbook.markdown.references), also directly after Chinese text.
- Ruby: `{汉字|hàn zì}` → <ruby>, one <rt> per character when the syllables match the characters, else
  one for the group; `{拼音:…}` / `{注音:…}` ask pypinyin for pinyin / Zhuyin (zhbook.markdown.ruby).
  Bad syntax is left as written, with a warning.
- Poem: a `::: poem` … `:::` block keeps its lines: each stanza a paragraph, each line ended by <br/>.
- Structure: an image alone in its paragraph becomes a <figure> with its alt text as <figcaption>;
  a `Table: …` paragraph next to a table becomes its <caption>; the tables extension's
  style="text-align: …" becomes an align-* class; footnotes never referenced are left out.
- ScopedIds: every id in a chapter (headings, footnotes) gets the chapter's prefix, so chapters can
  share one HTML document (the PDF) without clashes; headings get short ASCII ids and are collected
  for the contents page, the nav and the bookmarks.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET

import markdown
import unicodedata

from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from ..cjk import HAN, joins_lines
from . import ruby
from ..model import Anchor, Heading

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
                return "" if joins_lines(before) and joins_lines(after) else match.group(0)

            values[i] = SOFT_BREAK.sub(join, value)
            element, attr = slots[i]
            setattr(element, attr, values[i])


# Attributes the Markdown stage leaves for the book-level pass (zhbook.markdown.references), which
# removes them: a reference's label, a caption number's label, a link to another Markdown file.
REF_ATTR = "data-zh-ref"
NUMBER_ATTR = "data-zh-number"
LINK_ATTR = "data-zh-link"
XREF_CLASS = "xref"
LABEL = r"(?:fig|tbl|sec):[A-Za-z0-9_:-]*[A-Za-z0-9_]"
LABEL_KINDS = {"fig": "figure", "tbl": "table", "sec": "heading"}


class BackslashBreak(InlineProcessor):
    """`text\\` at the end of a line: a line break, as in CommonMark."""

    def handleMatch(self, m, data):
        return ET.Element("br"), m.start(0), m.end(0)


class CrossRef(InlineProcessor):
    """`@fig:flow` → <a class="xref" data-zh-ref="fig:flow">, numbered later. Not after an ASCII letter
    or digit (user@example.com stays an address); a trailing `:`, `-` or `.` is not part of the label."""

    def handleMatch(self, m, data):
        link = ET.Element("a", {"class": XREF_CLASS, REF_ATTR: m.group(1)})
        link.text = markdown.util.AtomicString("@" + m.group(1))
        return link, m.start(0), m.end(0)


RUBY_OPEN, RUBY_CLOSE = "\uff08", "\uff09"  # <rp>（</rp>…<rp>）</rp>: what a reader without ruby shows


def ruby_element(annotations: list, zhuyin: bool) -> ET.Element:
    """<ruby> for Annotations (and plain strings between them, e.g. punctuation of an automatic
    passage, which then sits between several <ruby> in a <span>)."""
    holder = ET.Element("span", {"class": "ruby-passage"})
    current = None
    for piece in annotations:
        if isinstance(piece, str):
            current = None
            last = holder[-1] if len(holder) else None
            if last is None:
                holder.text = (holder.text or "") + piece
            else:
                last.tail = (last.tail or "") + piece
            continue
        if current is None:
            current = ET.SubElement(holder, "ruby", {"class": ruby.ZHUYIN_CLASS} if zhuyin else {})
        for base, reading in piece.pairs:
            last = current[-1] if len(current) else None
            if last is None:
                current.text = markdown.util.AtomicString((current.text or "") + base)
            else:
                last.tail = markdown.util.AtomicString((last.tail or "") + base)
            ET.SubElement(current, "rp").text = RUBY_OPEN
            ET.SubElement(current, "rt").text = markdown.util.AtomicString(reading)
            ET.SubElement(current, "rp").text = RUBY_CLOSE
    if len(holder) == 1 and not holder.text and not holder[0].tail:
        return holder[0]  # one <ruby>, as written: no wrapper
    return holder


class Ruby(InlineProcessor):
    """`{汉字|hàn zì}`, `{拼音:…}`, `{注音:…}` (see zhbook.markdown.ruby). The base holds a Han
    character, so `{x|x>0}` in running text is not taken for ruby."""

    PATTERN = (r"\{(?:(" + ruby.PINYIN_MARK + "|" + ruby.ZHUYIN_MARK + r")[:：]([^{}\n]*)"
               r"|([^{}\n|]*[" + HAN + r"][^{}\n|]*)\|([^{}\n]*))\}")

    def __init__(self, md, extension: "CJKExtension"):
        super().__init__(self.PATTERN, md)
        self.extension = extension

    def handleMatch(self, m, data):
        if m.group(1):
            passage = m.group(2).strip()
            if not passage:
                self.extension.problem(f"{m.group(0)} has no text to annotate; write {{{m.group(1)}:汉字}}", m.group(0))
                return None, None, None
            pieces, reviews = ruby.automatic(passage, m.group(1) == ruby.ZHUYIN_MARK)
            if reviews:
                self.extension.problem(
                    f"{m.group(1)}: pypinyin chose the readings of polyphonic characters, check them: "
                    + "; ".join(map(str, reviews))
                    + "; to confirm one, write it out as {字|reading}", m.group(0))
            if not any(isinstance(p, ruby.Annotation) for p in pieces):
                self.extension.problem(f"{m.group(0)} has no Chinese character to annotate", m.group(0))
                return None, None, None
            return ruby_element(pieces, m.group(1) == ruby.ZHUYIN_MARK), m.start(0), m.end(0)
        annotation, wrong = ruby.explicit(m.group(3), m.group(4))
        if annotation is None:
            self.extension.problem(f"ruby {m.group(0)} {wrong}: it is left as written; write {{汉字|hàn zì}}",
                                   m.group(0))
            return None, None, None
        return ruby_element([annotation], annotation.zhuyin), m.start(0), m.end(0)


class UnclosedRuby(InlineProcessor):
    """`{汉字|hàn zì` or `{拼音:…` without its `}` on the line: said, and left as written."""

    PATTERN = (r"\{(?:(?:" + ruby.PINYIN_MARK + "|" + ruby.ZHUYIN_MARK + r")[:：]|[^{}\n|]*[" + HAN
               + r"][^{}\n|]*\|)(?![^{}\n]*\})")

    def __init__(self, md, extension: "CJKExtension"):
        super().__init__(self.PATTERN, md)
        self.extension = extension

    def handleMatch(self, m, data):
        line = data[data.rfind("\n", 0, m.start(0)) + 1:].split("\n", 1)[0]  # the whole line: finds its number
        self.extension.problem(f"ruby {m.group(0)}… is not closed with '}}' on its line: it is left as written",
                               line)
        return None, None, None


class Poem(BlockProcessor):
    """`::: poem` … `:::`: every source line a line, stanzas (blank-line separated) paragraphs."""

    START = re.compile(r"^:{3,}[ \t]*\{?[ \t]*\.?poem[ \t]*\}?[ \t]*$")
    END = re.compile(r"^:{3,}[ \t]*$")

    def test(self, parent, block):
        return bool(self.START.match(block.split("\n", 1)[0]))

    def run(self, parent, blocks):
        chunk = blocks.pop(0).split("\n")[1:]
        stanzas: list[list[str]] = []
        current: list[str] = []
        rest: list[str] = []
        while True:
            closed = False
            for i, line in enumerate(chunk):
                if self.END.match(line.strip()):
                    closed, rest = True, chunk[i + 1:]
                    break
                if line.strip():
                    current.append(line.strip())
            if current:
                stanzas.append(current)
                current = []
            if closed or not blocks:
                break
            chunk = blocks.pop(0).split("\n")
        if any(line.strip() for line in rest):
            blocks.insert(0, "\n".join(rest))
        poem = ET.SubElement(parent, "div", {"class": "poem"})
        for stanza in stanzas:
            # the lines joined by the backslash line end, which BackslashBreak makes a <br/>
            ET.SubElement(poem, "p").text = "\\\n".join(stanza)


CAPTION = re.compile(r"^\s*Table[:：][ \t]*")
CAPTION_ID = re.compile(r"[ \t]*\{[ \t]*#(" + LABEL + r"|[A-Za-z][A-Za-z0-9_:-]*)[ \t]*\}[ \t]*$")
ALIGN = re.compile(r"text-align:\s*(left|right|center)", re.I)


class Structure(Treeprocessor):
    """Figures, table captions and alignment, unreferenced footnotes (see the module's docstring)."""

    def __init__(self, md, extension: "CJKExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for paragraph in [p for p in root.iter("p")]:
            if (len(paragraph) == 1 and paragraph[0].tag == "img" and not (paragraph.text or "").strip()
                    and not (paragraph[0].tail or "").strip() and parents.get(paragraph) is not None):
                self._figure(paragraph)
        for table in list(root.iter("table")):
            self._caption(table, parents.get(table))
        for cell in [e for e in root.iter() if e.tag in ("td", "th") and e.get("style")]:
            match = ALIGN.search(cell.attrib.pop("style"))
            if match:
                cell.set("class", (cell.get("class", "") + " align-" + match.group(1).lower()).strip())
        self._unreferenced_notes(root, parents)

    @staticmethod
    def _figure(paragraph: ET.Element) -> None:
        image = paragraph[0]
        image.tail = None
        paragraph.tag = "figure"
        paragraph.text = None
        paragraph.set("class", "figure")
        label = image.attrib.pop("id", None)
        title = image.get("alt", "").strip()
        caption = ET.Element("figcaption")
        if label:
            paragraph.set("id", label)
            number = ET.SubElement(caption, "span", {"class": "caption-number", NUMBER_ATTR: label})
            number.text = "图"
            if title:
                number.tail = "\u3000" + title
        else:
            caption.text = title
        if label or title:
            paragraph.append(caption)

    def _caption(self, table: ET.Element, parent: ET.Element | None) -> None:
        if parent is None or table.find("caption") is not None:
            return
        siblings = list(parent)
        index = siblings.index(table)
        for candidate in (siblings[index - 1] if index else None,
                          siblings[index + 1] if index + 1 < len(siblings) else None):
            if (candidate is not None and candidate.tag == "p" and CAPTION.match(candidate.text or "")
                    and not candidate.get("data-zh-used")):
                break
        else:
            return
        parent.remove(candidate)
        caption = ET.Element("caption")
        caption.text = CAPTION.sub("", candidate.text or "", count=1)
        caption.extend(list(candidate))
        last = caption[-1] if len(caption) else None
        text = (last.tail if last is not None else caption.text) or ""
        match = CAPTION_ID.search(text)
        if match:
            text = text[:match.start()]
            if last is not None:
                last.tail = text
            else:
                caption.text = text
            table.set("id", match.group(1))
            number = ET.Element("span", {"class": "caption-number", NUMBER_ATTR: match.group(1)})
            number.text = "表"
            number.tail = ("\u3000" + caption.text.strip()) if (caption.text or "").strip() else caption.text
            caption.text = None
            caption.insert(0, number)
        table.insert(0, caption)

    def _unreferenced_notes(self, root: ET.Element, parents) -> None:
        ids = {e.get("id") for e in root.iter() if e.get("id")}
        for block in [d for d in root.iter("div") if d.get("class") == "footnote"]:
            for item in [li for li in block.iter("li") if li.get("id")]:
                backs = [a for a in item.iter("a") if a.get("class") == "footnote-backref"]
                if backs and all(a.get("href", "").lstrip("#") not in ids for a in backs):
                    parents[item].remove(item)
                    self.extension.unreferenced.append(item.get("id").split("-", 1)[-1])
            if not any(True for _ in block.iter("li")):
                parents[block].remove(block)


def auto_id(text: str) -> str:
    """A heading's automatic id, as Pandoc and GitHub make it: lower case, punctuation and symbols
    removed, ASCII and ideographic spaces made `-` (`一、阅读习惯的变迁` → `一阅读习惯的变迁`)."""
    kept = []
    for char in text.strip().lower():
        if char in " \t\u3000":
            kept.append("-")
        elif char in "-_" or unicodedata.category(char)[0] in "LNM":
            kept.append(char)
    return "".join(kept)


def _heading_text(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag != "sup":  # a note call is not part of the title
            parts.append(_heading_text(child))
        parts.append(child.tail or "")
    return re.sub("\x02[^\x03]*\x03", "", "".join(parts))


class ScopedIds(Treeprocessor):
    """Prefix every id and in-chapter link with the chapter id; number the headings."""

    def __init__(self, md: markdown.Markdown, extension: "CJKExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        prefix = self.extension.getConfig("id_prefix")
        renamed: dict[str, str] = {}
        headings: list[Heading] = []
        anchors: list[Anchor] = []
        counts = {"h2": 0, "figure": 0, "table": 0}
        auto_used: dict[str, int] = {}
        for element in root.iter():
            if element.tag in HEADING_TAGS:
                new_id = f"{prefix}-h{len(headings) + 1}"
                level = int(element.tag[1])
                name = element.get("id")
                if not name:  # the automatic id; a repeated one gets -1, -2 … as on GitHub
                    name = auto_id(_heading_text(element))
                    seen = auto_used.get(name)
                    auto_used[name] = 0 if seen is None else seen + 1
                    if seen is not None:
                        name = f"{name}-{seen + 1}"
                if level == 2:
                    counts["h2"] += 1
                if name:
                    renamed.setdefault(name, new_id)
                    anchors.append(Anchor(name, new_id, "heading", level, counts["h2"] if level == 2 else 0))
                element.set("id", new_id)
                text = "".join(element.itertext()).strip()
                headings.append(Heading(level, new_id, text))
            elif element.get("id"):
                old = element.get("id")
                renamed[old] = f"{prefix}-{re.sub(r'[^A-Za-z0-9_-]', '-', old)}"
                element.set("id", renamed[old])
                kind = {"figure": "figure", "table": "table"}.get(element.tag, "element")
                if kind != "element":
                    counts[kind] += 1
                anchors.append(Anchor(old, renamed[old], kind, 0, counts.get(kind, 0) if kind != "element" else 0))
        for element in root.iter("a"):
            href = element.get("href", "")
            if href.startswith("#") and href[1:] in renamed:
                element.set("href", "#" + renamed[href[1:]])
        self.extension.headings = headings
        self.extension.anchors = anchors


class MarkNotes(Treeprocessor):
    """Mark the footnotes Python-Markdown made (their block, calls and links back) with a class no
    author can write, so that raw HTML with class="footnote" is never taken for a note: raw HTML
    is still stashed away while tree processors run, so every such element here is Python-Markdown's."""

    MARKED = {"div": "footnote", "a": ("footnote-ref", "footnote-backref")}

    def __init__(self, md: markdown.Markdown, extension: "CJKExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            wanted = self.MARKED.get(element.tag, ())
            if element.get("class") in ((wanted,) if isinstance(wanted, str) else wanted):
                element.set("class", f"{element.get('class')} {self.extension.note_mark}")


class CJKExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"id_prefix": ["c", "prefix for every id in this document"]}
        super().__init__(**kwargs)
        self.note_mark = "zhbook-note-" + secrets.token_hex(8)  # see MarkNotes
        self.headings: list[Heading] = []
        self.anchors: list[Anchor] = []
        self.unreferenced: list[str] = []  # the labels of footnotes never referenced (left out)
        self.problems: list[tuple[str, str]] = []  # (warning, the source text it is about: for its line)

    def problem(self, message: str, source_text: str) -> None:
        if (message, source_text) not in self.problems:
            self.problems.append((message, source_text))

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Inline patterns: the escape (\\x) runs at 180, code spans at 190 (so nothing in code is touched).
        md.inlinePatterns.register(BackslashBreak(r"\\\n", md), "backslash_break", 185)
        md.inlinePatterns.register(Ruby(md, self), "ruby", 177)
        md.inlinePatterns.register(UnclosedRuby(md, self), "ruby_unclosed", 176)
        md.inlinePatterns.register(CrossRef(r"(?<![A-Za-z0-9])@(" + LABEL + ")", md), "cross_reference", 175)
        md.parser.blockprocessors.register(Poem(md.parser), "poem", 75)
        # Priorities: inline patterns run at 20, footnotes at 50 and attr_list at 8; ours run after them.
        md.treeprocessors.register(Structure(md, self), "structure", 6)
        md.treeprocessors.register(CJKLineJoin(md), "cjk_line_join", 5)
        md.treeprocessors.register(MarkNotes(md, self), "mark_notes", 2)
        md.treeprocessors.register(ScopedIds(md, self), "scoped_ids", 1)
