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
from tests.reports.helpers import dashboard, run_report_builds

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
    response = dashboard(client, DASHBOARD)
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


@pytest.mark.parametrize("who", ["manager_all", "admin"])
def test_managers_and_admins_see_every_section(client_for, city, who):
    response = dashboard(client_for(getattr(city, who)), DASHBOARD + FY)
    assert response.status_code == 200
    assert [s.key for s in response.context["report"].sections] == ["ideas", "support", "knowledge", "cases"]
    assert "reports" in [item.key for item in nav_items_for(getattr(city, who))]


def test_coe_sees_support_and_knowledge_only(client_for, city):
    client = client_for(city.coe)
    response = dashboard(client, DASHBOARD + FY)
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

    response = dashboard(client_for(city.admin), DASHBOARD)
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
    response = dashboard(client, DASHBOARD + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None
    export = client.get(reverse("reports:export_csv", args=["support"]) + query, HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 400
    assert message in export.content.decode()


def test_date_range_is_bookmarkable_and_compared_with_the_same_length_before(client_for, city):
    response = dashboard(client_for(city.admin), DASHBOARD + "?start=2025-03-01&end=2025-03-31&compare=on")
    report = response.context["report"]
    assert (str(report.period.start), str(report.period.end)) == ("2025-03-01", "2025-03-31")
    assert (str(report.previous.start), str(report.previous.end)) == ("2025-01-29", "2025-02-28")
    # The export links carry the same period.
    assert "start=2025-03-01&amp;end=2025-03-31&amp;compare=on" in response.content.decode()


# --- figures computed by the worker -----------------------------------------------------------


def _change_hours_behind_the_figures() -> None:
    Case.objects.filter(hours_saved_per_year__isnull=False).update(hours_saved_per_year=1)


def test_a_first_visit_says_the_figures_are_being_computed_and_asks_again(client_for, city):
    client = client_for(city.admin)
    response = client.get(DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200 and response.context["report"] is None
    assert "The figures for this view are being computed." in html
    assert f'hx-get="{DASHBOARD}?fy=2024"' in html and 'hx-trigger="load delay:2s"' in html
    assert run_report_builds() == 1
    # The poll (htmx) gets the figures and no longer asks again.
    polled = client.get(DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en", HTTP_HX_REQUEST="true").content.decode()
    assert "Figures as of" in polled and "hx-trigger" not in polled


def test_every_reader_of_a_view_sees_the_same_computed_figures(client_for, city):
    """One computation for everyone (every process and node reads the table): a change after
    it shows at the next computation, not at the next page view."""
    first, second = client_for(city.admin), client_for(city.manager_all)
    before = dashboard(first, DASHBOARD + FY).context["report"]
    _change_hours_behind_the_figures()
    assert run_report_builds() == 0
    seen = second.get(DASHBOARD + FY).context["report"]
    assert seen.built_at == before.built_at
    assert seen.section("cases").summary.rows[0][1] == before.section("cases").summary.rows[0][1]


@pytest.mark.parametrize("who", ["admin", "coe"])
def test_recompute_now_gives_the_current_figures_to_coe_and_admin(client_for, city, who):
    client = client_for(getattr(city, who))
    section = "cases" if who == "admin" else "knowledge"

    def first_figure():
        response = dashboard(client, DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en")
        return response, response.context["report"].section(section).summary.rows[0][1]

    response, before = first_figure()
    html = response.content.decode()
    assert "Figures as of" in html and "computed again every 30 minutes" in html
    assert f'action="{reverse("reports:refresh")}?fy=2024"' in html
    _change_hours_behind_the_figures()
    ArticleView.objects.all().delete()
    assert first_figure()[1] == before  # the computed figures, until they are computed again
    refreshed = client.post(reverse("reports:refresh") + FY, HTTP_ACCEPT_LANGUAGE="en")
    assert refreshed.status_code == 302 and refreshed["Location"] == DASHBOARD + FY
    pending = client.get(DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Newer figures are being computed" in pending  # the old figures still shown meanwhile
    assert run_report_builds() == 1
    assert first_figure()[1] != before


def test_managers_cannot_recompute_the_figures(client_for, city):
    client = client_for(city.manager_all)
    before = dashboard(client, DASHBOARD + FY).context["report"]
    assert f'action="{reverse("reports:refresh")}' not in client.get(DASHBOARD + FY).content.decode()
    _change_hours_behind_the_figures()
    assert client.post(reverse("reports:refresh") + FY).status_code == 403
    assert run_report_builds() == 0
    after = client.get(DASHBOARD + FY).context["report"]
    assert after.built_at == before.built_at
    assert after.section("cases").summary.rows[0][1] == before.section("cases").summary.rows[0][1]


# --- department scoping ----------------------------------------------------------------------------


def _assert_no_other_department(text: str) -> None:
    for marker in OTHER_MARKERS:
        assert marker not in text, marker


def test_scoped_manager_sees_only_own_department_on_the_page(client_for, city):
    client = client_for(city.manager_own)
    for query in (FY, FY + "&compare=on", FY + f"&department={city.other.pk}", FY + "&department="):
        response = dashboard(client, DASHBOARD + query)
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
    partial = dashboard(client, DASHBOARD + FY, HTTP_HX_REQUEST="true")
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
    response = dashboard(client_for(city.manager_own), DASHBOARD + FY)
    _assert_no_other_department(response.content.decode())
    settings.REPORTS_MANAGER_DEFAULT_SCOPE = "all"
    response = dashboard(client_for(city.manager_own), DASHBOARD + FY)
    assert "4,321.5" in response.content.decode()


def test_scoped_manager_without_department_sees_nothing(client_for, city):
    manager = UserFactory(department=None, roles=["manager"])
    ManagerScope.objects.create(user=manager, scope="own")
    response = dashboard(client_for(manager), DASHBOARD + FY)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.section("cases").summary.rows[0][1] == 0
    _assert_no_other_department(response.content.decode())


def test_admin_may_filter_one_department(client_for, city):
    response = dashboard(client_for(city.admin), DASHBOARD + FY + f"&department={city.bureau.pk}")
    _assert_no_other_department(
        response.content.decode().split('class="report-filters"')[1].split("</form>")[1]
    )  # the list offers it, of course
    response = dashboard(client_for(city.admin), DASHBOARD + FY + f"&department={city.other.pk}")
    assert "4,321.5" in response.content.decode()
