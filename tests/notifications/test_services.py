import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery, Notification, Preference

pytestmark = pytest.mark.django_db


def send(users, **kw):
    return services.notification_send(recipients=users, kind="announcement", params={"title": "防災訓練"}, **kw)


def test_notification_text_is_rendered_in_the_reader_language(staff_user):
    from django.utils import translation

    (n,) = send([staff_user])
    with translation.override("en"):
        assert n.text == "New announcement: 防災訓練"


def test_email_is_queued_only_after_commit(staff_user, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda delivery_ids: queued.append(list(delivery_ids)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (n,) = send([staff_user])
    assert queued == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert queued == [[n.deliveries.get().pk]]


def test_rolled_back_action_sends_nothing(staff_user, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send([staff_user])
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()


def test_preferences_choose_immediate_digest_or_none(user_factory):
    immediate, digest, off = user_factory(), user_factory(), user_factory()
    Preference.objects.create(user=digest, kind="announcement", email="digest")
    Preference.objects.create(user=off, kind="announcement", email="off")
    send([immediate, digest, off])
    status = {d.notification.recipient_id: d.status for d in Delivery.objects.select_related("notification")}
    assert status == {immediate.pk: "pending", digest.pk: "digest"}
    assert Notification.objects.count() == 3  # in-app always


def test_actor_is_not_notified_of_own_action(coe_user, staff_user):
    send([coe_user, staff_user], actor=coe_user)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [staff_user.pk]


def test_delivery_is_sent_once_however_often_it_is_run(staff_user):
    (n,) = send([staff_user])
    delivery = n.deliveries.get()
    before = timezone.now()
    assert services.delivery_email_send(delivery_id=delivery.pk) is True
    after = timezone.now()
    assert services.delivery_email_send(delivery_id=delivery.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff_user.email]
    assert "防災訓練" in mail.outbox[0].subject
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1
    assert before <= delivery.claimed_at <= delivery.sent_at <= after


def test_failed_send_is_recorded_and_left_pending_for_retry(staff_user, monkeypatch):
    (n,) = send([staff_user])
    delivery = n.deliveries.get()

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server not answering")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    with pytest.raises(services.TransientDeliveryError):
        services.delivery_email_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "SMTP server not answering" in delivery.last_error

    monkeypatch.undo()
    assert services.delivery_email_send(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
    assert delivery.last_error == ""  # the earlier failure is over
    assert len(mail.outbox) == 1


def test_task_retries_only_the_failed_deliveries_with_backoff(user_factory, monkeypatch):
    from apps.notifications import tasks

    a, b = user_factory(), user_factory()
    da, db_ = (n.deliveries.get() for n in send([a, b]))
    original = services.delivery_email_send

    def flaky(*, delivery_id):
        if delivery_id == db_.pk:
            raise services.TransientDeliveryError("busy")
        return original(delivery_id=delivery_id)

    monkeypatch.setattr(services, "delivery_email_send", flaky)
    retried = {}

    def fake_retry(*, args, countdown):
        retried.update(args=args, countdown=countdown)
        return RuntimeError("retry")

    monkeypatch.setattr(tasks.notifications_deliver_email, "retry", fake_retry)
    with pytest.raises(RuntimeError):
        tasks.notifications_deliver_email.run([da.pk, db_.pk])
    assert retried == {"args": [[db_.pk]], "countdown": 30}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [a.email]


def test_digest_collects_waiting_notifications_into_one_mail(staff_user):
    Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    for title in ("一件目", "二件目"):
        services.notification_send(recipients=[staff_user], kind="announcement", params={"title": title})
    assert services.digest_send(user_id=staff_user.pk) == 2
    assert services.digest_send(user_id=staff_user.pk) == 0
    assert len(mail.outbox) == 1
    assert "一件目" in mail.outbox[0].body and "二件目" in mail.outbox[0].body


def test_announcement_reaches_the_department_and_units_below_it(user_factory, department_factory, coe_user):
    bureau = department_factory(level="bureau")
    section = department_factory(parent=bureau)
    inside, below, outside = user_factory(department=bureau), user_factory(department=section), user_factory()
    services.announcement_publish(author=coe_user, title="局内連絡", body="本文", department=bureau)
    # One each (a list: a second notification to someone would show), nobody outside.
    recipients = sorted(Notification.objects.values_list("recipient", flat=True))
    assert recipients == sorted([inside.pk, below.pk])
    assert outside.pk not in recipients


def test_mark_read_only_by_the_recipient(staff_user, user_factory):
    (n,) = send([staff_user])
    with pytest.raises(PermissionError):
        services.notification_mark_read(user=user_factory(), notification=n)
    n.refresh_from_db()
    assert n.read_at is None
    before = timezone.now()
    services.notification_mark_read(user=staff_user, notification=n)
    n.refresh_from_db()
    assert before <= n.read_at <= timezone.now()
