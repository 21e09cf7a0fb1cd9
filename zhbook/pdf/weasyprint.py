"""Chinese typesetting for WeasyPrint 70.0: inter-character justification, punctuation
compression, CJK–Latin spacing and a few line-breaking (kinsoku) fixes, as one contained patch.

Public API: `install()` (idempotent; raises RuntimeError unless weasyprint.__version__ is
`WEASYPRINT_VERSION`), `uninstall()`, `WEASYPRINT_VERSION`.

What is affected:
- Justification: lines of elements with `text-align: justify` whose `lang` is Chinese or Japanese
  (zh*, ja*) and that contain a CJK character. Every gap next to a CJK character, and after a
  space, gets an equal share of the slack; not the gap after the line's last character, not
  inside —— or ……, not inside punctuation pairs, not at the CJK–Latin gaps. Last lines stay as
  they are (text-align-last). Other lines: WeasyPrint's own justification.
- Compression and CJK–Latin spacing: all text whose `lang` is Chinese or Japanese (headings too),
  except white-space: pre/pre-wrap. Pairs of full-width punctuation take 1.5 em: 。” ”， ）。
  lose the right half of the first mark, ，“ （“ ”（ the left half of the opening one (OpenType
  `halt`). Ideographs next to Latin letters or digits get a quarter em (letter-spacing, no space
  character is inserted).

How (WeasyPrint 70.0 functions replaced, each calling the original):
- `text.line_break.Layout.set_text`: adds Pango attributes per character: `halt`,
  letter-spacing for the spaces wanted, allow_breaks=false where UAX #14 breaks but Chinese must
  not (a space before ” ’ …… or a nonstarter; an opening mark and a space).
- `text.line_break.Layout.get_first_line`: Pango letter-spacing puts half the space before the
  character and half after, and drops the outer halves at line ends; this puts each space exactly
  where it was wanted, in the laid-out glyph widths, before WeasyPrint measures or draws the line.
- `layout.inline.get_next_linebox`, `layout.inline.split_text_box`: give each text layout the
  characters just before and after its box (`<b>30</b>天`, `好。</b>”`), so spacing and
  compression also work across inline elements, during line breaking already.
- `layout.inline.can_break_text`: the same kinsoku rules between two inline boxes.
- `layout.inline.text_align`: the justification above (WeasyPrint's `justify_line` only
  stretches U+0020 and U+00A0, so Chinese stays ragged).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate

WEASYPRINT_VERSION = "70.0"

AUTOSPACE_EM = 0.25  # CJK–Latin gap, in em of the text's font size

# Full-width punctuation with its ink on one side of the em box: `halt` halves those.
# Closing marks (ink on the left) lose their right half; opening ones (ink right) their left half.
CLOSING = "，。、；：？！）」』》”’〕】〉〗〙］｝"
OPENING = "（「『《“‘〔【〈〖〘［｛"
PUNCTUATION = CLOSING + OPENING
_CJK_LANGS = ("zh", "ja", "cmn", "yue")

# Ideographs and kana (not punctuation) next to Latin letters or digits get the quarter em.
_IDEOGRAPH = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_ALNUM = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_AUTOSPACE = re.compile(f"[{_IDEOGRAPH}](?=[{_ALNUM}])|[{_ALNUM}](?=[{_IDEOGRAPH}])")
_COMPRESS_FIRST = re.compile(f"[{CLOSING}](?=[{CLOSING}])")  # 。” ”， ）。: the first one
_COMPRESS_SECOND = re.compile(f"(?<=[{PUNCTUATION}])[{OPENING}]")  # ，“ （“ ”（: the opening one
_NO_BREAK = re.compile(f"[ \u00a0]+[{CLOSING}…‥]|[{OPENING}][ \u00a0]+.")
_HAS_CJK = re.compile(f"[{_IDEOGRAPH}{PUNCTUATION}\u3000-\u303f\uff00-\uffef]")

_original = {}  # name -> original function, while installed
_box_context = None  # (text, previous char, next char) of the text box being split


@lru_cache(maxsize=4096)
def _wide(char):
    """Characters that take a full em in Chinese text: justification may widen the gaps at them."""
    return unicodedata.east_asian_width(char) in "WF" or char in "“”‘’…—·"


@lru_cache(maxsize=65536)
def _opportunity(char, following):
    """Is the gap between two characters a justification opportunity?"""
    if following in " \u00a0":
        return False  # the space after a space is the opportunity, not the one before it
    if char in " \u00a0":
        return True
    if char in PUNCTUATION and following in PUNCTUATION:
        return False  # compressed pairs stay tight
    if _AUTOSPACE.match(char + following):
        return False  # 30天: the quarter em only, so that text extraction keeps "30天" together
    if char == following and char in "—…":
        return False  # —— and …… are one mark each
    if not (_safe(char) or _safe(following)):
        return False  # —— next to a digit, say: no character may carry the space
    return _wide(char) or _wide(following)


def _is_cjk_lang(style):
    lang = (style["lang"] or "").lower()
    return lang.startswith(_CJK_LANGS)


def _spaced(style):
    """Does _set_text add spacing (CJK–Latin, justification) to text of this style?"""
    return (_is_cjk_lang(style) and style["white_space"] not in ("pre", "pre-wrap", "break-spaces")
            and style["letter_spacing"] == "normal" and not style["word_spacing"])


# --- Layout.set_text / Layout.get_first_line ----------------------------------------------------

def _set_text(self, text, justify=False):
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    style = self.style
    if not _is_cjk_lang(style) or style["white_space"] in ("pre", "pre-wrap", "break-spaces"):
        self._zh_fix = None
        return _original["set_text"](self, text, justify)

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
    _original["set_text"](self, text, justify)

    text = self.text
    if full_text is not None and text != full_text:
        following = None  # a shorter text: the line breaks after it
    self._zh_effective = (text, previous, following)
    self._zh_fix, self._zh_delta = None, 0
    if not text:
        return
    halts, gaps = _plan(text, previous, following, style["font_size"],
                        justification if justify else 0, _spaced(style))
    # UAX #14 breaks after a space even before ” ’ …… or a CJK nonstarter (LB18 comes before
    # LB19/LB21/LB22), and after an opening mark followed by a space. Not in Chinese.
    start = 1 if previous else 0
    no_breaks = [(max(m.start() - start, 0), m.end() - start)
                 for m in _NO_BREAK.finditer((previous or "") + text)]
    if not (halts or gaps or no_breaks):
        return
    offsets = list(accumulate(map(len, map(str.encode, text)), initial=0))  # UTF-8 indexes
    attributes = pango.pango_layout_get_attributes(self.layout)
    for first, end in no_breaks:
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


@lru_cache(maxsize=4096)
def _safe(char):
    """Can this character carry letter-spacing? Letter-spacing splits Pango's shaping runs, which
    would break Latin kerning and ligatures and the one-glyph —— and …… of CJK fonts."""
    return char in " \u00a0" or (_wide(char) and char not in "—…")


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


@lru_cache(maxsize=1024)  # the justification asks for each line what drawing will ask again
def _plan(text, previous, following, font_size, justification, spacing):
    """Which characters get `halt` (indexes), and the space wanted before and after characters
    ({index: [lead, trail]}, px). Cached: the caller must not change them."""
    halts = [m.start() for m in _COMPRESS_FIRST.finditer(text)]
    halts += [m.start() for m in _COMPRESS_SECOND.finditer(text)]
    if following and text[-1] in CLOSING and following in CLOSING:
        halts.append(len(text) - 1)
    if previous and text[0] in OPENING and previous in PUNCTUATION:
        halts.append(0)
    gaps = {}
    if spacing:
        chars = (previous or "") + text + (following or "")
        start = 1 if previous else 0  # index of text[0] in chars

        def add(k, amount):  # space between chars[k] and chars[k + 1]
            # Held by the character before the gap if it is safe, else by the one after: decided
            # from the two characters only, so two boxes sharing a gap agree on it.
            after = not _safe(chars[k])
            index = k + after - start
            if 0 <= index < len(text):
                gaps.setdefault(index, [0, 0])[0 if after else 1] += amount

        quarter = AUTOSPACE_EM * font_size
        for m in _AUTOSPACE.finditer(chars):
            add(m.start(), quarter)
        if justification:
            for k in range(len(chars) - 1):
                if _opportunity(chars[k], chars[k + 1]):
                    add(k, justification)
    return halts, gaps


def _get_first_line(self):
    """Put the letter-spacing asked for in set_text exactly before or after its character.

    Pango gives a character with letter-spacing s half of s on each side, and drops the half
    that falls outside the line. Here that is taken back, and the space wanted after a character
    is added to the width of its (last) glyph, the space wanted before it to the width of the glyph
    before; none at a line end Pango chose. Done once per Pango layout run, before WeasyPrint reads
    the line. Pango has cached the line's extents already: the width change is kept in _zh_delta,
    see _width()."""
    line, index = _original["get_first_line"](self)
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
    """Text boxes and atomic boxes of a line, in order (None stands for a non-text leaf)."""
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if isinstance(child, boxes.TextBox):
            if child.text:
                yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _leaves(child)
        elif child.is_in_normal_flow():
            yield None


def _get_next_linebox(context, linebox, *args, **kwargs):
    """Note on each text box of a paragraph the characters just before and after it."""
    if not getattr(linebox, "_zh_linked", False) and _is_cjk_lang(linebox.style):
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
    return _original["get_next_linebox"](context, linebox, *args, **kwargs)


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
        new_box, resume, preserved = _original["split_text_box"](
            context, box, available_width, skip, is_line_start)
    finally:
        _box_context = None
    if new_box is not None:
        new_box.width = _width(new_box.pango_layout, new_box.width)
    return new_box, resume, preserved


def _can_break_text(text, lang):
    """Between two inline boxes, WeasyPrint asks Pango about their two touching characters:
    the same UAX #14 exceptions as in _set_text."""
    if (len(text) == 2 and lang and lang.lower().startswith(_CJK_LANGS)
            and _NO_BREAK.fullmatch(text)):
        return False
    return _original["can_break_text"](text, lang)


