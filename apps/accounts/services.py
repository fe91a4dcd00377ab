from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from apps.accounts.models import Department, User
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
) -> User:
    """Apply profile fields that came from the identity provider; None leaves a field alone."""
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
        user.save(update_fields=changed)
    return user


def user_language_set(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
