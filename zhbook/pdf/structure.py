"""The PDF's share of the book's structure (book.toml parts, front, back, toc_depth) as CSS appended to
the stylesheet: the bookmark level of each heading, the part title pages. Nothing for a book that sets
none of these, whose PDF stays as pdf.css makes it."""

from __future__ import annotations

from ..model import Book

BOOKMARK_DEPTH = 3  # with no toc_depth in book.toml, the bookmarks go as deep as pdf.css says


def structure_css(book: Book) -> str:
    if not (book.parts or book.front or book.back or book.toc_depth):
        return ""
    depth = book.toc_depth or BOOKMARK_DEPTH
    offset = 1 if book.parts else 0  # chapters under their parts
    rules = ["/* the book's structure (zhbook.pdf.structure) */"]
    for level in (1, 2, 3):
        chapter = level + offset if level <= depth else "none"
        matter = level if level <= depth else "none"  # front and back matter: at the top, beside the parts
        rules.append(f".chapter h{level} {{ bookmark-level: {chapter}; }}")
        rules.append(f".front .preface h{level}, .chapter.back h{level} {{ bookmark-level: {matter}; }}")
    if book.parts:
        rules += [
            "@page part { @top-left { content: none; } @top-right { content: none; } "
            "@bottom-center { content: none; } }",
            ".contents .part-entry { font-family: \"ZH Sans\", \"ZH Serif\", sans-serif; font-weight: bold; }",
            ".part { page: part; break-before: right; text-align: center; }",
            ".part h1.part-title { bookmark-level: 1; font-size: 2em; margin: 30% 0 0; text-align: center; "
            "letter-spacing: 0.1em; }",
        ]
    if book.front:
        rules += [".front > .preface { break-before: right; }",
                  ".contents a.in-front::after { content: leader(\".\") \" \" "
                  "target-counter(attr(href), page, lower-roman); }"]
    return "\n".join(rules) + "\n"
