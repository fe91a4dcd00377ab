"""Role predicates. Other apps combine these in their own rules.py."""

import rules

from apps.accounts.roles import Role


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _role(role: Role):
    @rules.predicate(name=f"has_role_{role.value}")
    def check(user) -> bool:
        return is_signed_in(user) and user.has_role(role)

    return check


is_coe = _role(Role.COE)
is_manager = _role(Role.MANAGER)
is_admin = _role(Role.ADMIN)

rules.add_perm("accounts.use_portal", is_signed_in)
rules.add_perm("accounts.view_directory", is_signed_in)
rules.add_perm("accounts.open_admin", is_admin)
