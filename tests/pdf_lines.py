"""Lines of set text read back from a PDF (pdfplumber character positions), and the clreq
measurements made on them: justification, kinsoku, punctuation pairs, CJK–Latin gaps.

Shared by tests/pdf/test_layout.py (WeasyPrint renders of test paragraphs) and tests/pdf/test_pdf.py
(the book).
A line is a list of pdfplumber chars, left to right; a paragraph is a list of lines.
"""

from __future__ import annotations

import io
import re
import statistics

import pdfplumber

CLOSING = "，。、；：？！）」』》”’〕】〉"
OPENING = "（「『《“‘〔【〈"
IDEOGRAPH = re.compile("[\u3400-\u9fff]")
ALNUM = re.compile("[0-9A-Za-z]")


def page_rows(page, keep=lambda char: True) -> list[list[dict]]:
    """The page's lines, top to bottom: the kept chars grouped by baseline, left to right."""
    rows: dict[float, list[dict]] = {}
    for char in page.chars:
        if keep(char):
            rows.setdefault(round(char["matrix"][5], 1), []).append(char)  # by baseline
    return [sorted(rows[baseline], key=lambda char: char["x0"]) for baseline in sorted(rows, reverse=True)]


def pdf_rows(pdf: bytes) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [row for page in document.pages for row in page_rows(page)]


def text_of(line: list[dict]) -> str:
    return "".join(char["text"] for char in line)


def group_paragraphs(rows: list[list[dict]], paragraphs: list[str], skip=lambda row: False) -> list[list[list[dict]]]:
    """Split rows into the given paragraphs (plain text, in order): each paragraph's lines must
    hold exactly its text (spaces aside, a line end drops them). Rows for which skip(row) is true
    between paragraphs (headings, say) are passed over."""
    grouped, index = [], 0
    for paragraph in paragraphs:
        target, text, own = paragraph.replace(" ", ""), "", []
        while index < len(rows) and not own and skip(rows[index]):
            index += 1
        while len(text) < len(target) and index < len(rows):
            own.append(rows[index])
            text += text_of(rows[index]).replace(" ", "")
            index += 1
        assert text == target, f"the PDF text differs from the source:\n{text}\n{target}"
        grouped.append(own)
    return grouped


def non_final_lines(grouped) -> list[list[dict]]:
    return [line for paragraph in grouped for line in paragraph[:-1]]


def justification_gap(line: list[dict]) -> float:
    """The space justification put between two ideographs on this line (median, pt)."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:])
            if IDEOGRAPH.fullmatch(a["text"]) and IDEOGRAPH.fullmatch(b["text"])]
    return statistics.median(gaps) if gaps else 0.0


def flush_misses(lines, right_edge, tolerance: float) -> list[str]:
    """Lines that do not end within tolerance (pt) of their right edge (a number, or a function
    of the line)."""
    edge = right_edge if callable(right_edge) else (lambda line: right_edge)
    return [f"{line[-1]['x1'] - edge(line):+.2f} pt {text_of(line)}" for line in lines
            if abs(line[-1]["x1"] - edge(line)) > tolerance]


def kinsoku_faults(grouped) -> list[str]:
    """Lines starting with closing punctuation, ending with opening punctuation, or splitting
    —— or …… across a line end."""
    faults = []
    for paragraph in grouped:
        for number, line in enumerate(paragraph):
            text = text_of(line)
            if number and text[0] in CLOSING + "…":
                faults.append(f"starts with {text[0]}: {text}")
            if number + 1 < len(paragraph):
                following = text_of(paragraph[number + 1])
                if text[-1] in OPENING:
                    faults.append(f"ends with {text[-1]}: {text}")
                if text[-1] in "—…" and following[0] == text[-1]:
                    faults.append(f"splits {text[-1] * 2}: {text} | {following}")
    return faults


def pairs(lines, em: float) -> list[tuple[float, str]]:
    """(width in em, the pair and the character after it) for each compressible pair on a line
    followed by a character that is not punctuation: from the pair's first glyph to the next
    character, less the line's justification after the pair."""
    found = []
    for line in lines:
        gap = justification_gap(line)
        for a, b, c in zip(line, line[1:], line[2:]):
            if (a["text"] in CLOSING and b["text"] in CLOSING or (
                    a["text"] in CLOSING + OPENING and b["text"] in OPENING)) and (
                    c["text"] not in CLOSING + OPENING + "…—"):
                justified = c["text"] != " "
                width = (c["x0"] - a["x0"] - (gap if justified else 0)) / em
                found.append((width, a["text"] + b["text"] + c["text"]))
    return found


def cjk_latin_gaps(lines, em: float) -> list[tuple[float, str, str]]:
    """(gap in em, the two characters, the line) at each ideograph next to a Latin letter or digit."""
    return [((b["x0"] - a["x1"]) / em, a["text"] + b["text"], text_of(line))
            for line in lines for a, b in zip(line, line[1:])
            if IDEOGRAPH.fullmatch(a["text"]) and ALNUM.fullmatch(b["text"])
            or ALNUM.fullmatch(a["text"]) and IDEOGRAPH.fullmatch(b["text"])]


LONE = re.compile(f"[{IDEOGRAPH.pattern[1:-1]}][{CLOSING}…—]*")


def body_rows(page, size: float, tolerance: float = 0.3) -> list[list[dict]]:
    """The page's lines of body text: characters of the given size (pt), superscripts and running
    heads, page numbers, footnotes and headings of other sizes left out."""
    return page_rows(page, lambda char: abs(char["size"] - size) < tolerance)


def paragraph_ends(pdf, size: float, flush: float = 0.5) -> list[tuple[str, str]]:
    """(line before, last line) of each paragraph of a PDF's body text (characters of `size` pt),
    read from the lines alone: every line of a justified paragraph but its last ends at the right
    edge of the text block (the rightmost line end of its page), so a line that ends short of it
    is a paragraph's last (or a short line of its own: a heading, a list item)."""
    ends = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            rows = [row for row in body_rows(page, size) if text_of(row).strip()]
            if not rows:
                continue
            edge = max(row[-1]["x1"] for row in rows)
            for number, row in enumerate(rows):
                if edge - row[-1]["x1"] > flush:
                    ends.append((text_of(rows[number - 1]) if number else "", text_of(row)))
    return ends


def lone_characters(ends) -> list[str]:
    """The paragraph ends (see paragraph_ends) whose last line is a lone ideograph (孤字), with or
    without its closing punctuation, after a line of text."""
    return [f"{before} | {last}" for before, last in ends if before and LONE.fullmatch(last.strip())]
