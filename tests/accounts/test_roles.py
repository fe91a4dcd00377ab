import pytest

from apps.accounts.roles import Role
from apps.accounts.services import user_roles_set
from apps.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_every_user_is_staff_even_with_no_role(user_factory):
    user = user_factory()
    assert user.roles == {"staff"}
    assert set(user.groups.values_list("name", flat=True)) == {"staff"}


def test_setting_roles_replaces_the_previous_set(user_factory):
    user = user_factory(roles=[Role.COE, Role.MANAGER])
    assert user.roles == {"staff", "coe", "manager"}

    user_roles_set(user=user, roles=[Role.MANAGER], source="entra")
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {"staff", "manager"}
    assert user.roles == {"staff", "manager"}


def test_admin_role_grants_and_revokes_django_admin(user_factory):
    user = user_factory(roles=[Role.ADMIN])
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser

    user_roles_set(user=user, roles=[], source="entra")
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_role_changes_are_audited_and_no_op_is_not(user_factory, admin_user):
    user = user_factory()
    before = AuditEntry.objects.filter(action="roles.changed", target_id=str(user.pk)).count()

    user_roles_set(user=user, roles=["coe"], source="admin", actor=admin_user)
    user_roles_set(user=user, roles=["coe"], source="admin", actor=admin_user)

    entries = AuditEntry.objects.filter(action="roles.changed", target_id=str(user.pk))
    assert entries.count() == before + 1
    latest = entries.first()
    assert latest.actor == admin_user
    assert latest.data == {"before": ["staff"], "after": ["coe", "staff"], "source": "admin"}


def test_unknown_role_is_refused(user_factory):
    user = user_factory()
    with pytest.raises(ValueError):
        user_roles_set(user=user, roles=["mayor"], source="test")


def test_inactive_user_has_no_role(user_factory):
    user = user_factory(roles=[Role.COE])
    user.is_active = False
    assert user.roles == frozenset()
    assert not user.has_perm("notifications.publish_announcement")
