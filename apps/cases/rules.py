"""Who may do what with cases. Views, templates, selectors and services ask these names."""

import rules

from apps.accounts.rules import is_admin, is_coe, is_signed_in


@rules.predicate
def is_published_case(user, case) -> bool:
    return case is not None and case.is_published


@rules.predicate
def is_case_author(user, case) -> bool:
    return case is not None and case.author_id is not None and case.author_id == user.pk


is_case_editor = is_coe | is_admin

# Published cases are for every member of staff; a draft only for the COE and its author.
rules.add_perm("cases.view_case", is_signed_in & (is_published_case | is_case_editor | is_case_author))
rules.add_perm("cases.add_case", is_case_editor)
rules.add_perm("cases.change_case", is_case_editor)
rules.add_perm("cases.publish_case", is_case_editor)
rules.add_perm("cases.view_draft_cases", is_case_editor)
rules.add_perm("cases.manage_reference", is_case_editor)
