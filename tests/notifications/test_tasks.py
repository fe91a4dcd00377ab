"""The e-mail task (PRODUCT.md "Notifications": retried with backoff, never sent twice): only
the deliveries that failed are retried, after 30 s, 60 s, 120 s …; after the sixth retry they
are given up as failed; the re-queue job leaves a delivery to its retry until a few minutes
after the retry was due."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications import services, tasks
from apps.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def deliveries(*users) -> list[Delivery]:
    services.notification_send(recipients=users, kind="announcement", params={"title": "防災訓練"})
    return list(Delivery.objects.order_by("notification__recipient_id"))


@pytest.mark.parametrize(("retries", "countdown"), [(0, 30), (1, 60), (2, 120), (3, 240), (4, 480), (5, 960)])
def test_failed_deliveries_are_retried_with_doubling_backoff_and_wait_for_it(
    user_factory, retries, countdown, run_deliver_task
):
    ok, refused = deliveries(user_factory(), user_factory())
    before = timezone.now()

    asked = run_deliver_task([ok.pk, refused.pk], failing={refused.pk}, retries=retries)

    after = timezone.now()
    assert asked == {"args": [[refused.pk]], "countdown": countdown}
    ok.refresh_from_db()
    refused.refresh_from_db()
    assert (ok.status, refused.status) == ("sent", "pending")
    assert [m.to for m in mail.outbox] == [[ok.notification.recipient.email]]
    # Due when its retry is: the re-queue job does not send it again before then.
    assert before + timedelta(seconds=countdown) <= refused.due_at <= after + timedelta(seconds=countdown)
    assert ok.due_at < before


@pytest.mark.parametrize(("retries", "countdown"), [(6, 1920), (7, 3600), (9, 3600)])
def test_the_wait_between_retries_never_exceeds_an_hour(
    user_factory, monkeypatch, retries, countdown, run_deliver_task
):
    """Backoff doubles "up to an hour" (docs/architecture.md): with more retries allowed than
    the six of today, the seventh waits 32 minutes and every later one an hour."""
    monkeypatch.setattr(tasks.notifications_deliver_email, "max_retries", 10)
    _ok, refused = deliveries(user_factory(), user_factory())
    asked = run_deliver_task([refused.pk], failing={refused.pk}, retries=retries)
    assert asked == {"args": [[refused.pk]], "countdown": countdown}


def test_after_the_sixth_retry_only_the_failed_deliveries_are_given_up(user_factory, monkeypatch, run_deliver_task):
    ok, refused, elsewhere = deliveries(user_factory(), user_factory(), user_factory())

    asked = run_deliver_task([ok.pk, refused.pk], failing={refused.pk}, retries=6)

    assert asked == {}
    # `elsewhere` belongs to another task: still waiting for it.
    assert dict(Delivery.objects.values_list("pk", "status")) == {
        ok.pk: "sent",
        refused.pk: "failed",
        elsewhere.pk: "pending",
    }
    refused.refresh_from_db()
    assert refused.last_error == "gave up after retries"
    # A failed delivery is not picked up again by the re-queue job, however late.
    queued = []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda *, delivery_ids: queued.extend(delivery_ids))
    services.deliveries_requeue_stale(now=timezone.now() + timedelta(days=1))
    assert queued == []


def test_giving_up_never_marks_a_delivery_another_worker_has_sent_or_claimed(user_factory):
    sent, sending = deliveries(user_factory(), user_factory())
    Delivery.objects.filter(pk=sent.pk).update(status="sent")
    Delivery.objects.filter(pk=sending.pk).update(status="sending", claimed_at=timezone.now())
    for delivery in (sent, sending):
        services.delivery_mark_failed(delivery_id=delivery.pk, error="gave up after retries")
    assert dict(Delivery.objects.values_list("pk", "status")) == {sent.pk: "sent", sending.pk: "sending"}


def test_postponing_touches_pending_deliveries_only(user_factory):
    pending, sent, other = deliveries(user_factory(), user_factory(), user_factory())
    Delivery.objects.filter(pk=sent.pk).update(status="sent")
    sent.refresh_from_db()
    until = timezone.now() + timedelta(minutes=8)
    services.deliveries_postpone(delivery_ids=[pending.pk, sent.pk], until=until)
    # Only the given pending delivery: another task's delivery keeps its own due time.
    assert dict(Delivery.objects.values_list("pk", "due_at")) == {
        pending.pk: until,
        sent.pk: sent.due_at,
        other.pk: other.due_at,
    }


def test_a_task_with_nothing_failed_asks_for_no_retry(user_factory, run_deliver_task):
    first, second = deliveries(user_factory(), user_factory())
    assert run_deliver_task([first.pk, second.pk], failing=set(), retries=0) == {}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.notification.recipient.email, second.notification.recipient.email]
    )


def test_the_task_is_acknowledged_only_after_it_ran():
    # A worker that dies mid-task leaves the message to the broker (PRODUCT.md: no mail lost).
    assert tasks.notifications_deliver_email.acks_late is True
    assert tasks.notifications_send_digest.acks_late is True


def test_the_requeue_beat_job_runs_the_service_and_reports_how_many(
    user_factory, monkeypatch, django_capture_on_commit_callbacks
):
    lost, _fresh = deliveries(user_factory(), user_factory())
    Delivery.objects.filter(pk=lost.pk).update(due_at=timezone.now() - timedelta(minutes=6))
    queued = []
    monkeypatch.setattr(tasks.notifications_deliver_email, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notifications_requeue_stale.run() == 1
    assert queued == [[lost.pk]]
