"""Every change zhbook makes to WeasyPrint 70.0 (pinned) and pydyf 0.13, installed by install() in
one place, behind one guard, and undone by uninstall(). Nothing here changes WeasyPrint on import.

The guard: install() refuses (BookError) any WeasyPrint version but WEASYPRINT_VERSION, and any
change to the source of a function it replaces or whose internals it relies on (REPLACED, RELIED_ON: the
sha256 of inspect.getsource() of each, recorded from WeasyPrint 70.0). On a refusal, re-read the
named function in the new WeasyPrint against the patch, run tests/pdf, then record the new hash.

What is changed (each replacement calls the original):
- Chinese typesetting (the rules are zhbook.pdf.cjk_layout's):
  - `text.line_break.Layout.set_text`: Pango attributes per character: `halt` (punctuation pairs
    take 1.5 em), letter-spacing for the CJK–Latin quarter em and the justification,
    allow_breaks=false where UAX #14 breaks but Chinese must not (a cffi declaration is added
    for pango_attr_allow_breaks_new, which WeasyPrint does not declare).
  - `text.line_break.Layout.get_first_line`: Pango letter-spacing puts half the space before the
    character and half after, and drops the outer halves at line ends; this puts each space exactly
    where it was wanted, in the laid-out glyph widths, before WeasyPrint measures or draws the line.
  - `layout.inline.get_next_linebox`, `layout.inline.split_text_box`: give each text layout the
    characters just before and after its box (`<b>30</b>天`, `好。</b>”`), so spacing and
    compression also work across inline elements, during line breaking already. A note call or
    marker and raised or lowered text count as no text: no quarter em beside them (`规范¹`).
  - `layout.inline.get_next_linebox` also keeps a justified Chinese paragraph from ending on a lone
    character (孤字): near a paragraph's end it lays out the next line ahead, and if that is the
    last line and a runt, lays this line out again narrower (one em, two, three: RUNT_CUTS), so
    that it leaves a character or two more to the last line, and justifies it to the full width.
  - `layout.inline.can_break_text`: the same kinsoku rules between two inline boxes;
    `layout.preferred.can_break_text` and `layout.preferred.inline_line_widths`: the same in
    min-content widths (tables, floats, inline blocks), which preferred.py imports by value.
  - `layout.inline.text_align`: inter-character justification of Chinese lines (WeasyPrint's
    `justify_line` only stretches U+0020 and U+00A0, so Chinese stays ragged).
- Parts of one book (zhbook.pdf.part):
  - `pdf.fonts.Font.clean`: our font subsets are embedded as a placeholder naming the full font
    (FONT_PLACEHOLDER); zhbook.pdf.join puts the book's subset in its place once for all parts.
  - `layout.make_margin_boxes`: the page counter the margin boxes show is offset by
    `hooks.page_offset(pages)`, asked once the part's pages are all laid out.
  - links_to_other_parts(): a write_pdf finisher that writes pydyf objects into its page list.
"""

from __future__ import annotations

import array
import hashlib
import importlib
import inspect
import re
import struct
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from ..errors import BookError
from .cjk_layout import (HAS_CJK_RE, RUNT_CUTS, centres_punctuation, is_cjk_lang, is_runt, is_set_by_cjk_rules, may_break_between,
                         no_breaks, plan, spaced)

WEASYPRINT_VERSION = "70.0"

# The functions replaced (short name → where, sha256 of its source in WeasyPrint 70.0) ...
REPLACED = {
    "set_text": ("weasyprint.text.line_break.Layout.set_text",
                 "fe23ca9937dbf5205bda422f9c01103f301ef2c511228842632ea86e853274f7"),
    "get_first_line": ("weasyprint.text.line_break.Layout.get_first_line",
                       "bb65cbda0e27f1350376bc345c82093c5a3d00b8ac6d8dd9d7303f7693db9254"),
    "get_next_linebox": ("weasyprint.layout.inline.get_next_linebox",
                         "67af458c2545e74f0803072103c6c5d392d5e353dfdaa4f5bac5a96e20ed024d"),
    "split_text_box": ("weasyprint.layout.inline.split_text_box",
                       "8c564329599ef23fac6cc8c403768e9e51638226d87a8b2de69c49c9c5f408c8"),
    "inline_can_break_text": ("weasyprint.layout.inline.can_break_text",
                              "4f3fb5ef1c239df9afd97856784e6cefc518d256a666dc78e0c86defa2e111e3"),
    "preferred_can_break_text": ("weasyprint.layout.preferred.can_break_text",
                                 "4f3fb5ef1c239df9afd97856784e6cefc518d256a666dc78e0c86defa2e111e3"),
    "inline_line_widths": ("weasyprint.layout.preferred.inline_line_widths",
                           "6c24f789e3ce5bb70434e3997a84c8faec2d0646cc9d81de371f58ec622dfeb8"),
    "text_align": ("weasyprint.layout.inline.text_align",
                   "e953d41b87ccfc30405f83f6cc3c73918ef4638662794db4f834b1d788d6ed67"),
    "font_clean": ("weasyprint.pdf.fonts.Font.clean",
                   "794f0211f18453f1a291056fcd6659cdcb262f7c1133cf5b2ea015df379c6813"),
    "make_margin_boxes": ("weasyprint.layout.make_margin_boxes",
                          "4a2d2e301eb3bc47c2812d1502d4d6ce3b65922a76e69fb45c11a5ae353198a7"),
}
# The Chinese typesetting among them (the rest are for setting a book in parts).
TYPESETTING = ("set_text", "get_first_line", "get_next_linebox", "split_text_box", "inline_can_break_text",
               "preferred_can_break_text", "inline_line_widths", "text_align")
