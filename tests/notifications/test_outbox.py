"""The e-mail outbox: a delivery is claimed (`sending`) and committed before the mail server
is called, marked `sent` after it; deliveries the broker lost and claims of a dead worker are
sent again by the re-queue job, and only those re-sends can ever be a duplicate."""

import logging
import sqlite3
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from apps.notifications import services, tasks
from apps.notifications.models import Delivery, EmailMode, Preference

pytestmark = pytest.mark.django_db


def send(users, title="防災訓練"):
    return services.notification_send(recipients=users, kind="announcement", params={"title": title})


def deliveries_of(*users):
    return list(Delivery.objects.filter(notification__recipient__in=users).order_by("notification__recipient_id"))


# --- nothing locked while the mail server is called ------------------------------------------


def row_as_seen_from_another_connection(delivery_ids: list[int]) -> dict:
    """What a second database session sees of the rows at this moment, and whether it could
    take their write lock at once (it cannot while a transaction holds them)."""
    db = connection.settings_dict
    placeholders = ", ".join(["%s"] * len(delivery_ids))
    if connection.vendor == "sqlite":
        other = sqlite3.connect(db["NAME"], timeout=0, isolation_level=None)
        try:
            try:
                other.execute("BEGIN IMMEDIATE")  # the database-wide write lock, without waiting
            except sqlite3.OperationalError:
                locked = True
            else:
                locked = False
            rows = other.execute(
                f"SELECT status FROM notifications_delivery WHERE id IN ({placeholders.replace('%s', '?')})",
                delivery_ids,
            ).fetchall()
            if not locked:
                other.execute("ROLLBACK")
        finally:
            other.close()
        return {"statuses": {status for (status,) in rows}, "locked": locked}
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or None
    ) as other:
        try:
            rows = other.execute(
                f"SELECT status FROM notifications_delivery WHERE id IN ({placeholders}) FOR UPDATE NOWAIT",
                delivery_ids,
            ).fetchall()
            locked = False
        except psycopg.errors.LockNotAvailable:
            other.rollback()
            rows = other.execute(
                f"SELECT status FROM notifications_delivery WHERE id IN ({placeholders})", delivery_ids
            ).fetchall()
            locked = True
        other.rollback()
    return {"statuses": {status for (status,) in rows}, "locked": locked}


class ProbingBackend(EmailBackend):
    """locmem, but before accepting a message it looks at the outbox rows from another session."""

    delivery_ids: list[int] = []
    seen: list[dict] = []

    def send_messages(self, messages):
        ProbingBackend.seen.append(row_as_seen_from_another_connection(ProbingBackend.delivery_ids))
        return super().send_messages(messages)


@pytest.fixture
def probing_backend(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.ProbingBackend"
    ProbingBackend.seen = []
    return ProbingBackend


@pytest.mark.django_db(transaction=True)
def test_while_the_mail_server_is_called_the_delivery_is_committed_as_sending_and_not_locked(
    probing_backend, staff_user
):
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    probing_backend.delivery_ids = [delivery.pk]

    assert services.delivery_email_send(delivery_id=delivery.pk) is True

    # Another worker (or the re-queue job) sees the claim and is never made to wait on the
    # mail server: a slow SMTP or Graph call holds no lock.
    assert probing_backend.seen == [{"statuses": {"sending"}, "locked": False}]
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1
    assert [m.to for m in mail.outbox] == [[staff_user.email]]


@pytest.mark.django_db(transaction=True)
def test_digest_mail_is_sent_with_its_rows_committed_as_sending_and_not_locked(probing_backend, staff_user):
    Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    send([staff_user], "一件目")
    send([staff_user], "二件目")
    probing_backend.delivery_ids = [d.pk for d in deliveries_of(staff_user)]

    assert services.digest_send(user_id=staff_user.pk) == 2

    assert probing_backend.seen == [{"statuses": {"sending"}, "locked": False}]
    assert [d.status for d in deliveries_of(staff_user)] == ["sent", "sent"]
    assert len(mail.outbox) == 1


# --- claims, failures and retries ------------------------------------------------------------


def test_a_delivery_claimed_by_another_worker_is_not_sent_again(staff_user):
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now())

    assert services.delivery_email_send(delivery_id=delivery.pk) is False
    assert mail.outbox == []


