import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from apps.accounts.leavers import Leaver
from apps.accounts.models import Department, User
from apps.accounts.selectors import user_list_in_department
from apps.core.services import audit_log, person_lock, recent_repeat
from apps.notifications.models import Announcement, Delivery, EmailMode, Notification, Preference
from apps.notifications.registry import kind_get
from apps.notifications.selectors import unread_count_forget

logger = logging.getLogger(__name__)

# Deliveries are queued in chunks so a city-wide broadcast is a few hundred tasks, not 50,000.
DISPATCH_CHUNK = 200
# A pending delivery this long past due has lost its task: kombu's filesystem transport deletes
# a message when a worker fetches it (a killed worker takes it along), and a broker down at
# commit never got it.
STALE_PENDING_AFTER = timedelta(minutes=5)
# A claim this old belongs to a worker that died mid-send. Far longer than one send can take
# (Graph: three attempts of up to 10 s with backoff and Retry-After), so a slow but living
# worker is not taken for dead and its mail sent twice.
CLAIM_TIMEOUT = timedelta(minutes=15)
# Mail clients show about this much; a longer subject only gets cut off less predictably.
SUBJECT_MAX_LENGTH = 150
# What ends a header line or cannot be encoded in one: control characters (CR, LF, TAB, VT,
# NEL …), Unicode line and paragraph separators, lone surrogates.
_NOT_IN_A_SUBJECT = {"Cc", "Cs", "Zl", "Zp"}


class TransientDeliveryError(Exception):
    """The channel failed in a way worth retrying (SMTP down, Graph 429/5xx)."""