# ... and the ones whose internals the replacements rely on.
RELIED_ON = {
    # calls make_margin_boxes with the page state tuple (quote depth, counter values, ...)
    "layout_document": ("weasyprint.layout.layout_document",
                        "a5cbf437e99caf7293e7ed2289278048bca734f7ead2e947b4e24e4a3a536dbc"),
    # the font features _features() gives Pango, as setup() does
    "setup": ("weasyprint.text.line_break.Layout.setup",
              "fb227a55094f41d42fbd57f180d8b7a9a1e741969ec8ddb3fd5cd80920257442"),
    # a StructElem /Span per text box (its one MCID), /NonStruct for anonymous boxes: fold_transparent_elements
    "build_box_tree": ("weasyprint.pdf.tags._build_box_tree",
                       "f716251a83e7096e9cae972b63e633aab21c664d200582166dd0d5096780f9c4"),
    # a TJ per run of glyphs: "<gggg>" glyph ids, then a number wherever a glyph moves ("<gggg>-57<gggg>"),
    # after a Tf with the font size (1 for bitmap fonts): spacing_as_character_spacing reads them
    "draw_first_line": ("weasyprint.draw.text.draw_first_line",
                        "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"),
    "show_text": ("pydyf.Stream.show_text", "3e008af86f62f42c382b8d75f85a92022008f8254db58a9d8f58f137ee7bcc40"),
    "set_font_size": ("pydyf.Stream.set_font_size", "9626258f9693a87de77bcfaaf42dd987a468604d7aa2bb2c5652347edd6d9d2b"),
    # a page list of (number, 0, "R") triplets: links_to_other_parts reads Kids[::3]
    "add_page": ("pydyf.PDF.add_page", "6039cdea4114e530f64a448b00aa3fb471487e7cafe4d0dc306ae1e1fab2895e"),
}

# A font program's first four bytes, this, the sha256 of the full font and glyphs: see _font_clean.
FONT_PLACEHOLDER = b"zhbook font program "

_originals: dict = {}  # short name → WeasyPrint's function, while installed
_box_context = None  # (text, previous char, next char) of the text box being split
_narrowed = 0  # px the line being laid out is narrowed by, to break it earlier (see _line, _avoid_runt)


@dataclass
class Hooks:
    """What the patches need from the part being set. WeasyPrint calls them with its own
    arguments only, so they read it here: one per process, set by zhbook.pdf.part."""
    font_programs: dict[str, str] = field(default_factory=dict)  # sha256 of a subset → of its full font
    page_offset: Callable[[int], int] | None = None  # part's page count → pages before it


hooks = Hooks()


def load():
    """Import WeasyPrint, turning a missing Pango into one line that says what to install."""
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot dlopen libpango/libpangoft2
        raise BookError(f"WeasyPrint cannot load Pango ({exc}); install it with "
                        "`sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0`")
    return weasyprint


# --- Layout.set_text / Layout.get_first_line ----------------------------------------------------