def test_a_failed_send_goes_back_to_pending_with_its_error_and_no_claim(staff_user, monkeypatch):
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server not answering")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    with pytest.raises(services.TransientDeliveryError):
        services.delivery_email_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "SMTP server not answering" in delivery.last_error
    # Nothing was accepted, so the re-queue job has no possible duplicate to send again later.
    assert delivery.claimed_at is None


def test_only_failed_ids_are_retried_and_the_requeue_job_waits_for_their_backoff(
    user_factory, monkeypatch, django_capture_on_commit_callbacks, run_deliver_task
):
    a, b = user_factory(), user_factory()
    send([a, b])
    da, db_ = deliveries_of(a, b)
    before = timezone.now()

    # The fifth retry waits 30 s × 2⁴ = 8 minutes.
    retried = run_deliver_task([da.pk, db_.pk], failing={db_.pk}, retries=4)

    assert retried == {"args": [[db_.pk]], "countdown": 480}
    assert [m.to for m in mail.outbox] == [[a.email]]
    queued = []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda *, delivery_ids: queued.extend(delivery_ids))
    # The job running 10 minutes later leaves the retry to its backoff (the mail server is
    # not asked again every few minutes) …
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_requeue_stale(now=before + timedelta(minutes=10))
    assert queued == []
    # … and sends it if the retry has not happened a few minutes after it was due (its
    # worker died holding it).
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_requeue_stale(now=before + timedelta(minutes=8 + 6))
    assert queued == [db_.pk]


def test_after_the_last_retry_the_delivery_is_marked_failed_and_not_retried(staff_user, run_deliver_task):
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])

    retried = run_deliver_task([delivery.pk], failing={delivery.pk}, retries=tasks.MAX_RETRIES)

    assert retried == {}
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_a_failed_digest_keeps_its_notifications_for_the_next_digest(staff_user, monkeypatch):
    Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    send([staff_user], "一件目")

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server not answering")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    with pytest.raises(services.TransientDeliveryError):
        services.digest_send(user_id=staff_user.pk)
    monkeypatch.undo()

    assert [d.status for d in deliveries_of(staff_user)] == ["digest"]
    assert services.digest_send(user_id=staff_user.pk) == 1
    assert len(mail.outbox) == 1 and "一件目" in mail.outbox[0].body


# --- the re-queue job ------------------------------------------------------------------------


