"""Input made safe: characters XML forbids, and XHTML a reader can show and EPUBCheck accepts.

Two stages, both warning (file:line) about what they change rather than failing:

- zhbook.textio.strip_forbidden() on each source text, as it is read: control characters, lone
  surrogates and noncharacters are not allowed in XML; each removal is reported with line and column.
- clean_fragment() on a chapter's HTML, after libxml2's HTML parser has repaired the tag soup:
  * active content is removed: <script>, <iframe>, <object>, <embed>, <applet>, <frame>, on*
    handlers and javascript:/vbscript: links (an EPUB with scripts must declare them; ours never has);
  * elements an EPUB cannot use (forms, audio/video, inline <svg>/<math>, <style>) are removed, unknown
    or obsolete tags are renamed (<center> → <div>) or dropped with their text kept;
  * only attributes valid on their element are kept, with values of the right form;
  * the content models EPUBCheck checks are repaired: a block inside a paragraph or a link becomes a
    <span>, a list item outside a list a <div>, a malformed table or list is flattened into <div>s;
  * ids are made valid and unique (first use keeps the name), links within the chapter that go
    nowhere are unlinked, and <img> sources are handed to images.embed().
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


from ..errors import BookError, Diagnostics
from ..textio import FORBIDDEN

MAX_DEPTH = 200

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
PHRASING = {"a", "abbr", "b", "bdi", "br", "cite", "code", "del", "dfn", "em", "i", "img", "ins", "kbd", "mark",
            "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var", "wbr"}
FLOW = {"article", "aside", "blockquote", "div", "dl", "figure", "hr", "ol", "p", "pre", "section", "table",
        "ul"} | HEADINGS
PARTS = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "figcaption": {"figure"}, "caption": {"table"},
         "colgroup": {"table"}, "col": {"colgroup"}, "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"},
         "tr": {"table", "thead", "tbody", "tfoot"}, "td": {"tr"}, "th": {"tr"}, "rt": {"ruby"}, "rp": {"ruby"}}
KNOWN = PHRASING | FLOW | set(PARTS)
# Elements whose content may only be phrasing (text and inline elements), as we check it.
PHRASING_CONTENT = PHRASING | HEADINGS | {"p", "pre", "dt", "caption", "th"}
ACTIVE = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "noembed", "param", "portal"}
UNSUPPORTED = {"style", "link", "meta", "base", "title", "head", "svg", "math", "canvas", "audio", "video",
               "source", "track", "input", "select", "textarea", "button", "option", "optgroup", "datalist",
               "map", "area", "keygen", "template", "noframes", "slot"}
RENAMED = {"center": "div", "font": "span", "big": "span", "tt": "code", "strike": "s", "acronym": "abbr",
           "header": "div", "footer": "div", "main": "div", "nav": "div", "address": "div", "hgroup": "div",
           "details": "div", "fieldset": "div", "form": "div", "dialog": "div", "search": "div", "summary": "p",
           "legend": "p", "menu": "ul", "dir": "ul", "listing": "pre", "xmp": "pre", "plaintext": "pre",
           "nobr": "span", "time": "span", "data": "span", "bdo": "span", "label": "span", "output": "span",
           "meter": "span", "progress": "span", "blink": "span", "marquee": "span"}

GLOBAL_ATTRIBUTES = {"id", "class", "title", "lang", "dir", "epub:type", "role", "aria-label", "aria-hidden"}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start", "reversed", "type"},
              "li": {"value"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope", "abbr"},
              "col": {"span"}, "colgroup": {"span"}}
# role values our own Markdown extensions write, on the elements they write them on.
ROLES = {("a", "doc-noteref"), ("a", "doc-backlink"), ("aside", "doc-footnote"), ("section", "doc-chapter"),
         ("aside", "note"), ("div", "note")}
EPUB_TYPES = {"noteref": {"a"}, "footnote": {"aside"}, "endnote": {"aside", "li"}, "rearnote": {"aside", "li"},
              "backlink": {"a"}, "chapter": {"section"}, "epigraph": {"blockquote", "div", "p", "section"},
              "pullquote": {"blockquote", "aside"}, "subtitle": {"p", "h2", "h3"}, "bridgehead": HEADINGS,
              "pagebreak": {"span", "div"}}
NUMBER = re.compile(r"-?\d{1,9}")
LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
WEB_URL = re.compile(r"(https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#][^\s\"<>\\^`{|}]*)?"
                     r"|mailto:[^\s\"<>\\^`{|}]+)", re.I)


# A relative link to a Markdown file of the book, with or without a fragment: 02-basics.md#some-id.
MARKDOWN_LINK = re.compile(r"(?![A-Za-z][A-Za-z0-9+.-]*:)(?![/\\])[^?#\s]+\.md(?:#[^\s]*)?", re.I)
LINK_ATTR = "data-zh-link"  # the same as zhbook.markdown.extensions.LINK_ATTR


@dataclass
class Context:
    """One document being cleaned: where its text came from, and the warnings gathered so far."""

    path: Path | str | None
    text: str  # the Markdown source, to find the line of what is reported
    diagnostics: Diagnostics
    embed: Callable[[str, int | None], str] | None = None  # img src → path in the book, or BookError
    # The document's id: every id in it starts with it (raw HTML's too), so ids stay unique across the
    # chapters, which share one namespace in the PDF and are told apart by it in the EPUB.
    id_prefix: str = ""
    notes: dict[str, list[int | None]] = field(default_factory=dict)
    cursor: int = 0  # the tree is walked in source order: look for what is reported from here on
    _lowered: str | None = None

    def line_of(self, needle: str) -> int | None:
        """The line of needle's next occurrence in the source, from the cursor on (else from the top)."""
        if not needle:
            return None
        if self._lowered is None:
            self._lowered = self.text.lower()
        key = needle.lower()
        index = self._lowered.find(key, self.cursor)
        if index < 0:
            index = self._lowered.find(key)
            if index < 0:
                return None
        else:
            self.cursor = index
        return self._lowered.count("\n", 0, index) + 1

    def note(self, message: str, needle: str = "") -> None:
        self.notes.setdefault(message, []).append(self.line_of(needle))

    def flush(self) -> None:
        for message, lines in self.notes.items():
            known = [n for n in lines if n]
            more = f" ({len(lines)} times)" if len(lines) > 1 else ""
            self.diagnostics.warn(message + more, self.path, known[0] if known else None)
        self.notes.clear()


