"""The figures of a report: tables of plain values, built once from the feature apps'
report selectors (`apps/<app>/reporting.py`) and rendered as the page, the CSV files and
the Excel workbook alike, so every output shows the same numbers.

A cell is an int, a Decimal (already rounded to what is shown), a str or None (no value:
"—" on the page, an empty cell in the files). A chart is drawn from its table's rows, so
no number lives only in a chart. Building a report runs a fixed number of aggregate
queries (each section's list below), whatever the amount of data.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.cases import reporting as cases_reporting
from apps.ideas import reporting as ideas_reporting
from apps.knowledge import reporting as knowledge_reporting
from apps.reports.periods import Period
from apps.reports.selectors import DepartmentTree, headcount_by_department
from apps.search import reporting as search_reporting
from apps.support import reporting as support_reporting

CHART_ROWS = 10

Cell = int | Decimal | str | None


# --- the shapes ----------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart of some columns of its table: `series` are column indexes, `rows` the
    number of leading rows drawn (the table holds them all)."""

    kind: str  # "bar" | "line"
    series: list[int]
    rows: int | None = None
    horizontal: bool = False
    stacked: bool = False
    summary: str = ""


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    numeric: list[bool] = field(default_factory=list)
    note: str = ""
    chart: Chart | None = None
    # Summary tables: False for a figure of today's state, which a past period cannot match.
    comparable: list[bool] = field(default_factory=list)
    # The column of differences (shown with a sign), if any.
    signed: int | None = None

    def __post_init__(self) -> None:
        if not self.numeric:
            self.numeric = [False] + [True] * (len(self.columns) - 1)

    @property
    def headers(self) -> list[tuple[str, bool]]:
        return list(zip(self.columns, self.numeric, strict=True))


@dataclass
class Section:
    key: str
    title: str
    intro: str
    summary: Table
    tables: list[Table]
    notes: list[str] = field(default_factory=list)

    @property
    def all_tables(self) -> list[Table]:
        return [self.summary, *self.tables]

    @property
    def script_id(self) -> str:
        return f"report-charts-{self.key}"

    def chart_data(self) -> dict[str, Any]:
        return {f"{self.key}-{t.key}": chart_spec(t) for t in self.tables if t.chart}


