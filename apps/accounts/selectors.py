from django.db.models import Prefetch, QuerySet

from apps.accounts.models import Department, User
from apps.accounts.roles import Role


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
