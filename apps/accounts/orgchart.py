"""The organisation chart import (組織改正), for cities whose Entra ID department field is not
the source of truth: an administrator uploads the chart as the personnel section hands it over
(CSV or Excel), sees exactly what would change, and applies it.

The file is the whole chart as of its effective date: one row per department, a header row
first (Japanese or English column names, in any order; docs/architecture.md):

| column | 日本語の見出し | | |
|---|---|---|---|
| code | 所属コード | required | the department's code, kept from year to year |
| name | 所属名 | required | its Japanese name |
| name_en | 英語名 | | its English name |
| kana | よみがな | | its reading |
| parent_code | 上位所属コード | | the code of the unit above it (局・部) |
| level | 区分 | | 局 / 部 / 課 (bureau / division / section; default 課) |
| predecessors | 旧所属コード | | codes of the departments it continues or replaces (spaces, commas, 、 or ;) |

What a row means, against the departments the portal has:
- a code the portal has: the same department (a new name is a rename, same row); old codes in
  `predecessors` that are not in the file were merged into it (absorbed);
- a new code with one predecessor that no other row names and that is not in the file: that
  department goes on under a new code (a rename, same row);
- a new code with two or more predecessors: a merge — a new department; the old ones close;
- a new code whose predecessor other rows name too: a split — new departments; the old one
  closes (unless it is in the file), and the first row naming it is its main successor;
- a new code without predecessors: a new department;
- a department the portal has, not in the file and nobody's predecessor: it closes.
People of a department that closes into successors move to the main one on the effective date
(recorded in the department history); the preview says how many. Nothing changes before the
administrator applies, and a preview applies only if the departments did not change since.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import Department, DepartmentLineage, OrgChartImport, User
from apps.accounts.services import memberships_apply
from apps.core.services import audit_log

MAX_ROWS = 5000
MAX_ERRORS = 20
COLUMNS = {
    "code": ("code", "所属コード", "コード", "部署コード"),
    "name": ("name", "name_ja", "所属名", "所属名称", "名称", "部署名"),
    "name_en": ("name_en", "english name", "英語名", "所属名(英語)", "英名"),
    "kana": ("kana", "reading", "よみがな", "読み", "よみ", "ふりがな"),
    "parent_code": ("parent_code", "parent", "上位所属コード", "上位コード", "親所属コード"),
    "level": ("level", "区分", "階層"),
    "predecessors": ("predecessors", "predecessor_codes", "旧所属コード", "旧コード", "前身"),
}
LEVELS = {
    "局": Department.Level.BUREAU,
    "bureau": Department.Level.BUREAU,
    "部": Department.Level.DIVISION,
    "division": Department.Level.DIVISION,
    "課": Department.Level.SECTION,
    "section": Department.Level.SECTION,
    "": Department.Level.SECTION,
}


class OrgChartError(ValidationError):
    """The file cannot be used; the messages say why, in the reader's language."""


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps 310 as 310.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(value: str) -> str:
    return re.sub(r"[\s_()（）]", "", _norm(value).lower())


_ALIASES = {_header_key(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


# --- reading the file ---------------------------------------------------------------------------


def _cells(upload: UploadedFile) -> list[list[str]]:
    name = (upload.name or "").lower()
    if upload.size > settings.PORTAL_UPLOAD_MAX_BYTES:
        raise OrgChartError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(settings.PORTAL_UPLOAD_MAX_BYTES),
            }
        )
    upload.seek(0)
    data = upload.read()
    if name.endswith(".csv"):
        return _csv_cells(data, upload.name)
    if name.endswith(".xlsx"):
        return _xlsx_cells(data, upload.name)
    raise OrgChartError(
        _("“%(name)s” is not a CSV or Excel (.xlsx) file. Save the organisation chart as one of them.")
        % {"name": upload.name}
    )


def _csv_cells(data: bytes, name: str) -> list[list[str]]:
    if b"\x00" in data[:4096]:
        raise OrgChartError(
            _("“%(name)s” does not look like a CSV file. It may be damaged or renamed.") % {"name": name}
        )
    for encoding in ("utf-8-sig", "cp932"):  # Excel saves Japanese CSV as Shift_JIS (cp932)
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OrgChartError(
            _("The characters of “%(name)s” could not be read. Save it as CSV in UTF-8 or Shift_JIS.") % {"name": name}
        )
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))][: MAX_ROWS + 2]
    except csv.Error as exc:
        raise OrgChartError(_("“%(name)s” is not a valid CSV file: %(error)s") % {"name": name, "error": exc}) from exc


