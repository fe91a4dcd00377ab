"""Reads of the case library, shaped for their pages: a page's query count does not grow
with the number of cases, tools, attachments or departments."""

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.models import Department, User
from apps.cases.models import Case, CaseAttachment, CaseLink, Field, Stage, Tool, Visibility
from apps.core.dates import current_fiscal_year
from apps.core.markdown import markdown_to_text
from apps.search.registry import Audience, SearchDoc

SORTS = ("newest", "hours")
# Not shown in lists; left out of list queries (a template reading one would cost a query per row).
LONG_TEXT_FIELDS = (
    "problem",
    "baseline",
    "approach",
    "hours_method_note",
    "outcome_before",
    "outcome_after",
    "outcomes",
    "lessons",
    "success_conditions",
)


@dataclass(frozen=True)
class CaseFilters:
    """The facet selection of the case list; values are codes, so bookmarks outlive a re-seed.
    Within a facet the values are alternatives (OR); facets combine with AND."""

    departments: tuple[str, ...] = ()  # Department.code
    fields: tuple[str, ...] = ()  # Field.code
    tools: tuple[str, ...] = ()  # Tool.code
    stages: tuple[str, ...] = ()  # Stage values
    fiscal_years: tuple[int, ...] = ()
    sort: str = "newest"
    # The chosen departments, fields and tools by facet key and code, found by
    # case_filters_known; the facets name a chosen value with no case left from them.
    chosen: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    key: str  # the GET parameter
    label: str
    values: list[FacetValue] = field(default_factory=list)

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


# Facet key (GET parameter) -> CaseFilters attribute.
FACET_PARAMS = {
    "department": "departments",
    "field": "fields",
    "tool": "tools",
    "stage": "stages",
    "fy": "fiscal_years",
}


def fiscal_year_label(year: int) -> str:
    return _("FY%(year)s") % {"year": year}


# --- visibility and filters ----------------------------------------------------------


def case_list_visible_to(user: User) -> QuerySet[Case]:
    """Published cases for all staff; drafts too for the COE, and their own for an author."""
    if user.has_perm("cases.view_draft_cases"):
        return Case.objects.all()
    visible = Q(visibility=Visibility.PUBLISHED)
    if user.is_authenticated:
        visible |= Q(author_id=user.pk)
    return Case.objects.filter(visible)


def case_filters_known(filters: CaseFilters) -> CaseFilters:
    """Drop values that name no department, field, tool or stage, such as a tool removed
    since a link was bookmarked: otherwise the list would be empty with no filter shown to
    remove. One small query per facet that has values, whatever the number of cases."""
    chosen: dict[str, dict[str, Any]] = {}

    def known(key: str, model, codes: tuple[str, ...]) -> tuple[str, ...]:
        if not codes:
            return ()
        chosen[key] = {obj.code: obj for obj in model.objects.filter(code__in=codes)}
        return tuple(code for code in codes if code in chosen[key])

    return replace(
        filters,
        departments=known("department", Department, filters.departments),
        fields=known("field", Field, filters.fields),
        tools=known("tool", Tool, filters.tools),
        stages=tuple(stage for stage in filters.stages if stage in Stage.values),
        chosen=chosen,
    )


def _filtered(cases: QuerySet[Case], filters: CaseFilters, *, skip: str = "") -> QuerySet[Case]:
    """Apply every facet of `filters` except `skip` (standard faceting: a facet's counts are
    computed on the set filtered by the other facets, so its own values stay choosable)."""
    if filters.departments and skip != "department":
        cases = cases.filter(department__code__in=filters.departments)
    if filters.fields and skip != "field":
        cases = cases.filter(field__code__in=filters.fields)
    if filters.tools and skip != "tool":
        # EXISTS, not a join: a case with two of the chosen tools is still one case.
        cases = cases.filter(
            Exists(Case.tools.through.objects.filter(case_id=OuterRef("pk"), tool__code__in=filters.tools))
        )
    if filters.stages and skip != "stage":
        cases = cases.filter(stage__in=filters.stages)
    if filters.fiscal_years and skip != "fy":
        cases = cases.filter(fiscal_year__in=filters.fiscal_years)
    return cases


def _sorted(cases: QuerySet[Case], sort: str) -> QuerySet[Case]:
    if sort == "hours":
        return cases.order_by(F("hours_saved_per_year").desc(nulls_last=True), "-started_on", "-id")
    return cases.order_by("-started_on", "-id")


