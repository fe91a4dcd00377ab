"""Report figures computed off the request (apps.reports.services)."""

from celery import shared_task

from apps.reports import services


@shared_task(acks_late=True, ignore_result=True)
def reports_snapshot_build(snapshot_id: int) -> bool:
    return services.snapshot_build(snapshot_id=snapshot_id)


@shared_task(acks_late=True, ignore_result=True)
def reports_snapshots_refresh() -> int:
    """Beat: keep the usual views of the dashboard fresh; forget views nobody opens."""
    return services.usual_snapshots_refresh()
