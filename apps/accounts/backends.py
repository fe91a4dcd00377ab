"""Sign-in backends that grant no Django model permissions.

Every permission in the portal is a django-rules predicate (each app's rules.py); Admins
are superusers, for whom Django answers every permission itself. When a rule refuses,
Django asks the next backends, and ModelBackend (which allauth's backend extends) then
loads the user's and their groups' model permissions: two queries on every page whose
navigation or buttons include something the user may not do. No model permission is ever
granted here, so these backends answer "no" without asking the database.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend


class _NoModelPermissions:
    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()


class PasswordBackend(_NoModelPermissions, ModelBackend):
    """Username and password (development sign-in, PORTAL_LOCAL_LOGIN) and force_login."""


class AllauthBackend(_NoModelPermissions, AuthenticationBackend):
    """allauth's sign-in (Entra ID)."""
