"""Scheduled work of support requests (Celery beat, every 30 minutes)."""

import logging

from celery import shared_task

from apps.core.uploads import pending_cleanup
from apps.support import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def support_schedule() -> dict[str, int]:
    """Warn about targets due by the end of the office day (once per due moment), close
    resolved requests whose reopen window has passed, and remove form uploads nobody sent.
    Safe to run any number of times, on any number of workers."""
    done = {
        "warned": services.support_targets_warn(),
        "closed": services.support_requests_close_resolved(),
        "pending_removed": pending_cleanup(),
    }
    if any(done.values()):
        logger.info("support schedule: %s", done)
    return done