def _set_text(self, text, justify=False):
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    style = self.style
    if not is_set_by_cjk_rules(style):  # not Chinese, or code: as WeasyPrint sets it
        self._zh_fix = None
        return _originals["set_text"](self, text, justify)

    # Context: set once per layout, either by split_text_box (below) or by our justification.
    if not hasattr(self, "_zh"):
        self._zh = (*(_box_context or (None, None, None)), 0)
    full_text, previous, following, justification = self._zh

    # WeasyPrint adds its attributes to the layout's list at every set_text; start from a fresh
    # list each time (with setup()'s font features) so attributes of an older text never linger.
    attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    features = _features(*(style[key] for key in _FEATURE_PROPERTIES))
    if features:
        pango.pango_attr_list_insert(attributes, pango.pango_attr_font_features_new(features))
    pango.pango_layout_set_attributes(self.layout, attributes)
    _originals["set_text"](self, text, justify)

    text = self.text
    if full_text is not None and text != full_text:
        following = None  # a shorter text: the line breaks after it
    self._zh_effective = (text, previous, following)
    self._zh_fix, self._zh_delta = None, 0
    if not text:
        return
    halts, gaps = plan(text, previous, following, style["font_size"],
                       justification if justify else 0, spaced(style), centres_punctuation(style["lang"]))
    unbreakable = no_breaks(text, previous)
    if not (halts or gaps or unbreakable):
        return
    offsets = list(accumulate(map(len, map(str.encode, text)), initial=0))  # UTF-8 indexes
    attributes = pango.pango_layout_get_attributes(self.layout)
    for first, end in unbreakable:
        attr = pango.pango_attr_allow_breaks_new(False)  # no break inside [first, end)
        attr.start_index, attr.end_index = offsets[first], offsets[end]
        pango.pango_attr_list_insert(attributes, attr)
    for index in halts:
        attr = pango.pango_attr_font_features_new(b"halt 1")
        attr.start_index, attr.end_index = offsets[index], offsets[index + 1]
        pango.pango_attr_list_insert(attributes, attr)
    fix = {}
    last = len(text) - 1
    for index, (lead, trail) in gaps.items():
        lead, trail = round(lead * TO_UNITS), round(trail * TO_UNITS)
        # Pango drops the outer half of the letter-spacing at the ends of a line: ask twice as
        # much on the text's first and last characters, so that Pango's line breaking counts it
        # all. Odd values: Pango rounds the halves of whole-pixel values.
        spacing = (2 * (lead + trail) if index in (0, last) else lead + trail) | 1
        attr = pango.pango_attr_letter_spacing_new(spacing)
        attr.start_index, attr.end_index = offsets[index], offsets[index + 1]
        pango.pango_attr_list_change(attributes, attr)
        fix[offsets[index]] = (spacing, lead, trail, index == last)
    pango.pango_layout_set_attributes(self.layout, attributes)
    self._zh_fix, self._zh_pending = fix, True


_FEATURE_PROPERTIES = (
    "font_kerning", "font_variant_ligatures", "font_variant_position", "font_variant_caps",
    "font_variant_numeric", "font_variant_alternates", "font_variant_east_asian",
    "font_feature_settings")


@lru_cache(maxsize=256)
def _features(*values):
    """The font-features string Layout.setup() gives Pango for these style values."""
    from weasyprint.text.fonts import font_features

    features = font_features(*values)
    return ",".join(f"{key} {value}" for key, value in features.items()).encode()


def _get_first_line(self):
    """Put the letter-spacing asked for in set_text exactly before or after its character.

    Pango gives a character with letter-spacing s half of s on each side, and drops the half
    that falls outside the line. Here that is taken back, and the space wanted after a character
    is added to the width of its (last) glyph, the space wanted before it to the width of the glyph
    before; none at a line end Pango chose. Done once per Pango layout run, before WeasyPrint reads
    the line. Pango has cached the line's extents already: the width change is kept in _zh_delta,
    see _width()."""
    line, index = _originals["get_first_line"](self)
    fix = getattr(self, "_zh_fix", None)
    if not fix or not self._zh_pending:
        return line, index
    self._zh_pending = False
    from weasyprint.text.ffi import ffi

    runs = []
    run = line.runs
    while run != ffi.NULL:
        runs.append(run.data)
        run = run.next
    if any(glyph_item.item.analysis.level % 2 for glyph_item in runs):
        return line, index  # right-to-left text in the line: left as Pango made it
    delta = 0
    for number, glyph_item in enumerate(runs):
        offset, length = glyph_item.item.offset, glyph_item.item.length
        keys = [key for key in fix if offset <= key < offset + length]
        if not keys:
            continue
        glyphs, count = glyph_item.glyphs.glyphs, glyph_item.glyphs.num_glyphs
        clusters = ffi.unpack(glyph_item.glyphs.log_clusters, count)
        for key in keys:
            spacing, lead, trail, text_last = fix[key]
            start = end = clusters.index(key - offset)
            while end + 1 < count and clusters[end + 1] == clusters[start]:
                end += 1
            line_first = number == 0 and start == 0
            line_last = number == len(runs) - 1 and end == count - 1
            if line_last and not text_last:
                trail = 0  # Pango broke the line here: no space at the line end
            # Take back what Pango added...
            left = 0 if line_first else spacing // 2
            right = 0 if line_last else spacing - spacing // 2
            glyphs[start].geometry.x_offset -= left
            glyphs[start].geometry.width -= left
            glyphs[end].geometry.width += trail - right
            # ... and put the space before the cluster at the end of the glyph before it
            # (WeasyPrint draws x_offset 2.4 % too far: 1024 Pango units taken as 1000).
            if line_first:
                glyphs[start].geometry.x_offset += lead
                glyphs[start].geometry.width += lead
            elif start:
                glyphs[start - 1].geometry.width += lead
            else:
                before = runs[number - 1].glyphs
                before.glyphs[before.num_glyphs - 1].geometry.width += lead
            delta += lead - left + trail - right
    self._zh_delta = delta
    return line, index


def _width(layout, width):
    """The width of a layout's first line as WeasyPrint measured it, corrected for _get_first_line."""
    from weasyprint.text.ffi import FROM_UNITS

    return width + getattr(layout, "_zh_delta", 0) * FROM_UNITS


# --- Context across inline boxes ----------------------------------------------------------------

