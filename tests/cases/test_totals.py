"""Hours saved by department × fiscal year, against hand-computed numbers.

department  started       FY    hours   method     visibility
E (環境課)  2024-04-01    2024  100.5   measured   published
E           2025-03-31    2024  200     estimated  published
E           2025-04-01    2025   50     measured   published
R (道路課)  2024-03-31    2023   30     measured   published
R           2024-06-01    2024  (none)             published   ← no figure: not counted
R           2024-06-01    2024  999     estimated  draft       ← never counted

FY:      2023   2024    2025   total
E           –  300.5     50    350.5
R          30      –      –     30
total      30  300.5     50    380.5
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cases.selectors import hours_saved_in_fiscal_year, hours_saved_totals
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments():
    return DepartmentFactory(code="E", name_ja="環境課", sort_order=1), DepartmentFactory(
        code="R", name_ja="道路課", sort_order=2
    )


@pytest.fixture
def cases(case_factory, departments):
    env, road = departments
    rows = [
        (env, date(2024, 4, 1), "100.5", "measured", {}),
        (env, date(2025, 3, 31), "200", "estimated", {}),
        (env, date(2025, 4, 1), "50", "measured", {}),
        (road, date(2024, 3, 31), "30", "measured", {}),
        (road, date(2024, 6, 1), None, "", {}),
        (road, date(2024, 6, 1), "999", "estimated", {"draft": True}),
    ]
    for department, started_on, hours, method, extra in rows:
        case_factory(
            department=department,
            started_on=started_on,
            hours_saved_per_year=Decimal(hours) if hours else None,
            hours_method=method,
            **extra,
        )


def table(totals):
    return {row.department.code: [cell.hours for cell in row.cells] + [row.total] for row in totals.rows}


def test_totals_by_department_and_fiscal_year(cases):
    totals = hours_saved_totals()
    assert totals.fiscal_years == [2023, 2024, 2025]
    assert table(totals) == {
        "E": [None, Decimal("300.5"), Decimal("50"), Decimal("350.5")],
        "R": [Decimal("30"), None, None, Decimal("30")],
    }
    assert totals.year_totals == [Decimal("30"), Decimal("300.5"), Decimal("50")]
    assert totals.grand_total == Decimal("380.5")
    assert totals.case_count == 4
    assert [row.case_count for row in totals.rows] == [3, 1]


def test_only_measured_figures(cases):
    totals = hours_saved_totals(method="measured")
    assert table(totals) == {
        "E": [None, Decimal("100.5"), Decimal("50"), Decimal("150.5")],
        "R": [Decimal("30"), None, None, Decimal("30")],
    }
    assert totals.grand_total == Decimal("180.5")


def test_fiscal_year_boundary_in_the_totals(cases):
    # 31 March 2025 counts in FY2024, 1 April 2025 in FY2025.
    assert hours_saved_in_fiscal_year(2024) == Decimal("300.5")
    assert hours_saved_in_fiscal_year(2025) == Decimal("50")
    assert hours_saved_in_fiscal_year(2019) == Decimal("0")


def test_totals_are_database_aggregates(cases, case_factory, departments):
    with CaptureQueriesContext(connection) as few:
        hours_saved_totals()
    for year in range(2020, 2030):
        case_factory(
            department=departments[0], started_on=date(year, 5, 1), hours_saved_per_year=1, hours_method="measured"
        )
    with CaptureQueriesContext(connection) as many:
        hours_saved_totals()
    assert len(few) == len(many) == 2


def test_totals_page_is_an_accessible_table(en_client_for, staff_user, cases):
    response = en_client_for(staff_user).get(reverse("cases:totals"))
    html = response.content.decode()
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html and "<tfoot>" in html
    assert "380.5" in html and "300.5" in html
    # Each figure leads to the cases behind it.
    assert 'href="/cases/?department=E&amp;fy=2024"' in html
    assert "999" not in html


def test_totals_page_method_choice(client_for, staff_user, cases):
    response = client_for(staff_user).get(reverse("cases:totals") + "?method=estimated")
    assert response.context["totals"].grand_total == Decimal("200")
    response = client_for(staff_user).get(reverse("cases:totals") + "?method=bogus")
    assert response.context["totals"].grand_total == Decimal("380.5")


def test_empty_totals(client_for, staff_user):
    response = client_for(staff_user).get(reverse("cases:totals"))
    assert response.status_code == 200 and 'class="empty-state"' in response.content.decode()


def test_home_panel_shows_this_years_hours(client_for, staff_user, case_factory, monkeypatch):
    from apps.cases import selectors

    monkeypatch.setattr(selectors, "current_fiscal_year", lambda: 2025)
    case_factory(title="今年度の事例", started_on=date(2025, 4, 1), hours_saved_per_year=1234, hours_method="measured")
    case_factory(title="昨年度の事例", started_on=date(2025, 3, 31), hours_saved_per_year=99, hours_method="measured")
    html = client_for(staff_user).get(reverse("core:home")).content.decode()
    assert "<strong>1,234</strong>" in html
    assert "今年度の事例" in html and 'id="home-cases"' in html