def _append_text(parent, previous, text: str | None) -> None:
    if not text:
        return
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _drop(node) -> None:
    """Remove node and its content, keeping the text that follows it."""
    parent = node.getparent()
    _append_text(parent, node.getprevious(), node.tail)
    parent.remove(node)


def _unwrap(node) -> None:
    """Replace node by its content (text and children)."""
    parent = node.getparent()
    index = parent.index(node)
    previous = node.getprevious()
    children = list(node)
    _append_text(parent, previous, node.text)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    _append_text(parent, children[-1] if children else previous, node.tail)
    parent.remove(node)


def _tag(node) -> str | None:
    return node.tag.lower() if isinstance(node.tag, str) else None


def _has_text(node) -> bool:
    """Non-white-space text directly in node (not in its children)."""
    return bool((node.text or "").strip()) or any((child.tail or "").strip() for child in node)


def _element_children(node) -> list:
    """The children that will stay elements (comments and removed elements left out)."""
    return [c for c in node if _tag(c) is not None and _tag(c) not in ACTIVE | UNSUPPORTED]


def _well_structured(node, tag: str) -> bool:
    """Whether a list, definition list, table, ruby or figure has the children its content model needs."""
    children = _element_children(node)
    names = [_tag(c) for c in children]
    if tag in ("ul", "ol"):
        return not _has_text(node) and all(n == "li" for n in names)
    if tag == "dl":
        return not _has_text(node) and re.fullmatch(r"(?:(?:dt,)+(?:dd,)+)*", "".join(n + "," for n in names))
    if tag == "table":
        if _has_text(node) or not re.fullmatch(r"(caption,)?(colgroup,)*(thead,)?((tbody,)*|(tr,)+)(tfoot,)?",
                                              "".join(n + "," for n in names)):
            return False
        for child, name in zip(children, names):
            rows = [child] if name == "tr" else _element_children(child) if name in ("thead", "tbody", "tfoot") else []
            if name in ("thead", "tbody", "tfoot") and (_has_text(child) or any(_tag(r) != "tr" for r in rows)):
                return False
            if name == "colgroup" and (_has_text(child) or any(_tag(c) != "col" for c in _element_children(child))):
                return False
            for row in rows:
                if _has_text(row) or any(_tag(c) not in ("td", "th") for c in _element_children(row)):
                    return False
        return True
    if tag == "ruby":
        tokens = "P" if (node.text or "").strip() else ""  # P phrasing, T <rt>, L <rp>
        for child in node:
            name = _tag(child)
            if name in ("rt", "rp"):
                tokens += "T" if name == "rt" else "L"
            elif name is not None and name not in ACTIVE | UNSUPPORTED:
                tokens += "P"
            if (child.tail or "").strip():
                tokens += "P"
        return re.fullmatch(r"(?:P+(?:T|LTL)+)+", tokens) is not None
    if tag == "figure":
        captions = [i for i, n in enumerate(names) if n == "figcaption"]
        return not captions or (len(captions) == 1 and captions[0] in (0, len(names) - 1))
    return True