def _leaves(box):
    """Text boxes and atomic boxes of a line, in order (None stands for a non-text leaf). A note's
    call or marker and other raised or lowered text (`vertical-align: super`, `sub`) count as
    non-text leaves: they are not Latin text on the line, so no quarter em and no justification
    between them and the characters around them (`规范¹`, not `规范 ¹`)."""
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if isinstance(child, boxes.TextBox):
            if child.text:
                yield child
        elif isinstance(child, boxes.InlineBox):
            if _isolated(child):
                yield None
            else:
                yield from _leaves(child)
        elif child.is_in_normal_flow():
            yield None


def _isolated(box) -> bool:
    """Is this inline box a note call or marker, or raised or lowered text?"""
    tag = box.element_tag or ""
    return (tag.endswith(("::footnote-call", "::footnote-marker"))
            or box.style["vertical_align"] in ("super", "sub"))


def _get_next_linebox(context, linebox, position_y, bottom_space, skip_stack, containing_block,
                      absolute_boxes, fixed_boxes, first_letter_style, first_line_style):
    """Note on each text box of a paragraph the characters just before and after it; and set the
    line before a paragraph's last line so that the last line is no lone character (_avoid_runt)."""
    _link(linebox)
    args = (bottom_space, skip_stack, containing_block, first_letter_style, first_line_style)
    line, resume_at, absolutes, fixed = _line(context, linebox, position_y, args)
    if line is not None and resume_at is not None and _runt_candidate(context, linebox, containing_block,
                                                                      resume_at):
        better = _avoid_runt(context, linebox, position_y, line, resume_at, args)
        if better is not None:
            line, resume_at, absolutes, fixed = better
    absolute_boxes.extend(absolutes)  # those of the line kept only
    fixed_boxes.extend(fixed)
    return line, resume_at


def _line(context, linebox, position_y, args, narrower_by=0):
    """WeasyPrint's get_next_linebox, narrower by narrower_by px if asked (justified to the full
    width all the same, see _text_align): the line, where the next starts, its absolute and fixed
    boxes."""
    global _narrowed
    bottom_space, skip_stack, containing_block, first_letter_style, first_line_style = args
    absolutes, fixed = [], []
    width = containing_block.width
    containing_block.width, _narrowed = width - narrower_by, narrower_by
    try:
        line, resume_at = _originals["get_next_linebox"](
            context, linebox, position_y, bottom_space, skip_stack, containing_block, absolutes, fixed,
            first_letter_style, first_line_style)
    finally:
        containing_block.width, _narrowed = width, 0
    return line, resume_at, absolutes, fixed


def _runt_candidate(context, linebox, containing_block, resume_at) -> bool:
    """Could the line after this one be a justified Chinese paragraph's last? Only then is it laid
    out ahead (no floats around: laying out ahead must change nothing)."""
    style = linebox.style
    if (style["text_align_all"] != "justify" or not is_cjk_lang(style["lang"]) or context.excluded_shapes
            or style["white_space"] not in ("normal", "pre-line") or style["direction"] != "ltr"):
        return False
    remaining = _remaining(linebox, resume_at)
    return remaining is not None and remaining <= 2 * containing_block.width / style["font_size"]