def _email_modes(user_ids: Sequence[int], kind: str) -> dict[int, str]:
    default = kind_get(kind).default_email if kind_get(kind) else EmailMode.IMMEDIATE
    modes = dict.fromkeys(user_ids, default)
    modes.update(Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "email"))
    return modes


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    params: dict,
    url: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Create in-app notifications and their e-mail deliveries; e-mail is queued only
    after the surrounding transaction commits, so a rolled-back action sends nothing."""
    if kind_get(kind) is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = [u for u in recipients if u.is_active and (actor is None or u.pk != actor.pk)]
    if not users:
        return []
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [Notification(recipient=u, kind=kind, params=params, url=url, actor=actor) for u in users]
        )
        modes = _email_modes([u.pk for u in users], kind)
        deliveries = [
            Delivery(
                notification=n,
                status=Delivery.Status.PENDING
                if modes[n.recipient_id] == EmailMode.IMMEDIATE
                else Delivery.Status.DIGEST,
                digest=modes[n.recipient_id] == EmailMode.DIGEST,
            )
            for n in notifications
            if modes[n.recipient_id] != EmailMode.OFF and n.recipient.email
        ]
        Delivery.objects.bulk_create(deliveries)
        unread_count_forget(users)
        pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
        if pending:
            transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=pending))
    return notifications


def deliveries_dispatch(*, delivery_ids: Sequence[int]) -> None:
    from apps.notifications.tasks import notifications_deliver_email

    for start in range(0, len(delivery_ids), DISPATCH_CHUNK):
        notifications_deliver_email.delay(list(delivery_ids[start : start + DISPATCH_CHUNK]))


def digests_dispatch(*, user_ids: Sequence[int]) -> None:
    from apps.notifications.tasks import notifications_send_digest

    for user_id in user_ids:
        notifications_send_digest.delay(user_id)


def mail_subject(text: str) -> str:
    """Every mail subject is built here: "[DX COE Portal] text", on one line and of bounded
    length whatever a stored title holds. Django refuses a header with a line break, so a
    single CR/LF in a title would otherwise fail every mail about it for ever."""
    subject = f"[{gettext('DX COE Portal')}] {text}"
    subject = "".join(" " if unicodedata.category(char) in _NOT_IN_A_SUBJECT else char for char in subject)
    # Only ASCII spaces are merged: an ideographic space in a Japanese title is meant.
    subject = re.sub(" {2,}", " ", subject).strip()
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
    return subject


def _render_email(notification: Notification) -> tuple[str, str]:
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"notification": notification, "user": user, "base_url": settings.PORTAL_BASE_URL}
        # Built in Python, not a template: a template would HTML-escape the title ("R&amp;D").
        subject = mail_subject(notification.text)
        body = render_to_string("notifications/email/body.txt", context)
    return subject, body


def delivery_email_send(*, delivery_id: int) -> bool:
    """Send one e-mail delivery unless it was claimed or sent already. Returns True if sent now.

    Claim, send, mark, each on its own (call it outside a transaction): the row becomes
    `sending` in one committed statement, the mail server is called with nothing locked (a
    slow SMTP or Graph call holds up no other worker), then the row becomes `sent`. A
    duplicate or redelivered task finds the row claimed or sent and sends nothing. A worker
    that dies between the mail server's acceptance and the mark leaves the row `sending`;
    deliveries_requeue_stale() sends it again later, the one case of a possible duplicate.
    """
    claimed_at = timezone.now()
    # One conditional UPDATE is the claim: it holds the row lock for that statement only, and a
    # second worker waiting on it then finds the row no longer pending.
    claimed = Delivery.objects.filter(
        pk=delivery_id, channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    if not claimed:
        return False
    try:
        delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
        if not delivery.notification.recipient.is_active:
            # They left after it was queued (a mail whose send failed came back to pending).
            Delivery.objects.filter(pk=delivery_id, claimed_at=claimed_at).update(status=Delivery.Status.SKIPPED)
            return False
        subject, body = _render_email(delivery.notification)
        EmailMessage(subject, body, to=[delivery.notification.recipient.email]).send()
    except Exception as exc:
        # Not accepted, so no duplicate is possible: back to pending for the task's retry.
        # Matched on the claim, in case the re-queue job gave it to another worker meanwhile.
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING, claimed_at=claimed_at).update(
            status=Delivery.Status.PENDING, claimed_at=None, due_at=timezone.now(), last_error=str(exc)[:2000]
        )
        raise TransientDeliveryError(str(exc)) from exc
    # Sent is the truth now, whatever happened to the row meanwhile (a slow send re-queued).
    Delivery.objects.filter(pk=delivery_id).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def deliveries_postpone(*, delivery_ids: Sequence[int], until: datetime) -> None:
    """Record when a task's retry of these deliveries is due: the re-queue job leaves them to
    that retry (and its backoff) until a few minutes after it."""
    Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.PENDING).update(due_at=until)


def delivery_mark_failed(*, delivery_id: int, error: str) -> None:
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, last_error=error[:2000]
    )


def digest_send(*, user_id: int) -> int:
    """One e-mail with every digest-mode notification a user has not been mailed yet.

    Claimed, sent and marked like one delivery (delivery_email_send): the rows are committed
    as `sending` before the mail server is called, with nothing locked. If the mail fails they
    wait for the next digest.
    """
    claimed_at = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(of=("self",))
            .filter(
                notification__recipient_id=user_id,
                notification__recipient__is_active=True,  # a leaver's digest is skipped, never mailed
                status=Delivery.Status.DIGEST,
            )
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
        )
    if not ids:
        return 0
    try:
        deliveries = list(
            Delivery.objects.select_related("notification__recipient")
            .filter(pk__in=ids)
            .order_by("notification__created_at", "notification_id")
        )
        user = deliveries[0].notification.recipient
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "user": user,
                "notifications": [d.notification for d in deliveries],
                "base_url": settings.PORTAL_BASE_URL,
            }
            count = len(deliveries)
            subject = mail_subject(
                ngettext("%(counter)s new notification", "%(counter)s new notifications", count) % {"counter": count}
            )
            body = render_to_string("notifications/email/digest_body.txt", context)
        EmailMessage(subject, body, to=[user.email]).send()
    except Exception as exc:
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING, claimed_at=claimed_at).update(
            status=Delivery.Status.DIGEST, claimed_at=None, last_error=str(exc)[:2000]
        )
        raise TransientDeliveryError(str(exc)) from exc
    Delivery.objects.filter(pk__in=ids).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return len(ids)


def deliveries_requeue_stale(*, now: datetime | None = None) -> int:
    """Beat job: send again what lost its task or its worker. Returns how many rows it queued.

    - `pending` more than STALE_PENDING_AFTER past due: the task is gone (see there). Queued
      again; should the old task still turn up, the claim makes it send nothing.
    - `sending` claimed more than CLAIM_TIMEOUT ago: the worker died mid-send, and whether the
      mail server had accepted the mail is unknown. It goes back to pending (or the digest)
      and is sent again. This is the only way a mail can be duplicated, so each such mail is
      logged as a possible duplicate.

    `now` is the moment the job runs as (tests run it as if later).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # skip_locked: a row locked right now is being marked by a living worker.
        dead = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
            .order_by("pk")
            .values_list("pk", "digest", "claimed_at", "notification__recipient_id")
        )
        resend: list[int] = []
        digests: dict[int, list[int]] = defaultdict(list)
        for pk, digest, claimed_at, user_id in dead:
            if digest:
                digests[user_id].append(pk)
                continue
            resend.append(pk)
            logger.warning(
                "e-mail delivery %s was claimed at %s by a worker that never finished; "
                "sending it again (possible duplicate)",
                pk,
                claimed_at.isoformat(),
            )
        for user_id, pks in digests.items():
            logger.warning(
                "digest of deliveries %s for user %s was claimed by a worker that never finished; "
                "sending it again (possible duplicate)",
                pks,
                user_id,
            )
        _update_in_chunks(resend, status=Delivery.Status.PENDING, claimed_at=None, due_at=now)
        _update_in_chunks(
            [pk for pks in digests.values() for pk in pks], status=Delivery.Status.DIGEST, claimed_at=None
        )

        lost = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, due_at__lt=now - STALE_PENDING_AFTER)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # Due again from now: a worker still busy with a long queue gets its few minutes
        # before these are queued once more.
        _update_in_chunks(lost, due_at=now)
        if lost:
            logger.info("re-queued %s e-mail deliveries whose task was lost", len(lost))

        queue = sorted(resend + lost)
        if queue:
            transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=queue))
        if digests:
            transaction.on_commit(lambda: digests_dispatch(user_ids=sorted(digests)))
    return len(queue) + sum(len(pks) for pks in digests.values())