def test_requeue_job_sends_again_lost_and_dead_claimed_deliveries_and_leaves_fresh_ones_alone(
    user_factory, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    now = timezone.now()
    users = [user_factory() for _ in range(8)]
    Preference.objects.create(user=users[6], kind="announcement", email="digest")
    Preference.objects.create(user=users[7], kind="announcement", email="digest")
    send(users)
    lost, queued_lately, dead_claim, live_claim, done, gave_up, dead_digest, waiting_digest = deliveries_of(*users)
    Delivery.objects.filter(pk=lost.pk).update(due_at=now - timedelta(minutes=6))
    Delivery.objects.filter(pk=queued_lately.pk).update(due_at=now - timedelta(minutes=1))
    Delivery.objects.filter(pk=dead_claim.pk).update(
        status="sending", claimed_at=now - timedelta(minutes=20), due_at=now - timedelta(minutes=20)
    )
    Delivery.objects.filter(pk=live_claim.pk).update(status="sending", claimed_at=now - timedelta(minutes=1))
    Delivery.objects.filter(pk=done.pk).update(status="sent", due_at=now - timedelta(hours=1))
    Delivery.objects.filter(pk=gave_up.pk).update(status="failed", due_at=now - timedelta(hours=1))
    Delivery.objects.filter(pk=dead_digest.pk).update(status="sending", claimed_at=now - timedelta(minutes=20))
    Delivery.objects.filter(pk=waiting_digest.pk).update(due_at=now - timedelta(hours=1))

    queued, digests = [], []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda *, delivery_ids: queued.extend(delivery_ids))
    monkeypatch.setattr(services, "digests_dispatch", lambda *, user_ids: digests.extend(user_ids))
    caplog.set_level(logging.WARNING, logger="apps.notifications")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.deliveries_requeue_stale(now=now)
    assert queued == [] and digests == []  # only after commit
    for callback in callbacks:
        callback()

    assert sorted(queued) == sorted([lost.pk, dead_claim.pk])
    assert digests == [users[6].pk]
    status = {d.pk: d.status for d in deliveries_of(*users)}
    assert status == {
        lost.pk: "pending",
        queued_lately.pk: "pending",
        dead_claim.pk: "pending",
        live_claim.pk: "sending",
        done.pk: "sent",
        gave_up.pk: "failed",
        dead_digest.pk: "digest",
        waiting_digest.pk: "digest",
    }
    # The dead worker's claims are gone: the rows wait for a new one.
    claims = dict(Delivery.objects.filter(pk__in=[dead_claim.pk, dead_digest.pk]).values_list("pk", "claimed_at"))
    assert claims == {dead_claim.pk: None, dead_digest.pk: None}
    # The two mails a dead worker may have handed to the mail server are the only possible
    # duplicates, and each is counted.
    warnings = [r for r in caplog.records if "possible duplicate" in r.getMessage()]
    assert all(r.levelno == logging.WARNING for r in warnings)
    claimed = (now - timedelta(minutes=20)).isoformat()
    assert [r.getMessage() for r in warnings] == [
        f"e-mail delivery {dead_claim.pk} was claimed at {claimed} by a worker that never finished; "
        "sending it again (possible duplicate)",
        f"digest of deliveries [{dead_digest.pk}] for user {users[6].pk} was claimed by a worker that never "
        "finished; sending it again (possible duplicate)",
    ]

    # A minute later nothing is queued again: the re-queued rows wait their few minutes anew.
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_requeue_stale(now=now + timedelta(minutes=1))
    assert queued == []


