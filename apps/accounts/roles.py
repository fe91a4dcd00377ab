"""The four portal roles. Each is a Django group; membership is set only by
`apps.accounts.services.user_roles_set` (the SSO sign-in calls it too)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    COE = "coe", _("COE member")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


def role_groups_ensure(**kwargs: object) -> None:
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role.value)
