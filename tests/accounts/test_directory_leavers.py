# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""A COE member leaves (disabled in Entra ID, seen by the directory sync against the local
Graph fake): their open requests go back to the triage queue and the COE lead is told, their
articles and cases get their department's COE contact (or the lead) as owner, who is told;
mail waiting for them is never sent — through the real outbox and its tasks — and they are
offered in no list of people. Everything they wrote stays, under their name."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.accounts import directory as sync
from apps.accounts.leavers import successor_find, user_leave
from apps.accounts.models import DepartmentMembership
from apps.accounts.roles import Role
from apps.core.models import AuditEntry
from apps.ideas.forms import CoauthorInviteForm
from apps.knowledge.models import Article
from apps.notifications import services as notifications
from apps.notifications.models import Delivery, Notification
from apps.notifications.tasks import notifications_deliver_email, notifications_send_digest
from apps.support import selectors as support_selectors
from apps.support.models import MemberProfile, RequestEvent, Status
from apps.support.selectors import QueueFilters, request_list_for_queue
from tests.accounts.directory_fake import directory, oid_of  # noqa: F401 - a fixture
from tests.accounts.test_sso_fakes import tls_material  # noqa: F401 - a fixture
from tests.cases.factories import CaseFactory
from tests.factories import DepartmentFactory, UserFactory
from tests.knowledge.factories import ArticleFactory
from tests.support.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    """A section under a bureau whose COE contact is set; a COE lead; the leaver, a COE member
    of the section, known to Entra ID by their sign-in."""
    bureau = DepartmentFactory(name_ja="市民局")
    contact = UserFactory(display_name="窓口 花子", roles=[Role.COE])
    bureau.coe_contact = contact
    bureau.save()
    section = DepartmentFactory(name_ja="市民課", parent=bureau)
    lead = UserFactory(display_name="主任 一郎", roles=[Role.COE])
    MemberProfile.objects.create(user=lead, is_lead=True)
    leaver = UserFactory(display_name="退職 太郎", department=section, roles=[Role.COE], email="taro@city.example.jp")
    SocialAccount.objects.create(user=leaver, provider="entra", uid=oid_of(1), extra_data={})
    requester = UserFactory(display_name="依頼 次郎", department=section)
    return {
        "bureau": bureau,
        "section": section,
        "contact": contact,
        "lead": lead,
        "leaver": leaver,
        "requester": requester,
    }


def test_a_leaver_hands_on_everything_and_is_mailed_nothing(
    city, directory, client, django_capture_on_commit_callbacks
):
    leaver, lead, contact = city["leaver"], city["lead"], city["contact"]
    triaged = SupportRequestFactory(requester=city["requester"], assignee=leaver, status=Status.TRIAGED)
    working = SupportRequestFactory(requester=city["requester"], assignee=leaver, status=Status.IN_PROGRESS)
    resolved = SupportRequestFactory(requester=city["requester"], assignee=leaver, status=Status.RESOLVED)
    asked = SupportRequestFactory(requester=leaver, status=Status.NEW)
    published = ArticleFactory(owner=leaver)
    draft = ArticleFactory(owner=leaver, status=Article.Status.DRAFT)
    case = CaseFactory(author=leaver, contacts=[leaver, city["requester"]])
    # Mail waiting for them: a digest (feedback goes to the digest by default) and one right now.
    notifications.notification_send(recipients=[leaver], kind="article_feedback", params={"title": "記事"})
    notifications.notification_send(recipients=[leaver], kind="announcement", params={"title": "お知らせ"})
    waiting = list(Delivery.objects.filter(notification__recipient=leaver).values_list("pk", "status"))
    assert sorted(status for _pk, status in waiting) == ["digest", "pending"]
    client.force_login(leaver)
    assert Session.objects.count() == 1

    directory.add(oid_of(1), displayName="退職 太郎", department="市民課")
    sync.directory_sync_run()
    assert leaver.__class__.objects.get(pk=leaver.pk).is_active
    directory.update(oid_of(1), accountEnabled=False)
    with django_capture_on_commit_callbacks(execute=True):  # sessions end after the commit
        result = sync.directory_sync_run()

    leaver.refresh_from_db()
    assert not leaver.is_active
    assert result.counts == {"left": 1}
    change = result.changes.get()
    assert change.detail["successor"] == "窓口 花子"

    # Open requests are back in the queue, unassigned, each with a line in its history; the
    # resolved one and the one they asked for stay as they were.
    unassigned = request_list_for_queue(lead, QueueFilters(assignee="none"))
    assert {triaged.pk, working.pk} <= set(unassigned.values_list("pk", flat=True))
    for request, status in ((triaged, Status.TRIAGED), (working, Status.IN_PROGRESS)):
        request.refresh_from_db()
        assert request.assignee is None and request.status == status
        event = RequestEvent.objects.filter(request=request).latest("pk")
        assert event.actor is None and event.data == {"assignee_id": None, "assignee": "", "left": "退職 太郎"}
    resolved.refresh_from_db()
    asked.refresh_from_db()
    assert resolved.assignee == leaver and asked.requester == leaver and asked.status == Status.NEW
    # The COE lead is told, once per request.
    told = Notification.objects.filter(recipient=lead, kind="support_released")
    assert sorted(n.params["title"] for n in told) == sorted([triaged.title, working.title])
    assert all(n.params["name"] == "退職 太郎" for n in told)

    # Articles (drafts too) and cases go to the section's COE contact (found on the bureau),
    # who is told; the case's author stays.
    for article in (published, draft):
        article.refresh_from_db()
        assert article.owner == contact
    case.refresh_from_db()
    assert set(case.contacts.all()) == {contact, city["requester"]} and case.author == leaver
    assert Notification.objects.filter(recipient=contact, kind="articles_reassigned").get().params["count"] == 2
    assert Notification.objects.filter(recipient=contact, kind="cases_handed_over").get().params["count"] == 1

    # Nothing is mailed to them any more, through the outbox's own tasks.
    for pk, _status in waiting:
        assert Delivery.objects.get(pk=pk).status == Delivery.Status.SKIPPED
    notifications_deliver_email.apply(args=[[pk for pk, _status in waiting]])
    notifications_send_digest.apply(args=[leaver.pk])
    assert [m for m in mail.outbox if leaver.email in m.to] == []
    # New notifications to them are not even made.
    before = Notification.objects.filter(recipient=leaver).count()
    notifications.notification_send(recipients=[leaver], kind="announcement", params={"title": "次のお知らせ"})
    assert Notification.objects.filter(recipient=leaver).count() == before

    # Their session is over; they are offered in no list of people.
    assert Session.objects.count() == 0
    assert client.get(reverse("core:home")).status_code == 302
    assert leaver.pk not in dict(support_selectors.coe_member_choices())
    form = CoauthorInviteForm({"person": leaver.username})
    assert not form.is_valid()

    # What they wrote stays theirs, by name.
    asked.refresh_from_db()
    assert asked.requester.get_full_name() == "退職 太郎"
    assert case.author.get_full_name() == "退職 太郎"


