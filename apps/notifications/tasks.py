import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def notifications_deliver_email(self, delivery_ids: list[int]) -> None:
    """Send each pending e-mail delivery; retry only the ones that failed, with backoff."""
    failed: list[int] = []
    for delivery_id in delivery_ids:
        try:
            services.delivery_email_send(delivery_id=delivery_id)
        except services.TransientDeliveryError as exc:
            logger.warning("e-mail delivery %s failed: %s", delivery_id, exc)
            failed.append(delivery_id)
    if not failed:
        return
    if self.request.retries >= self.max_retries:
        for delivery_id in failed:
            services.delivery_mark_failed(delivery_id=delivery_id, error="gave up after retries")
        return
    # 30 s, 60 s, 120 s … capped at one hour.
    countdown = min(30 * 2**self.request.retries, 3600)
    # The re-queue job leaves them to this retry until a few minutes after it is due.
    services.deliveries_postpone(delivery_ids=failed, until=timezone.now() + timedelta(seconds=countdown))
    raise self.retry(args=[failed], countdown=countdown)


@shared_task(acks_late=True, ignore_result=True)
def notifications_send_digest(user_id: int) -> None:
    try:
        services.digest_send(user_id=user_id)
    except services.TransientDeliveryError as exc:
        logger.warning("digest for user %s failed, kept for the next digest: %s", user_id, exc)


@shared_task(ignore_result=True)
def notifications_queue_digests() -> int:
    """Beat job: one digest task per user with waiting notifications."""
    user_ids = list(
        Delivery.objects.filter(status=Delivery.Status.DIGEST)
        .values_list("notification__recipient_id", flat=True)
        .distinct()
    )
    for user_id in user_ids:
        notifications_send_digest.delay(user_id)
    return len(user_ids)


@shared_task(ignore_result=True)
def notifications_requeue_stale() -> int:
    """Beat job, every minute: e-mail whose task or worker was lost is sent again."""
    return services.deliveries_requeue_stale()
