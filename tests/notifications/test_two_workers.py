"""Never sent twice (PRODUCT.md "Notifications") with two Celery workers consuming the queue at
once: every delivery of a broadcast is also queued again in small overlapping tasks (what a
redelivered message or the re-queue job running twice does), so both workers hold tasks for
the same deliveries at the same time. Each person still gets exactly one mail, and each
delivery is claimed exactly once. Runs on the broker the settings name (the filesystem
transport by default, Redis with REDIS_URL)."""

import re
from collections import Counter

import pytest

from apps.notifications import services
from apps.notifications.models import Delivery
from apps.notifications.tasks import notifications_deliver_email
from tests.notifications.workers import mails_to, wait_until

RECIPIENTS = 120
CHUNK = 5

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def tasks_done(worker) -> int:
    return sum(1 for line in list(worker.log) if re.search(r"notifications_deliver_email\[[^]]+\] succeeded", line))


def test_two_workers_at_once_send_each_mail_exactly_once(start_worker, many_users, tmp_path):
    first = start_worker()
    second = start_worker(purge=False)  # the same queue as the first
    users = many_users(RECIPIENTS)

    services.notification_send(recipients=users, kind="announcement", params={"title": "計画停電のお知らせ"})
    ids = sorted(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == RECIPIENTS
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        notifications_deliver_email.delay(chunk)
        notifications_deliver_email.delay(chunk[::-1])
    queued_tasks = 1 + 2 * (RECIPIENTS // CHUNK)  # the broadcast's own task and the duplicates

    # At least: a message the broker hands out again (Redis redelivers one it thinks lost) runs
    # twice, which is the case this test is about; the mails below must still be one each.
    try:
        wait_until(lambda: tasks_done(first) + tasks_done(second) >= queued_tasks, "both workers to finish every task")
    except pytest.fail.Exception:
        done = (tasks_done(first), tasks_done(second))
        tails = "".join(first.log[-20:]) + "----\n" + "".join(second.log[-20:])
        pytest.fail(f"{done} of {queued_tasks} tasks done in time; the workers' last lines:\n{tails}")

    assert Counter(mails_to(tmp_path / "mail")) == Counter({u.email: 1 for u in users})
    assert Counter(Delivery.objects.values_list("status", flat=True)) == Counter({"sent": RECIPIENTS})
    # Claimed once each: no second worker ever got as far as the mail server.
    assert Counter(Delivery.objects.values_list("attempts", flat=True)) == Counter({1: RECIPIENTS})
    print(f"tasks per worker: {tasks_done(first)} and {tasks_done(second)} of {queued_tasks}")
    # Both workers really took part (otherwise this would be the one-worker test again).
    assert tasks_done(first) > 0 and tasks_done(second) > 0, (tasks_done(first), tasks_done(second))
