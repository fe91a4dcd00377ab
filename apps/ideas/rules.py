"""Who may do what in idea challenges. Views, templates and services ask these names.

Selectors prefetch `coauthors` on the ideas they return, so the co-author predicates
cost no query on list pages.

The COE runs challenges and moderates. An administrator manages the site, not the
challenges: for ideas and votes they have the rights of any member of staff (hidden counts
stay hidden, drafts stay private), so no rule here names the Admin role.
"""

import rules

from apps.accounts.rules import is_coe, is_signed_in

APPROVED, MERGED, DRAFT = "approved", "merged", "draft"
CLOSED_STATES = ("withdrawn", "merged")


@rules.predicate
def is_idea_author(user, idea) -> bool:
    return idea is not None and idea.author_id == user.pk


@rules.predicate
def is_idea_coauthor(user, idea) -> bool:
    if idea is None:
        return False
    return any(c.user_id == user.pk and c.status == "accepted" for c in idea.coauthors.all())


@rules.predicate
def is_invited_coauthor(user, idea) -> bool:
    if idea is None:
        return False
    return any(c.user_id == user.pk and c.status == "invited" for c in idea.coauthors.all())


@rules.predicate
def is_published(user, idea) -> bool:
    return idea is not None and idea.status == APPROVED


@rules.predicate
def is_public(user, idea) -> bool:
    """Published, or merged into another idea (its page then points to the other one)."""
    return idea is not None and idea.status in (APPROVED, MERGED)


@rules.predicate
def is_draft(user, idea) -> bool:
    return idea is not None and idea.status == DRAFT


@rules.predicate
def is_open_for_edit(user, idea) -> bool:
    return idea is not None and idea.status not in CLOSED_STATES


@rules.predicate
def is_withdrawable(user, idea) -> bool:
    return idea is not None and idea.status not in CLOSED_STATES and not idea.challenge.sealed_at


@rules.predicate
def results_visible(user, challenge) -> bool:
    if challenge is None or not challenge.results_published_at:
        return False
    return challenge.results_visibility == "all" or is_coe(user)


@rules.predicate
def accepts_ideas(user, challenge) -> bool:
    return challenge is not None and challenge.is_accepting_ideas()


@rules.predicate
def voting_has_ended(user, challenge) -> bool:
    from django.utils import timezone

    return challenge is not None and timezone.now() >= challenge.voting_end


rules.add_perm("ideas.view_challenge", is_signed_in)
rules.add_perm("ideas.manage_challenge", is_coe)
rules.add_perm("ideas.add_idea", is_signed_in & accepts_ideas)
rules.add_perm("ideas.moderate_idea", is_coe)
# A draft is the author's own until submitted: not even the COE sees it. An invited
# co-author sees the idea so they can decide whether to join.
rules.add_perm(
    "ideas.view_idea",
    is_signed_in & (is_public | is_idea_author | is_idea_coauthor | is_invited_coauthor | (is_coe & ~is_draft)),
)
rules.add_perm("ideas.change_idea", is_signed_in & (is_idea_author | is_idea_coauthor) & is_open_for_edit)
rules.add_perm("ideas.withdraw_idea", is_signed_in & is_idea_author & is_withdrawable)
rules.add_perm("ideas.invite_coauthor", is_signed_in & is_idea_author & is_open_for_edit)
rules.add_perm("ideas.comment_idea", is_signed_in & is_published)
rules.add_perm("ideas.follow_idea", is_signed_in & is_public)
rules.add_perm("ideas.hide_comment", is_coe)
rules.add_perm("ideas.merge_idea", is_coe)
rules.add_perm("ideas.answer_idea", is_coe)
rules.add_perm("ideas.hand_over_idea", is_coe & is_published)
rules.add_perm("ideas.view_results", is_signed_in & (results_visible | (is_coe & voting_has_ended)))
rules.add_perm("ideas.publish_results", is_coe & voting_has_ended)
rules.add_perm("ideas.export_results", is_coe | (is_signed_in & results_visible))
