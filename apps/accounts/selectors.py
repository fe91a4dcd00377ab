from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import (
    Department,
    DepartmentLineage,
    DepartmentMembership,
    DirectoryChange,
    DirectoryEntry,
    DirectorySyncRun,
    User,
)
from apps.accounts.roles import Role
from apps.core.dates import fiscal_year_bounds


def user_list_for_demo_sign_in() -> QuerySet[User]:
    """The accounts the development sign-in page offers and accepts: active accounts that
    seed_demo created, never one made by an Entra ID sign-in, bench data or the admin."""
    return (
        User.objects.filter(is_active=True, is_demo=True)
        .select_related("department")
        .prefetch_related("groups")
        .order_by("username")
    )


def demo_users_by_role(limit_per_role: int = 6) -> list[tuple[str, list[User]]]:
    """A few accounts per role for the development sign-in page, most powerful role first."""
    buckets: dict[str, list[User]] = {r.value: [] for r in (Role.ADMIN, Role.COE, Role.MANAGER, Role.STAFF)}
    for user in user_list_for_demo_sign_in():
        names = {g.name for g in user.groups.all()}
        for role in buckets:
            if role in names or role == Role.STAFF.value:
                if len(buckets[role]) < limit_per_role:
                    buckets[role].append(user)
                break
    return [(Role(role).label, users) for role, users in buckets.items() if users]


def department_list() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).select_related("parent")


def user_with_department(user_id: int) -> User:
    return User.objects.select_related("department__parent").prefetch_related(Prefetch("groups")).get(pk=user_id)


def department_with_descendant_ids(department: Department) -> list[int]:
    """The department and every unit under it (a 局 includes its 部 and 課)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    result, stack = [], [department.pk]
    while stack:
        pk = stack.pop()
        result.append(pk)
        stack.extend(children.get(pk, []))
    return result


def user_list_in_department(department: Department | None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True)
    if department is not None:
        users = users.filter(department_id__in=department_with_descendant_ids(department))
    return users


# --- department history: headcounts, and today's structure ------------------------------------
# For the reports (not wired into their pages yet): every figure here comes from the department
# history (DepartmentMembership), so a transfer or a leaver moves no past figure, and from the
# lineage of reorganisations (DepartmentLineage), so past figures can be shown in today's
# structure as well as the way they were.

AS_WAS = "as_was"
TODAY = "today"


def _valid_on(day: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gt": day})
    )


def department_current_map(*, on: date | None = None) -> dict[int, int]:
    """Every department id → the department of today's structure it became: itself while it
    exists (a rename keeps the row), the new department after a merge, the primary successor
    after a split, followed through later reorganisations. A department closed without a
    successor maps to itself. `on`: the day whose structure counts as today's."""
    on = on or timezone.localdate()
    step = dict(
        DepartmentLineage.objects.filter(effective_on__lte=on, is_primary=True)
        .exclude(kind=DepartmentLineage.Kind.RENAMED)
        .order_by("effective_on", "pk")
        .values_list("predecessor_id", "successor_id")
    )
    result = {}
    for pk in Department.objects.values_list("pk", flat=True):
        seen, current = {pk}, pk
        while current in step and step[current] not in seen:
            current = step[current]
            seen.add(current)
        result[pk] = current
    return result


def department_successors(department_id: int, *, on: date | None = None) -> list[int]:
    """All of today's departments a department became (a split gives several), in id order."""
    on = on or timezone.localdate()
    links: dict[int, set[int]] = {}
    for predecessor, successor in (
        DepartmentLineage.objects.filter(effective_on__lte=on)
        .exclude(kind=DepartmentLineage.Kind.RENAMED)
        .values_list("predecessor_id", "successor_id")
    ):
        links.setdefault(predecessor, set()).add(successor)
    found, todo, seen = set(), [department_id], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if links.get(current):
            todo.extend(links[current])
        else:
            found.add(current)
    return sorted(found)


def _in_structure(counts: dict[int, int], structure: str, on: date | None) -> dict[int, int]:
    if structure == AS_WAS:
        return counts
    if structure != TODAY:
        raise ValueError(f"unknown structure {structure!r}")
    mapping = department_current_map(on=on)
    result: dict[int, int] = {}
    for pk, n in counts.items():
        target = mapping.get(pk, pk)
        result[target] = result.get(target, 0) + n
    return result


def headcount_by_department(*, on: date, structure: str = AS_WAS, today: date | None = None) -> dict[int, int]:
    """Department id → people who belonged to it on `on` (from the history: transfers count
    where the person was that day, leavers until the day they left). `structure=TODAY` adds
    up the departments that became one of today's (`today`: the day taken as today)."""
    counts = dict(
        DepartmentMembership.objects.filter(_valid_on(on))
        .values_list("department_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _in_structure(counts, structure, today)


def headcount_for_fiscal_year(year: int, *, structure: str = AS_WAS, today: date | None = None) -> dict[int, int]:
    """Headcount per department for fiscal year `year` (年度): as of 1 April, when it starts."""
    return headcount_by_department(on=fiscal_year_bounds(year)[0], structure=structure, today=today)


def headcount_monthly(year: int, *, structure: str = AS_WAS, today: date | None = None) -> dict[date, dict[int, int]]:
    """Headcount per department on the first day of each month of fiscal year `year`
    (1 April … 1 March), one aggregate query per month."""
    start = fiscal_year_bounds(year)[0]
    months = [date(start.year + (start.month + i - 1) // 12, (start.month + i - 1) % 12 + 1, 1) for i in range(12)]
    return {month: headcount_by_department(on=month, structure=structure, today=today) for month in months}


def department_on(*, user_id: int, on: date) -> int | None:
    """The department a person belonged to on a day, from the history."""
    return (
        DepartmentMembership.objects.filter(_valid_on(on), user_id=user_id)
        .values_list("department_id", flat=True)
        .first()
    )


def departments_of_users_on(*, user_ids: list[int], on: date) -> dict[int, int]:
    """user id → the department they belonged to on `on` (those with none are left out)."""
    return dict(
        DepartmentMembership.objects.filter(_valid_on(on), user_id__in=user_ids).values_list("user_id", "department_id")
    )


def department_name_on(department: Department, on: date) -> str:
    """A department's Japanese name as it was on a day (a rename keeps the row)."""
    later = (
        DepartmentLineage.objects.filter(
            predecessor=department, kind=DepartmentLineage.Kind.RENAMED, effective_on__gt=on
        )
        .order_by("effective_on", "pk")
        .first()
    )
    return later.old_name_ja if later is not None else department.name_ja


# --- the directory page ------------------------------------------------------------------------

CHANGES_PER_PAGE = 100


def directory_runs(limit: int = 10) -> list[DirectorySyncRun]:
    return list(DirectorySyncRun.objects.select_related("actor").order_by("-started_at", "-pk")[:limit])


def directory_run_changes(*, run: DirectorySyncRun, kind: str = "") -> QuerySet[DirectoryChange]:
    changes = DirectoryChange.objects.filter(run=run).order_by("kind", "name", "pk")
    return changes.filter(kind=kind) if kind else changes


def directory_entries_with_errors() -> QuerySet[DirectoryEntry]:
    return DirectoryEntry.objects.exclude(error="").order_by("display_name", "oid")
