import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.models import User
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
    # Django admin opens, but not as a superuser (who would pass every rule of the product).
    assert user.is_staff and not user.is_superuser

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


@pytest.mark.parametrize("how", ["service", "user.groups", "group.user_set", "group.user_set.clear", "group deleted"])
def test_a_removed_role_stops_working_on_the_next_page(client, user_factory, how):
    """Roles are cached between requests; every way of changing the groups drops the copy."""
    user = user_factory(roles=[Role.COE])
    client.force_login(user)
    assert client.get(reverse("support:queue")).status_code == 200
    group = Group.objects.get(name=Role.COE)
    if how == "service":
        user_roles_set(user=User.objects.get(pk=user.pk), roles=[], source="test")
    elif how == "user.groups":
        User.objects.get(pk=user.pk).groups.remove(group)
    elif how == "group.user_set":
        group.user_set.remove(user)
    elif how == "group.user_set.clear":
        group.user_set.clear()
    else:
        group.delete()
    assert client.get(reverse("support:queue")).status_code == 403
