"""Receivers that keep support's cached choice lists (selectors.coe_member_choices and
department_choices) in step with who is in the COE, people's names and the departments.
Connected in apps.py; they only drop cached copies, as apps.accounts.signals does for roles."""

from apps.support.selectors import choice_lists_drop

# The user fields a member list shows or filters on.
NAMED_FIELDS = frozenset({"display_name", "display_name_kana", "first_name", "last_name", "username", "is_active"})


def choice_lists_drop_user_saved(sender, update_fields=None, **kwargs) -> None:
    # A sign-in saves last_login only: that changes no list.
    if update_fields is None or NAMED_FIELDS & set(update_fields):
        choice_lists_drop()


def choice_lists_drop_changed(sender, **kwargs) -> None:
    choice_lists_drop()
