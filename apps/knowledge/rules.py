"""Who may do what with the knowledge base. Views, templates and services ask these names.

COE members (and administrators) write, review and publish; every member of staff reads
published articles, answers "was this helpful?" and may suggest an edit. An article that
is not published (draft, in review, archived) is seen only by editors and its owner.
"""

import rules

from apps.accounts.rules import is_admin, is_coe, is_signed_in

is_editor = is_coe | is_admin


@rules.predicate
def is_published(user, article) -> bool:
    return article is not None and article.status == "published"


@rules.predicate
def is_owner(user, article) -> bool:
    return article is not None and article.owner_id == user.pk


rules.add_perm("knowledge.view_article", is_signed_in & (is_published | is_editor | is_owner))
rules.add_perm("knowledge.add_article", is_editor)
rules.add_perm("knowledge.change_article", is_editor)
rules.add_perm("knowledge.publish_article", is_editor)
rules.add_perm("knowledge.archive_article", is_editor)
# Editors and the owner may read the history of saves and compare them.
rules.add_perm("knowledge.view_history", is_editor | (is_signed_in & is_owner))
rules.add_perm("knowledge.restore_revision", is_editor)
rules.add_perm("knowledge.suggest_edit", is_signed_in & is_published)
rules.add_perm("knowledge.give_feedback", is_signed_in & is_published)
rules.add_perm("knowledge.resolve_suggestion", is_editor | (is_signed_in & is_owner))
rules.add_perm("knowledge.reassign_owners", is_editor)
# Unpublished articles and the status filter on the list.
rules.add_perm("knowledge.view_unpublished", is_editor)