def test_requeue_job_queues_in_chunks_with_ids(many_users, monkeypatch, django_capture_on_commit_callbacks):
    send(many_users(services.DISPATCH_CHUNK + 1))
    chunks = []
    monkeypatch.setattr(tasks.notifications_deliver_email, "delay", lambda ids: chunks.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notifications_requeue_stale.run()
    assert chunks == []  # just queued: not stale yet
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_requeue_stale(now=timezone.now() + timedelta(minutes=6))
    assert [len(c) for c in chunks] == [services.DISPATCH_CHUNK, 1]
    assert all(isinstance(i, int) for c in chunks for i in c)


def test_requeue_job_after_a_long_outage_takes_every_lost_delivery(
    many_users, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """More rows than two UPDATEs take at a time (a day-long broker outage): none is left
    behind, each is queued once, and the log says how many."""
    send(many_users(2001))
    queued = []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda *, delivery_ids: queued.extend(delivery_ids))
    later = timezone.now() + timedelta(minutes=6)
    caplog.set_level(logging.INFO, logger="apps.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale(now=later) == 2001
    assert sorted(queued) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert list(Delivery.objects.values_list("due_at", flat=True).distinct()) == [later]
    assert "re-queued 2001 e-mail deliveries whose task was lost" in [r.getMessage() for r in caplog.records]


def test_a_requeued_dead_claim_is_sent_once_more(staff_user, django_capture_on_commit_callbacks, monkeypatch):
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now() - timedelta(hours=1))
    task = tasks.notifications_deliver_email
    monkeypatch.setattr(task, "delay", lambda ids: task.run(ids))

    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_requeue_stale()

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [m.to for m in mail.outbox] == [[staff_user.email]]


# --- subjects --------------------------------------------------------------------------------


def test_line_breaks_stored_in_a_title_never_reach_the_subject_and_the_mail_goes_out(user_factory):
    reader = user_factory(language="en")
    send([reader], "防災訓練\r\nBcc: everyone@example.jp\n\u2028\x0b\t(再送)")
    (delivery,) = deliveries_of(reader)

    assert services.delivery_email_send(delivery_id=delivery.pk) is True

    (message,) = mail.outbox
    assert message.subject == "[DX COE Portal] New announcement: 防災訓練 Bcc: everyone@example.jp (再送)"
    assert message.message()["Bcc"] is None
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_subject_shows_the_title_as_written(user_factory):
    reader = user_factory(language="en")
    send([reader], 'R&D "勉強会" <オンライン>')
    services.delivery_email_send(delivery_id=deliveries_of(reader)[0].pk)
    assert mail.outbox[0].subject == '[DX COE Portal] New announcement: R&D "勉強会" <オンライン>'


def test_a_very_long_title_gives_a_bounded_subject(user_factory):
    reader = user_factory(language="ja")
    send([reader], "長い件名" * 200)
    services.delivery_email_send(delivery_id=deliveries_of(reader)[0].pk)
    subject = mail.outbox[0].subject
    assert subject.startswith("[DX COE ポータル] 新着のお知らせ：長い件名長い件名")
    assert len(subject) <= services.SUBJECT_MAX_LENGTH and subject.endswith("…")


def test_digest_with_a_line_break_in_a_title_is_mailed_with_a_one_line_subject(user_factory):
    reader = user_factory(language="en")
    Preference.objects.create(user=reader, kind="announcement", email="digest")
    send([reader], "一件目\r\n改行")
    send([reader], "二件目")

    assert services.digest_send(user_id=reader.pk) == 2

    (message,) = mail.outbox
    assert message.subject == "[DX COE Portal] 2 new notifications"
    assert "一件目" in message.body


# --- what a send leaves for the others (the re-queue job, a second worker) ---------------------


def row_at_send_time(monkeypatch, delivery_ids, *, then=None):
    """Patch the mail server: record the rows as they are when it is called, run `then` (what
    another worker or the re-queue job does meanwhile), then accept or refuse the mail."""
    seen = []

    def send(message_self, *args, **kwargs):
        seen.extend(Delivery.objects.filter(pk__in=delivery_ids).order_by("pk").values_list("status", "claimed_at"))
        if then is not None:
            return then()
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    return seen


@pytest.mark.parametrize("digest", [False, True])
def test_a_delivery_is_claimed_with_the_time_of_the_claim(staff_user, monkeypatch, digest):
    """The re-queue job tells a dead worker's claim by its age: a claim without a time would
    never be taken back."""
    if digest:
        Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    seen = row_at_send_time(monkeypatch, [delivery.pk])
    before = timezone.now()
    if digest:
        assert services.digest_send(user_id=staff_user.pk) == 1
    else:
        assert services.delivery_email_send(delivery_id=delivery.pk) is True
    after = timezone.now()
    ((status, claimed_at),) = seen
    assert status == "sending" and before <= claimed_at <= after
    delivery.refresh_from_db()
    assert delivery.status == "sent" and claimed_at <= delivery.sent_at <= after


def smtp_refuses():
    raise ConnectionRefusedError("451 mailbox busy")


@pytest.mark.parametrize("digest", [False, True])
def test_a_failed_send_leaves_a_claim_the_requeue_job_gave_to_another_worker_alone(staff_user, monkeypatch, digest):
    """A slow send is re-queued after CLAIM_TIMEOUT and claimed again by another worker; when
    the slow one then fails, it must not take the row back from the other worker (that would
    queue the mail a second time)."""
    if digest:
        Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    other_claim = timezone.now() + timedelta(minutes=16)

    def reclaimed_then_refused():
        Delivery.objects.filter(pk=delivery.pk).update(claimed_at=other_claim)
        smtp_refuses()

    row_at_send_time(monkeypatch, [delivery.pk], then=reclaimed_then_refused)
    with pytest.raises(services.TransientDeliveryError, match="451 mailbox busy"):
        if digest:
            services.digest_send(user_id=staff_user.pk)
        else:
            services.delivery_email_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.claimed_at) == ("sending", other_claim)


