"""What a user may see in the reports, and the department facts the reports need
(names, the 局/部/課 tree, head counts). One query each, whatever the size."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import get_language

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.reports.models import ManagerScope

SECTIONS = ("ideas", "support", "knowledge", "cases")
COE_SECTIONS = ("support", "knowledge")


@dataclass(frozen=True)
class DepartmentTree:
    """Every department (active or not: old rows keep their names), in tree order."""

    names_ja: dict[int, str]
    names_en: dict[int, str]
    children: dict[int | None, list[int]]
    active: frozenset[int]
    depth: dict[int, int] = field(default_factory=dict)

    def name(self, department_id: int | None, language: str | None = None) -> str:
        if department_id is None:
            return ""
        language = language or get_language() or "ja"
        if language.startswith("en") and self.names_en.get(department_id):
            return self.names_en[department_id]
        return self.names_ja.get(department_id, str(department_id))

    def subtree(self, department_id: int) -> list[int]:
        """The department and every unit under it (a 局 includes its 部 and 課)."""
        result, stack = [], [department_id]
        while stack:
            pk = stack.pop()
            result.append(pk)
            stack.extend(self.children.get(pk, []))
        return sorted(result)

    def in_tree_order(self, within: Iterable[int] | None = None) -> list[int]:
        """Depth-first, siblings by sort order; only `within` when given."""
        keep = set(within) if within is not None else None
        ordered: list[int] = []

        def walk(parent: int | None) -> None:
            for pk in self.children.get(parent, []):
                if keep is None or pk in keep:
                    ordered.append(pk)
                walk(pk)

        walk(None)
        return ordered


def department_tree() -> DepartmentTree:
    names_ja: dict[int, str] = {}
    names_en: dict[int, str] = {}
    children: dict[int | None, list[int]] = {}
    parents: dict[int, int | None] = {}
    active = set()
    rows = Department.objects.order_by("sort_order", "code").values_list(
        "pk", "parent_id", "name_ja", "name_en", "is_active"
    )
    for pk, parent_id, name_ja, name_en, is_active in rows:
        names_ja[pk], names_en[pk] = name_ja, name_en
        children.setdefault(parent_id, []).append(pk)
        parents[pk] = parent_id
        if is_active:
            active.add(pk)
    depth = {}
    for pk in parents:
        level, parent = 0, parents[pk]
        while parent is not None and level < 10:
            level, parent = level + 1, parents.get(parent)
        depth[pk] = level
    return DepartmentTree(names_ja, names_en, children, frozenset(active), depth)


def headcount_by_department(department_ids: list[int] | None) -> dict[int | None, int]:
    """Active users per department today (the denominator of participation rates)."""
    users = User.objects.filter(is_active=True)
    if department_ids is not None:
        users = users.filter(department_id__in=department_ids)
    return {
        row["department_id"]: row["n"]
        for row in users.values("department_id").annotate(n=Count("*")).order_by("department_id")
    }


@dataclass(frozen=True)
class ReportAccess:
    """What one user may see: the sections, and the departments (None = all)."""

    sections: tuple[str, ...]
    department_ids: frozenset[int] | None
    home_department_id: int | None
    may_refresh: bool

    @property
    def scoped(self) -> bool:
        return self.department_ids is not None


def manager_scope_of(user: User) -> str:
    row = ManagerScope.objects.filter(user=user).values_list("scope", flat=True).first()
    return row or settings.REPORTS_MANAGER_DEFAULT_SCOPE


def report_access_for(user: User, tree: DepartmentTree) -> ReportAccess:
    """The sections and departments `user` may see; PermissionDenied if no reports at all.

    Administrators and COE members see every department (the COE works across all of
    them). A manager sees every department, or only their own and the units under it,
    as their ManagerScope (or REPORTS_MANAGER_DEFAULT_SCOPE) says; a manager scoped to
    their own department who has no department sees no department's figures."""
    if not user.has_perm("reports.view_reports"):
        raise PermissionDenied
    sections = SECTIONS if user.has_perm("reports.view_all_sections") else COE_SECTIONS
    department_ids: frozenset[int] | None = None
    if not (user.has_role(Role.ADMIN) or user.has_role(Role.COE)) and manager_scope_of(user) == ManagerScope.Scope.OWN:
        department_ids = frozenset(tree.subtree(user.department_id)) if user.department_id else frozenset()
    return ReportAccess(
        sections=sections,
        department_ids=department_ids,
        home_department_id=user.department_id,
        may_refresh=user.has_perm("reports.refresh_reports"),
    )