def _clean_attributes(node, tag: str, parent_tag: str, ctx: Context) -> None:
    allowed = GLOBAL_ATTRIBUTES | ATTRIBUTES.get(tag, set())
    for name in list(node.attrib):
        value = FORBIDDEN.sub("", node.attrib[name])
        lowered = name.lower()
        keep: str | None = None
        if lowered.startswith("on"):
            ctx.note(f"removed the {lowered} attribute of <{tag}>: scripts are not allowed in the book", lowered)
        elif lowered not in allowed and not re.fullmatch(r"data-[a-z0-9_.-]+", lowered):
            ctx.note(f"removed the {lowered}=\"…\" attribute of <{tag}>: not allowed there in an EPUB", lowered)
        elif lowered == "id":
            keep = value.strip() or None
        elif lowered == "class":
            keep = " ".join(value.split()) or None
        elif lowered == "lang":
            keep = value.strip() if LANG.fullmatch(value.strip()) else None
        elif lowered == "dir":
            keep = value.strip().lower() if value.strip().lower() in ("ltr", "rtl", "auto") else None
        elif lowered == "aria-hidden":
            keep = value.strip().lower() if value.strip().lower() in ("true", "false") else None
        elif lowered == "role":
            keep = value.strip() if (tag, value.strip()) in ROLES else None
        elif lowered == "epub:type":
            tokens = value.split()
            keep = value if tokens and all(tag in EPUB_TYPES.get(t, ()) for t in tokens) else None
        elif lowered in ("width", "height"):
            keep = value.strip() if re.fullmatch(r"\d{1,5}", value.strip()) else None
        elif lowered in ("start",) or (lowered == "value" and parent_tag == "ol"):
            keep = value.strip() if NUMBER.fullmatch(value.strip()) else None
        elif lowered == "reversed":
            keep = "reversed"
        elif lowered == "type":
            keep = value.strip() if value.strip() in ("1", "a", "A", "i", "I") else None
        elif lowered in ("colspan", "span"):
            keep = value.strip() if re.fullmatch(r"\d{1,4}", value.strip()) and 1 <= int(value) <= 1000 else None
        elif lowered == "rowspan":
            keep = value.strip() if re.fullmatch(r"\d{1,5}", value.strip()) and int(value) <= 65534 else None
        elif lowered == "scope":
            keep = value.strip().lower() if value.strip().lower() in ("row", "col", "rowgroup", "colgroup") else None
        elif lowered in ("title", "alt", "abbr", "aria-label", "href", "src") or lowered.startswith("data-"):
            keep = value
        if keep is None:
            del node.attrib[name]
        elif keep != node.attrib[name] or name != lowered:
            del node.attrib[name]
            node.attrib[lowered] = keep


