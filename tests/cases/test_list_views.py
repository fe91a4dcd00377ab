"""The case list: bookmarkable filter URLs, active filters, sorting, and a query count that
does not grow with the number of cases."""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


@pytest.fixture
def setup(case_factory, field_factory, tool_factory):
    dept = DepartmentFactory(code="520", name_ja="ごみ減量推進課")
    env = field_factory(code="environment", name_ja="環境")
    rpa = tool_factory(code="rpa", name_ja="RPA")
    chatbot = tool_factory(code="chatbot", name_ja="チャットボット")
    a = case_factory(
        title="粗大ごみチャットボット",
        department=dept,
        field=env,
        tools=[chatbot],
        hours_saved_per_year=Decimal("1850"),
        hours_method="estimated",
        started_on=date(2024, 6, 3),
    )
    b = case_factory(
        title="RPAによる入力自動化",
        tools=[rpa],
        hours_saved_per_year=Decimal("2400"),
        hours_method="measured",
        started_on=date(2022, 7, 1),
    )
    c = case_factory(title="数値なしの事例", started_on=date(2025, 5, 1))
    return {"a": a, "b": b, "c": c}  # fmt: skip


def titles(response) -> list[str]:
    return [case.title for case in response.context["page_obj"]]


def test_get_parameters_filter_and_round_trip(client_for, staff_user, setup):
    client = client_for(staff_user)
    url = f"{LIST}?department=520&tool=chatbot&fy=2024"
    response = client.get(url)
    assert titles(response) == ["粗大ごみチャットボット"]
    html = response.content.decode()
    # The filter form shows the choices ticked, so submitting it again gives the same URL.
    assert 'name="department" value="520" id="facet-department-520" checked' in html
    assert 'name="tool" value="chatbot" id="facet-tool-chatbot" checked' in html
    assert 'name="fy" value="2024" id="facet-fy-2024" checked' in html
    assert 'method="get"' in html
    # The same URL opened later (a bookmark) gives the same result.
    assert titles(client.get(url)) == ["粗大ごみチャットボット"]


def test_several_values_of_one_facet(client_for, staff_user, setup):
    response = client_for(staff_user).get(f"{LIST}?tool=chatbot&tool=rpa")
    assert sorted(titles(response)) == ["RPAによる入力自動化", "粗大ごみチャットボット"]


def test_active_filters_can_be_removed_one_by_one(client_for, staff_user, setup):
    response = client_for(staff_user).get(f"{LIST}?tool=chatbot&tool=rpa&sort=hours")
    active = {item["label"]: item["remove_url"] for item in response.context["active_filters"]}
    assert set(active) == {"チャットボット", "RPA"}
    remaining = parse_qsl(urlsplit(active["RPA"]).query)
    assert remaining == [("tool", "chatbot"), ("sort", "hours")]  # the sort order survives
    assert response.context["clear_url"] == "?sort=hours"
    html = response.content.decode()
    assert 'href="?tool=chatbot&amp;sort=hours"' in html


def test_sort_by_hours_saved_puts_cases_without_a_figure_last(client_for, staff_user, setup):
    client = client_for(staff_user)
    assert titles(client.get(f"{LIST}?sort=hours")) == [
        "RPAによる入力自動化",
        "粗大ごみチャットボット",
        "数値なしの事例",
    ]
    assert titles(client.get(LIST)) == ["数値なしの事例", "粗大ごみチャットボット", "RPAによる入力自動化"]


def test_malformed_or_unknown_parameters_are_ignored(client_for, staff_user, setup):
    response = client_for(staff_user).get(f"{LIST}?fy=abc&fy=2024&tool=<script>&stage=nonsense&sort=x&page=zz")
    assert response.status_code == 200
    assert titles(response) == ["粗大ごみチャットボット"]  # only fy=2024 was usable
    assert "<script>" not in response.content.decode()


def test_pagination_keeps_the_filters(client_for, staff_user, case_factory, tool_factory):
    rpa = tool_factory(code="rpa")
    for _ in range(25):
        case_factory(tools=[rpa])
    response = client_for(staff_user).get(f"{LIST}?tool=rpa")
    assert response.context["page_obj"].paginator.count == 25
    assert 'href="?tool=rpa&amp;page=2"' in response.content.decode()
    assert len(titles(client_for(staff_user).get(f"{LIST}?tool=rpa&page=2"))) == 5


def test_empty_state_offers_to_clear_the_filters(en_client_for, staff_user, setup):
    html = en_client_for(staff_user).get(f"{LIST}?fy=2019").content.decode()
    assert "No cases match these filters" in html
    assert 'class="empty-state"' in html


def test_works_without_javascript(client_for, staff_user, setup):
    html = client_for(staff_user).get(LIST).content.decode()
    form = html[html.index('class="case-filters"') : html.index("</form>", html.index('class="case-filters"'))]
    assert 'type="submit"' in form  # htmx only enhances it
    assert "<script" not in html.split("</head>", 1)[1]  # no inline script (strict CSP)
    assert "style=" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _add_cases(case_factory, count, departments, fields, tools):
    for i in range(count):
        case_factory(
            department=departments[i % len(departments)],
            field=fields[i % len(fields)],
            tools=[tools[i % len(tools)], tools[(i + 1) % len(tools)]],
            reused_by=[departments[(i + 2) % len(departments)]],
            started_on=date(2023 + i % 4, 1 + i % 12, 1),
            hours_saved_per_year=Decimal(i * 10),
            hours_method="measured",
            draft=i % 7 == 0,
        )


@pytest.mark.parametrize("query", ["", "?tool=t0&stage=live", "?department=D1&fy=2024&sort=hours"])
def test_list_and_facet_query_count_does_not_grow(
    client_for, coe_user, case_factory, field_factory, tool_factory, query
):
    departments = [DepartmentFactory(code=f"D{i}") for i in range(4)]
    fields = [field_factory(code=f"f{i}") for i in range(3)]
    tools = [tool_factory(code=f"t{i}") for i in range(5)]
    client = client_for(coe_user)
    _add_cases(case_factory, 10, departments, fields, tools)
    client.get(LIST + query)  # warm: session, roles
    few = _queries(client, LIST + query)
    _add_cases(case_factory, 50, departments, fields, tools)
    assert _queries(client, LIST + query) == few


def test_staff_list_query_count_does_not_grow(client_for, staff_user, case_factory, tool_factory):
    rpa = tool_factory(code="rpa")
    client = client_for(staff_user)
    for _ in range(10):
        case_factory(tools=[rpa])
    client.get(LIST)
    few = _queries(client, LIST)
    for _ in range(50):
        case_factory(tools=[rpa, tool_factory()])
    assert _queries(client, LIST) == few
