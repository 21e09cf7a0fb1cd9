"""Where the parts of the PDF go. With the book's `[pdf] openings = "right"` (the default) every
part (the front matter, each chapter) starts on a right-hand page, so a part that ends on one is
followed by a blank page; with "any", a part starts on the page after the one before it, and the
book has no blank page. This is the one place that rule is written: the workers (page numbers),
the orchestration (cached parts, contents), the join (blank pages) and the page CSS
(zhbook.pdf.page: `break-before` of a part, `break-after` of the cover, from BREAK_BEFORE) ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

# The opening rule → what a part's CSS break-before (and the cover's break-after) says to WeasyPrint.
BREAK_BEFORE = {"right": "right", "any": "page"}


def break_before(openings: str) -> str:
    return BREAK_BEFORE[openings]


def blanks_after(pages: int, openings: str = "right") -> int:
    """Blank pages after pages (a part, or the book so far) so that what follows opens where the
    rule says: on a right-hand page (page 1 is one, so after an odd count, one blank), or anywhere."""
    return pages % 2 if openings == "right" else 0


def pages_taken(pages: int, openings: str = "right") -> int:
    """The pages a part of this many pages takes in the book, with its blank."""
    return pages + blanks_after(pages, openings)


@dataclass(frozen=True)
class Plan:
    """The body parts (the chapters) of the book laid out one after the other: body page 1 is
    the first chapter's first page."""
    counts: tuple[int, ...]  # each part's own page count
    openings: str = "right"

    @property
    def first_pages(self) -> list[int]:
        """The page number printed on each part's first page."""
        pages, page = [], 1
        for count in self.counts:
            pages.append(page)
            page += pages_taken(count, self.openings)
        return pages

    @property
    def pages(self) -> int:
        """Body pages, with the blanks."""
        return sum(pages_taken(count, self.openings) for count in self.counts)


def pages_before(counts: list[int], openings: str = "right") -> int:
    """The body pages before a part, given the page counts of the parts before it."""
    return Plan(tuple(counts), openings).pages


def opens_verso(front_pages: int, first_page: int) -> bool:
    """Whether a body part whose first page is numbered first_page opens on a left-hand page, the
    front matter taking front_pages (with its blanks): the book's page 1 is a right-hand page."""
    return (front_pages + first_page) % 2 == 0
