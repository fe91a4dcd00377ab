"""The digest (PRODUCT.md "Notifications": each user chooses immediate or digest per kind):
one mail per person with exactly the notifications they chose to get that way and have not
been mailed yet, in the order they happened, in their language; then nothing again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.notifications import services, tasks
from apps.notifications.models import Delivery, Preference

pytestmark = pytest.mark.django_db

BASE = "https://portal.city.example.jp"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE


def notify(users, kind="announcement", url="", **params):
    return services.notification_send(recipients=users, kind=kind, params=params, url=url)


def test_a_digest_holds_exactly_my_waiting_digest_notifications_in_order(user_factory):
    me = user_factory(language="en", display_name="Hanako Yamada")
    other = user_factory(language="en")
    for user in (me, other):
        Preference.objects.create(user=user, kind="announcement", email="digest")
    notify([me, other], title="一件目", url="/notifications/announcements/1/")
    notify([me], kind="support_reply", title="承認フロー")  # immediate: not in the digest
    notify([me], kind="support_rated", title="承認フロー", rating=5)  # digest by default
    notify([me], title="三件目")  # no link

    before = timezone.now()
    assert services.digest_send(user_id=me.pk) == 3
    after = timezone.now()

    (message,) = mail.outbox
    assert message.to == [me.email]
    assert message.subject == "[DX COE Portal] 3 new notifications"
    lines = message.body.rstrip().splitlines()
    assert lines == [
        "Dear Hanako Yamada,",
        "",
        "Here is what happened in the DX COE Portal since your last digest:",
        "",
        "- New announcement: 一件目",
        f"  {BASE}/notifications/announcements/1/",
        "- The support request “承認フロー” was rated 5 out of 5.",
        "- New announcement: 三件目",
        "",
        BASE + reverse("notifications:preferences"),
    ]
    statuses = {
        (d.notification.recipient_id, d.notification.kind, d.notification.params["title"]): d.status
        for d in Delivery.objects.select_related("notification")
    }
    assert statuses == {
        (me.pk, "announcement", "一件目"): "sent",
        (me.pk, "support_rated", "承認フロー"): "sent",
        (me.pk, "announcement", "三件目"): "sent",
        (me.pk, "support_reply", "承認フロー"): "pending",  # the immediate mail's own task sends it
        (other.pk, "announcement", "一件目"): "digest",  # waits for the other person's digest
    }
    sent_at = sorted(Delivery.objects.filter(status="sent").values_list("sent_at", flat=True))
    assert len(sent_at) == 3 and before <= sent_at[0] and sent_at[-1] <= after

    # Nothing twice: the next digest of mine has nothing; a new notification starts the next one.
    assert services.digest_send(user_id=me.pk) == 0
    notify([me], title="四件目")
    assert services.digest_send(user_id=me.pk) == 1
    assert [m.subject for m in mail.outbox] == [
        "[DX COE Portal] 3 new notifications",
        "[DX COE Portal] 1 new notification",
    ]
    assert "- New announcement: 四件目" in mail.outbox[1].body.splitlines()
    assert "一件目" not in mail.outbox[1].body


def test_a_digest_in_japanese(user_factory):
    reader = user_factory(language="ja", display_name="山田 花子")
    Preference.objects.create(user=reader, kind="announcement", email="digest")
    notify([reader], title="防災訓練")
    assert services.digest_send(user_id=reader.pk) == 1
    (message,) = mail.outbox
    assert message.subject == "[DX COE ポータル] 新着通知 1 件"
    assert message.body.splitlines()[:5] == [
        "山田 花子 様",
        "",
        "前回のまとめメール以降の DX COE ポータルの新着情報は次のとおりです。",
        "",
        "- 新着のお知らせ：防災訓練",
    ]


def test_the_morning_job_queues_one_digest_per_person_with_something_waiting(user_factory, monkeypatch):
    two_waiting, one_waiting, immediate_only, already_sent = (user_factory() for _ in range(4))
    for user in (two_waiting, one_waiting, already_sent):
        Preference.objects.create(user=user, kind="announcement", email="digest")
    notify([two_waiting, one_waiting, immediate_only, already_sent], title="一件目")
    notify([two_waiting], title="二件目")
    services.digest_send(user_id=already_sent.pk)

    queued = []
    monkeypatch.setattr(tasks.notifications_send_digest, "delay", queued.append)
    assert tasks.notifications_queue_digests.run() == 2
    assert sorted(queued) == sorted([two_waiting.pk, one_waiting.pk])


def test_a_digest_task_whose_mail_fails_keeps_everything_for_the_next_one(staff_user, monkeypatch, caplog):
    Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    notify([staff_user], title="一件目")

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server not answering")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    tasks.notifications_send_digest.run(staff_user.pk)  # logged, not raised: tomorrow's digest tries again
    (delivery,) = Delivery.objects.all()
    assert (delivery.status, delivery.claimed_at, delivery.attempts) == ("digest", None, 1)
    assert "SMTP server not answering" in delivery.last_error
    assert f"digest for user {staff_user.pk} failed" in caplog.text
    monkeypatch.undo()

    tasks.notifications_send_digest.run(staff_user.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_a_digest_claimed_by_a_dead_worker_is_queued_again_for_its_person(
    user_factory, monkeypatch, django_capture_on_commit_callbacks
):
    reader, other = user_factory(), user_factory()
    for user in (reader, other):
        Preference.objects.create(user=user, kind="announcement", email="digest")
    notify([reader, other], title="一件目")
    Delivery.objects.filter(notification__recipient=reader).update(
        status="sending", claimed_at=timezone.now() - services.CLAIM_TIMEOUT - timedelta(minutes=1)
    )
    queued = []
    monkeypatch.setattr(tasks.notifications_send_digest, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale() == 1
    assert queued == [reader.pk]
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["digest", "digest"]
