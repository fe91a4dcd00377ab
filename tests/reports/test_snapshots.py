"""Report figures are computed by a task and kept in a table (issue #15): one computation per
view for every reader, process and node; the usual views computed before anyone asks; a
build that fails or loses its worker is tried again, not at every page view."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.dates import current_fiscal_year
from apps.reports import figures, services
from apps.reports.models import ReportSnapshot
from tests.reports.city import make_city
from tests.reports.helpers import dashboard, run_report_builds

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("reports:dashboard")
FY = "?fy=2024"


@pytest.fixture
def city():
    return make_city()


def test_the_usual_views_are_computed_before_anyone_asks(city, client_for):
    now = timezone.now()
    # Two fiscal years × (all departments, 市民局, 環境局) × two sets of sections × two languages.
    assert services.usual_snapshots_refresh(now=now) == 24
    assert services.usual_snapshots_refresh(now=now) == 0  # queued already
    assert run_report_builds() == 24
    assert services.usual_snapshots_refresh(now=now + timedelta(minutes=10)) == 0  # fresh enough
    # A manager opening this year's report for everyone finds it computed.
    response = client_for(city.manager_all).get(DASHBOARD + f"?fy={current_fiscal_year()}")
    assert response.context["report"] is not None and not response.context["pending"]
    # Past half of MAX_AGE every usual view is computed again.
    assert services.usual_snapshots_refresh(now=timezone.now() + services.MAX_AGE / 2 + timedelta(minutes=1)) == 24


def test_views_nobody_opens_are_forgotten(city, client_for):
    dashboard(client_for(city.admin), DASHBOARD + "?start=2024-05-01&end=2024-05-31")
    assert ReportSnapshot.objects.count() == 1
    services.usual_snapshots_refresh(now=timezone.now() + services.KEEP_UNUSED + timedelta(days=1))
    assert not ReportSnapshot.objects.filter(params__start="2024-05-01").exists()


def test_a_failed_build_is_said_and_tried_again_later_not_at_every_view(city, client_for, monkeypatch):
    client = client_for(city.admin)

    def broken(scope):
        raise RuntimeError("database went away")

    monkeypatch.setitem(figures.BUILDERS, "cases", broken)
    client.get(DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en")
    assert run_report_builds() == 1
    (snapshot,) = ReportSnapshot.objects.all()
    assert snapshot.status == "failed" and "database went away" in snapshot.error
    page = client.get(DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en")
    assert "The figures could not be computed." in page.content.decode()
    assert run_report_builds() == 0  # the page view did not queue it again
    monkeypatch.undo()
    later = timezone.now() + services.BUILD_TIMEOUT + timedelta(minutes=1)
    view = services.ReportView.from_params(snapshot.params)
    assert services.snapshot_for(view, now=later).status == "queued"
    assert run_report_builds() == 1
    page = client.get(DASHBOARD + FY, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["report"].section("cases") is not None and not page.context["failed"]


def test_a_build_whose_worker_died_is_queued_again(city, client_for):
    client_for(city.admin).get(DASHBOARD + FY)
    (snapshot,) = ReportSnapshot.objects.all()
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(status="building")  # claimed, then the worker died
    view = services.ReportView.from_params(snapshot.params)
    assert services.snapshot_for(view, now=timezone.now() + timedelta(minutes=5)).status == "building"
    assert services.snapshot_for(view, now=timezone.now() + services.BUILD_TIMEOUT * 2).status == "queued"
    assert run_report_builds() == 1
    snapshot.refresh_from_db()
    assert snapshot.status == "ready" and snapshot.built_at is not None


def test_a_queued_build_is_done_once_however_many_workers_get_it(city, client_for):
    client_for(city.admin).get(DASHBOARD + FY)
    (snapshot,) = ReportSnapshot.objects.all()
    assert services.snapshot_build(snapshot_id=snapshot.pk) is True
    assert services.snapshot_build(snapshot_id=snapshot.pk) is False  # a second delivery of the message


def test_a_new_release_does_not_read_the_figures_the_old_code_stored(city, client_for, settings):
    client = client_for(city.admin)
    assert dashboard(client, DASHBOARD + FY).context["report"] is not None
    settings.PORTAL_RELEASE = "2027.1.0"
    response = client.get(DASHBOARD + FY)
    assert response.context["report"] is None and response.context["pending"]
