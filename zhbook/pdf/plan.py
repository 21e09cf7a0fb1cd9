"""Where the parts of the PDF go: every part (the front matter, each chapter) starts on a
right-hand page, so a part that ends on one is followed by a blank page. This is the one place
that rule is written; the workers (page numbers), the orchestration (cached parts, contents) and
the join (blank pages) ask here. styles/pdf.css says the same to WeasyPrint inside a part
(`.chapter { break-before: right }`); tests/pdf/test_plan.py checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTS_START_ON = "right"  # the side every part opens on: what pdf.css's break-before says


def blanks_after(pages: int) -> int:
    """Blank pages after pages (a part, or the book so far) so that what follows opens on a
    right-hand page: page 1 is a right-hand page, so after an odd count, one."""
    return pages % 2


def pages_taken(pages: int) -> int:
    """The pages a part of this many pages takes in the book, with its blank."""
    return pages + blanks_after(pages)


@dataclass(frozen=True)
class Plan:
    """The body parts (the chapters) of the book laid out one after the other: body page 1 is
    the first chapter's first page."""
    counts: tuple[int, ...]  # each part's own page count

    @property
    def first_pages(self) -> list[int]:
        """The page number printed on each part's first page."""
        pages, page = [], 1
        for count in self.counts:
            pages.append(page)
            page += pages_taken(count)
        return pages

    @property
    def pages(self) -> int:
        """Body pages, with the blanks."""
        return sum(map(pages_taken, self.counts))


def pages_before(counts: list[int]) -> int:
    """The body pages before a part, given the page counts of the parts before it."""
    return Plan(tuple(counts)).pages
