"""A worker killed with SIGKILL in the middle of a broadcast loses no e-mail.

A real worker process sends a few hundred deliveries and is killed part-way; a fresh worker
and the re-queue job then finish the work. Every delivery ends `sent` and every recipient has
its mail. A mail can only be duplicated if the worker died after the mail server accepted it
and before the row was marked `sent`; each such re-send is counted in a "possible duplicate"
log line. Runs on the broker the settings name: the filesystem transport (which deletes a
message when a worker fetches it, so the killed worker's task is gone) or Redis (where it
stays unacknowledged for the visibility timeout, an hour).
"""

import logging
from collections import Counter

import pytest
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery
from tests.notifications.workers import mails_to, wait_until

DELIVERIES = 300  # two dispatch chunks: one in the killed worker's hands, one still queued

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def statuses() -> Counter:
    return Counter(Delivery.objects.values_list("status", flat=True))


def finish_after_kill(start_worker, caplog, *, killed_at):
    """What an operator's system does after a crash: a new worker starts (keeping the queue),
    and the beat job, running once the dead claims have timed out, sends what was lost."""
    start_worker(purge=False)
    caplog.set_level(logging.WARNING, logger="apps.notifications")
    # The job as it runs one claim timeout after the kill: every claim of the dead worker has
    # expired; the new worker's claims (all made after the kill) have not.
    services.deliveries_requeue_stale(now=killed_at + services.CLAIM_TIMEOUT)
    wait_until(lambda: statuses() == {"sent": DELIVERIES}, "every delivery to be sent")
    return [r for r in caplog.records if "possible duplicate" in r.getMessage()]


def test_worker_killed_after_the_mail_server_accepted_a_mail(start_worker, many_users, tmp_path, caplog):
    users = many_users(DELIVERIES)
    held = users[120]
    marker = tmp_path / "held"
    worker = start_worker(
        env={
            "EMAIL_BACKEND": "tests.notifications.mail_backends.HoldingFileBackend",
            "HOLD_MAIL_TO": held.email,
            "HOLD_MARKER": str(marker),
        }
    )
    services.notification_send(recipients=users, kind="announcement", params={"title": "計画停電のお知らせ"})

    # The mail to `held` is written (accepted by the "mail server") and its worker stops there.
    wait_until(marker.exists, "the worker to hand the held mail to the mail server")
    worker.kill()
    killed_at = timezone.now()

    at_kill = statuses()
    assert 0 < at_kill["sent"] < DELIVERIES, at_kill
    sending = list(Delivery.objects.filter(status="sending").values_list("notification__recipient__email", flat=True))
    assert sending == [held.email]
    assert held.email in mails_to(tmp_path / "mail")

    warnings = finish_after_kill(start_worker, caplog, killed_at=killed_at)

    sent_to = Counter(mails_to(tmp_path / "mail"))
    assert set(sent_to) == {u.email for u in users}
    duplicated = [email for email, count in sent_to.items() if count > 1]
    # The held mail went out twice: it was accepted, and its worker died before it could say so.
    print(f"at the kill: {dict(at_kill)}; duplicated mails {len(duplicated)}, warnings {len(warnings)}")
    assert duplicated == [held.email] and sent_to[held.email] == 2
    assert len(warnings) == len(duplicated) == len(sending)


def test_worker_killed_at_an_arbitrary_point_of_a_broadcast(start_worker, many_users, tmp_path, caplog):
    users = many_users(DELIVERIES)
    worker = start_worker()
    services.notification_send(recipients=users, kind="announcement", params={"title": "計画停電のお知らせ"})

    wait_until(lambda: Delivery.objects.filter(status="sent").count() >= 40, "some mail to be sent")
    worker.kill()
    killed_at = timezone.now()

    at_kill = statuses()
    assert at_kill["sent"] < DELIVERIES, "the worker finished before it could be killed; raise DELIVERIES"
    sending = set(Delivery.objects.filter(status="sending").values_list("notification__recipient__email", flat=True))
    accepted_before_kill = set(mails_to(tmp_path / "mail"))

    warnings = finish_after_kill(start_worker, caplog, killed_at=killed_at)

    sent_to = Counter(mails_to(tmp_path / "mail"))
    assert set(sent_to) == {u.email for u in users}
    duplicated = {email for email, count in sent_to.items() if count > 1}
    # A duplicate exactly where the dead worker had a mail accepted but not marked; every row
    # it had claimed is sent again with a warning, so the warnings bound the duplicates.
    print(f"at the kill: {dict(at_kill)}; duplicated mails {len(duplicated)}, warnings {len(warnings)}")
    assert duplicated == sending & accepted_before_kill
    assert all(count <= 2 for count in sent_to.values())
    assert len(duplicated) <= len(warnings) == len(sending)