@pytest.mark.parametrize("digest", [False, True])
def test_a_failed_send_touches_its_own_rows_only(user_factory, monkeypatch, digest):
    """Another worker's claim made at the very same instant is not undone by this failure."""
    mine, theirs = user_factory(), user_factory()
    if digest:
        for user in (mine, theirs):
            Preference.objects.create(user=user, kind="announcement", email="digest")
    my_delivery, their_delivery = deliveries_of(*[n.recipient for n in send([mine, theirs])])
    instant = timezone.now()
    monkeypatch.setattr(services.timezone, "now", lambda: instant)
    Delivery.objects.filter(pk=their_delivery.pk).update(status="sending", claimed_at=instant)
    row_at_send_time(monkeypatch, [my_delivery.pk], then=smtp_refuses)
    with pytest.raises(services.TransientDeliveryError):
        if digest:
            services.digest_send(user_id=mine.pk)
        else:
            services.delivery_email_send(delivery_id=my_delivery.pk)
    their_delivery.refresh_from_db()
    assert (their_delivery.status, their_delivery.claimed_at) == ("sending", instant)
    my_delivery.refresh_from_db()
    assert (my_delivery.status, my_delivery.claimed_at) == ("digest" if digest else "pending", None)
    assert my_delivery.last_error == "451 mailbox busy"


@pytest.mark.parametrize("digest", [False, True])
def test_a_slow_send_finishing_after_another_worker_sent_it_keeps_the_first_send_time(staff_user, monkeypatch, digest):
    """A slow send is re-queued and sent by another worker first: the row keeps the time the
    mail first went out (the one the recipient saw), not the slow worker's later one."""
    if digest:
        Preference.objects.create(user=staff_user, kind="announcement", email="digest")
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    first_sent = timezone.now() - timedelta(minutes=1)

    def another_worker_sent_it_meanwhile():
        Delivery.objects.filter(pk=delivery.pk).update(status="sent", sent_at=first_sent)
        return 1

    row_at_send_time(monkeypatch, [delivery.pk], then=another_worker_sent_it_meanwhile)
    if digest:
        services.digest_send(user_id=staff_user.pk)
    else:
        services.delivery_email_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_at) == ("sent", first_sent)


def test_a_refused_mail_waits_for_its_retry_even_if_its_worker_dies_before_asking_for_it(staff_user, monkeypatch):
    """A mail queued long ago (a backlog) is refused; the worker dies before the task's retry is
    recorded. The re-queue job must give it the few minutes a live task would have, not take
    it at once because it was due long ago."""
    (delivery,) = deliveries_of(*[n.recipient for n in send([staff_user])])
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - timedelta(hours=1))
    monkeypatch.setattr("django.core.mail.EmailMessage.send", lambda *args, **kwargs: smtp_refuses())
    with pytest.raises(services.TransientDeliveryError):
        services.delivery_email_send(delivery_id=delivery.pk)
    queued = []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda *, delivery_ids: queued.extend(delivery_ids))

    assert services.deliveries_requeue_stale(now=timezone.now() + timedelta(minutes=1)) == 0
    assert services.deliveries_requeue_stale(now=timezone.now() + services.STALE_PENDING_AFTER * 2) == 1


# --- someone who left -------------------------------------------------------------------------


