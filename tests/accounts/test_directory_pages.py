# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""The directory page (administrators): last and next sync, what a run changed (joined, left,
transferred, renamed), its problems; "Sync now" and "Dry run" queue the sync for a worker
after the commit. Nobody else sees it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts import directory as sync
from apps.accounts.models import DirectoryChange, DirectorySyncRun, User
from apps.accounts.tasks import directory_sync
from apps.core.models import AuditEntry
from tests.accounts.directory_fake import directory, oid_of, populate  # noqa: F401 - a fixture
from tests.accounts.test_sso_fakes import tls_material  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:directory")
SYNC = reverse("accounts:directory_sync")


@pytest.fixture
def admin(admin_user):
    admin_user.language = "en"
    admin_user.save()
    return admin_user


def test_the_page_shows_the_last_and_next_sync_and_what_changed(client_for, admin, directory):
    populate(directory, 30)
    sync.directory_sync_run(trigger="schedule")
    directory.update(oid_of(3), accountEnabled=False)
    directory.update(oid_of(4), department="防災課")
    for number in range(1, 31, 10):  # the three of 市民課
        directory.update(oid_of(number), department="市民窓口課")
    run = sync.directory_sync_run(trigger="schedule")

    page = client_for(admin).get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["last"] == run and page.context["run"] == run
    next_at = page.context["next_at"]
    assert timezone.localtime(next_at).strftime("%H:%M") == "05:15" and next_at > timezone.now()
    rows = {(c.get_kind_display(), c.name) for c in page.context["changes"]}
    assert rows == {("Left", "職員 00003"), ("Transferred", "職員 00004"), ("Department renamed", "市民窓口課")}
    for text in ("職員 00003", "職員 00004", "市民窓口課", "Left: 1", "Transferred: 1", "Department renamed: 1"):
        assert text in html
    assert "Sync now" in html and "Dry run" in html
    assert "Reason: account disabled in Entra ID" in html  # why they left, in words, not the sync's code

    # The first run's 30 joiners, a page of its own, and only one kind of change.
    first = DirectorySyncRun.objects.order_by("pk").first()
    page = client_for(admin).get(PAGE, {"run": first.pk, "kind": "joined"})
    assert page.context["run"] == first and len(page.context["changes"]) == 30


def test_problems_of_a_run_are_shown(client_for, admin, directory):
    populate(directory, 100)
    sync.directory_sync_run()
    for number in range(1, 31):
        directory.group_remove(oid_of(number))
    sync.directory_sync_run()
    html = client_for(admin).get(PAGE).content.decode()
    assert "DIRECTORY_SYNC_MAX_LEAVERS_PERCENT" in html and "Leavers held back: 30" in html


def test_sync_now_and_dry_run_queue_the_task_for_a_worker(
    client_for, admin, directory, django_capture_on_commit_callbacks
):
    populate(directory, 10)
    client = client_for(admin)

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(SYNC, {"dry_run": "on"}, follow=True)
    assert "The dry run was started." in response.content.decode()
    assert len(queued) == 1
    assert AuditEntry.objects.filter(action="directory.sync_requested", actor=admin, data__dry_run=True).exists()

    # What the worker then runs (the task, eagerly here; tests/accounts/test_directory_worker.py
    # has a real worker): a dry run by the administrator, which changes nothing.
    directory_sync.apply(kwargs={"dry_run": True, "actor_id": admin.pk, "trigger": "admin"})
    dry = DirectorySyncRun.objects.get()
    assert dry.dry_run and dry.actor == admin and dry.trigger == "admin" and dry.counts["joined"] == 10
    assert User.objects.filter(socialaccount__isnull=False).count() == 0

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(SYNC, {}, follow=True)
    assert "The sync was started." in response.content.decode() and len(queued) == 1


def test_sync_now_while_a_run_is_under_way_is_refused(client_for, admin, directory, django_capture_on_commit_callbacks):
    DirectorySyncRun.objects.create(lock="directory-sync", trigger="schedule")
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(admin).post(SYNC, {}, follow=True)
    assert "A sync is running already." in response.content.decode()
    assert queued == [] and not AuditEntry.objects.filter(action="directory.sync_requested").exists()


def test_sync_now_without_the_settings_says_what_is_missing(
    client_for, admin, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_SYNC_ENABLED = False
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(admin).post(SYNC, {}, follow=True)
    html = response.content.decode()
    assert "DIRECTORY_SYNC_ENABLED=1" in html and queued == []
    assert response.context["next_at"] is None and "Not scheduled" in html


@pytest.mark.parametrize("role", ["staff_user", "coe_user", "manager_user"])
def test_only_administrators_see_the_directory(client_for, request, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(PAGE).status_code == 403
    assert client.post(SYNC, {}).status_code == 403
    assert not AuditEntry.objects.filter(action="directory.sync_requested").exists()


def test_odd_parameters_show_the_latest_run(client_for, admin):
    run = DirectorySyncRun.objects.create(trigger="schedule", status="succeeded", finished_at=timezone.now())
    DirectoryChange.objects.create(run=run, kind="joined", name="職員 00001")
    client = client_for(admin)
    for query in ({"run": "²"}, {"run": "99999999999999999999"}, {"kind": "abc"}, {"page": "-1"}, {"run": "0"}):
        page = client.get(PAGE, query)
        assert page.status_code == 200 and page.context["run"] == run


def test_the_next_run_is_the_next_morning_after_the_schedule(directory):
    tokyo = ZoneInfo("Asia/Tokyo")
    at_five_fifteen = datetime(2026, 4, 1, 5, 15, tzinfo=tokyo)
    assert sync.next_scheduled_run(datetime(2026, 3, 31, 6, 0, tzinfo=tokyo)) == at_five_fifteen
    assert sync.next_scheduled_run(datetime(2026, 4, 1, 5, 0, tzinfo=tokyo)) == at_five_fifteen
