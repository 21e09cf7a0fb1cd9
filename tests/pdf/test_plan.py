"""zhbook.pdf.plan: the recto rule, once; and styles/pdf.css says the same inside a part."""

import pytest
import tinycss2

from tests.helpers import REPO
from zhbook.pdf.plan import PARTS_START_ON, Plan, blanks_after, pages_before, pages_taken

pytestmark = pytest.mark.fast


def test_a_part_that_ends_on_a_right_hand_page_is_followed_by_a_blank():
    assert [blanks_after(n) for n in range(1, 6)] == [1, 0, 1, 0, 1]
    assert [pages_taken(n) for n in range(1, 6)] == [2, 2, 4, 4, 6]


def test_first_pages_and_total():
    plan = Plan((3, 2, 5, 1))
    assert plan.first_pages == [1, 5, 7, 13]
    assert plan.pages == 14
    assert all(page % 2 == 1 for page in plan.first_pages)  # every part opens on an odd page
    assert pages_before([3, 2]) == 6 and pages_before([]) == 0


def _declarations(css: str, selector: str, name: str) -> list[str]:
    values = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == selector:
            for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                               skip_whitespace=True):
                if declaration.type == "declaration" and declaration.lower_name == name:
                    values.append(tinycss2.serialize(declaration.value).strip())
    return values


def test_the_stylesheet_opens_chapters_on_the_side_the_plan_counts_on():
    css = (REPO / "styles" / "pdf.css").read_text("utf-8")
    assert _declarations(css, ".chapter", "break-before") == [PARTS_START_ON]
    assert PARTS_START_ON == "right"  # page 1 is a right-hand page: blanks_after counts on it


def test_the_check_would_see_a_disagreement():
    assert _declarations(".chapter { page: chapter; break-before: left; }", ".chapter", "break-before") == ["left"]