def _walk(parent, ctx: Context, phrasing_only: bool, inside_link: bool, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BookError(f"HTML nested more than {MAX_DEPTH} levels deep; simplify it", ctx.path)
    parent_tag = _tag(parent) or ""
    i = 0
    while i < len(parent):
        node = parent[i]
        tag = _tag(node)
        if tag is None:  # comment, processing instruction
            _drop(node)
            continue
        if tag in ACTIVE:
            ctx.note(f"removed <{tag}>: active content (scripts, embedded objects) is not allowed in the book",
                     f"<{tag}")
            _drop(node)
            continue
        if tag in UNSUPPORTED:
            ctx.note(f"removed <{tag}> and its content: an EPUB cannot use it here", f"<{tag}")
            _drop(node)
            continue
        if tag in RENAMED:
            node.tag = tag = RENAMED[tag]
        elif tag not in KNOWN:
            ctx.note(f"<{tag}> is not an HTML element a book can use: the tag is dropped, its text kept",
                     f"<{tag}")
            _unwrap(node)
            continue
        original = tag
        if tag in PARTS and parent_tag not in PARTS[tag]:
            if tag == "col":
                _drop(node)
                continue
            tag = "span" if phrasing_only else "div"
        if phrasing_only and tag not in PHRASING:
            tag = "span"
        if tag == "a" and inside_link:
            tag = "span"
        if tag in ("ul", "ol", "dl", "table", "ruby", "figure") and not _well_structured(node, tag):
            tag = "span" if tag == "ruby" else "div"
        if tag != original:
            ctx.note(f"repaired malformed HTML: <{original}> cannot stand there, made it a <{tag}>",
                     f"<{original}")
            node.tag = tag
        _clean_attributes(node, tag, parent_tag, ctx)
        if tag == "img":
            if not node.get("src", "").strip():
                ctx.note("removed an image without a source (src)", "<img")
                _drop(node)
                continue
            if node.get("alt") is None:
                node.set("alt", "")
        if tag in ("br", "hr", "img", "wbr", "col"):  # void: nothing inside
            for child in list(node):
                node.remove(child)
            node.text = None
        else:
            _walk(node, ctx, phrasing_only or tag in PHRASING_CONTENT, inside_link or tag == "a", depth + 1)
        i += 1


def _clean_text(root, ctx: Context) -> None:
    """Remove what the source check could not see: control characters written as character
    references (&#x1;), which the HTML parser decodes. First, since lxml refuses to store such text:
    moving a tail (_drop, _unwrap) would fail on it."""
    for node in root.iter():
        for attr in ("text", "tail") if node is not root else ("text",):
            value = getattr(node, attr)
            if value and FORBIDDEN.search(value):
                ctx.note("removed a control character written as a character reference (&#…;): "
                         "not allowed in XML", "&#")
                setattr(node, attr, FORBIDDEN.sub("", value))


def _ids_and_links(root, ctx: Context, reserved: set[str]) -> None:
    """Valid unique ids (headings first: the contents page links to them); links that go somewhere."""
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    ordered = sorted((e for e in elements if e.get("id") is not None),
                     key=lambda e: 0 if e.get("id") in reserved and e.tag in HEADINGS else 1)
    for element in ordered:
        old = element.get("id")
        new = re.sub(r"[^A-Za-z0-9_.-]+", "-", old).strip("-")
        if ctx.id_prefix and not new.startswith(ctx.id_prefix + "-"):
            new = f"{ctx.id_prefix}-{new}" if new else ctx.id_prefix + "-id"
        elif not new or not re.match(r"[A-Za-z_]", new):
            new = "id-" + new
        base, n = new, 1
        while new in taken:
            n += 1
            new = f"{base}-{n}"
        taken.add(new)
        renamed.setdefault(old, new)
        if new != old:
            element.set("id", new)
    for element in elements:
        tag = element.tag
        if tag == "a" and element.get("href") is not None:
            href = element.get("href").strip()
            compact = re.sub(r"[\x00-\x20]", "", href).lower()
            problem = None
            if href.startswith("#"):
                target = urllib.parse.unquote(href[1:])
                if target in taken:
                    element.set("href", "#" + target)
                elif target in renamed:
                    element.set("href", "#" + renamed[target])
                else:
                    problem = f"removed the link to {href[:60]!r}: there is no such id in this chapter"
            elif MARKDOWN_LINK.fullmatch(href):
                # a link to a chapter file: resolved by the book-level pass (zhbook.markdown.references)
                del element.attrib["href"]
                element.set(LINK_ATTR, href)
            elif compact.startswith(("javascript:", "vbscript:")):
                problem = "removed a javascript: link: scripts are not allowed in the book"
            elif not WEB_URL.fullmatch(href) or re.search(r"%(?![0-9A-Fa-f]{2})", href):
                problem = (f"removed the link to {href[:60]!r}: links go to web addresses (http, https, "
                           "mailto), to ids in the same chapter or to chapter files (02-name.md#id)")
            else:
                element.set("href", href)
            if problem:
                ctx.note(problem, href[:60])
                del element.attrib["href"]
                if not element.attrib:
                    _unwrap(element)
        elif tag == "img" and ctx.embed is not None:
            src = element.get("src")
            element.set("src", ctx.embed(src, ctx.line_of(src)))


def clean_fragment(container, ctx: Context, reserved_ids: set[str] = frozenset()) -> None:
    """Clean, in place, the children of container (an lxml.html element holding a chapter's HTML)."""
    _clean_text(container, ctx)
    ctx.cursor = 0
    _walk(container, ctx, False, False, 0)
    ctx.cursor = 0
    _ids_and_links(container, ctx, set(reserved_ids))
    ctx.flush()