def _update_in_chunks(pks: Sequence[int], **values) -> None:
    # Bounded IN lists: a day-long broker outage can leave tens of thousands of rows.
    for start in range(0, len(pks), 1000):
        Delivery.objects.filter(pk__in=pks[start : start + 1000]).update(**values)


def notification_mark_read(*, user: User, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        unread_count_forget([user])


def notifications_mark_all_read(*, user: User) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    unread_count_forget([user])
    return count


def preferences_set(*, user: User, modes: dict[str, str]) -> None:
    with transaction.atomic():
        for kind, mode in modes.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"email": mode})


def announcement_publish(*, author: User, title: str, body: str, department: Department | None) -> Announcement:
    """Publish an announcement and notify its audience (a department and the units under it, or everyone)."""
    with transaction.atomic():
        person_lock(author)
        repeat = recent_repeat(
            Announcement.objects.filter(author=author, title=title, body=body, department=department)
        )
        if repeat is not None:
            return repeat
        announcement = Announcement.objects.create(author=author, title=title, body=body, department=department)
        recipients = user_list_in_department(department).only("pk", "email", "is_active")
        notification_send(
            recipients=recipients,
            kind="announcement",
            params={"title": title},
            url=reverse("notifications:announcement_detail", args=[announcement.pk]),
            actor=author,
        )
        audit_log(action="announcement.published", actor=author, target=announcement)
    return announcement


def notifications_leaver_handle(leaver: Leaver) -> dict | None:
    """Someone left (apps.accounts.leavers): e-mail still waiting for them — immediate
    deliveries not yet claimed, and their digest — is skipped, so nothing reaches them
    afterwards (notification_send already creates none for an inactive account). A mail a
    worker has claimed already (`sending`) is not stopped. The in-app notifications stay."""
    skipped = Delivery.objects.filter(
        notification__recipient_id=leaver.user.pk,
        status__in=[Delivery.Status.PENDING, Delivery.Status.DIGEST],
    ).update(status=Delivery.Status.SKIPPED, claimed_at=None, last_error="recipient left")
    return {"deliveries_skipped": skipped} if skipped else None