def _remaining(box, skip):
    """The number of characters of box after the skip stack (None: something not text follows)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        start = next(iter(skip)) if skip else 0
        return len(box.text.encode()[start:].decode(errors="ignore"))
    if not isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return None if box.is_floated() or box.is_absolutely_positioned() else 1
    index, child_skip = next(iter(skip.items())) if skip else (0, None)
    total = 0
    for number, child in enumerate(box.children[index:], start=index):
        count = _remaining(child, child_skip if number == index else None)
        if count is None:
            return None
        total += count
    return total


def _line_text(line) -> str:
    return "".join(leaf.text for leaf in _leaves(line) if leaf is not None)


def _avoid_runt(context, linebox, position_y, line, resume_at, args):
    """If the line after `line` is the paragraph's last and a lone character (孤字), lay `line` out
    again narrower, so that it leaves one more character or two to the last line, and justify it
    to the full width; the smallest cut in RUNT_CUTS that leaves a last line with no runt wins.
    Kinsoku and compression stay WeasyPrint's and ours: only the width the line breaks at
    changes. None: nothing to do (or nothing better found); else what _line gives."""
    bottom_space, _, containing_block, _, _ = args

    def ahead(y, skip):
        """The line after: no text indent (iter_line_boxes drops it after the first line)."""
        indent, linebox.text_indent = linebox.text_indent, 0
        try:
            return _line(context, linebox, y, (bottom_space, skip, containing_block, None, None))[:2]
        finally:
            linebox.text_indent = indent

    following, after = ahead(position_y + line.height, resume_at)
    if following is None or after is not None or not is_runt(_line_text(following)):
        return None
    for cut in RUNT_CUTS:
        cut_px = cut * linebox.style["font_size"]
        if cut_px * 4 > containing_block.width:
            break
        narrower = _line(context, linebox, position_y, args, narrower_by=cut_px)
        if narrower[0] is None or narrower[1] is None:
            continue
        last, beyond = ahead(position_y + narrower[0].height, narrower[1])
        if last is not None and beyond is None and not is_runt(_line_text(last)):
            return narrower
    return None


def _link(linebox):
    """Note on each text box of a line box the characters just before and after it (once)."""
    if not getattr(linebox, "_zh_linked", False) and is_cjk_lang(linebox.style["lang"]):
        linebox._zh_linked = True
        previous = None
        for leaf in _leaves(linebox):
            if leaf is None:
                previous = None
                continue
            leaf._zh_previous = previous.text[-1] if previous else None
            leaf._zh_next = None
            if previous:
                previous._zh_next = leaf.text[0]
            previous = leaf


def _split_text_box(context, box, available_width, skip, is_line_start=True):
    """Make the neighbours of the box known to the layouts made while splitting it."""
    global _box_context
    text = box.text.encode()[skip or 0:].decode()
    # At a line start the character before is on the line above: it does not count. (Without
    # available_width, remove_last_whitespace is calling: is_line_start is then meaningless.)
    line_start = skip or (is_line_start and available_width is not None)
    previous = None if line_start else getattr(box, "_zh_previous", None)
    _box_context = (text, previous, getattr(box, "_zh_next", None))
    try:
        new_box, resume, preserved = _originals["split_text_box"](
            context, box, available_width, skip, is_line_start)
    finally:
        _box_context = None
    if new_box is not None:
        new_box.width = _width(new_box.pango_layout, new_box.width)
    return new_box, resume, preserved


def _can_break_text(text, lang):
    """Between two inline boxes, WeasyPrint asks Pango about their two touching characters:
    the same UAX #14 exceptions as in _set_text."""
    if not may_break_between(text, lang):
        return False
    return _originals["inline_can_break_text"](text, lang)


