"""zhbook.pdf.plan: the opening rule, once; and the page CSS (zhbook.pdf.page) says the same inside a part."""

import pytest
import tinycss2

from tests.helpers import REPO
from zhbook.model import PdfDesign
from zhbook.pdf.page import page_css
from zhbook.pdf.plan import BREAK_BEFORE, Plan, blanks_after, break_before, opens_verso, pages_before, pages_taken

pytestmark = pytest.mark.fast


def test_a_part_that_ends_on_a_right_hand_page_is_followed_by_a_blank():
    assert [blanks_after(n) for n in range(1, 6)] == [1, 0, 1, 0, 1]
    assert [pages_taken(n) for n in range(1, 6)] == [2, 2, 4, 4, 6]


def test_with_openings_any_there_is_no_blank():
    assert [blanks_after(n, "any") for n in range(1, 6)] == [0] * 5
    plan = Plan((3, 2, 5, 1), "any")
    assert plan.first_pages == [1, 4, 6, 11] and plan.pages == 11
    assert pages_before([3, 2], "any") == 5


def test_first_pages_and_total():
    plan = Plan((3, 2, 5, 1))
    assert plan.first_pages == [1, 5, 7, 13]
    assert plan.pages == 14
    assert all(page % 2 == 1 for page in plan.first_pages)  # every part opens on an odd page
    assert pages_before([3, 2]) == 6 and pages_before([]) == 0


def test_a_part_opens_on_a_left_hand_page_by_its_place_in_the_whole_book():
    assert not opens_verso(6, 1) and opens_verso(6, 4)  # front matter of 6 pages: body page 1 is page 7
    assert opens_verso(5, 1) and not opens_verso(5, 4)  # of 5: body page 1 is page 6, a left-hand page


def _declarations(css: str, selector: str, name: str) -> list[str]:
    values = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == selector:
            for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                               skip_whitespace=True):
                if declaration.type == "declaration" and declaration.lower_name == name:
                    values.append(tinycss2.serialize(declaration.value).strip())
    return values


@pytest.mark.parametrize("openings", ["right", "any"])
def test_the_page_css_opens_parts_where_the_plan_counts_on(openings):
    css = page_css(PdfDesign(openings=openings))
    assert _declarations(css, ".chapter", "break-before") == [break_before(openings)]
    assert _declarations(css, ".front > .contents", "break-before") == [break_before(openings)]
    assert _declarations(css, ".cover-page", "break-after") == [break_before(openings)]
    assert BREAK_BEFORE["right"] == "right"  # page 1 is a right-hand page: blanks_after counts on it


def test_the_tools_stylesheet_leaves_the_breaks_to_the_page_css():
    css = (REPO / "styles" / "pdf.css").read_text("utf-8")
    for selector in (".chapter", ".front > .contents", ".cover-page"):
        assert _declarations(css, selector, "break-before") == _declarations(css, selector, "break-after") == []


def test_the_check_would_see_a_disagreement():
    assert _declarations(".chapter { page: chapter; break-before: left; }", ".chapter", "break-before") == ["left"]
