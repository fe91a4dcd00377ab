"""Facet counts, hand-computed on a small fixture.

case  department  field      tools          stage   started     FY    visibility
A     環境 (E)    env        rpa, chatbot   live    2024-06-01  2024  published
B     環境 (E)    env        rpa            pilot   2025-03-31  2024  published
C     道路 (R)    transport  chatbot        live    2025-04-01  2025  published
D     道路 (R)    env        (none)         idea    2023-05-01  2023  published
X     道路 (R)    transport  rpa            live    2025-05-01  2025  draft (by its author)
"""

from datetime import date

import pytest

from apps.accounts.roles import Role
from apps.cases.selectors import CaseFilters, case_facets, case_list_for_user
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(case_factory, field_factory, tool_factory):
    env_dept = DepartmentFactory(code="E", name_ja="環境課", sort_order=1)
    road_dept = DepartmentFactory(code="R", name_ja="道路課", sort_order=2)
    env = field_factory(code="env", name_ja="環境", sort_order=1)
    transport = field_factory(code="transport", name_ja="交通", sort_order=2)
    rpa = tool_factory(code="rpa", name_ja="RPA", sort_order=1)
    chatbot = tool_factory(code="chatbot", name_ja="チャットボット", sort_order=2)
    tool_factory(code="unused", name_ja="未使用", sort_order=3)
    author = UserFactory()
    rows = {
        "A": (env_dept, env, [rpa, chatbot], "live", date(2024, 6, 1), {}),
        "B": (env_dept, env, [rpa], "pilot", date(2025, 3, 31), {}),
        "C": (road_dept, transport, [chatbot], "live", date(2025, 4, 1), {}),
        "D": (road_dept, env, [], "idea", date(2023, 5, 1), {}),
        "X": (road_dept, transport, [rpa], "live", date(2025, 5, 1), {"draft": True, "author": author}),
    }
    cases = {
        key: case_factory(department=dept, field=field, tools=tools, stage=stage, started_on=started, **extra)
        for key, (dept, field, tools, stage, started, extra) in rows.items()
    }
    return {"cases": cases, "author": author}


def counts(facets):
    return {facet.key: {v.value: v.count for v in facet.values} for facet in facets}


def test_counts_without_filters(library):
    staff = UserFactory()
    assert counts(case_facets(user=staff, filters=CaseFilters())) == {
        "department": {"E": 2, "R": 2},
        "field": {"env": 3, "transport": 1},
        "tool": {"rpa": 2, "chatbot": 2},  # "unused" has no case and is not offered
        "stage": {"idea": 1, "pilot": 1, "live": 2},
        "fy": {"2025": 1, "2024": 2, "2023": 1},
    }


def test_filtering_by_one_facet_updates_the_others_but_not_itself(library):
    staff = UserFactory()
    facets = counts(case_facets(user=staff, filters=CaseFilters(tools=("rpa",))))
    # A and B use RPA.
    assert facets["department"] == {"E": 2}
    assert facets["field"] == {"env": 2}
    assert facets["stage"] == {"pilot": 1, "live": 1}
    assert facets["fy"] == {"2024": 2}
    # Its own facet still counts every tool, so another one can be added (OR within a facet).
    assert facets["tool"] == {"rpa": 2, "chatbot": 2}


def test_two_facets_combine_with_and_and_values_of_one_facet_with_or(library):
    staff = UserFactory()
    filters = CaseFilters(tools=("rpa", "chatbot"), stages=("live",))
    assert {c.title for c in case_list_for_user(staff, filters)} == {
        library["cases"]["A"].title,
        library["cases"]["C"].title,
    }
    facets = counts(case_facets(user=staff, filters=filters))
    assert facets["tool"] == {"rpa": 1, "chatbot": 2}  # live cases: A (rpa, chatbot), C (chatbot)
    assert facets["stage"] == {"pilot": 1, "live": 2}  # cases with either tool: A, B, C
    assert facets["department"] == {"E": 1, "R": 1}


def test_a_case_with_two_chosen_tools_is_counted_once(library):
    staff = UserFactory()
    filters = CaseFilters(tools=("rpa", "chatbot"))
    assert case_list_for_user(staff, filters).count() == 3  # A, B, C — A not twice
    assert counts(case_facets(user=staff, filters=filters))["department"] == {"E": 2, "R": 1}


def test_a_chosen_value_stays_visible_with_zero(library):
    staff = UserFactory()
    facets = case_facets(user=staff, filters=CaseFilters(departments=("E",), fields=("transport",)))
    department = next(f for f in facets if f.key == "department")
    field = next(f for f in facets if f.key == "field")
    # No environment-department case is about transport: both chosen values show 0, still ticked.
    assert [(v.value, v.count, v.selected) for v in department.values] == [("E", 0, True), ("R", 1, False)]
    assert [(v.value, v.count, v.selected) for v in field.values] == [("env", 2, False), ("transport", 0, True)]


def test_fiscal_year_facet_uses_the_april_boundary(library):
    staff = UserFactory()
    # B started on 31 March 2025 (FY2024), C on 1 April 2025 (FY2025).
    titles = {c.title for c in case_list_for_user(staff, CaseFilters(fiscal_years=(2025,)))}
    assert titles == {library["cases"]["C"].title}


def test_drafts_count_only_for_those_who_may_see_them(library):
    staff, coe = UserFactory(), UserFactory(roles=[Role.COE])
    assert counts(case_facets(user=staff, filters=CaseFilters()))["stage"]["live"] == 2
    assert counts(case_facets(user=coe, filters=CaseFilters()))["stage"]["live"] == 3
    assert counts(case_facets(user=library["author"], filters=CaseFilters()))["stage"]["live"] == 3