def _xlsx_cells(data: bytes, name: str) -> list[list[str]]:
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise OrgChartError(
            _("“%(name)s” does not look like an Excel file. It may be damaged or renamed.") % {"name": name}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise zipfile.BadZipFile("no workbook")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for row in sheet.iter_rows(max_col=20, values_only=True):
                rows.append([_norm(value) for value in row])
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise OrgChartError(
            _("“%(name)s” could not be read as an Excel workbook. It may be damaged or protected.") % {"name": name}
        ) from exc
    return rows


def org_chart_read(upload: UploadedFile) -> list[dict]:
    """The file's rows as dicts of the columns above, or OrgChartError listing what is wrong
    (with row numbers as the spreadsheet shows them)."""
    cells = [row for row in _cells(upload) if any(_norm(c) for c in row)]
    if not cells:
        raise OrgChartError(_("The file is empty."))
    header = [_ALIASES.get(_header_key(cell), "") for cell in cells[0]]
    missing = [key for key in ("code", "name") if key not in header]
    if missing:
        raise OrgChartError(
            _("The first row must name the columns; “%(columns)s” is missing. See the column layout on this page.")
            % {"columns": ", ".join(f"{COLUMNS[key][1]} ({key})" for key in missing)}
        )
    if len(cells) - 1 > MAX_ROWS:
        raise OrgChartError(_("The file has more than %(max)s departments.") % {"max": f"{MAX_ROWS:,}"})
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        row = {key: "" for key in COLUMNS}
        for key, value in zip(header, raw, strict=False):
            if key:
                row[key] = _norm(value)
        row["line"] = number
        rows.append(row)
    if not rows:
        raise OrgChartError(_("The file has a header row but no departments."))
    _validate(rows)
    return rows


def _predecessors(row: dict) -> list[str]:
    codes = [c for c in re.split(r"[\s,、;；]+", row["predecessors"]) if c]
    return list(dict.fromkeys(c for c in codes if c != row["code"]))


def _validate(rows: list[dict]) -> None:
    errors: list[str] = []
    seen: dict[str, int] = {}
    # Codes the portal knows: its departments', and the old codes of departments renamed under
    # a new code (the same chart uploaded again still names them).
    existing = set(Department.objects.values_list("code", flat=True))
    existing |= set(DepartmentLineage.objects.exclude(old_code="").values_list("old_code", flat=True))
    for row in rows:
        line = row["line"]
        if not row["code"] or not row["name"]:
            errors.append(_("Row %(line)s: the code and the name are required.") % {"line": line})
            continue
        if len(row["code"]) > 20 or len(row["name"]) > 100 or len(row["name_en"]) > 150 or len(row["kana"]) > 150:
            errors.append(_("Row %(line)s: too long (code at most 20 characters, name at most 100).") % {"line": line})
        if row["code"] in seen:
            errors.append(
                _("Row %(line)s: the code %(code)s is also on row %(other)s.")
                % {"line": line, "code": row["code"], "other": seen[row["code"]]}
            )
        seen.setdefault(row["code"], line)
        if row["level"].lower() not in LEVELS:
            errors.append(
                _("Row %(line)s: “%(level)s” is not a level; use 局, 部 or 課.") % {"line": line, "level": row["level"]}
            )
        for code in _predecessors(row):
            if code not in existing:
                errors.append(
                    _("Row %(line)s: the earlier department %(code)s is not known to the portal.")
                    % {"line": line, "code": code}
                )
    parents = {row["code"]: row["parent_code"] for row in rows}
    for row in rows:
        if row["parent_code"] and row["parent_code"] not in parents:
            errors.append(
                _("Row %(line)s: the parent code %(code)s is not in the file.")
                % {"line": row["line"], "code": row["parent_code"]}
            )
            continue
        seen_codes, code = set(), row["code"]
        while code and code not in seen_codes:
            seen_codes.add(code)
            code = parents.get(code, "")
        if code:
            errors.append(_("Row %(line)s: the parent codes go round in a circle.") % {"line": row["line"]})
    if errors:
        more = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS]
        if more > 0:
            shown.append(_("… and %(count)s more problems.") % {"count": more})
        raise OrgChartError(shown)


# --- the plan ----------------------------------------------------------------------------------