def test_without_a_contact_the_coe_lead_takes_over(city):
    city["bureau"].coe_contact = None
    city["bureau"].save()
    article = ArticleFactory(owner=city["leaver"])

    summary = user_leave(user=city["leaver"], reason="disabled")

    article.refresh_from_db()
    assert article.owner == city["lead"]
    assert summary["successor"] == "主任 一郎"


def test_a_contact_who_left_is_passed_over(city):
    user_leave(user=city["contact"], reason="disabled")
    assert successor_find(city["leaver"]) == city["lead"]
    city["section"].coe_contact = city["requester"]
    city["section"].save()
    assert successor_find(city["leaver"]) == city["requester"]


def test_a_leave_that_fails_in_a_handler_keeps_the_account(city, monkeypatch):
    from apps.accounts import leavers

    def broken(leaver):
        raise RuntimeError("the handler failed")

    monkeypatch.setitem(leavers._handlers, "broken", broken)
    article = ArticleFactory(owner=city["leaver"])
    with pytest.raises(RuntimeError):
        user_leave(user=city["leaver"], reason="disabled")
    city["leaver"].refresh_from_db()
    article.refresh_from_db()
    assert city["leaver"].is_active and article.owner == city["leaver"]


def test_leaving_twice_does_nothing_the_second_time(city):
    ArticleFactory(owner=city["leaver"])
    assert user_leave(user=city["leaver"], reason="disabled") is not None
    assert user_leave(user=city["leaver"], reason="disabled") is None
    assert Notification.objects.filter(kind="articles_reassigned").count() == 1


def test_an_administrator_deactivating_someone_in_django_admin_is_a_leave(city, client, admin_user):
    leaver = city["leaver"]
    article = ArticleFactory(owner=leaver)
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[leaver.pk])
    assert client.get(url).status_code == 200
    joined = timezone.localtime(leaver.date_joined)
    form = {
        "username": leaver.username,
        "email": leaver.email,
        "groups": [g.pk for g in leaver.groups.all()],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "display_name": leaver.display_name,
        "department": leaver.department_id,
        # "is_active" left out: the box unticked
    }

    response = client.post(url, form)

    assert response.status_code == 302
    leaver.refresh_from_db()
    article.refresh_from_db()
    assert not leaver.is_active and article.owner == city["contact"]
    assert AuditEntry.objects.filter(action="directory.user_left", actor=admin_user).exists()

    response = client.post(url, {**form, "is_active": "on"})
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert leaver.is_active
    assert DepartmentMembership.objects.filter(user=leaver, valid_until__isnull=True).count() == 1