# --- Justification ------------------------------------------------------------------------------

def _text_align(context, line, available_width, last):
    style = line.style
    align = style["text_align_all"]
    if last and style["text_align_last"] != "auto":
        align = style["text_align_last"]
    if (align != "justify" or style["white_space"] not in ("normal", "nowrap", "pre-line")
            or style["direction"] != "ltr" or not _is_cjk_lang(style)):
        return _original["text_align"](context, line, available_width, last)
    leaves = list(_leaves(line))
    if not any(leaf is not None and _HAS_CJK.search(leaf.text) for leaf in leaves):
        return _original["text_align"](context, line, available_width, last)
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
        if not _spaced(leaf.style):
            return 0
        _, gaps = _plan(*contexts[id(leaf)], leaf.style["font_size"], justification, True)
        return sum(round(lead * TO_UNITS) + round(trail * TO_UNITS) for lead, trail in gaps.values())

    # 1. Natural widths: the layout-time ones, or new ones where the context was different
    # (a quarter em after the line's last character, for one).
    natural = {}
    for leaf in filter(None, leaves):
        if not _spaced(leaf.style):
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


# --- Install ------------------------------------------------------------------------------------

def install():
    """Patch WeasyPrint (idempotent). Raises RuntimeError for any other WeasyPrint version."""
    import weasyprint
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise RuntimeError(
            f"zhbook.justify patches WeasyPrint {WEASYPRINT_VERSION} internals, but WeasyPrint "
            f"{weasyprint.__version__} is installed: check the patched functions against the new "
            f"source and update WEASYPRINT_VERSION, or pin weasyprint=={WEASYPRINT_VERSION}")
    if _original:
        return
    from weasyprint.text.ffi import ffi, pango
    try:
        pango.pango_attr_allow_breaks_new
    except AttributeError:  # in Pango since 1.44, not declared by WeasyPrint
        ffi.cdef("PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);")
    _original.update(
        set_text=line_break.Layout.set_text, get_first_line=line_break.Layout.get_first_line,
        get_next_linebox=inline.get_next_linebox, split_text_box=inline.split_text_box,
        can_break_text=inline.can_break_text, text_align=inline.text_align)
    line_break.Layout.set_text = _set_text
    line_break.Layout.get_first_line = _get_first_line
    inline.get_next_linebox = _get_next_linebox
    inline.split_text_box = _split_text_box
    inline.can_break_text = _can_break_text
    inline.text_align = _text_align


def uninstall():
    """Undo install() (for tests and measurements)."""
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    if not _original:
        return
    line_break.Layout.set_text = _original["set_text"]
    line_break.Layout.get_first_line = _original["get_first_line"]
    inline.get_next_linebox = _original["get_next_linebox"]
    inline.split_text_box = _original["split_text_box"]
    inline.can_break_text = _original["can_break_text"]
    inline.text_align = _original["text_align"]
    _original.clear()
