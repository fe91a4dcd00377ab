"""CSV and Excel exports of a challenge's ideas, with the same numbers as the results page.

While counts are hidden the export has neither the count nor the rank column and lists
ideas by id, so the file tells nothing the page does not. Both files are written by
apps.core.exports, so a title that looks like a formula stays text.
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from apps.core import exports
from apps.ideas import selectors
from apps.ideas.models import Challenge, Idea


def _authors(idea: Idea) -> str:
    names = [idea.author.get_full_name()]
    names += [c.user.get_full_name() for c in idea.coauthors.all() if c.status == "accepted"]
    return "、".join(names)


def idea_table(challenge: Challenge, *, show_counts: bool) -> tuple[list[str], list[list]]:
    headers = [_("Rank"), _("Likes")] if show_counts else []
    headers += [_("Idea ID"), _("Title"), _("Category"), _("Department"), _("Authors"), _("Official answer"), _("Link")]
    rows = []
    base = settings.PORTAL_BASE_URL.rstrip("/")
    for idea in selectors.export_rows(challenge, show_counts=show_counts):
        row = [idea.rank, idea.vote_count] if show_counts else []
        row += [
            idea.pk,
            idea.title,
            idea.category.name if idea.category_id else "",
            idea.department.name if idea.department_id else "",
            _authors(idea),
            idea.answer_status.name if idea.answer_status_id else "",
            base + reverse("ideas:idea_detail", args=[idea.pk]),
        ]
        rows.append(row)
    return headers, rows


def participation_table(challenge: Challenge) -> tuple[list[str], list[list]]:
    headers = [_("Department"), _("Voters"), _("Staff"), _("Participation rate")]
    rows = [
        [
            row.department.name if row.department else _("No department"),
            row.voters,
            row.staff,
            round(row.rate, 4) if row.rate is not None else "",
        ]
        for row in selectors.participation_by_department(challenge)
    ]
    return headers, rows


def _filename(challenge: Challenge, extension: str) -> str:
    return f"challenge-{challenge.pk}-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(challenge: Challenge, *, show_counts: bool) -> HttpResponse:
    headers, rows = idea_table(challenge, show_counts=show_counts)
    return exports.csv_response([headers, *rows], filename=_filename(challenge, "csv"))


def xlsx_response(challenge: Challenge, *, show_counts: bool) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ideas")[:31]
    bold = Font(bold=True)
    headers, rows = idea_table(challenge, show_counts=show_counts)
    exports.xlsx_append(sheet, headers, font=bold)
    for row in rows:
        exports.xlsx_append(sheet, row)
    sheet.freeze_panes = "A2"
    if show_counts:
        departments = workbook.create_sheet(_("Participation")[:31])
        headers, rows = participation_table(challenge)
        exports.xlsx_append(departments, headers, font=bold)
        for row in rows:
            exports.xlsx_append(departments, row)
        for cell in departments["D"][1:]:
            cell.number_format = "0.0%"
    return exports.xlsx_response(workbook, filename=_filename(challenge, "xlsx"))
