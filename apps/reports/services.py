"""Report figures computed by a task and kept in a table (ReportSnapshot), so a page never
waits for them and every process and node shows the same figures.

A page asks `snapshot_for(view)`: the snapshot of that view (period, departments, sections,
language), queued for a build when it has none yet, when its figures are older than
MAX_AGE, or when someone asks for a refresh. Until the first build is done the page says
so and asks again (htmx); afterwards it shows the last figures with their time. The usual
views — this and last fiscal year, all departments and each 局, for either set of sections,
in both languages — are kept fresh by the beat job `reports_snapshots_refresh`.
"""

import hashlib
import json
import logging
import pickle
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import Department
from apps.core.dates import current_fiscal_year
from apps.reports.figures import Report, report_build
from apps.reports.models import ReportSnapshot
from apps.reports.periods import Period
from apps.reports.selectors import COE_SECTIONS, SECTIONS, DepartmentTree, department_tree

logger = logging.getLogger(__name__)

# Figures older than this are computed again when someone opens the view (shown meanwhile).
MAX_AGE = timedelta(minutes=30)
# A build not finished (or not started) by then lost its worker or its message: queued again;
# a failed build is tried again after as long.
BUILD_TIMEOUT = timedelta(minutes=10)
# Snapshots nobody asked for in this long are deleted (old releases', one-off periods').
KEEP_UNUSED = timedelta(days=14)
LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class ReportView:
    """What a report shows: the key of its snapshot (the label is carried, not keyed)."""

    period: Period
    compare: bool
    department_ids: tuple[int, ...] | None
    sections: tuple[str, ...]
    language: str
    department_label: str = ""

    def keyed(self) -> dict:
        return {
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "fiscal_year": self.period.fiscal_year,
            "compare": self.compare,
            "department_ids": None if self.department_ids is None else list(self.department_ids),
            "sections": list(self.sections),
            "language": self.language,
        }

    def key(self) -> str:
        text = json.dumps({**self.keyed(), "release": settings.PORTAL_RELEASE}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def params(self) -> dict:
        return {**self.keyed(), "department_label": self.department_label}

    @classmethod
    def from_params(cls, params: dict) -> "ReportView":
        ids = params["department_ids"]
        return cls(
            period=Period(
                start=date.fromisoformat(params["start"]),
                end=date.fromisoformat(params["end"]),
                fiscal_year=params["fiscal_year"],
            ),
            compare=params["compare"],
            department_ids=None if ids is None else tuple(ids),
            sections=tuple(params["sections"]),
            language=params["language"],
            department_label=params.get("department_label", ""),
        )


def snapshot_report(snapshot: ReportSnapshot) -> Report | None:
    """The figures of the snapshot's last build, if any."""
    return pickle.loads(bytes(snapshot.figures)) if snapshot.figures else None


def snapshot_pending(snapshot: ReportSnapshot) -> bool:
    return snapshot.status in (ReportSnapshot.Status.QUEUED, ReportSnapshot.Status.BUILDING)


def snapshot_for(view: ReportView, *, refresh: bool = False, now: datetime | None = None) -> ReportSnapshot:
    """The view's snapshot, queued for a build when it has no figures yet, when they are
    older than MAX_AGE, when `refresh` is asked, when a build lost its worker or its
    message, and BUILD_TIMEOUT after a build failed."""
    return _snapshot(view, refresh=refresh, max_age=MAX_AGE, now=now or timezone.now())[0]


def _snapshot(view: ReportView, *, refresh: bool, max_age: timedelta, now: datetime) -> tuple[ReportSnapshot, bool]:
    snapshot, created = ReportSnapshot.objects.get_or_create(
        key=view.key(), defaults={"params": view.params(), "release": settings.PORTAL_RELEASE, "requested_at": now}
    )
    Status = ReportSnapshot.Status
    if created:
        _queue(snapshot.pk)
        return snapshot, True
    retry = snapshot.requested_at < now - BUILD_TIMEOUT
    again = {
        Status.READY: refresh or snapshot.built_at is None or snapshot.built_at < now - max_age,
        Status.FAILED: refresh or retry,  # not at every page view: a failing build would loop
        Status.BUILDING: retry,  # the worker was lost
        Status.QUEUED: retry,  # the message was lost (a broker restarted)
    }[snapshot.status]
    if again:
        # One conditional UPDATE: of two requests at once, one queues the build.
        if ReportSnapshot.objects.filter(pk=snapshot.pk, status=snapshot.status).update(
            status=Status.QUEUED, requested_at=now
        ):
            snapshot.status, snapshot.requested_at = Status.QUEUED, now
            _queue(snapshot.pk)
            return snapshot, True
    elif snapshot.requested_at < now - timedelta(days=1):
        # Still in use: not deleted by the clean-up.
        ReportSnapshot.objects.filter(pk=snapshot.pk).update(requested_at=now)
    return snapshot, False


def _queue(snapshot_id: int) -> None:
    from apps.reports.tasks import reports_snapshot_build

    transaction.on_commit(lambda: reports_snapshot_build.delay(snapshot_id))


def view_report_build(view: ReportView, tree: DepartmentTree | None = None) -> Report:
    """The view's figures, computed now (in the active language)."""
    return report_build(
        period=view.period,
        compare=view.compare,
        department_ids=None if view.department_ids is None else list(view.department_ids),
        department_label=view.department_label,
        sections=view.sections,
        tree=tree or department_tree(),
    )


def snapshot_build(*, snapshot_id: int) -> bool:
    """Compute a queued snapshot's figures (the task). Returns False when another worker
    took it or it was not queued."""
    Status = ReportSnapshot.Status
    if not ReportSnapshot.objects.filter(pk=snapshot_id, status=Status.QUEUED).update(status=Status.BUILDING):
        return False
    snapshot = ReportSnapshot.objects.get(pk=snapshot_id)
    view = ReportView.from_params(snapshot.params)
    try:
        with translation.override(view.language):
            report = view_report_build(view)
    except Exception as exc:
        logger.exception("report snapshot %s failed", snapshot_id)
        ReportSnapshot.objects.filter(pk=snapshot_id, status=Status.BUILDING).update(
            status=Status.FAILED, error=str(exc)[:2000]
        )
        return False
    ReportSnapshot.objects.filter(pk=snapshot_id, status=Status.BUILDING).update(
        status=Status.READY, figures=pickle.dumps(report), built_at=report.built_at, error=""
    )
    return True


def usual_views() -> list[ReportView]:
    """This and last fiscal year, all departments and each active 局, for the sections of
    either kind of reader, in both languages; not compared."""
    tree = department_tree()
    bureaus = tree.in_tree_order(
        Department.objects.filter(level=Department.Level.BUREAU, is_active=True).values_list("pk", flat=True)
    )
    year = current_fiscal_year()
    views = []
    for language in LANGUAGES:
        with translation.override(language):
            scopes = [(None, _("All departments"))] + [
                (tuple(tree.subtree(pk)), _("%(name)s (and the units under it)") % {"name": tree.name(pk)})
                for pk in bureaus
            ]
            for fiscal_year in (year, year - 1):
                for department_ids, label in scopes:
                    for sections in (SECTIONS, COE_SECTIONS):
                        views.append(
                            ReportView(
                                period=Period.for_fiscal_year(fiscal_year),
                                compare=False,
                                department_ids=department_ids,
                                sections=tuple(sections),
                                language=language,
                                department_label=str(label),
                            )
                        )
    return views


def usual_snapshots_refresh(*, now: datetime | None = None) -> int:
    """Queue a build of every usual view whose figures are older than half of MAX_AGE (so a
    reader rarely meets older ones) and delete snapshots nobody asked for in KEEP_UNUSED.
    Returns how many builds were queued."""
    now = now or timezone.now()
    queued = sum(_snapshot(view, refresh=False, max_age=MAX_AGE / 2, now=now)[1] for view in usual_views())
    ReportSnapshot.objects.filter(requested_at__lt=now - KEEP_UNUSED).delete()
    return queued