def _inline_line_widths(context, box, *args, **kwargs):
    """Min- and max-content widths (tables, floats, inline blocks): the text boxes of a line box
    learn their neighbours, as in _get_next_linebox, for _preferred_can_break_text."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox):
        _link(box)
    return _originals["inline_line_widths"](context, box, *args, **kwargs)


def _preferred_can_break_text(text, lang):
    """WeasyPrint's inline_line_widths asks whether a line may break after a text box with the
    box's last character and an "a" standing for the next one (its own TODO); the caller's
    `child` is that text box (the guard holds inline_line_widths's source to the one read here).
    Ask with the real next character, under the same rules as _can_break_text, so that kinsoku
    holds in min-content widths too: 好。 is not split in a table cell."""
    child = sys._getframe(1).f_locals.get("child")
    following = getattr(child, "_zh_next", None)
    if following and len(text) == 2 and text[1] == "a":
        text = text[0] + following
    return _can_break_text(text, lang)


# --- Justification ------------------------------------------------------------------------------

def _text_align(context, line, available_width, last):
    available_width += _narrowed  # a line set narrower (_avoid_runt) is still justified to the full width
    style = line.style
    align = style["text_align_all"]
    if last and style["text_align_last"] != "auto":
        align = style["text_align_last"]
    if (align != "justify" or style["white_space"] not in ("normal", "nowrap", "pre-line")
            or style["direction"] != "ltr" or not is_cjk_lang(style["lang"])):
        return _originals["text_align"](context, line, available_width, last)
    leaves = list(_leaves(line))
    if not any(leaf is not None and HAS_CJK_RE.search(leaf.text) for leaf in leaves):
        return _originals["text_align"](context, line, available_width, last)
    _justify(context, line, leaves, available_width)
    return 0


def _justify(context, line, leaves, available_width):
    """Share the line's slack equally among the gaps between its characters."""
    from copy import copy

    from weasyprint.text.ffi import TO_UNITS
    from weasyprint.text.line_break import Layout, line_size

    # Neighbours inside this line only: nothing before its first character, nothing after its
    # last (the layout-time context could point to the next line).
    contexts = {}
    for number, leaf in enumerate(leaves):
        if leaf is not None:
            before = leaves[number - 1] if number else None
            after = leaves[number + 1] if number + 1 < len(leaves) else None
            contexts[id(leaf)] = (leaf.text, before.text[-1] if before else None,
                                  after.text[0] if after else None)

    def spacing(leaf, justification):
        """Letter-spacing _set_text will add to the leaf's text, in Pango units."""
        if not spaced(leaf.style):
            return 0
        _, gaps = plan(*contexts[id(leaf)], leaf.style["font_size"], justification, True)
        return sum(round(lead * TO_UNITS) + round(trail * TO_UNITS) for lead, trail in gaps.values())

    # 1. Natural widths: the layout-time ones, or new ones where the context was different
    # (a quarter em after the line's last character, for one).
    natural = {}
    for leaf in filter(None, leaves):
        if not spaced(leaf.style):
            continue
        if getattr(leaf.pango_layout, "_zh_effective", None) != contexts[id(leaf)]:
            layout = Layout(leaf.style)
            layout._zh = (*contexts[id(leaf)], 0)
            layout.set_text(leaf.text, justify=True)
            first_line, _ = layout.get_first_line()
            width, _ = line_size(first_line, leaf.style)
            layout.deactivate()
            natural[id(leaf)] = layout, _width(layout, width)
        else:
            natural[id(leaf)] = leaf.pango_layout, leaf.width

    # 2. The justification: the slack over the gaps. With 1 px per gap, each gap adds
    # TO_UNITS to the spacing: that counts the gaps exactly as _set_text will fill them.
    gaps = sum(spacing(leaf, 1) - spacing(leaf, 0) for leaf in filter(None, leaves)) / TO_UNITS
    extra = available_width - line.width + sum(
        leaf.width - natural[id(leaf)][1] for leaf in filter(None, leaves) if id(leaf) in natural)
    justification = extra / gaps if gaps and extra > 0 else 0

    # 3. Each text box's layout gets the justification, drawn by _set_text/_get_first_line,
    # which make the width exactly the natural one plus the spacing; what follows moves right.
    by_id = {id(leaf): leaf for leaf in leaves if leaf is not None}
    new = {}
    for key, (layout, width) in natural.items():
        leaf = by_id[key]
        if justification:
            layout = copy(layout)
            layout._zh, layout.text = (*contexts[key], justification), leaf.text
            width += (spacing(leaf, justification) - spacing(leaf, 0)) / TO_UNITS
        if layout is not leaf.pango_layout:
            new[key] = layout, width
    if new:
        _shift(line, new, 0)


def _shift(box, new, x_advance):
    """WeasyPrint's add_word_spacing, with the widths of the text boxes given."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        if id(box) in new:
            box.pango_layout, width = new[id(box)]
            x_advance += width - box.width
            box.width = width
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _shift(child, new, x_advance)
        box.width += x_advance - before
    else:
        box.translate(x_advance, 0)
    return x_advance


# --- Parts of one book --------------------------------------------------------------------------

def _font_clean(self, to_unicode, hinting):
    """For each of our font subsets (hooks.font_programs), embed a placeholder (font_placeholder)
    naming the full font and the glyphs this part draws with it, instead of the font program: the
    join embeds one program of that font for all parts, with the glyphs all of them draw. A part
    then costs no font compression and little disk, and WeasyPrint does not subset the font again
    per part. Widths and the ToUnicode map still come from the glyphs the part uses."""
    full_font = getattr(self, "_zhbook_full_font", None)  # set when cleaned before
    if full_font is None:
        full_font = hooks.font_programs.get(hashlib.sha256(self.file_content).hexdigest())
    if full_font is not None:
        self._zhbook_full_font = full_font
        # The first four bytes stay: WeasyPrint tells OpenType/CFF (OTTO) from TrueType by them.
        glyphs = {glyph: (self.widths.get(glyph, 0), text) for glyph, text in to_unicode.items()
                  if glyph < self.glyph_count}  # not the missing characters' made-up numbers
        self.file_content = self.file_content[:4] + font_placeholder(full_font, glyphs)
        return
    _originals["font_clean"](self, to_unicode, hinting)


def font_placeholder(full_font: str, glyphs: dict[int, tuple[float, str]]) -> bytes:
    """FONT_PLACEHOLDER, the full font's sha256, the glyph count, and for the glyphs the part draws
    (in order): their numbers (2 bytes each), widths (the PDF's thousandths of an em, 8-byte floats;
    both in this machine's byte order, like the cache that keeps them)
    and the text each stands for (UTF-8, NUL after each). Binary: the join reads one per part and font."""
    order = sorted(glyphs)
    return (FONT_PLACEHOLDER + full_font.encode() + struct.pack(">I", len(order))
            + array.array("H", order).tobytes() + array.array("d", (glyphs[g][0] for g in order)).tobytes()
            + b"".join(glyphs[g][1].encode() + b"\0" for g in order))


def read_font_placeholder(data: bytes) -> tuple[str, dict[int, tuple[float, str]]] | None:
    """(full font's sha256, glyphs) of a font program that is a placeholder (font_placeholder), else None."""
    if not data[4:].startswith(FONT_PLACEHOLDER):
        return None
    rest = data[4 + len(FONT_PLACEHOLDER):]
    full_font, (count,) = rest[:64].decode(), struct.unpack(">I", rest[64:68])
    numbers, widths = array.array("H"), array.array("d")
    numbers.frombytes(rest[68:68 + 2 * count])
    widths.frombytes(rest[68 + 2 * count:68 + 10 * count])
    texts = rest[68 + 10 * count:].decode().split("\0")
    return full_font, dict(zip(numbers, zip(widths, texts)))


def _make_margin_boxes(context, page, state):
    """The page counter shown in the margin boxes, offset by hooks.page_offset(pages), asked once
    (layout_document lays out all pages before their margin boxes)."""
    hook = hooks.page_offset
    if hook is None:
        return _originals["make_margin_boxes"](context, page, state)
    offset = getattr(context, "_zhbook_offset", None)
    if offset is None:
        offset = context._zhbook_offset = hook(len(context.page_maker) - 1)
    # state: (quote depth, counter values, counter scopes, page groups); only "page" changes.
    counter_values = dict(state[1], page=[value + offset for value in state[1]["page"]])
    return _originals["make_margin_boxes"](context, page, (state[0], counter_values, *state[2:]))


@contextmanager
def page_offset(hook: Callable[[int], int]):
    """hook(pages) gives the pages before the document rendered inside this block."""
    hooks.page_offset = hook
    try:
        yield
    finally:
        hooks.page_offset = None


def links_to_other_parts(anchors: dict[str, int]):
    """A write_pdf finisher. WeasyPrint drops a link whose anchor is not in its document; ours may
    be in another part. Keep them as links to named destinations, which the joined PDF holds for
    every part."""
    def finisher(document, pdf):
        import pydyf

        kids = pdf.pages["Kids"][::3]
        for number, page in enumerate(document.pages):
            for link_type, target, rectangle, _box in page.links:
                if link_type != "internal" or target in anchors:
                    continue
                x1, y1, x2, y2 = rectangle
                height = page.height
                annotation = pydyf.Dictionary({
                    "Type": "/Annot", "Subtype": "/Link", "BS": pydyf.Dictionary({"W": 0}),
                    "Rect": pydyf.Array([x1 * 0.75, (height - y1) * 0.75, x2 * 0.75, (height - y2) * 0.75]),
                    "Dest": pydyf.String(target)})
                pdf.add_object(annotation)
                page_object = pdf.objects[kids[number]]
                if "Annots" not in page_object:
                    page_object["Annots"] = pydyf.Array()
                page_object["Annots"].append(annotation.reference)
    return finisher


def fold_transparent_elements(document, pdf) -> None:
    """A write_pdf finisher. WeasyPrint tags each text box (a line, or the part of one in another
    face) as a /Span structure element holding its one marked-content id, and anonymous boxes as
    /NonStruct groups: together half of a tagged book's objects and a sixth of its size. Neither
    says anything its parent does not (ISO 32000 14.8.4: NonStruct content is as if its parent's),
    so the parent (P, H1, LBody …) takes their kids itself, as the structure tree allows, and they
    are freed. Elements of margin boxes (WeasyPrint keeps them out of the tree), with attributes,
    or whose marked content is on another page than their parent's stay."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    objects = pdf.objects

    def at(reference: bytes):
        return objects[int(reference.split()[0])]

    folded: dict[bytes, bytes] = {}  # a freed element's reference → its parent's
    for element in list(objects):  # parents before their kids: WeasyPrint adds them in that order
        if not isinstance(element, dict) or element.get("Type") != "/StructElem" or "P" not in element:
            continue
        kids = element["K"]
        marked = [kid for kid in kids if isinstance(kid, int)]
        if element.get("S") == "/Span":
            if len(kids) != 1 or not marked:
                continue  # a span of the document (<span>), not a text box's
        elif element.get("S") != "/NonStruct" or set(element) - {"Type", "S", "K", "P", "Pg"}:
            continue
        parent = at(element["P"])
        if element.reference not in parent.get("K", ()) or (marked and parent.get("Pg") != element.get("Pg")):
            continue
        index = parent["K"].index(element.reference)
        parent["K"][index:index + 1] = kids
        for kid in kids:
            if isinstance(kid, bytes) and at(kid).get("Type") == "/StructElem":  # not a link's OBJR
                at(kid)["P"] = element["P"]
        folded[element.reference] = element["P"]
        element.free = "f"

    def owner(reference):
        while reference in folded:
            reference = folded[reference]
        return reference

    numbers = at(at(pdf.catalog["StructTreeRoot"])["ParentTree"])["Nums"]
    for index in range(1, len(numbers), 2):
        entry = numbers[index]
        if isinstance(entry, list):
            entry[:] = [owner(reference) for reference in entry]
        else:
            numbers[index] = owner(entry)


_TEXT_ARRAY = re.compile(rb"\[(.*)\] TJ", re.S)
_TEXT_ARRAY_ITEM = re.compile(rb"<([0-9a-f]*)>|(-?[0-9.]+(?:e[-+]?[0-9]+)?)|(\S)")
_FONT_SIZE = re.compile(rb"/\S+ (\S+) Tf")


def spacing_as_character_spacing(document, pdf) -> None:
    """A write_pdf finisher. A justified Chinese line spreads its extra space evenly between its
    characters; WeasyPrint writes that as a number after every glyph of the line's TJ array
    ("<gggg>-57<gggg>-57…"), which makes the text a quarter of the PDF's content and a ninth of its
    size. The number most glyphs take becomes the text object's character spacing (Tc), which PDF
    adds after every glyph, and only the glyphs that move otherwise keep a number: each glyph, and the
    position after the array, lands exactly where WeasyPrint put it. Tc is set back to 0 after the
    array. An array that would not get shorter stays as it is."""
    for stream in pdf.objects:
        chunks = getattr(stream, "stream", None)
        if not isinstance(chunks, list):
            continue
        size = None
        for index, chunk in enumerate(chunks):
            if not isinstance(chunk, bytes):
                continue
            if chunk.endswith(b" Tf"):
                match = _FONT_SIZE.fullmatch(chunk)
                size = float(match.group(1)) if match else None
            elif chunk.endswith(b"] TJ") and size not in (None, 1.0):  # 1: a bitmap font's two-digit glyphs
                chunks[index] = _with_character_spacing(chunk, size)


def _with_character_spacing(chunk: bytes, size: float) -> bytes:
    match = _TEXT_ARRAY.fullmatch(chunk)
    if match is None:
        return chunk
    glyphs: list[bytes] = []
    moves: list[float] = []  # after each glyph, the TJ number (thousandths of an em, to the left)
    lead = 0.0  # a number before the first glyph
    for item in _TEXT_ARRAY_ITEM.finditer(match.group(1)):
        glyph_run, number, other = item.groups()
        if other is not None or (glyph_run is not None and len(glyph_run) % 4):
            return chunk  # not an array as WeasyPrint writes them: left alone
        if glyph_run is not None:
            for start in range(0, len(glyph_run), 4):
                glyphs.append(glyph_run[start:start + 4])
                moves.append(0.0)
        elif moves:
            moves[-1] += float(number)
        else:
            lead += float(number)
    if len(glyphs) < 3:
        return chunk
    common = max(set(moves[:-1]), key=moves[:-1].count)
    if common == 0:
        return chunk
    parts = [_number(lead)] if lead else []
    run = b""
    for glyph, move in zip(glyphs, moves):
        run += glyph
        if move != common:
            parts.append(b"<" + run + b">" + _number(move - common))
            run = b""
    if run:
        parts.append(b"<" + run + b">")
    rewritten = _number(-common * size / 1000) + b" Tc [" + b"".join(parts) + b"] TJ 0 Tc"
    return rewritten if len(rewritten) < len(chunk) else chunk


def _number(value: float) -> bytes:
    return (f"{value:.6f}".rstrip("0").rstrip(".") or "0").encode()


# --- Install ------------------------------------------------------------------------------------

_REPLACEMENTS = {
    "set_text": _set_text, "get_first_line": _get_first_line, "get_next_linebox": _get_next_linebox,
    "split_text_box": _split_text_box, "inline_can_break_text": _can_break_text,
    "preferred_can_break_text": _preferred_can_break_text, "inline_line_widths": _inline_line_widths,
    "text_align": _text_align, "font_clean": _font_clean, "make_margin_boxes": _make_margin_boxes,
}


def _where(dotted: str):
    """The object holding the attribute a dotted name ends with, and that attribute's name."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1]
    raise ImportError(dotted)


def source_digest(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def check() -> None:
    """The guard: raise BookError unless WeasyPrint is the version, and every function replaced
    or relied on has the source, that this module was written for."""
    weasyprint = load()
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise BookError(
            f"zhbook.pdf.weasyprint patches WeasyPrint {WEASYPRINT_VERSION} internals, but WeasyPrint "
            f"{weasyprint.__version__} is installed: pin weasyprint=={WEASYPRINT_VERSION}, or check the "
            "patched functions against the new source and update WEASYPRINT_VERSION and the hashes")
    for short, (dotted, digest) in {**REPLACED, **RELIED_ON}.items():
        owner, name = _where(dotted)
        function = _originals.get(short) or getattr(owner, name)
        if source_digest(function) != digest:
            raise BookError(
                f"zhbook.pdf.weasyprint replaces or relies on {dotted}, whose source is not the one the "
                f"patch was written for (WeasyPrint {WEASYPRINT_VERSION}): re-read it against the patch, "
                "then record its new sha256 in zhbook/pdf/weasyprint.py")


def install() -> None:
    """Make every change (idempotent), after the guard: all or nothing."""
    missing = [short for short in REPLACED if short not in _originals]
    if not missing:
        return
    check()
    from weasyprint.text.ffi import ffi, pango

    try:
        pango.pango_attr_allow_breaks_new
    except AttributeError:  # in Pango since 1.44, not declared by WeasyPrint
        ffi.cdef("PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);")
    for short in missing:
        owner, name = _where(REPLACED[short][0])
        _originals[short] = getattr(owner, name)
        setattr(owner, name, _REPLACEMENTS[short])


def uninstall(names=None) -> None:
    """Undo install(): every change, or those named (short names, e.g. TYPESETTING, for
    measurements). The cffi declaration stays: cffi cannot take it back, and WeasyPrint does not
    use it."""
    for short in list(REPLACED) if names is None else names:
        if short in _originals:
            owner, name = _where(REPLACED[short][0])
            setattr(owner, name, _originals.pop(short))


def installed() -> bool:
    return bool(_originals)