@dataclass
class Report:
    period: Period
    previous: Period | None
    department_label: str
    sections: list[Section]
    built_at: datetime

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass
class Scope:
    """Where the figures come from: the period, departments (None = all) and the time."""

    start: date
    end: date
    department_ids: list[int] | None
    tree: DepartmentTree
    now: datetime
    today: date
    # Figures of today's state, the same for every period of one report: computed once.
    today_figures: dict[str, Any] = field(default_factory=dict)

    def of_today(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.today_figures:
            self.today_figures[key] = compute()
        return self.today_figures[key]


# --- helpers -----------------------------------------------------------------------------


def _round(value: Decimal | float | None, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _percent(part: int | None, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return _round(Decimal(part or 0) * 100 / Decimal(whole))


def _department_rows(
    scope: Scope, data: dict[int | None, dict[str, Cell]], keys: Sequence[str], sort_key: str
) -> list[list[Cell]]:
    """One row per department with figures, most active first, then by name."""
    name = scope.tree.name

    def label(department_id: int | None) -> str:
        return name(department_id) if department_id is not None else _("No department")

    ordered = sorted(data.items(), key=lambda item: (-(item[1].get(sort_key) or 0), label(item[0])))
    return [[label(pk), *(values.get(k) for k in keys)] for pk, values in ordered]


def chart_spec(table: Table) -> dict[str, Any]:
    """The JSON static/js/reports.js draws: labels and one dataset per charted column."""
    chart = table.chart
    assert chart is not None
    rows = table.rows[: chart.rows] if chart.rows else table.rows

    def number(cell: Cell) -> float | int | None:
        if isinstance(cell, bool) or not isinstance(cell, int | Decimal):
            return None
        return float(cell) if isinstance(cell, Decimal) else cell

    return {
        "type": chart.kind,
        # Counts get whole-number ticks; hours and rates keep their decimals.
        "integer": all(isinstance(row[i], int) or row[i] is None for row in rows for i in chart.series),
        "horizontal": chart.horizontal,
        "stacked": chart.stacked,
        "labels": [str(row[0]) for row in rows],
        "datasets": [{"label": table.columns[i], "data": [number(row[i]) for row in rows]} for i in chart.series],
    }


def _chart_summary(table: Table, chart: Chart) -> str:
    """The canvas's text alternative: what it shows, its largest bar, and where the numbers are."""
    shown = table.rows[: chart.rows] if chart.rows else table.rows
    parts = [_("Chart: %(caption)s.") % {"caption": table.caption}]
    if chart.rows and len(table.rows) > chart.rows:
        parts.append(_("Shows the first %(n)s rows of the table.") % {"n": chart.rows})
    numbers = [row for row in shown if all(isinstance(row[i], int | Decimal) for i in chart.series)]
    if chart.kind == "bar" and numbers:
        # The longest bar: of the first series, or of the whole stack.
        series = chart.series if chart.stacked else chart.series[:1]
        top = max(numbers, key=lambda row: sum(row[i] for i in series))
        values = ", ".join(f"{table.columns[i]} {top[i]:,}" for i in chart.series)
        parts.append(_("Longest bar: %(label)s (%(values)s).") % {"label": top[0], "values": values})
    if not shown:
        parts.append(_("No data in this period."))
    parts.append(_("The same figures are in the table below."))
    return " ".join(str(p) for p in parts)


def _with_chart(table: Table, chart: Chart) -> Table:
    chart.summary = _chart_summary(table, chart)
    table.chart = chart
    return table


def _summary(key: str, caption: str, metrics: list[tuple[str, Cell] | tuple[str, Cell, bool]]) -> Table:
    """A section's headline figures; a metric marked False is a state of today."""
    return Table(
        key=key,
        caption=caption,
        columns=[_("Figure"), _("This period")],
        rows=[[m[0], m[1]] for m in metrics],
        comparable=[m[2] if len(m) > 2 else True for m in metrics],
    )


# --- sections --------------------------------------------------------------------------------


def ideas_section(scope: Scope) -> Section:
    """Queries: ideas by department, by challenge and by answer, head count (once per
    report), challenges with hidden counts, votes (by department, by challenge, in all)
    and the challenges' titles: 9."""
    args = {"start": scope.start, "end": scope.end, "department_ids": scope.department_ids}
    by_dept_ideas = ideas_reporting.ideas_by_department(**args)
    by_challenge_ideas = ideas_reporting.ideas_by_challenge(**args)
    by_answer = ideas_reporting.ideas_by_answer_status(**args)
    headcount = scope.of_today("headcount", lambda: headcount_by_department(scope.department_ids))
    votes = ideas_reporting.vote_figures(**args, now=scope.now)
    by_dept_votes, by_challenge_votes, totals, hidden = (
        votes["by_department"],
        votes["by_challenge"],
        votes["totals"],
        votes["hidden"],
    )

    departments: dict[int | None, dict[str, Cell]] = {}
    for row in by_dept_ideas:
        departments.setdefault(row["department_id"], {}).update(submitted=row["submitted"], approved=row["approved"])
    for row in by_dept_votes:
        departments.setdefault(row["department_id"], {}).update(votes=row["votes"], voters=row["voters"])
    for pk, values in departments.items():
        staff = headcount.get(pk, 0)
        values.setdefault("submitted", 0)
        values.setdefault("approved", 0)
        values.setdefault("votes", 0)
        values.setdefault("voters", 0)
        values["staff"] = staff if pk is not None else None
        values["participation"] = _percent(values["voters"], staff) if pk is not None else None

    submitted = sum(r["submitted"] for r in by_dept_ideas)
    approved = sum(r["approved"] for r in by_dept_ideas)
    staff_total = sum(headcount.values())
    summary = _summary(
        "summary",
        _("Idea challenges at a glance"),
        [
            (_("Ideas submitted"), submitted),
            (_("Ideas approved"), approved),
            (_("Votes (いいね)"), totals["votes"]),
            (_("Unique voters"), totals["voters"]),
            (_("Staff (active accounts today)"), staff_total, False),
            (_("Participation rate (%)"), _percent(totals["voters"], staff_total)),
        ],
    )
    by_department = _with_chart(
        Table(
            key="departments",
            caption=_("Ideas and votes by department"),
            columns=[
                _("Department"),
                _("Staff"),
                _("Ideas submitted"),
                _("Ideas approved"),
                _("Votes"),
                _("Unique voters"),
                _("Participation rate (%)"),
            ],
            rows=_department_rows(
                scope, departments, ["staff", "submitted", "approved", "votes", "voters", "participation"], "submitted"
            ),
            note=_(
                "Ideas count for the author's department, votes for the voter's department when they voted. "
                "Participation rate: unique voters as a share of the department's active staff today."
            ),
        ),
        Chart("bar", series=[2, 3], rows=CHART_ROWS, horizontal=True),
    )

    hidden_ids = {h["challenge_id"] for h in hidden}
    hidden_text = _("Hidden until results")
    challenges: dict[int, dict[str, Cell]] = {}
    for row in by_challenge_ideas:
        challenges.setdefault(row["challenge_id"], {"title": row["title"], "votes": 0, "voters": 0}).update(
            submitted=row["submitted"], approved=row["approved"]
        )
    for row in by_challenge_votes:
        challenges.setdefault(row["challenge_id"], {"title": row["title"], "submitted": 0, "approved": 0}).update(
            votes=row["votes"], voters=row["voters"]
        )
    for pk in hidden_ids & set(challenges):
        challenges[pk].update(votes=hidden_text, voters=hidden_text)
    by_challenge = _with_chart(
        Table(
            key="challenges",
            caption=_("Ideas and votes by challenge"),
            columns=[_("Challenge"), _("Ideas submitted"), _("Ideas approved"), _("Votes"), _("Unique voters")],
            rows=[
                [v["title"], v.get("submitted", 0), v.get("approved", 0), v["votes"], v["voters"]]
                for _pk, v in sorted(challenges.items(), key=lambda item: -item[0])
            ],
        ),
        Chart("bar", series=[1, 2], rows=CHART_ROWS, horizontal=True),
    )
    language = get_language() or "ja"
    by_answer_table = _with_chart(
        Table(
            key="answers",
            caption=_("Ideas by official answer"),
            columns=[_("Official answer"), _("Ideas")],
            rows=[
                [
                    (r["name_en"] if language.startswith("en") and r["name_en"] else r["name_ja"])
                    if r["answer_status_id"]
                    else _("No answer yet"),
                    r["ideas"],
                ]
                for r in by_answer
            ],
        ),
        Chart("bar", series=[1]),
    )
    notes = []
    if hidden:
        separator = "、" if language.startswith("ja") else ", "
        notes.append(
            _("Votes are not counted while voting is open in a challenge that hides its counts: %(titles)s.")
            % {"titles": separator.join(h["title"] for h in hidden)}
        )
    return Section(
        key="ideas",
        title=_("Idea challenges"),
        intro=_("Ideas submitted in the period, votes cast in it, and how many staff took part."),
        summary=summary,
        tables=[by_department, by_challenge, by_answer_table],
        notes=notes,
    )


def support_section(scope: Scope) -> Section:
    """Queries: volume (by kind, month, department and status), targets and ratings,
    response times, deflections by target and top: 8."""
    args = {"start": scope.start, "end": scope.end, "department_ids": scope.department_ids}
    volume = support_reporting.request_volume(**args)
    by_kind = {r["kind"]: r["requests"] for r in volume["by_kind"]}
    by_department = volume["by_department"]
    by_month = {r["month"]: r["requests"] for r in volume["by_month"]}
    by_status = {r["status"]: r["requests"] for r in volume["by_status"]}
    targets = support_reporting.target_and_rating_totals(**args, now=scope.now)
    times = support_reporting.response_times(**args)
    deflection_types = {r["target_type"]: r["deflections"] for r in support_reporting.deflections_by_target(**args)}
    deflection_top = support_reporting.deflections_top(**args)

    open_now = sum(n for status, n in by_status.items() if status in support_reporting.OPEN_STATUSES)
    fr, res = times["first_response"], times["resolution"]
    fr_share = _percent(targets["first_response_met"], targets["first_response_decided"])
    res_share = _percent(targets["resolution_met"], targets["resolution_decided"])
    rating = _round(targets["rating_average"], "0.01")
    summary = _summary(
        "summary",
        _("Support requests at a glance"),
        [
            (_("Requests made"), targets["requests"]),
            (_("Still open"), open_now),
            (_("Median time to first response (office days)"), _round(fr["median"])),
            (_("90th percentile time to first response (office days)"), _round(fr["p90"])),
            (_("Median time to resolution (office days)"), _round(res["median"])),
            (_("90th percentile time to resolution (office days)"), _round(res["p90"])),
            (_("First responses within target (%)"), fr_share),
            (_("Resolutions within target (%)"), res_share),
            (_("Satisfaction (average rating, 1–5)"), rating),
            (_("Ratings given"), targets["ratings"]),
            (_("Questions answered before asking"), sum(deflection_types.values())),
        ],
    )

    months = []
    cursor = scope.start.replace(day=1)
    while cursor <= scope.end:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    month_table = _with_chart(
        Table(
            key="months",
            caption=_("Requests by month"),
            columns=[_("Month"), _("Requests")],
            rows=[[m.strftime("%Y-%m"), by_month.get(m, 0)] for m in months],
        ),
        Chart("line", series=[1]),
    )
    kind_table = _with_chart(
        Table(
            key="kinds",
            caption=_("Requests by kind of support"),
            columns=[_("Kind of support"), _("Requests")],
            rows=sorted(([str(label), by_kind.get(k, 0)] for k, label in support_reporting.KINDS), key=lambda r: -r[1]),
        ),
        Chart("bar", series=[1], horizontal=True),
    )
    departments = {r["department_id"]: {"requests": r["requests"], "open": r["open"]} for r in by_department}
    department_table = _with_chart(
        Table(
            key="departments",
            caption=_("Requests by department"),
            columns=[_("Department"), _("Requests"), _("Still open")],
            rows=_department_rows(scope, departments, ["requests", "open"], "requests"),
        ),
        Chart("bar", series=[1, 2], rows=CHART_ROWS, horizontal=True),
    )
    status_table = _with_chart(
        Table(
            key="statuses",
            caption=_("Where the requests stand now"),
            columns=[_("Status"), _("Requests")],
            rows=[[str(label), by_status.get(s, 0)] for s, label in support_reporting.STATUSES],
            note=_("Open: new, triaged, in progress and waiting on requester."),
        ),
        Chart("bar", series=[1]),
    )
    time_table = _with_chart(
        Table(
            key="times",
            caption=_("Response and resolution times"),
            columns=[
                _("Measure"),
                _("Requests measured"),
                _("Median (office days)"),
                _("90th percentile (office days)"),
                _("Targets decided"),
                _("Within target"),
                _("Within target (%)"),
            ],
            rows=[
                [
                    _("First response"),
                    fr["count"],
                    _round(fr["median"]),
                    _round(fr["p90"]),
                    targets["first_response_decided"],
                    targets["first_response_met"],
                    fr_share,
                ],
                [
                    _("Resolution"),
                    res["count"],
                    _round(res["median"]),
                    _round(res["p90"]),
                    targets["resolution_decided"],
                    targets["resolution_met"],
                    res_share,
                ],
            ],
            note=_(
                "Office days from the request: weekends, national holidays and 29 December – 3 January do not "
                "count; time waiting on the requester does. Targets stop the clock while waiting. A target is "
                "decided once it is met or its due time has passed."
            ),
        ),
        Chart("bar", series=[2, 3]),
    )
    type_labels = {"article": _("Knowledge article"), "case": _("Case")}
    deflection_table = Table(
        key="deflections",
        caption=_("Questions answered before asking"),
        columns=[_("Answered by"), _("Type"), _("Questions")],
        rows=[
            [r["title"], type_labels.get(r["target_type"], r["target_type"]), r["deflections"]] for r in deflection_top
        ],
        numeric=[False, False, True],
        note=_("“This answered my question” on the request form: %(articles)s by articles, %(cases)s by cases.")
        % {"articles": deflection_types.get("article", 0), "cases": deflection_types.get("case", 0)},
    )
    notes = []
    if times.get("capped"):
        notes.append(
            _("Times are computed from the newest %(n)s requests of the period.")
            % {"n": f"{support_reporting.DURATION_ROW_CAP:,}"}
        )
    return Section(
        key="support",
        title=_("Support requests"),
        intro=_(
            "Requests made to the COE in the period, how fast they were answered and how satisfied departments were."
        ),
        summary=summary,
        tables=[month_table, kind_table, department_table, status_table, time_table, deflection_table],
        notes=notes,
    )


def knowledge_section(scope: Scope) -> Section:
    """Queries: views and feedback by department, stale articles (today's state: once per
    report), most read articles and their titles, search totals, top searches, searches
    without results: 8."""
    args = {"start": scope.start, "end": scope.end, "department_ids": scope.department_ids}
    views = knowledge_reporting.views_by_department(**args)
    feedback = knowledge_reporting.feedback_by_department(**args)
    stale = scope.of_today(
        "stale",
        lambda: knowledge_reporting.stale_by_owner_department(today=scope.today, department_ids=scope.department_ids),
    )
    most_read = knowledge_reporting.most_viewed_articles(**args)
    searches = search_reporting.search_totals(**args)
    top = search_reporting.top_searches(**args)
    nothing = search_reporting.searches_without_results(**args)

    reading: dict[int | None, dict[str, Cell]] = {}
    for row in views:
        reading.setdefault(row["department_id"], {"views": 0, "helpful": 0, "not_helpful": 0})["views"] = row["views"]
    for row in feedback:
        reading.setdefault(row["department_id"], {"views": 0, "helpful": 0, "not_helpful": 0}).update(
            helpful=row["helpful"], not_helpful=row["not_helpful"]
        )
    for values in reading.values():
        values["share"] = _percent(values["helpful"], values["helpful"] + values["not_helpful"])
    owners = {
        r["department_id"]: {
            "published": r["published"],
            "stale": r["stale"],
            "share": _percent(r["stale"], r["published"]),
        }
        for r in stale
    }
    total_views = sum(r["views"] for r in views)
    helpful = sum(r["helpful"] for r in feedback)
    not_helpful = sum(r["not_helpful"] for r in feedback)
    summary = _summary(
        "summary",
        _("Knowledge base at a glance"),
        [
            (_("Article views"), total_views),
            (_("Answered “helpful”"), helpful),
            (_("Answered “not helpful”"), not_helpful),
            (_("Helpful (%)"), _percent(helpful, helpful + not_helpful)),
            (_("Searches"), searches["searches"]),
            (_("Searches that found nothing"), searches["without_results"]),
            (_("Published articles (today)"), sum(r["published"] for r in stale), False),
            (_("Articles past their review date (today)"), sum(r["stale"] for r in stale), False),
        ],
    )
    reading_table = _with_chart(
        Table(
            key="reading",
            caption=_("Reading by department"),
            columns=[_("Department"), _("Views"), _("Helpful"), _("Not helpful"), _("Helpful (%)")],
            rows=_department_rows(scope, reading, ["views", "helpful", "not_helpful", "share"], "views"),
            note=_("By the reader's department. A view is one reader reading one article on one day."),
        ),
        Chart("bar", series=[1], rows=CHART_ROWS, horizontal=True),
    )
    stale_table = _with_chart(
        Table(
            key="stale",
            caption=_("Articles past their review date, by owner's department (today)"),
            columns=[_("Department"), _("Published articles"), _("Past review date"), _("Past review date (%)")],
            rows=_department_rows(scope, owners, ["published", "stale", "share"], "stale"),
        ),
        Chart("bar", series=[2], rows=CHART_ROWS, horizontal=True),
    )
    most_read_table = Table(
        key="articles",
        caption=_("Most read articles"),
        columns=[_("Article"), _("Views")],
        rows=[[r["title"], r["views"]] for r in most_read],
    )
    top_table = Table(
        key="searches",
        caption=_("Most frequent searches"),
        columns=[_("Search words"), _("Searches")],
        rows=[[r["query"], r["searches"]] for r in top],
    )
    nothing_table = Table(
        key="no-results",
        caption=_("Searches that found nothing: articles to write next"),
        columns=[_("Search words"), _("Searches"), _("Last searched")],
        rows=[[r["query"], r["searches"], timezone.localtime(r["last_searched"]).date().isoformat()] for r in nothing],
        numeric=[False, True, False],
    )
    return Section(
        key="knowledge",
        title=_("Knowledge base"),
        intro=_(
            "How much the knowledge base is read and found helpful, what people search for, and what needs review."
        ),
        summary=summary,
        tables=[reading_table, stale_table, most_read_table, top_table, nothing_table],
    )


def cases_section(scope: Scope) -> Section:
    """Queries: cases by department (with hours), by stage, by field (3)."""
    args = {"start": scope.start, "end": scope.end, "department_ids": scope.department_ids}
    by_department = cases_reporting.cases_by_department(**args)
    by_stage = {r["stage"]: r["cases"] for r in cases_reporting.cases_by_stage(**args)}
    by_field = cases_reporting.cases_by_field(**args)

    departments = {
        r["department_id"]: {
            "cases": r["cases"],
            "measured": _round(r["measured"]),
            "estimated": _round(r["estimated"]),
            "total": _round(r["measured"] + r["estimated"]),
        }
        for r in by_department
    }
    measured = _round(sum((r["measured"] for r in by_department), Decimal("0")))
    estimated = _round(sum((r["estimated"] for r in by_department), Decimal("0")))
    summary = _summary(
        "summary",
        _("Cases at a glance"),
        [
            (_("Hours saved per year"), _round(measured + estimated)),
            (_("of which measured"), measured),
            (_("of which estimated"), estimated),
            (_("Cases"), sum(r["cases"] for r in by_department)),
        ],
    )
    hours_table = _with_chart(
        Table(
            key="hours",
            caption=_("Hours saved per year by department"),
            columns=[_("Department"), _("Cases"), _("Measured (hours)"), _("Estimated (hours)"), _("Total (hours)")],
            rows=_department_rows(scope, departments, ["cases", "measured", "estimated", "total"], "total"),
            note=_("Published cases whose work started in the period. Measured and estimated hours are kept apart."),
        ),
        Chart("bar", series=[2, 3], rows=CHART_ROWS, horizontal=True, stacked=True),
    )
    stage_table = _with_chart(
        Table(
            key="stages",
            caption=_("Cases by stage"),
            columns=[_("Stage"), _("Cases")],
            rows=[[str(label), by_stage.get(s, 0)] for s, label in cases_reporting.STAGES],
        ),
        Chart("bar", series=[1]),
    )
    language = get_language() or "ja"
    field_table = _with_chart(
        Table(
            key="fields",
            caption=_("Cases by field"),
            columns=[_("Field"), _("Cases"), _("Hours saved per year")],
            rows=[
                [
                    (r["name_en"] if language.startswith("en") and r["name_en"] else r["name_ja"])
                    if r["field_id"]
                    else _("No field"),
                    r["cases"],
                    _round(r["hours"]),
                ]
                for r in by_field
            ],
        ),
        Chart("bar", series=[1], horizontal=True),
    )
    return Section(
        key="cases",
        title=_("Cases and hours saved"),
        intro=_("The COE's headline figure: hours of work saved per year by the cases, measured or estimated."),
        summary=summary,
        tables=[hours_table, stage_table, field_table],
    )


BUILDERS: dict[str, Callable[[Scope], Section]] = {
    "ideas": ideas_section,
    "support": support_section,
    "knowledge": knowledge_section,
    "cases": cases_section,
}


# --- the report ----------------------------------------------------------------------------


def _change(current: Cell, previous: Cell) -> Cell:
    if isinstance(current, int | Decimal) and isinstance(previous, int | Decimal):
        return current - previous
    return None


def _add_comparison(section: Section, previous: Section) -> None:
    summary, before = section.summary, previous.summary
    summary.columns = [*summary.columns, _("Previous period"), _("Change")]
    summary.numeric = [*summary.numeric, True, True]
    summary.signed = len(summary.columns) - 1
    for row, old, comparable in zip(summary.rows, before.rows, summary.comparable, strict=True):
        row.extend([old[1], _change(row[1], old[1])] if comparable else [None, None])


def report_build(
    *,
    period: Period,
    compare: bool,
    department_ids: list[int] | None,
    department_label: str,
    sections: Sequence[str],
    tree: DepartmentTree,
    now: datetime | None = None,
) -> Report:
    """Build the figures (uncached). Each section runs its fixed list of queries, twice
    when comparing with the previous period (figures of today's state only once)."""
    now = now or timezone.now()
    today = timezone.localdate(now)

    today_figures: dict[str, Any] = {}

    def scope_for(p: Period) -> Scope:
        return Scope(
            start=p.start,
            end=p.end,
            department_ids=department_ids,
            tree=tree,
            now=now,
            today=today,
            today_figures=today_figures,
        )

    previous = period.previous() if compare else None
    jobs = [(key, scope_for(period)) for key in sections]
    if previous is not None:
        jobs += [(key, scope_for(previous)) for key in sections]
    results = [BUILDERS[key](scope) for key, scope in jobs]
    built = results[: len(sections)]
    for section, before in zip(built, results[len(sections) :], strict=False):
        _add_comparison(section, before)
    return Report(period=period, previous=previous, department_label=department_label, sections=built, built_at=now)