def test_a_mail_claimed_when_its_recipient_left_is_never_sent_to_them(user_factory):
    """The leaver's handler skips waiting mail but cannot stop one a worker holds (`sending`).
    If that send fails it comes back to pending; the retry must not mail a person who left."""
    from apps.accounts.leavers import user_leave

    leaver, colleague = user_factory(), user_factory()
    send([leaver, colleague])
    held, other = deliveries_of(leaver, colleague)
    Delivery.objects.filter(pk=held.pk).update(status=Delivery.Status.SENDING, claimed_at=timezone.now())
    user_leave(user=leaver, reason="disabled")
    # The worker's send failed: the row is back to pending for the retry.
    Delivery.objects.filter(pk=held.pk).update(status=Delivery.Status.PENDING, claimed_at=None)

    assert services.delivery_email_send(delivery_id=held.pk) is False
    assert services.delivery_email_send(delivery_id=other.pk) is True

    held.refresh_from_db()
    assert held.status == Delivery.Status.SKIPPED
    assert [m.to for m in mail.outbox] == [[colleague.email]]


def test_a_leavers_digest_is_never_mailed(user_factory):
    reader = user_factory()
    Preference.objects.create(user=reader, kind="announcement", email=EmailMode.DIGEST)
    send([reader])
    reader.is_active = False  # deactivated by another way than the leaver service (e.g. a script)
    reader.save(update_fields=["is_active"])

    assert services.digest_send(user_id=reader.pk) == 0
    assert mail.outbox == []


def test_a_dead_workers_digest_does_not_stop_the_requeue_of_the_mails_after_it(
    user_factory, monkeypatch, django_capture_on_commit_callbacks
):
    """The dead worker held a digest (the lower id) and an immediate mail: both are sent again."""
    now = timezone.now()
    reader, colleague = user_factory(), user_factory()
    Preference.objects.create(user=reader, kind="announcement", email="digest")
    send([reader])
    send([colleague], title="避難訓練")
    digest_row, immediate = deliveries_of(reader, colleague)
    assert digest_row.pk < immediate.pk
    Delivery.objects.filter(pk__in=[digest_row.pk, immediate.pk]).update(
        status="sending", claimed_at=now - timedelta(minutes=20)
    )
    queued, digests = [], []
    monkeypatch.setattr(services, "deliveries_dispatch", lambda *, delivery_ids: queued.extend(delivery_ids))
    monkeypatch.setattr(services, "digests_dispatch", lambda *, user_ids: digests.extend(user_ids))

    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_requeue_stale(now=now)

    assert (queued, digests) == ([immediate.pk], [reader.pk])
    assert {d.pk: d.status for d in deliveries_of(reader, colleague)} == {
        digest_row.pk: "digest",
        immediate.pk: "pending",
    }


def test_skipping_a_leavers_mail_leaves_another_claim_of_the_same_instant_alone(user_factory, monkeypatch):
    """Two workers claim two mails in the same instant; one recipient has left. Only that
    mail is skipped: the colleague's, held by the other worker, is still being sent."""
    from apps.accounts.leavers import user_leave

    leaver, colleague = user_factory(), user_factory()
    send([leaver, colleague])
    to_leaver, to_colleague = deliveries_of(leaver, colleague)
    user_leave(user=leaver, reason="disabled")
    Delivery.objects.filter(pk=to_leaver.pk).update(status=Delivery.Status.PENDING)  # failed mid-leave, back for retry
    instant = timezone.now()
    monkeypatch.setattr(services.timezone, "now", lambda: instant)
    Delivery.objects.filter(pk=to_colleague.pk).update(status=Delivery.Status.SENDING, claimed_at=instant)

    assert services.delivery_email_send(delivery_id=to_leaver.pk) is False

    to_leaver.refresh_from_db()
    to_colleague.refresh_from_db()
    assert to_leaver.status == Delivery.Status.SKIPPED
    assert (to_colleague.status, to_colleague.claimed_at) == (Delivery.Status.SENDING, instant)
    assert mail.outbox == []
