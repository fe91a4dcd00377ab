from collections.abc import Iterable, Sequence
from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Department, DepartmentMembership, User
from apps.accounts.roles import Role
from apps.core.services import audit_log


@transaction.atomic
def user_roles_set(*, user: User, roles: Iterable[Role | str], source: str, actor: User | None = None) -> set[str]:
    """Make `roles` the user's whole set of portal roles (Staff is implied).

    Called by the development sign-in, the admin and, at every SSO sign-in, with the
    roles from Entra ID, so a role removed there is removed here. The Admin role also
    opens Django admin (`is_staff`); nobody is a superuser, for whom Django would answer
    every permission yes, the product's rules included. Returns the role names after the change.
    """
    wanted = {Role(r).value for r in roles} | {Role.STAFF.value}
    current = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if wanted != current:
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        missing = wanted - groups.keys()
        for name in missing:
            groups[name] = Group.objects.create(name=name)
        user.groups.remove(*[groups[n] for n in current - wanted])
        user.groups.add(*[groups[n] for n in wanted - current])
        audit_log(
            action="roles.changed",
            actor=actor,
            target=user,
            data={"before": sorted(current), "after": sorted(wanted), "source": source},
        )
    is_admin = Role.ADMIN.value in wanted
    if user.is_staff != is_admin or user.is_superuser:
        user.is_staff, user.is_superuser = is_admin, False
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("roles", None)
    return wanted


def user_profile_update(
    *,
    user: User,
    display_name: str | None = None,
    department: Department | None = None,
    job_title: str | None = None,
    email: str | None = None,
    source: str = "sign-in",
) -> User:
    """Apply profile fields that came from the identity provider; None leaves a field alone.
    A new department is a transfer as of today in the department history."""
    changed = []
    for field, value in (
        ("display_name", display_name),
        ("department", department),
        ("job_title", job_title),
        ("email", email),
    ):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        with transaction.atomic():
            user.save(update_fields=changed)
            if "department" in changed:
                memberships_apply(moves=[(user.pk, department.pk)], on=timezone.localdate(), source=source)
    return user


def memberships_apply(*, moves: Sequence[tuple[int, int | None]], on: date | None, source: str) -> int:
    """Record in the department history that each (user id, department id) belongs to that
    department from `on` (None: to no department — a leaver). The open row is closed on `on`
    and a new one opened; a row that opened on `on` (or later: a change dated before the
    person's current row began takes effect when that row began) is changed in place.
    `on=None` means "since before the portal's records" (a first sync, a backfill): a new row
    gets no start and an open row is changed in place.
    `User.department` is the caller's to set. One query to read, a few to write, whatever
    the number of moves: the directory sync applies thousands at once. Returns how many
    people's history changed."""
    wanted = dict(moves)
    if not wanted:
        return 0
    with transaction.atomic():
        current = {
            m.user_id: m
            for m in DepartmentMembership.objects.select_for_update().filter(
                user_id__in=list(wanted), valid_until__isnull=True
            )
        }
        close, change, delete, create = [], [], [], []
        touched: set[int] = set()
        for user_id, department_id in wanted.items():
            row = current.get(user_id)
            if row is None:
                if department_id is not None:
                    touched.add(user_id)
                    create.append(
                        DepartmentMembership(user_id=user_id, department_id=department_id, valid_from=on, source=source)
                    )
                continue
            if row.department_id == department_id:
                continue
            if on is None or (row.valid_from is not None and row.valid_from >= on):
                touched.add(user_id)
                if department_id is None:
                    delete.append(row.pk)
                else:
                    row.department_id, row.source = department_id, source
                    change.append(row)
                continue
            touched.add(user_id)
            row.valid_until = on
            close.append(row)
            if department_id is not None:
                create.append(
                    DepartmentMembership(user_id=user_id, department_id=department_id, valid_from=on, source=source)
                )
        if delete:
            DepartmentMembership.objects.filter(pk__in=delete).delete()
        if close:
            DepartmentMembership.objects.bulk_update(close, ["valid_until"])
        if change:
            DepartmentMembership.objects.bulk_update(change, ["department", "source"])
        if create:
            DepartmentMembership.objects.bulk_create(create)
    return len(touched)


def user_department_set(*, user: User, department: Department | None, on: date | None = None, source: str) -> bool:
    """A transfer (人事異動) of one person: `User.department` and the history together."""
    on = on or timezone.localdate()
    with transaction.atomic():
        changed = user.department_id != (department.pk if department else None)
        if changed:
            user.department = department
            user.save(update_fields=["department"])
        history = memberships_apply(moves=[(user.pk, department.pk if department else None)], on=on, source=source)
    return changed or bool(history)


def user_language_set(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