def org_chart_plan(rows: list[dict], effective_on: date) -> list[dict]:
    """The changes the chart makes, in the file's order, then the departments it closes.
    Plain values only (stored with the preview and compared again before applying)."""
    existing = {d.code: d for d in Department.objects.select_related("parent")}
    staff = dict(
        User.objects.filter(is_active=True, department__isnull=False)
        .values_list("department__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    file_codes = {row["code"] for row in rows}
    # What an earlier chart (or the sync) recorded already is not a change again.
    done = set(
        DepartmentLineage.objects.exclude(kind=DepartmentLineage.Kind.RENAMED).values_list(
            "predecessor__code", "successor__code"
        )
    )

    def predecessors(row: dict) -> list[str]:
        # An old code of a department renamed under a new one is known (the validation lets
        # it through) but no longer a department: nothing to do for it.
        return [code for code in _predecessors(row) if code in existing and (code, row["code"]) not in done]

    claimed: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for code in predecessors(row):
            claimed[code].append(row["code"])
    plan: list[dict] = []

    def level(row: dict) -> str:
        if row["level"]:
            return LEVELS[row["level"].lower()]
        department = existing.get(row["code"])
        return department.level if department is not None else Department.Level.SECTION

    def item(action: str, row: dict, **extra) -> dict:
        return {
            "action": action,
            "code": row["code"],
            "name": row["name"],
            "name_en": row["name_en"],
            "kana": row["kana"],
            "parent": row["parent_code"],
            "level": level(row),
            **extra,
        }

    for row in rows:
        preds = predecessors(row)
        closing = [p for p in preds if p not in file_codes]
        department = existing.get(row["code"])
        if department is not None:
            changes = []
            if not department.is_active:
                changes.append("reopen")
            if department.name_ja != row["name"]:
                changes.append("rename")
            if (department.parent.code if department.parent else "") != row["parent_code"] or (
                department.level != level(row)
            ):
                changes.append("move")
            if (row["name_en"] and department.name_en != row["name_en"]) or (
                row["kana"] and department.kana != row["kana"]
            ):
                changes.append("update")
            if changes:
                plan.append(item(changes[0], row, changes=changes, old_name=department.name_ja))
            for pred in preds:
                if pred in file_codes:
                    plan.append(item("split_off", row, old_code=pred, old_name=existing[pred].name_ja))
                else:
                    plan.append(
                        item("absorb", row, old_code=pred, old_name=existing[pred].name_ja, people=staff.get(pred, 0))
                    )
            continue
        if len(preds) == 1 and closing == preds and claimed[preds[0]] == [row["code"]]:
            old = existing[preds[0]]
            plan.append(item("recode", row, old_code=old.code, old_name=old.name_ja))
            continue
        if len(preds) >= 2:
            plan.append(
                item(
                    "merge",
                    row,
                    sources=[{"code": p, "name": existing[p].name_ja, "closes": p in closing} for p in preds],
                    people=sum(staff.get(p, 0) for p in closing),
                )
            )
            continue
        if len(preds) == 1:
            pred = preds[0]
            primary = pred not in file_codes and claimed[pred][0] == row["code"]
            plan.append(
                item(
                    "split",
                    row,
                    old_code=pred,
                    old_name=existing[pred].name_ja,
                    primary=primary,
                    closes=pred not in file_codes,
                    people=staff.get(pred, 0) if primary else 0,
                )
            )
            continue
        plan.append(item("create", row))
    for code, department in sorted(existing.items(), key=lambda kv: (kv[1].sort_order, kv[0])):
        if department.is_active and code not in file_codes and code not in claimed:
            plan.append({"action": "close", "code": code, "name": department.name_ja, "people": staff.get(code, 0)})
    _check_dates(plan, existing, effective_on)
    return plan


def _check_dates(plan: list[dict], existing: dict[str, Department], effective_on: date) -> None:
    closing = {p["code"] for p in plan if p["action"] == "close"}
    closing |= {p["old_code"] for p in plan if p.get("closes") or p["action"] == "absorb"}
    closing |= {s["code"] for p in plan if p["action"] == "merge" for s in p["sources"] if s["closes"]}
    for code in sorted(closing):
        department = existing[code]
        if department.valid_from is not None and department.valid_from >= effective_on:
            raise OrgChartError(
                _("%(name)s exists only from %(date)s; the chart's effective date must be later.")
                % {"name": department.name_ja, "date": department.valid_from.isoformat()}
            )


# --- services ----------------------------------------------------------------------------------


def org_chart_preview(*, upload: UploadedFile, effective_on: date, actor: User) -> OrgChartImport:
    """Read and check the file and store what it would change, for the administrator to review."""
    if effective_on > timezone.localdate():
        raise OrgChartError(_("The effective date is in the future: apply the chart on or after that day."))
    rows = org_chart_read(upload)
    plan = org_chart_plan(rows, effective_on)
    chart = OrgChartImport.objects.create(
        file_name=(upload.name or "")[:255], effective_on=effective_on, rows=rows, plan=plan, uploaded_by=actor
    )
    audit_log(
        action="orgchart.previewed",
        actor=actor,
        target=chart,
        data={"file": chart.file_name, "effective_on": effective_on.isoformat(), "changes": len(plan)},
    )
    return chart


@transaction.atomic
def org_chart_apply(*, chart_id: int, actor: User) -> OrgChartImport:
    """Make the previewed changes, all or none, each recorded in the audit log. Refused if the
    chart was applied already or the departments changed since the preview."""
    chart = OrgChartImport.objects.select_for_update().filter(pk=chart_id).first()
    if chart is None:
        raise OrgChartError(_("This organisation chart preview does not exist."))
    if chart.status != OrgChartImport.Status.PREVIEW:
        raise OrgChartError(_("This organisation chart was applied already."))
    on = chart.effective_on
    if on > timezone.localdate():
        raise OrgChartError(_("The effective date is in the future: apply the chart on or after that day."))
    list(Department.objects.select_for_update().values_list("pk", flat=True))
    if org_chart_plan(chart.rows, on) != chart.plan:
        raise OrgChartError(
            _("The departments changed since this preview. Upload the file again to see the changes as they are now.")
        )
    by_code = {d.code: d for d in Department.objects.all()}
    moves: dict[int, int] = {}  # closing department → where its people go

    def close(department: Department) -> None:
        department.is_active = False
        department.valid_until = on
        department.save(update_fields=["is_active", "valid_until"])

    def lineage(pred: Department, succ: Department, kind: str, primary: bool = True, **old) -> None:
        DepartmentLineage.objects.get_or_create(
            predecessor=pred,
            successor=succ,
            kind=kind,
            effective_on=on,
            defaults={"is_primary": primary, "source": "org-chart", **old},
        )

    # New departments first (parents are set below, when every code exists).
    for order, entry in enumerate(chart.plan):
        if entry["action"] in ("create", "merge", "split"):
            by_code[entry["code"]] = Department.objects.create(
                code=entry["code"],
                name_ja=entry["name"],
                name_en=entry["name_en"],
                kana=entry["kana"],
                level=entry["level"],
                valid_from=on,
                sort_order=(order + 1) * 10,
            )
    for entry in chart.plan:
        action = entry["action"]
        if action == "close":
            close(by_code[entry["code"]])
        elif action == "recode":
            department = by_code.pop(entry["old_code"])
            lineage(
                department,
                department,
                DepartmentLineage.Kind.RENAMED,
                old_code=department.code,
                old_name_ja=department.name_ja,
                old_name_en=department.name_en,
            )
            department.code = entry["code"]
            by_code[entry["code"]] = department
            _set_fields(department, entry)
        elif action in ("reopen", "rename", "move", "update"):
            department = by_code[entry["code"]]
            if "rename" in entry["changes"]:
                lineage(
                    department,
                    department,
                    DepartmentLineage.Kind.RENAMED,
                    old_code=department.code,
                    old_name_ja=department.name_ja,
                    old_name_en=department.name_en,
                )
            if "reopen" in entry["changes"]:
                department.is_active, department.valid_until = True, None
            _set_fields(department, entry)
        elif action == "absorb":
            old, department = by_code[entry["old_code"]], by_code[entry["code"]]
            lineage(old, department, DepartmentLineage.Kind.MERGED)
            moves[old.pk] = department.pk
        elif action == "split_off":
            lineage(by_code[entry["old_code"]], by_code[entry["code"]], DepartmentLineage.Kind.SPLIT, primary=False)
        elif action == "merge":
            for source in entry["sources"]:
                lineage(by_code[source["code"]], by_code[entry["code"]], DepartmentLineage.Kind.MERGED)
                if source["closes"]:
                    moves[by_code[source["code"]].pk] = by_code[entry["code"]].pk
        elif action == "split":
            lineage(by_code[entry["old_code"]], by_code[entry["code"]], DepartmentLineage.Kind.SPLIT, entry["primary"])
            if entry["primary"]:
                moves[by_code[entry["old_code"]].pk] = by_code[entry["code"]].pk
        audit_log(action=f"orgchart.{action}", actor=actor, target=by_code.get(entry["code"]), data=entry)
    for entry in chart.plan:
        if "parent" in entry and entry["action"] not in ("absorb", "split_off"):
            department = by_code[entry["code"]]
            parent_id = by_code[entry["parent"]].pk if entry["parent"] else None
            if department.parent_id != parent_id:
                department.parent_id = parent_id
                department.save(update_fields=["parent"])
    for pk in moves:
        department = Department.objects.get(pk=pk)
        if department.is_active:
            close(department)
    _move_people(moves, on)
    chart.status, chart.applied_at, chart.applied_by = OrgChartImport.Status.APPLIED, timezone.now(), actor
    chart.save(update_fields=["status", "applied_at", "applied_by"])
    audit_log(action="orgchart.applied", actor=actor, target=chart, data={"changes": len(chart.plan)})
    return chart


def _set_fields(department: Department, entry: dict) -> None:
    renamed = department.name_ja != entry["name"]
    department.name_ja = entry["name"]
    if entry["name_en"]:
        department.name_en = entry["name_en"]
    elif renamed:
        department.name_en = ""  # the old name's English would be wrong
    if entry["kana"]:
        department.kana = entry["kana"]
    department.level = entry["level"]
    department.save()


def _move_people(moves: dict[int, int], on: date) -> None:
    """People of departments that closed into a successor belong to it from the effective day."""
    for old, new in moves.items():
        ids = list(User.objects.filter(department_id=old, is_active=True).values_list("pk", flat=True))
        if not ids:
            continue
        User.objects.filter(pk__in=ids).update(department_id=new)
        memberships_apply(moves=[(pk, new) for pk in ids], on=on, source="org-chart")


# --- for the preview page ------------------------------------------------------------------------


def plan_lines(plan: list[dict]) -> list[dict]:
    """Each change as a label and a sentence, in the reader's language."""
    labels = {
        "create": _("New"),
        "rename": _("Renamed"),
        "recode": _("Renamed"),
        "move": _("Moved"),
        "update": _("Changed"),
        "reopen": _("Exists again"),
        "absorb": _("Merged"),
        "merge": _("Merged"),
        "split": _("Split"),
        "split_off": _("Split"),
        "close": _("Closes"),
    }
    lines = []
    for entry in plan:
        action = entry["action"]
        values = {**entry, "people": entry.get("people", 0)}
        if action == "create":
            text = _("New department %(name)s (%(code)s).") % values
        elif action == "recode":
            text = _("%(old_name)s (%(old_code)s) goes on as %(name)s (%(code)s).") % values
        elif action in ("rename", "move", "update", "reopen"):
            parts = []
            if "reopen" in entry["changes"]:
                parts.append(_("%(name)s (%(code)s) exists again.") % values)
            if "rename" in entry["changes"]:
                parts.append(_("%(old_name)s (%(code)s) is renamed %(name)s.") % values)
            if "move" in entry["changes"]:
                parts.append(_("%(name)s (%(code)s) gets another place or level in the chart.") % values)
            if "update" in entry["changes"]:
                parts.append(_("%(name)s (%(code)s): English name or reading changes.") % values)
            text = " ".join(str(p) for p in parts)
        elif action == "absorb":
            text = (
                ngettext(
                    "%(old_name)s (%(old_code)s) merges into %(name)s (%(code)s); %(people)s person moves.",
                    "%(old_name)s (%(old_code)s) merges into %(name)s (%(code)s); %(people)s people move.",
                    values["people"],
                )
                % values
            )
        elif action == "merge":
            values["sources"] = "、".join(f"{s['name']} ({s['code']})" for s in entry["sources"])
            text = (
                ngettext(
                    "%(sources)s merge into the new %(name)s (%(code)s); %(people)s person moves.",
                    "%(sources)s merge into the new %(name)s (%(code)s); %(people)s people move.",
                    values["people"],
                )
                % values
            )
        elif action == "split" and entry["primary"]:
            text = (
                ngettext(
                    "%(old_name)s (%(old_code)s) is split; %(name)s (%(code)s) is its main successor; "
                    "%(people)s person moves.",
                    "%(old_name)s (%(old_code)s) is split; %(name)s (%(code)s) is its main successor; "
                    "%(people)s people move.",
                    values["people"],
                )
                % values
            )
        elif action in ("split", "split_off"):
            text = _("Part of %(old_name)s (%(old_code)s) becomes %(name)s (%(code)s).") % values
        else:
            text = (
                ngettext(
                    "%(name)s (%(code)s) closes; %(people)s person still belongs to it.",
                    "%(name)s (%(code)s) closes; %(people)s people still belong to it.",
                    values["people"],
                )
                % values
            )
        lines.append({"action": action, "label": labels[action], "text": text})
    return lines
