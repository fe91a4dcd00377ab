"""Every permission of the portal × every role, administrator included.

The table below is the product's promise (PRODUCT.md "Users and roles" and each part's
rules), written out by hand: who may do what, in which situation. The test builds each
situation for a user of each role and compares `has_perm` with the table; it also fails
when a permission is registered that the table does not list, so a new rule cannot go
unreviewed. An administrator manages the site but has a member of staff's rights over
ideas, votes, support requests and ratings (PRODUCT.md): hidden counts stay hidden,
drafts stay private, a rating is the requester's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.accounts.roles import Role
from apps.cases.models import Visibility
from apps.ideas.models import Challenge, Coauthor, Idea
from apps.knowledge.models import Article
from apps.notifications.models import Notification
from apps.support.models import Status
from tests.cases.factories import CaseFactory
from tests.factories import DepartmentFactory, UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.knowledge.factories import ArticleFactory
from tests.support.factories import SupportRequestFactory

STAFF, COE, MANAGER, ADMIN = "staff", "coe", "manager", "admin"
EVERYONE = frozenset({STAFF, COE, MANAGER, ADMIN})
NOBODY = frozenset()
APPS = ("accounts", "cases", "ideas", "knowledge", "notifications", "reports", "search", "support")


@dataclass
class World:
    """The people around the user under test: `me` has the role; `colleague` is staff in the
    same section; `other` is staff elsewhere. The manager's section is `me`'s section."""

    me: object
    colleague: object
    other: object


def _none(w: World):
    return None


# --- situations ------------------------------------------------------------------------------
now = timezone.now


def open_challenge(w):
    return ChallengeFactory()


def challenge_in_voting_only(w):
    return ChallengeFactory(
        submission_start=now() - timedelta(days=20),
        submission_end=now() - timedelta(days=1),
        voting_start=now() - timedelta(days=1),
        voting_end=now() + timedelta(days=5),
    )


def challenge_voting_ended(w):
    return ChallengeFactory(
        submission_start=now() - timedelta(days=30),
        submission_end=now() - timedelta(days=10),
        voting_start=now() - timedelta(days=10),
        voting_end=now() - timedelta(days=1),
    )


def results_published_for_all(w):
    challenge = challenge_voting_ended(w)
    challenge.results_published_at = now() - timedelta(hours=1)
    challenge.save()
    return challenge


def results_published_for_coe(w):
    challenge = results_published_for_all(w)
    challenge.results_visibility = Challenge.ResultsVisibility.COE
    challenge.save()
    return challenge


def idea(status, *, author="other", sealed=False, coauthor=None):
    def build(w):
        challenge = ChallengeFactory(sealed_at=now() if sealed else None)
        made = IdeaFactory(challenge=challenge, author=getattr(w, author), status=status)
        if coauthor:
            Coauthor.objects.create(idea=made, user=w.me, status=coauthor)
        return Idea.objects.prefetch_related("coauthors").select_related("challenge").get(pk=made.pk)

    return build


def article(status, *, owner="other"):
    def build(w):
        return ArticleFactory(status=status, owner=getattr(w, owner))

    return build


def case(*, draft, author=None):
    def build(w):
        return CaseFactory(
            visibility=Visibility.DRAFT if draft else Visibility.PUBLISHED,
            published_at=None if draft else now(),
            author=getattr(w, author) if author else None,
        )

    return build


def request(status, *, requester="other"):
    def build(w):
        return SupportRequestFactory(status=status, requester=getattr(w, requester))

    return build


def notification(*, recipient):
    def build(w):
        return Notification.objects.create(recipient=getattr(w, recipient), kind="test", params={})

    return build


# (permission, situation, how to build its object, the roles that may)
Row = tuple[str, str, Callable[[World], object], frozenset[str]]
COE_ONLY = frozenset({COE})
ACCEPTED, INVITED, DECLINED = Coauthor.Status.ACCEPTED, Coauthor.Status.INVITED, Coauthor.Status.DECLINED
EDITORS = frozenset({COE, ADMIN})  # knowledge and cases are written by the COE and administrators

TABLE: list[Row] = [
    # accounts
    ("accounts.use_portal", "-", _none, EVERYONE),
    ("accounts.view_directory", "-", _none, EVERYONE),
    ("accounts.open_admin", "-", _none, frozenset({ADMIN})),
    # cases
    ("cases.view_case", "published", case(draft=False), EVERYONE),
    ("cases.view_case", "someone else's draft", case(draft=True), EDITORS),
    ("cases.view_case", "a draft I started", case(draft=True, author="me"), EVERYONE),
    ("cases.add_case", "-", _none, EDITORS),
    ("cases.change_case", "published", case(draft=False), EDITORS),
    ("cases.publish_case", "draft", case(draft=True), EDITORS),
    ("cases.view_draft_cases", "-", _none, EDITORS),
    ("cases.manage_reference", "-", _none, EDITORS),
    # ideas: the COE runs challenges; everyone else, administrators too, takes part as staff
    ("ideas.view_challenge", "open", open_challenge, EVERYONE),
    ("ideas.manage_challenge", "open", open_challenge, COE_ONLY),
    ("ideas.add_idea", "accepting ideas", open_challenge, EVERYONE),
    ("ideas.add_idea", "voting only", challenge_in_voting_only, NOBODY),
    ("ideas.moderate_idea", "-", _none, COE_ONLY),
    ("ideas.view_idea", "someone else's, published", idea(Idea.Status.APPROVED), EVERYONE),
    ("ideas.view_idea", "someone else's draft", idea(Idea.Status.DRAFT), NOBODY),
    ("ideas.view_idea", "my draft", idea(Idea.Status.DRAFT, author="me"), EVERYONE),
    ("ideas.view_idea", "a draft I co-author", idea(Idea.Status.DRAFT, coauthor=ACCEPTED), EVERYONE),
    ("ideas.view_idea", "a draft I am invited to", idea(Idea.Status.DRAFT, coauthor=INVITED), EVERYONE),
    ("ideas.view_idea", "a draft I declined", idea(Idea.Status.DRAFT, coauthor=DECLINED), NOBODY),
    ("ideas.view_idea", "someone else's, waiting for approval", idea(Idea.Status.SUBMITTED), COE_ONLY),
    ("ideas.view_idea", "someone else's, returned", idea(Idea.Status.RETURNED), COE_ONLY),
    ("ideas.view_idea", "someone else's, withdrawn", idea(Idea.Status.WITHDRAWN), COE_ONLY),
    ("ideas.view_idea", "merged", idea(Idea.Status.MERGED), EVERYONE),
    ("ideas.change_idea", "my draft", idea(Idea.Status.DRAFT, author="me"), EVERYONE),
    ("ideas.change_idea", "mine, published", idea(Idea.Status.APPROVED, author="me"), EVERYONE),
    ("ideas.change_idea", "mine, withdrawn", idea(Idea.Status.WITHDRAWN, author="me"), NOBODY),
    ("ideas.change_idea", "one I co-author", idea(Idea.Status.APPROVED, coauthor=ACCEPTED), EVERYONE),
    ("ideas.change_idea", "one I am only invited to", idea(Idea.Status.APPROVED, coauthor=INVITED), NOBODY),
    ("ideas.change_idea", "someone else's, published", idea(Idea.Status.APPROVED), NOBODY),
    ("ideas.change_idea", "someone else's draft", idea(Idea.Status.DRAFT), NOBODY),
    ("ideas.withdraw_idea", "mine, published", idea(Idea.Status.APPROVED, author="me"), EVERYONE),
    ("ideas.withdraw_idea", "mine, tally sealed", idea(Idea.Status.APPROVED, author="me", sealed=True), NOBODY),
    ("ideas.withdraw_idea", "one I co-author", idea(Idea.Status.APPROVED, coauthor=ACCEPTED), NOBODY),
    ("ideas.withdraw_idea", "someone else's", idea(Idea.Status.APPROVED), NOBODY),
    ("ideas.invite_coauthor", "mine", idea(Idea.Status.APPROVED, author="me"), EVERYONE),
    ("ideas.invite_coauthor", "someone else's", idea(Idea.Status.APPROVED), NOBODY),
    ("ideas.comment_idea", "published", idea(Idea.Status.APPROVED), EVERYONE),
    ("ideas.comment_idea", "waiting for approval", idea(Idea.Status.SUBMITTED), NOBODY),
    ("ideas.follow_idea", "published", idea(Idea.Status.APPROVED), EVERYONE),
    ("ideas.follow_idea", "my draft", idea(Idea.Status.DRAFT, author="me"), NOBODY),
    ("ideas.hide_comment", "published", idea(Idea.Status.APPROVED), COE_ONLY),
    ("ideas.merge_idea", "published", idea(Idea.Status.APPROVED), COE_ONLY),
    ("ideas.answer_idea", "published", idea(Idea.Status.APPROVED), COE_ONLY),
    ("ideas.hand_over_idea", "published", idea(Idea.Status.APPROVED), COE_ONLY),
    ("ideas.hand_over_idea", "waiting for approval", idea(Idea.Status.SUBMITTED), NOBODY),
    ("ideas.view_results", "voting open", open_challenge, NOBODY),
    ("ideas.view_results", "voting ended, not published", challenge_voting_ended, COE_ONLY),
    ("ideas.view_results", "published for all staff", results_published_for_all, EVERYONE),
    ("ideas.view_results", "published for the COE only", results_published_for_coe, COE_ONLY),
    ("ideas.publish_results", "voting open", open_challenge, NOBODY),
    ("ideas.publish_results", "voting ended", challenge_voting_ended, COE_ONLY),
    ("ideas.export_results", "voting open", open_challenge, COE_ONLY),
    ("ideas.export_results", "published for all staff", results_published_for_all, EVERYONE),
    # knowledge: read by everyone, written and reviewed by the COE and administrators
    ("knowledge.view_article", "published", article(Article.Status.PUBLISHED), EVERYONE),
    ("knowledge.view_article", "someone else's draft", article(Article.Status.DRAFT), EDITORS),
    ("knowledge.view_article", "a draft I own", article(Article.Status.DRAFT, owner="me"), EVERYONE),
    ("knowledge.view_article", "archived", article(Article.Status.ARCHIVED), EDITORS),
    ("knowledge.add_article", "-", _none, EDITORS),
    ("knowledge.change_article", "published", article(Article.Status.PUBLISHED), EDITORS),
    ("knowledge.publish_article", "in review", article(Article.Status.REVIEW), EDITORS),
    ("knowledge.archive_article", "published", article(Article.Status.PUBLISHED), EDITORS),
    ("knowledge.view_history", "someone else's", article(Article.Status.PUBLISHED), EDITORS),
    ("knowledge.view_history", "one I own", article(Article.Status.PUBLISHED, owner="me"), EVERYONE),
    ("knowledge.restore_revision", "published", article(Article.Status.PUBLISHED), EDITORS),
    ("knowledge.suggest_edit", "published", article(Article.Status.PUBLISHED), EVERYONE),
    ("knowledge.suggest_edit", "draft", article(Article.Status.DRAFT), NOBODY),
    ("knowledge.give_feedback", "published", article(Article.Status.PUBLISHED), EVERYONE),
    ("knowledge.give_feedback", "draft", article(Article.Status.DRAFT), NOBODY),
    ("knowledge.resolve_suggestion", "someone else's", article(Article.Status.PUBLISHED), EDITORS),
    ("knowledge.resolve_suggestion", "one I own", article(Article.Status.PUBLISHED, owner="me"), EVERYONE),
    ("knowledge.reassign_owners", "-", _none, EDITORS),
    ("knowledge.view_unpublished", "-", _none, EDITORS),
    # notifications: each person's own
    ("notifications.publish_announcement", "-", _none, EDITORS),
    ("notifications.view_notification", "mine", notification(recipient="me"), EVERYONE),
    ("notifications.view_notification", "someone else's", notification(recipient="other"), NOBODY),
    # reports: managers and administrators; the COE sees its own sections
    ("reports.view_reports", "-", _none, frozenset({COE, MANAGER, ADMIN})),
    ("reports.view_all_sections", "-", _none, frozenset({MANAGER, ADMIN})),
    ("reports.refresh_reports", "-", _none, frozenset({COE, ADMIN})),
    ("search.search", "-", _none, EVERYONE),
    # support: a request is its requester's, their department's managers' and the COE's
    ("support.ask", "-", _none, EVERYONE),
    ("support.view_request", "mine", request(Status.NEW, requester="me"), EVERYONE),
    ("support.view_request", "a colleague's in my section", request(Status.NEW, requester="colleague"), {COE, MANAGER}),
    ("support.view_request", "another department's", request(Status.NEW), COE_ONLY),
    ("support.view_queue", "-", _none, COE_ONLY),
    ("support.triage", "another department's", request(Status.NEW), COE_ONLY),
    ("support.view_internal", "another department's", request(Status.IN_PROGRESS), COE_ONLY),
    ("support.reply", "mine, open", request(Status.IN_PROGRESS, requester="me"), EVERYONE),
    ("support.reply", "mine, closed", request(Status.CLOSED, requester="me"), NOBODY),
    ("support.reply", "mine, cancelled", request(Status.CANCELLED, requester="me"), NOBODY),
    ("support.reply", "a colleague's in my section", request(Status.WAITING, requester="colleague"), {COE, MANAGER}),
    ("support.reply", "another department's, open", request(Status.IN_PROGRESS), COE_ONLY),
    ("support.reply", "another department's, closed", request(Status.CLOSED), NOBODY),
    ("support.add_internal_note", "another department's", request(Status.IN_PROGRESS), COE_ONLY),
    ("support.rate", "mine, resolved", request(Status.RESOLVED, requester="me"), EVERYONE),
    ("support.rate", "mine, closed", request(Status.CLOSED, requester="me"), EVERYONE),
    ("support.rate", "mine, in progress", request(Status.IN_PROGRESS, requester="me"), NOBODY),
    ("support.rate", "someone else's, resolved", request(Status.RESOLVED), NOBODY),
    ("support.rate", "a colleague's in my section, resolved", request(Status.RESOLVED, requester="colleague"), NOBODY),
    ("support.convert", "resolved", request(Status.RESOLVED), COE_ONLY),
    ("support.convert", "in progress", request(Status.IN_PROGRESS), NOBODY),
    ("support.link_content", "in progress", request(Status.IN_PROGRESS), COE_ONLY),
    ("support.link_content", "closed", request(Status.CLOSED), NOBODY),
    ("support.manage_canned", "-", _none, COE_ONLY),
    ("support.manage_members", "-", _none, COE_ONLY),
    ("support.export", "-", _none, frozenset({COE, MANAGER})),
    ("support.view_department", "-", _none, frozenset({MANAGER})),
    ("support.create_from_idea", "-", _none, COE_ONLY),
]


def test_the_table_lists_every_permission_the_portal_registers():
    registered = {name for name in rules.permissions.permissions if name.split(".")[0] in APPS}
    listed = {row[0] for row in TABLE}
    assert registered - listed == set(), "permissions without a row in the product's table"
    assert listed - registered == set(), "rows for permissions that do not exist"


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    section = DepartmentFactory()
    colleague = UserFactory(department=section)
    other = UserFactory()

    def world(role: str) -> World:
        me = UserFactory(roles=[] if role == STAFF else [Role(role)], department=section)
        return World(me=me, colleague=colleague, other=other)

    return world


@pytest.mark.parametrize(
    ("permission", "situation", "build", "allowed"),
    TABLE,
    ids=[f"{row[0]} [{row[1]}]" for row in TABLE],
)
def test_each_role_may_exactly_what_the_product_says(people, permission, situation, build, allowed):
    answers = {}
    for role in (STAFF, COE, MANAGER, ADMIN):
        world = people(role)
        obj = build(world)
        answers[role] = world.me.has_perm(permission, obj)
    assert {role for role, yes in answers.items() if yes} == set(allowed)


@pytest.mark.parametrize(
    ("permission", "situation", "build", "allowed"),
    TABLE,
    ids=[f"{row[0]} [{row[1]}]" for row in TABLE],
)
def test_nobody_signed_out_or_deactivated_may_anything(people, permission, situation, build, allowed):
    world = people(ADMIN)
    obj = build(world)
    world.me.is_active = False
    world.me.__dict__.pop("roles", None)
    assert not world.me.has_perm(permission, obj)
    assert not AnonymousUser().has_perm(permission, obj)


def test_nobody_is_a_django_superuser_whatever_their_roles(user_factory):
    """A superuser passes every has_perm, the product's rules included."""
    admin = user_factory(roles=[Role.ADMIN, Role.COE, Role.MANAGER])
    admin.refresh_from_db()
    assert admin.is_staff  # Django admin opens for the Admin role …
    assert not admin.is_superuser  # … through explicit permissions only
