"""Report selectors for the case library (read by apps.reports only).

Published cases only (a draft's figures are not yet vouched for), counted in the
period their work started (`started_on`, which also decides a case's fiscal year).
Every function takes inclusive dates and an optional list of department ids (None =
every department) and returns plain dicts from one `.values().annotate()` aggregation.
Hours saved are per year, as entered on each case, split by how they were obtained
(measured or estimated); a case without hours counts as a case but adds no hours.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from apps.cases.models import Case, HoursMethod, Stage

# For labelling the figures: (value, label) in the order a case moves through them.
STAGES = Stage.choices


def _cases(start: date, end: date, department_ids: Sequence[int] | None):
    # Counted with COUNT(*): every column these queries read is in cases_case_report_period,
    # so PostgreSQL answers them from that index alone.
    cases = Case.objects.published().filter(started_on__gte=start, started_on__lte=end)
    if department_ids is not None:
        cases = cases.filter(department_id__in=department_ids)
    return cases


def _hours(method: str | None = None):
    condition = Q(hours_saved_per_year__isnull=False)
    if method:
        condition &= Q(hours_method=method)
    return Coalesce(
        Sum("hours_saved_per_year", filter=condition),
        Value(Decimal("0")),
        output_field=DecimalField(max_digits=14, decimal_places=1),
    )


def cases_by_department(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{department_id, cases, measured, estimated}]: hours saved per year by method."""
    return list(
        _cases(start, end, department_ids)
        .values("department_id")
        .annotate(
            cases=Count("*"),
            measured=_hours(HoursMethod.MEASURED),
            estimated=_hours(HoursMethod.ESTIMATED),
        )
        .order_by("department_id")
    )


def cases_by_stage(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{stage, cases}]"""
    return list(_cases(start, end, department_ids).values("stage").annotate(cases=Count("*")).order_by("stage"))


def cases_by_field(*, start: date, end: date, department_ids: Sequence[int] | None = None) -> list[dict]:
    """[{field_id, name_ja, name_en, sort_order, cases, hours}]; field_id None = no field."""
    rows = (
        _cases(start, end, department_ids)
        .values("field_id", "field__name_ja", "field__name_en", "field__sort_order")
        .annotate(cases=Count("*"), hours=_hours())
        .order_by(F("field__sort_order").asc(nulls_last=True), "field_id")
    )
    return [
        {
            "field_id": r["field_id"],
            "name_ja": r["field__name_ja"] or "",
            "name_en": r["field__name_en"] or "",
            "sort_order": r["field__sort_order"],
            "cases": r["cases"],
            "hours": r["hours"],
        }
        for r in rows
    ]
