"""Headcount from the department history, for a fiscal year with a transfer, a leaver, a merge
(through the organisation chart import) and a new hire — equal to the figures worked out by
hand, "as they were" and "in today's structure"."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from apps.accounts import orgchart, selectors
from apps.accounts.leavers import user_leave
from apps.accounts.models import Department, DepartmentMembership, User
from apps.accounts.services import memberships_apply, user_department_set
from apps.core.dates import current_fiscal_year
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FY = current_fiscal_year() - 1  # last fiscal year: every date below has passed


def day(month: int, dom: int = 1) -> date:
    return date(FY if month >= 4 else FY + 1, month, dom)


@pytest.fixture
def year(admin_user):
    """A: a1 a2 a3; B: b1 b2; C: c1 c2 — all there before the records began.
    1 July: a3 moves from A to B. 1 August: b2 leaves. 1 October: B and C merge into D.
    1 January: n1 joins D."""
    departments = {
        code: Department.objects.create(code=code, name_ja=name, level="section")
        for code, name in (("A", "市民課"), ("B", "経理課"), ("C", "出納課"))
    }
    people = {}
    for name, code in (("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"), ("b2", "B"), ("c1", "C"), ("c2", "C")):
        people[name] = UserFactory(username=name, department=departments[code])
    memberships_apply(
        moves=[(u.pk, u.department_id) for u in people.values()],
        on=None,  # since before the records
        source="test",
    )
    user_department_set(user=people["a3"], department=departments["B"], on=day(7), source="test")
    user_leave(user=people["b2"], reason="disabled", on=day(8))
    chart = "code,name,predecessors\nA,市民課,\nD,会計課,B C\n"
    preview = orgchart.org_chart_preview(
        upload=SimpleUploadedFile("chart.csv", chart.encode()), effective_on=day(10), actor=admin_user
    )
    orgchart.org_chart_apply(chart_id=preview.pk, actor=admin_user)
    departments["D"] = Department.objects.get(code="D")
    people["n1"] = UserFactory(username="n1", department=departments["D"])
    memberships_apply(moves=[(people["n1"].pk, departments["D"].pk)], on=day(1), source="test")
    return {code: d.pk for code, d in departments.items()}, people


def test_the_history_reads_as_it_happened(year):
    ids, people = year
    a3 = [(selectors.department_on(user_id=people["a3"].pk, on=d)) for d in (day(4), day(6, 30), day(7), day(10))]
    assert a3 == [ids["A"], ids["A"], ids["B"], ids["D"]]
    assert selectors.department_on(user_id=people["b2"].pk, on=day(7, 31)) == ids["B"]
    assert selectors.department_on(user_id=people["b2"].pk, on=day(8)) is None
    assert DepartmentMembership.objects.filter(user=people["c1"]).count() == 2  # C, then D


def test_headcount_as_of_1_april_as_it_was_and_in_todays_structure(year):
    ids, _people = year
    assert selectors.headcount_for_fiscal_year(FY) == {ids["A"]: 3, ids["B"]: 2, ids["C"]: 2}
    assert selectors.headcount_for_fiscal_year(FY, structure=selectors.TODAY) == {ids["A"]: 3, ids["D"]: 4}
    # The next year starts with the merged department and the new hire.
    assert selectors.headcount_for_fiscal_year(FY + 1) == {ids["A"]: 2, ids["D"]: 5}
    assert selectors.headcount_for_fiscal_year(FY + 1, structure=selectors.TODAY) == {ids["A"]: 2, ids["D"]: 5}


def test_monthly_headcount_as_it_was_and_in_todays_structure(year):
    ids, _people = year
    a, b, c, d = ids["A"], ids["B"], ids["C"], ids["D"]
    as_was = {
        4: {a: 3, b: 2, c: 2},
        5: {a: 3, b: 2, c: 2},
        6: {a: 3, b: 2, c: 2},
        7: {a: 2, b: 3, c: 2},  # a3 moved on 1 July
        8: {a: 2, b: 2, c: 2},  # b2 left on 1 August
        9: {a: 2, b: 2, c: 2},
        10: {a: 2, d: 4},  # merged on 1 October
        11: {a: 2, d: 4},
        12: {a: 2, d: 4},
        1: {a: 2, d: 5},  # n1 joined on 1 January
        2: {a: 2, d: 5},
        3: {a: 2, d: 5},
    }
    today = {month: {a: counts[a], d: sum(n for k, n in counts.items() if k != a)} for month, counts in as_was.items()}
    assert selectors.headcount_monthly(FY) == {day(m): counts for m, counts in as_was.items()}
    assert selectors.headcount_monthly(FY, structure=selectors.TODAY) == {day(m): c for m, c in today.items()}


def test_todays_structure_maps_every_old_department(year):
    ids, _people = year
    mapping = selectors.department_current_map()
    assert {code: mapping[pk] for code, pk in ids.items()} == {
        "A": ids["A"],
        "B": ids["D"],
        "C": ids["D"],
        "D": ids["D"],
    }
    assert selectors.department_successors(ids["B"]) == [ids["D"]]
    # Seen from a day before the merge, B and C were still their own.
    assert selectors.department_current_map(on=day(9, 30))[ids["B"]] == ids["B"]


def test_a_renamed_department_keeps_its_figures_and_its_old_name(admin_user):
    citizens = Department.objects.create(code="A", name_ja="市民課")
    person = UserFactory(department=citizens)
    memberships_apply(moves=[(person.pk, citizens.pk)], on=None, source="test")
    preview = orgchart.org_chart_preview(
        upload=SimpleUploadedFile("c.csv", "code,name\nA,市民窓口課\n".encode()), effective_on=day(4), actor=admin_user
    )
    orgchart.org_chart_apply(chart_id=preview.pk, actor=admin_user)
    citizens.refresh_from_db()
    assert citizens.name_ja == "市民窓口課"
    assert selectors.headcount_for_fiscal_year(FY) == {citizens.pk: 1}
    assert selectors.department_name_on(citizens, date(FY, 3, 31)) == "市民課"
    assert selectors.department_name_on(citizens, day(4)) == "市民窓口課"


def test_an_unknown_structure_is_refused():
    with pytest.raises(ValueError):
        selectors.headcount_by_department(on=day(4), structure="yesterday")


def test_the_demo_city_starts_its_history_and_has_coe_contacts():
    import io

    from apps.devdata.demo import accounts as demo

    demo.seed(io.StringIO())
    demo.seed(io.StringIO())  # seeding again adds nothing
    people = User.objects.filter(is_demo=True, department__isnull=False)
    assert DepartmentMembership.objects.filter(valid_from__isnull=True, valid_until__isnull=True).count() == (
        people.count()
    )
    assert not Department.objects.filter(level="bureau", coe_contact__isnull=True).exists()
    assert selectors.headcount_for_fiscal_year(FY + 1) == dict(
        people.values_list("department_id").annotate(n=Count("pk")).order_by()
    )
