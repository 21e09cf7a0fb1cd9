"""The page CSS of the PDF, made from the book's design (book.toml's [pdf], zhbook.model.PdfDesign):
the trim size, the type area (版心) and its margins, the body size and line height, the running
heads and folios, and where the parts break (zhbook.pdf.plan). styles/pdf.css keeps what does not
depend on the settings. The CSS is part of the stylesheet the part cache keys on, so a part set on
one page is never taken for another.

The type area is a whole number of characters wide (clreq): N = floor(room / body size), where
room is the page width less the inner and outer margins asked for; a line of Han characters then
fills it with no added space. What a whole character does not fill goes back to the margins, split
between inner and outer in the ratio they were asked in, so the page keeps its designed proportions
(the spine margin stays the wider one by the same factor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model import PdfDesign
from .plan import break_before

PT_PER_MM = 72 / 25.4
HEAD_SIZE = "8pt"  # running heads and folios, smaller than the text
HEAD_COLOR = "#444"
MARGIN_BOXES = ("top-left", "top-right", "bottom-left", "bottom-center", "bottom-right")
# A left-hand page shows its verso part's first page as one (see zhbook.pdf.part).
VERSO_CSS = "html { break-before: left; }"


@dataclass(frozen=True)
class TypeArea:
    chars: int  # characters of the body size on a full line
    width: float  # pt, chars × body size
    inner: float  # pt, the margins that give it
    outer: float
    top: float
    bottom: float


def type_area(design: PdfDesign) -> TypeArea:
    margins = design.margins
    room = (design.width - margins.inner - margins.outer) * PT_PER_MM
    chars = math.floor(room / design.font_size + 1e-9)
    width = chars * design.font_size
    spare = room - width
    asked = margins.inner + margins.outer
    share = margins.inner / asked if asked else 0.5
    inner = margins.inner * PT_PER_MM + spare * share
    # The outer margin is rounded down to a thousandth of a point, so the box is never narrower
    # than the characters it holds.
    outer = math.floor((design.width * PT_PER_MM - inner - width) * 1000) / 1000
    return TypeArea(chars=chars, width=width, inner=round(inner, 3), outer=outer,
                    top=margins.top * PT_PER_MM, bottom=margins.bottom * PT_PER_MM)


def _box(name: str, content: str) -> str:
    color = f" color: {HEAD_COLOR};" if "string(" in content else ""  # a running head, not a folio alone
    return f"@{name} {{ content: {content}; font-size: {HEAD_SIZE};{color} }}"


def _none(*names: str) -> str:
    return " ".join(f"@{name} {{ content: none; }}" for name in names)


def page_css(design: PdfDesign, with_cover: bool = True) -> str:
    area = type_area(design)
    brk = break_before(design.openings)
    head = {"right": "string(chapter-title)", "left": "string(book-title)"} if design.running_heads else {}
    folio_box = {"foot": {"right": "bottom-center", "left": "bottom-center"},
                 "outside": {"right": "bottom-right", "left": "bottom-left"},
                 "head": {"right": "top-right", "left": "top-left"}}[design.folio]
    gap = '"\u3000\u3000"'

    def boxes(side: str, counter: str, heads: bool) -> list[str]:
        """The margin boxes of a page of this side: running head (if heads) and folio."""
        out, head_box = [], f"top-{side}"
        text = head.get(side) if heads else None
        if folio_box[side] == head_box:
            parts = [text, counter] if side == "right" else [counter, text]
            out.append(_box(head_box, f" {gap} ".join(p for p in parts if p)))
        else:
            if text:
                out.append(_box(head_box, text))
            out.append(_box(folio_box[side], counter))
        return out

    m = f"{area.top:.3f}pt {area.outer:.3f}pt {area.bottom:.3f}pt {area.inner:.3f}pt"
    lines = [
        f"/* zhbook.pdf.page: {design.page}, type area {area.chars} × {design.font_size:g} pt = "
        f"{area.width:g} pt ({area.width / PT_PER_MM:.1f} mm); parts open: {design.openings} */",
        f"@page {{ size: {design.width:g}mm {design.height:g}mm; margin: {m}; }}",
    ]
    for side in ("right", "left"):
        left, right = (area.inner, area.outer) if side == "right" else (area.outer, area.inner)
        lines.append(f"@page :{side} {{ margin-left: {left:.3f}pt; margin-right: {right:.3f}pt; "
                     + " ".join(boxes(side, "counter(page)", True)) + " }")
    # No running head on a chapter's opening page (a folio at the head stays, alone); nothing on blank pages.
    for side in ("right", "left"):
        lines.append(f"@page :nth(1 of chapter):{side} {{ {_none('top-left', 'top-right')} "
                     + " ".join(boxes(side, "counter(page)", False)) + " }")
    lines.append(f"@page :blank {{ {_none(*MARGIN_BOXES)} }}")
    # Front matter: roman folios, no running heads; the title page (its first page) shows no folio.
    for side in ("right", "left"):
        lines.append(f"@page front:{side} {{ {_none('top-left', 'top-right')} "
                     + " ".join(boxes(side, "counter(page, lower-roman)", False)) + " }")
    lines.append(f"@page :nth(1 of front) {{ {_none(*MARGIN_BOXES)} }}")
    lines.append(f"html {{ font-size: {design.font_size:g}pt; line-height: {design.line_height:g}; }}")
    if with_cover:
        lines.append(f"@page cover {{ margin: 0; {_none(*MARGIN_BOXES)} }}")
        lines.append(f".cover-page {{ page: cover; break-after: {brk}; }}")
        lines.append(f".cover-page img {{ display: block; width: {design.width:g}mm; height: {design.height:g}mm; "
                     "object-fit: cover; }")
    # Where the parts break: zhbook.pdf.plan, which the join and the page numbers follow too.
    lines.append(f".front > .contents {{ break-before: {brk}; }}")
    lines.append(f".chapter {{ break-before: {brk}; }}")
    return "\n".join(lines) + "\n"
