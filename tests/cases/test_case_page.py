"""The case page: everything a mayor is shown, in a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _grow(case, n, tool_factory, attachment_factory):
    case.tools.add(*[tool_factory() for _ in range(n)])
    case.reused_by.add(*[DepartmentFactory() for _ in range(n)])
    case.contacts.add(*[UserFactory(department=DepartmentFactory()) for _ in range(n)])
    for i in range(n):
        attachment_factory(case=case, uploaded_by=None)
        case.links.create(title=f"記事{i}", url=f"/knowledge/{i}/")


@pytest.mark.parametrize("fixture", ["staff_user", "coe_user"])
def test_query_count_does_not_grow_with_tools_attachments_or_departments(
    request, client_for, fixture, case_factory, tool_factory, attachment_factory
):
    client = client_for(request.getfixturevalue(fixture))
    case = case_factory()
    url = reverse("cases:detail", args=[case.pk])
    _grow(case, 1, tool_factory, attachment_factory)
    client.get(url)
    one = _queries(client, url)
    _grow(case, 9, tool_factory, attachment_factory)
    assert _queries(client, url) == one


def test_page_order_puts_summary_and_headline_figures_first(client_for, staff_user, case_factory, tool_factory):
    case = case_factory(
        title="RPAによる入力作業の自動化",
        summary="課税事務の入力をRPAに任せました。",
        problem="手入力が多い。",
        baseline="年間6万枚を手入力。",
        approach="AI-OCRとRPAを組み合わせた。",
        lessons="小さく始める。",
        hours_saved_per_year=Decimal("2400"),
        hours_method="measured",
        residents_affected=1200,
        initial_cost_yen=3_200_000,
        tools=[tool_factory(code="rpa", name_ja="RPA")],
        reused_by=[DepartmentFactory(name_ja="介護保険課")],
        contacts=[UserFactory(display_name="佐藤 陽菜")],
        started_on=date(2022, 7, 1),
    )
    html = client_for(staff_user).get(reverse("cases:detail", args=[case.pk])).content.decode()
    main = html[html.index("<main") :]
    order = [
        "課税事務の入力をRPAに任せました。",
        "2,400",
        'id="case-problem"',
        "年間6万枚を手入力。",
        'id="case-approach"',
        'id="case-tools"',
        'id="case-outcomes"',
        'id="case-lessons"',
        'id="case-reused"',
        "介護保険課",
        'id="case-contacts"',
        "佐藤 陽菜",
        'id="case-attachments"',
    ]
    positions = [main.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "3,200,000" in main and "1,200" in main


def test_markdown_is_rendered_safely(client_for, staff_user, case_factory):
    case = case_factory(approach="<script>alert(1)</script>\n\n[x](javascript:alert(1)) **太字**")
    html = client_for(staff_user).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html
    assert "<strong>太字</strong>" in html


def test_print_stylesheet_hides_navigation_and_sets_a4():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    block = css[css.index("/* cases */") :]
    print_rules = block[block.index("@media print") :]
    assert "size: A4" in print_rules
    for selector in (".site-header", ".site-nav", ".breadcrumbs", ".site-footer", ".case-no-print"):
        assert selector in print_rules


def test_an_overdue_review_is_flagged(client_for, staff_user, case_factory):
    overdue = case_factory(review_by=date(2020, 3, 31))
    upcoming = case_factory(review_by=date(2999, 3, 31))
    client = client_for(staff_user)
    assert "tag--warning" in client.get(reverse("cases:detail", args=[overdue.pk])).content.decode()
    assert "tag--warning" not in client.get(reverse("cases:detail", args=[upcoming.pk])).content.decode()
