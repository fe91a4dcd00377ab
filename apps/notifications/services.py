import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.models import Department, User
from apps.accounts.selectors import user_list_in_department
from apps.core.services import audit_log
from apps.notifications.models import Announcement, Delivery, EmailMode, Notification, Preference
from apps.notifications.registry import kind_get
from apps.notifications.selectors import unread_count_forget

logger = logging.getLogger(__name__)

# Deliveries are queued in chunks so a city-wide broadcast is a few hundred tasks, not 50,000.
DISPATCH_CHUNK = 200


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


def _render_email(notification: Notification) -> tuple[str, str]:
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"notification": notification, "user": user, "base_url": settings.PORTAL_BASE_URL}
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        body = render_to_string("notifications/email/body.txt", context)
    return subject, body


def delivery_email_send(*, delivery_id: int) -> bool:
    """Send one e-mail delivery unless it was sent already. Returns True if sent now.

    The row is locked for the whole send, so two workers handed the same delivery
    (a redelivered task, a duplicate queue entry) send it once.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("notification__recipient")
            .filter(pk=delivery_id, channel=Delivery.Channel.EMAIL)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return False
        subject, body = _render_email(delivery.notification)
        delivery.attempts += 1
        try:
            EmailMessage(subject, body, to=[delivery.notification.recipient.email]).send()
        except Exception as exc:
            error = exc
            delivery.last_error = str(exc)[:2000]
            delivery.save(update_fields=["attempts", "last_error"])
        else:
            error = None
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    # Raised after the block so the failed attempt stays recorded.
    if error is not None:
        raise TransientDeliveryError(str(error)) from error
    return True


def delivery_mark_failed(*, delivery_id: int, error: str) -> None:
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, last_error=error[:2000]
    )


def digest_send(*, user_id: int) -> int:
    """One e-mail with every digest-mode notification a user has not been mailed yet."""
    with transaction.atomic():
        deliveries = list(
            Delivery.objects.select_for_update()
            .select_related("notification__recipient")
            .filter(notification__recipient_id=user_id, status=Delivery.Status.DIGEST)
            .order_by("notification__created_at")
        )
        if not deliveries:
            return 0
        user = deliveries[0].notification.recipient
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "user": user,
                "notifications": [d.notification for d in deliveries],
                "base_url": settings.PORTAL_BASE_URL,
            }
            subject = render_to_string("notifications/email/digest_subject.txt", context).strip()
            body = render_to_string("notifications/email/digest_body.txt", context)
        with get_connection() as connection:
            EmailMessage(subject, body, to=[user.email], connection=connection).send()
        now = timezone.now()
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=Delivery.Status.SENT, sent_at=now, attempts=1
        )
    return len(deliveries)


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
