import logging

from celery import shared_task

from apps.accounts import directory
from apps.accounts.models import DirectorySyncRun, User

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=3)
def directory_sync(
    self, dry_run: bool = False, full: bool = False, actor_id: int | None = None, trigger: str = "schedule"
) -> int | None:
    """Beat job (daily) and the directory page's "sync now" / "dry run". Returns the run's id.
    Nothing happens unless the sync is configured; a run already under way is left to
    finish; Graph unavailable (429/5xx beyond the client's own retries) is tried again in
    ten minutes, three times."""
    if not directory.sync_enabled():
        logger.info("directory sync is not configured (DIRECTORY_SYNC_ENABLED, GRAPH_ENABLED)")
        return None
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    if trigger not in DirectorySyncRun.Trigger.values:
        trigger = DirectorySyncRun.Trigger.SCHEDULE
    try:
        return directory.directory_sync_run(dry_run=dry_run, full=full, trigger=trigger, actor=actor).pk
    except directory.SyncRefused:
        logger.info("directory sync: another run is under way; this one is skipped")
        return None
    except directory.graph.GraphTransientError as exc:
        raise self.retry(exc=exc, countdown=600) from exc
