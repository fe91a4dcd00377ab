"""Scheduled work of the idea challenge (Celery beat, every five minutes)."""

import logging

from celery import shared_task
from django.utils import timezone

from apps.ideas import services
from apps.ideas.models import Challenge

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def ideas_challenge_schedule() -> dict[str, int]:
    """Seal every challenge whose voting has ended, and send the "voting opened" and
    "voting closes in two days" notifications that are due. Safe to run any number of
    times: sealing is guarded by `sealed_at`, each notification by its own timestamp."""
    now = timezone.now()
    done = {"sealed": 0, "open": 0, "closing": 0}
    for pk in Challenge.objects.filter(sealed_at__isnull=True, voting_end__lte=now).values_list("pk", flat=True):
        services.challenge_seal(challenge_id=pk, now=now)
        done["sealed"] += 1
    due_open = Challenge.objects.filter(voting_open_notified_at__isnull=True, voting_start__lte=now, voting_end__gt=now)
    for pk in due_open.values_list("pk", flat=True):
        if services.challenge_voting_notify(challenge_id=pk, which="open", now=now):
            done["open"] += 1
    due_closing = Challenge.objects.filter(
        voting_closing_notified_at__isnull=True,
        voting_end__gt=now,
        voting_end__lte=now + services.CLOSING_REMINDER,
        voting_start__lte=now,
    )
    for pk in due_closing.values_list("pk", flat=True):
        if services.challenge_voting_notify(challenge_id=pk, which="closing", now=now):
            done["closing"] += 1
    if any(done.values()):
        logger.info("ideas schedule: %s", done)
    return done
