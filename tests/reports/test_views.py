"""The dashboard, its fragments and exports: who may see what, the period picker, the
five-minute cache and department scoping (a manager scoped to 市民局 never sees a number
of 環境局, whose cases saved the marker 4,321.5 hours)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.cases.models import Case
from apps.core.navigation import nav_items_for
from apps.knowledge.models import ArticleView
from apps.reports.models import ManagerScope
from tests.factories import UserFactory

DASHBOARD = reverse("reports:dashboard")
FY = "?fy=2024"
OTHER_MARKERS = ("環境局", "Environment Bureau", "4,321.5", "4321.5", "RPA 事例（環境局）", "環境アセスメント")


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


# --- permissions -------------------------------------------------------------------------------


def test_staff_get_403_everywhere(client_for, city):
    client = client_for(city.staff)
    for url in (
        DASHBOARD,
        reverse("reports:section", args=["support"]),
        reverse("reports:export_csv", args=["support"]),
        reverse("reports:export_xlsx"),
    ):
        assert client.get(url).status_code == 403, url
    assert "reports" not in [item.key for item in nav_items_for(city.staff)]


def test_anonymous_is_sent_to_sign_in(client, city):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


@pytest.mark.parametrize("who", ["manager_all", "admin"])
def test_managers_and_admins_see_every_section(client_for, city, who):
    response = client_for(getattr(city, who)).get(DASHBOARD + FY)
    assert response.status_code == 200
    assert [s.key for s in response.context["report"].sections] == ["ideas", "support", "knowledge", "cases"]
    assert "reports" in [item.key for item in nav_items_for(getattr(city, who))]


def test_coe_sees_support_and_knowledge_only(client_for, city):
    client = client_for(city.coe)
    response = client.get(DASHBOARD + FY)
    assert [s.key for s in response.context["report"].sections] == ["support", "knowledge"]
    assert client.get(reverse("reports:export_csv", args=["ideas"]) + FY).status_code == 403
    assert client.get(reverse("reports:section", args=["cases"]) + FY).status_code == 403
    book = workbook(client.get(reverse("reports:export_xlsx") + FY))
    assert len(book.sheetnames) == 2


def test_unknown_section_is_404(client_for, city):
    assert client_for(city.admin).get(reverse("reports:export_csv", args=["salaries"])).status_code == 404


# --- the period picker ---------------------------------------------------------------------------


def test_default_is_the_current_fiscal_year(client_for, city):
    from apps.core.dates import current_fiscal_year

    response = client_for(city.admin).get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["report"].period.fiscal_year == current_fiscal_year()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?start=2025-02-30&end=2025-03-31", "Enter a valid date."),
        ("?start=2025-03-31&end=2025-03-01", "The period ends before it starts."),
        ("?start=2025-03-01", "Enter both dates of the period"),
        ("?start=2010-01-01&end=2020-01-01", "Choose a period of at most five years."),
        ("?fy=abc", "Select a valid choice."),
    ],
)
def test_bad_periods_get_a_clear_message_not_a_500(client_for, city, query, message):
    client = client_for(city.admin)
    response = client.get(DASHBOARD + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None
    export = client.get(reverse("reports:export_csv", args=["support"]) + query, HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 400
    assert message in export.content.decode()


def test_date_range_is_bookmarkable_and_compared_with_the_same_length_before(client_for, city):
    response = client_for(city.admin).get(DASHBOARD + "?start=2025-03-01&end=2025-03-31&compare=on")
    report = response.context["report"]
    assert (str(report.period.start), str(report.period.end)) == ("2025-03-01", "2025-03-31")
    assert (str(report.previous.start), str(report.previous.end)) == ("2025-01-29", "2025-02-28")
    # The export links carry the same period.
    assert "start=2025-03-01&amp;end=2025-03-31&amp;compare=on" in response.content.decode()


# --- cache ---------------------------------------------------------------------------------------


def _change_hours_behind_the_cache() -> None:
    Case.objects.filter(hours_saved_per_year__isnull=False).update(hours_saved_per_year=1)


@pytest.mark.parametrize("who", ["admin", "coe"])
def test_figures_are_cached_and_fresh_recomputes_for_coe_and_admin(client_for, city, who):
    client = client_for(getattr(city, who))

    def first_figure(query: str, section: str):
        response = client.get(DASHBOARD + query, HTTP_ACCEPT_LANGUAGE="en")
        return response, response.context["report"].section(section).summary.rows[0][1]

    section = "cases" if who == "admin" else "knowledge"
    response, before = first_figure(FY, section)
    assert "Figures as of" in response.content.decode()
    assert "refreshed every 5 minutes" in response.content.decode()
    _change_hours_behind_the_cache()
    ArticleView.objects.all().delete()
    assert first_figure(FY, section)[1] == before  # from the cache
    assert first_figure(FY + "&fresh=1", section)[1] != before


def test_managers_cannot_bypass_the_cache(client_for, city):
    client = client_for(city.manager_all)
    before = client.get(DASHBOARD + FY).context["report"]
    _change_hours_behind_the_cache()
    after = client.get(DASHBOARD + FY + "&fresh=1").context["report"]
    assert after.built_at == before.built_at
    assert after.section("cases").summary.rows[0][1] == before.section("cases").summary.rows[0][1]


# --- department scoping ----------------------------------------------------------------------------


def _assert_no_other_department(text: str) -> None:
    for marker in OTHER_MARKERS:
        assert marker not in text, marker


def test_scoped_manager_sees_only_own_department_on_the_page(client_for, city):
    client = client_for(city.manager_own)
    for query in (FY, FY + "&compare=on", FY + f"&department={city.other.pk}", FY + "&department="):
        response = client.get(DASHBOARD + query)
        text = response.content.decode()
        if response.context["report"] is None:  # another department is not even a valid choice
            assert f'value="{city.other.pk}"' not in text
            continue
        _assert_no_other_department(text)
        assert "1,334.5" in text  # 市民課 1,234.5 + 戸籍課 100.0 hours


def test_scoped_manager_fragments_and_htmx_see_only_own_department(client_for, city):
    client = client_for(city.manager_own)
    for section in ("ideas", "support", "knowledge", "cases"):
        response = client.get(reverse("reports:section", args=[section]) + FY)
        assert response.status_code == 200
        _assert_no_other_department(response.content.decode())
    partial = client.get(DASHBOARD + FY, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    _assert_no_other_department(partial.content.decode())


def test_scoped_manager_exports_see_only_own_department(client_for, city):
    client = client_for(city.manager_own)
    for section in ("ideas", "support", "knowledge", "cases"):
        rows = csv_rows(client.get(reverse("reports:export_csv", args=[section]) + FY))
        _assert_no_other_department("\n".join(",".join(r) for r in rows))
    book = workbook(client.get(reverse("reports:export_xlsx") + FY))
    text = "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    _assert_no_other_department(text)
    assert "1334.5" in text


def test_default_scope_setting_applies_to_managers_without_a_row(client_for, city, settings):
    settings.REPORTS_MANAGER_DEFAULT_SCOPE = "own"
    ManagerScope.objects.filter(user=city.manager_own).delete()
    response = client_for(city.manager_own).get(DASHBOARD + FY)
    _assert_no_other_department(response.content.decode())
    settings.REPORTS_MANAGER_DEFAULT_SCOPE = "all"
    response = client_for(city.manager_own).get(DASHBOARD + FY)
    assert "4,321.5" in response.content.decode()


def test_scoped_manager_without_department_sees_nothing(client_for, city):
    manager = UserFactory(department=None, roles=["manager"])
    ManagerScope.objects.create(user=manager, scope="own")
    response = client_for(manager).get(DASHBOARD + FY)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.section("cases").summary.rows[0][1] == 0
    _assert_no_other_department(response.content.decode())


def test_admin_may_filter_one_department(client_for, city):
    response = client_for(city.admin).get(DASHBOARD + FY + f"&department={city.bureau.pk}")
    _assert_no_other_department(
        response.content.decode().split('class="report-filters"')[1].split("</form>")[1]
    )  # the list offers it, of course
    response = client_for(city.admin).get(DASHBOARD + FY + f"&department={city.other.pk}")
    assert "4,321.5" in response.content.decode()