def case_list_for_user(user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The case list page: visible cases matching the facets, sorted, with what a row shows."""
    filters = filters or CaseFilters()
    cases = _filtered(case_list_visible_to(user), filters)
    return (
        _sorted(cases, filters.sort)
        .select_related("department", "field")
        .prefetch_related(Prefetch("tools", queryset=Tool.objects.order_by("sort_order", "code")))
        .defer(*LONG_TEXT_FIELDS)
    )


# --- facets ----------------------------------------------------------------------------


def _localized(name_ja: str, name_en: str) -> str:
    """The same choice as Department.name and ReferenceItem.name, for values() rows."""
    return name_en if (get_language() or "ja").startswith("en") and name_en else name_ja


def _reference_facet(
    *, key: str, label: str, rows: QuerySet, model, selected: tuple[str, ...], chosen: dict[str, Any] | None
) -> Facet:
    """`rows`: one aggregate query giving code, names, sort order and count per value.
    A chosen value with no case left still appears (with 0) so it can be unticked; its name
    comes from case_filters_known, or from one more query when that was not called."""
    found = {row["code"]: row for row in rows if row["code"] is not None}
    missing = [code for code in selected if code not in found]
    if missing:
        objects = chosen if chosen is not None else {o.code: o for o in model.objects.filter(code__in=missing)}
        for code in missing:
            if code in objects:
                obj = objects[code]
                found[code] = {
                    "code": code, "name_ja": obj.name_ja, "name_en": obj.name_en, "sort_order": obj.sort_order, "n": 0
                }  # fmt: skip
    ordered = sorted(found.values(), key=lambda row: (row["sort_order"], row["code"]))
    return Facet(
        key=key,
        label=label,
        values=[
            FacetValue(
                value=row["code"],
                label=_localized(row["name_ja"], row["name_en"]),
                count=row["n"],
                selected=row["code"] in selected,
            )
            for row in ordered
        ],
    )


def _grouped(queryset: QuerySet, prefix: str, count: str) -> QuerySet:
    return (
        queryset.order_by()
        .values(
            code=F(f"{prefix}__code"),
            name_ja=F(f"{prefix}__name_ja"),
            name_en=F(f"{prefix}__name_en"),
            sort_order=F(f"{prefix}__sort_order"),
        )
        .annotate(n=Count(count))
    )


def case_facets(*, user: User, filters: CaseFilters) -> list[Facet]:
    """Counts per facet value, each facet on the cases filtered by the other facets.
    Five queries whatever the number of cases: one GROUP BY over the filtered cases per
    facet (the names come from a join in the same query)."""
    visible = case_list_visible_to(user)
    tool_base = _filtered(visible, filters, skip="tool")
    facets = [
        _reference_facet(
            key="department",
            label=_("Department"),
            rows=_grouped(_filtered(visible, filters, skip="department"), "department", "id"),
            model=Department,
            selected=filters.departments,
            chosen=filters.chosen.get("department"),
        ),
        _reference_facet(
            key="field",
            label=_("Field"),
            rows=_grouped(_filtered(visible, filters, skip="field"), "field", "id"),
            model=Field,
            selected=filters.fields,
            chosen=filters.chosen.get("field"),
        ),
        _reference_facet(
            key="tool",
            label=_("Tool"),
            rows=_grouped(Case.tools.through.objects.filter(case__in=tool_base.values("pk")), "tool", "case_id"),
            model=Tool,
            selected=filters.tools,
            chosen=filters.chosen.get("tool"),
        ),
    ]

    stage_counts = dict(
        _filtered(visible, filters, skip="stage").order_by().values_list("stage").annotate(n=Count("id"))
    )
    facets.append(
        Facet(
            key="stage",
            label=_("Stage"),
            values=[
                FacetValue(
                    value=value, label=str(label), count=stage_counts.get(value, 0), selected=value in filters.stages
                )
                for value, label in Stage.choices
                if stage_counts.get(value) or value in filters.stages
            ],
        )
    )

    fy_counts = dict(
        _filtered(visible, filters, skip="fy").order_by().values_list("fiscal_year").annotate(n=Count("id"))
    )
    years = sorted(set(fy_counts) | set(filters.fiscal_years), reverse=True)
    facets.append(
        Facet(
            key="fy",
            label=_("Fiscal year"),
            values=[
                FacetValue(
                    value=str(year),
                    label=fiscal_year_label(year),
                    count=fy_counts.get(year, 0),
                    selected=year in filters.fiscal_years,
                )
                for year in years
            ],
        )
    )
    return facets


# --- one case ------------------------------------------------------------------------


def case_for_page(*, user: User, pk: int) -> Case:
    """A case with everything its page shows, or 404 when it does not exist or is a draft
    the user may not see (a draft's existence is not revealed)."""
    cases = (
        case_list_visible_to(user)
        .select_related("department__parent", "field", "author")
        .prefetch_related(
            Prefetch("tools", queryset=Tool.objects.order_by("sort_order", "code")),
            Prefetch("reused_by", queryset=Department.objects.order_by("sort_order", "code")),
            Prefetch(
                "contacts",
                queryset=User.objects.select_related("department").order_by("display_name_kana", "username"),
            ),
            Prefetch("attachments", queryset=CaseAttachment.objects.select_related("uploaded_by")),
            Prefetch("links", queryset=CaseLink.objects.order_by("sort_order", "id")),
        )
    )
    case = cases.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_for_edit(*, pk: int) -> Case:
    case = Case.objects.select_related("department", "field").prefetch_related(
        "tools", "reused_by", "contacts", "links"
    )
    found = case.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def attachment_for_download(*, pk: int) -> CaseAttachment:
    attachment = CaseAttachment.objects.select_related("case").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def reference_items() -> dict[str, QuerySet]:
    """Fields and tools with how many cases use each, for the COE's management page."""
    return {
        "fields": Field.objects.annotate(case_count=Count("cases")).order_by("sort_order", "code"),
        "tools": Tool.objects.annotate(case_count=Count("cases")).order_by("sort_order", "code"),
    }


# --- totals --------------------------------------------------------------------------


@dataclass(frozen=True)
class TotalsCell:
    fiscal_year: int
    hours: Decimal | None  # None: no case of this department started that year
    case_count: int


@dataclass(frozen=True)
class TotalsRow:
    department: Department
    cells: list[TotalsCell]  # one per fiscal year of HoursTotals.fiscal_years
    total: Decimal
    case_count: int


@dataclass(frozen=True)
class HoursTotals:
    fiscal_years: list[int]
    rows: list[TotalsRow]
    year_totals: list[Decimal]
    grand_total: Decimal
    case_count: int


def hours_saved_totals(*, cases: QuerySet[Case] | None = None, method: str = "") -> HoursTotals:
    """Hours saved per year, summed by department × fiscal year (the fiscal year a case started).

    Published cases only unless `cases` is given: these are the figures shown to the mayor
    and in reports, so a draft's unchecked numbers never count. The sums are one aggregate
    query (plus one for the departments' names); the row and column totals add up those
    aggregated cells (departments × years), never individual cases.
    """
    cases = Case.objects.published() if cases is None else cases
    cases = cases.filter(hours_saved_per_year__isnull=False)
    if method:
        cases = cases.filter(hours_method=method)
    sums = list(
        cases.order_by()
        .values_list("department_id", "fiscal_year")
        .annotate(hours=Sum("hours_saved_per_year"), n=Count("id"))
    )
    by_key = {(dept_id, year): (hours, n) for dept_id, year, hours, n in sums}
    years = sorted({year for _dept, year in by_key})
    departments = Department.objects.filter(pk__in={dept for dept, _year in by_key}).order_by("sort_order", "code")
    rows = []
    for department in departments if by_key else []:
        cells = [TotalsCell(year, *by_key.get((department.pk, year), (None, 0))) for year in years]
        rows.append(
            TotalsRow(
                department=department,
                cells=cells,
                total=sum((cell.hours for cell in cells if cell.hours is not None), Decimal(0)),
                case_count=sum(cell.case_count for cell in cells),
            )
        )
    year_totals = [
        sum((hours for (_dept, y), (hours, _n) in by_key.items() if y == year), Decimal(0)) for year in years
    ]
    return HoursTotals(
        fiscal_years=years,
        rows=rows,
        year_totals=year_totals,
        grand_total=sum(year_totals, Decimal(0)),
        case_count=sum(n for _hours, n in by_key.values()),
    )


def hours_saved_in_fiscal_year(year: int) -> Decimal:
    """Hours saved per year by the published cases that started in the fiscal year."""
    total = Case.objects.published().filter(fiscal_year=year).aggregate(total=Sum("hours_saved_per_year"))["total"]
    return total or Decimal(0)


def home_context(request: HttpRequest) -> dict[str, Any]:
    """The home page panel: the newest published cases and this fiscal year's hours saved."""
    year = current_fiscal_year()
    return {
        "latest_cases": list(
            Case.objects.published()
            .select_related("department")
            .defer(*LONG_TEXT_FIELDS)
            .order_by("-published_at", "-id")[:5]
        ),
        "fiscal_year": year,
        "fiscal_year_label": fiscal_year_label(year),
        "hours_this_year": hours_saved_in_fiscal_year(year),
        "can_add_case": request.user.has_perm("cases.add_case"),
    }


# --- search --------------------------------------------------------------------------


def case_search_queryset() -> QuerySet[Case]:
    return Case.objects.published().select_related("department", "field").prefetch_related("tools")


def case_search_document(case: Case) -> SearchDoc | None:
    """What search stores for a case; None for a draft, which removes it from the index."""
    if not case.is_published:
        return None
    tools = [tool.name_ja for tool in case.tools.all()]
    parts = [
        case.summary,
        markdown_to_text(case.problem),
        case.baseline,
        markdown_to_text(case.approach),
        " ".join(tools),
        case.outcome_before,
        case.outcome_after,
        markdown_to_text(case.outcomes),
        markdown_to_text(case.lessons),
        markdown_to_text(case.success_conditions),
    ]
    meta = [case.department.name, case.get_stage_display()]
    if case.field_id:
        meta.insert(1, case.field.name)
    return SearchDoc(
        title=case.title,
        body="\n".join(p for p in parts if p),
        url=case.get_absolute_url(),
        updated_at=case.updated_at,
        audience=Audience.ALL,
        department_id=case.department_id,
        meta=meta,
    )
