"""Writes for the idea challenge. Every rule the issue states is enforced here, on the
server and in Japan time, whatever the page showed the user."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.exceptions import RuleError
from apps.core.services import audit_log, person_lock, recent_repeat
from apps.core.uploads import MAX_FILES, KeptFile, PreparedUpload, attachment_store, attachments_delete
from apps.ideas.models import Attachment, Category, Challenge, Coauthor, Comment, Follow, Idea, IdeaEvent, Vote
from apps.ideas.selectors import challenge_forget
from apps.notifications.services import notification_send
from apps.search.services import search_index_update

# The "voting closes soon" reminder goes out this long before voting closes.
CLOSING_REMINDER = timedelta(days=2)


@dataclass(frozen=True)
class VoteResult:
    """What the いいね button shows after a change, read in the change's own transaction."""

    idea_id: int
    title: str
    challenge_id: int
    voted: bool
    count: int  # the idea's counter after the change
    used: int  # the voter's votes in the challenge after the change
    votes_left: int | None  # None for the one-いいね-per-idea rule


@dataclass(frozen=True)
class _VoteFacts:
    """The idea (with its challenge) and the voter's part, read with the voter's row locked."""

    idea: Idea
    voter_department_id: int | None

    def budget_left(self, used: int) -> int | None:
        challenge = self.idea.challenge
        return challenge.vote_budget - used if challenge.vote_kind == Challenge.VoteKind.BUDGET else None


def _vote_facts(*, voter: User, idea_id: int) -> _VoteFacts:
    """Lock the voter's row (one person's votes are serialised, so the budget count is
    true) and read the idea, its challenge and the voter's votes. Refuses an idea that is
    not published: only a published idea has votes, and every signed-in user may see it.
    Call it inside a transaction."""
    # Its own statement: after waiting for a lock, PostgreSQL re-reads the locked row but
    # evaluates the rest of that statement in its older snapshot, which would miss the votes
    # the other request just committed. The next statement sees them. (SQLite has one writer
    # at a time; Django leaves FOR UPDATE out there.)
    voter_department_id = User.objects.select_for_update().values_list("department_id", flat=True).get(pk=voter.pk)
    idea = (
        Idea.objects.filter(pk=idea_id, status=Idea.Status.APPROVED)
        .select_related("challenge")
        .only(
            "title", "status", "author_id", "department_id", "challenge__voting_start", "challenge__voting_end",
            "challenge__vote_kind", "challenge__vote_budget", "challenge__own_department_may_vote",
        )
        .annotate(
            voter_is_coauthor=Exists(
                Coauthor.objects.filter(idea=OuterRef("pk"), user_id=voter.pk, status=Coauthor.Status.ACCEPTED)
            ),
            voter_voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), voter_id=voter.pk)),
            used=Coalesce(
                Subquery(
                    Vote.objects.filter(challenge_id=OuterRef("challenge_id"), voter_id=voter.pk)
                    .order_by()
                    .values("voter")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .first()
    )  # fmt: skip
    if idea is None:
        raise RuleError(_("This idea cannot be voted for."), code="not_votable", status=404)
    return _VoteFacts(idea=idea, voter_department_id=voter_department_id)


def vote_cast(*, voter: User, idea_id: int, now=None) -> VoteResult:
    """Add the voter's いいね to an idea.

    Exact under concurrency: the voter's user row is locked first, so one person's votes
    are serialised and the budget count is true; the (voter, idea) unique constraint
    refuses a double vote even if two requests pass the checks together; the counter is
    moved in the same transaction, so it equals the rows that exist.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _vote_cast_locked(voter=voter, idea_id=idea_id, now=now)
    except IntegrityError as exc:
        # Only another path that writes votes without the voter's lock (a merge moving them)
        # can get here: the constraint refused the second いいね, and the whole change is undone.
        raise RuleError(_("You have already voted for this idea."), code="already_voted") from exc


def _vote_cast_locked(*, voter: User, idea_id: int, now) -> VoteResult:
    facts = _vote_facts(voter=voter, idea_id=idea_id)
    idea = facts.idea
    if not idea.challenge.is_voting_open(now):
        raise RuleError(_("Voting for this challenge is not open."), code="window_closed")
    if idea.author_id == voter.pk or idea.voter_is_coauthor:
        raise RuleError(_("You cannot vote for your own idea."), code="own_idea", status=403)
    if (
        not idea.challenge.own_department_may_vote
        and idea.department_id is not None
        and idea.department_id == facts.voter_department_id
    ):
        raise RuleError(
            _("In this challenge, staff of the idea's department cannot vote for it."),
            code="own_department",
            status=403,
        )
    if idea.voter_voted:
        raise RuleError(_("You have already voted for this idea."), code="already_voted")
    left = facts.budget_left(idea.used)
    if left is not None and left <= 0:
        raise RuleError(
            _("You have used all %(budget)d of your votes in this challenge. Withdraw one to vote again.")
            % {"budget": idea.challenge.vote_budget},
            code="budget_used",
        )
    # The voter's lock serialises their votes, so the check above holds; the (voter, idea)
    # constraint still guards the row, without a savepoint (two round trips) around it.
    Vote.objects.create(
        idea_id=idea.pk, challenge_id=idea.challenge_id, voter=voter, voter_department_id=facts.voter_department_id
    )
    return _counter_moved(facts, by=1)


def _counter_moved(facts: _VoteFacts, *, by: int) -> VoteResult:
    """Move the idea's counter with the vote just added (+1) or removed (-1), in the same
    transaction, and say what the button shows now."""
    idea = facts.idea
    ideas = Idea.objects.filter(pk=idea.pk)
    ideas.update(vote_count=F("vote_count") + by)
    return VoteResult(
        idea_id=idea.pk,
        title=idea.title,
        challenge_id=idea.challenge_id,
        voted=by > 0,
        count=ideas.values_list("vote_count", flat=True).get(),  # the row is ours until the commit
        used=idea.used + by,
        votes_left=facts.budget_left(idea.used + by),
    )


def vote_withdraw(*, voter: User, idea_id: int, now=None) -> VoteResult:
    now = now or timezone.now()
    with transaction.atomic():
        facts = _vote_facts(voter=voter, idea_id=idea_id)
        if not facts.idea.challenge.is_voting_open(now):
            raise RuleError(_("Voting for this challenge is closed; votes can no longer change."), code="window_closed")
        if not facts.idea.voter_voted:
            raise RuleError(_("You have not voted for this idea."), code="not_voted")
        Vote.objects.filter(voter=voter, idea_id=idea_id).delete()
        return _counter_moved(facts, by=-1)


def challenge_seal(*, challenge_id: int, now=None) -> Challenge:
    """Freeze the tally once voting has closed: counts are recomputed from the votes
    themselves and a SHA-256 digest of the sorted (idea, count) list is stored for the
    results page, so anyone can later check that nothing changed."""
    now = now or timezone.now()
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge_id)
        if challenge.sealed_at:
            return challenge
        if now < challenge.voting_end:
            raise RuleError(_("Voting is still open; the tally cannot be sealed yet."), code="still_open")
        rows = list(
            Idea.objects.filter(challenge=challenge)
            .annotate(real=Count("votes"))
            .values_list("pk", "status", "vote_count", "real")
        )
        for idea_id, _status, stored, real in rows:
            if stored != real:
                Idea.objects.filter(pk=idea_id).update(vote_count=real)
        challenge.seal_digest = Challenge.digest_of(
            [(idea_id, real) for idea_id, status, _stored, real in rows if status == Idea.Status.APPROVED]
        )
        challenge.sealed_at = now
        challenge.save(update_fields=["seal_digest", "sealed_at"])
        challenge_forget(challenge.pk)
        audit_log(action="ideas.tally_sealed", target=challenge, data={"digest": challenge.seal_digest})
    return challenge


# --- ideas -----------------------------------------------------------------------------


def _event(idea: Idea, actor: User | None, action: str, note: str = "") -> None:
    IdeaEvent.objects.create(idea=idea, actor=actor, action=action, note=note)


def _followers_and_authors(idea: Idea) -> list[User]:
    ids = {idea.author_id}
    ids |= set(idea.coauthors.filter(status=Coauthor.Status.ACCEPTED).values_list("user_id", flat=True))
    ids |= set(idea.followers.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True))


def idea_save(
    *,
    author: User,
    challenge: Challenge,
    idea: Idea | None = None,
    title: str,
    summary: str,
    body: str = "",
    category=None,
    department=None,
    tags: str = "",
    submit: bool = False,
    attachments_add: Sequence[PreparedUpload | KeptFile] = (),
    attachments_remove: Sequence[int] = (),
    now=None,
) -> Idea:
    """Create or edit an idea; `submit` sends it to the COE (or publishes it at once when
    the challenge has no pre-moderation). Editing an idea that has votes is recorded.
    At most MAX_FILES images and attachments per idea, counted after removals."""
    now = now or timezone.now()
    with transaction.atomic():
        if idea is not None:
            challenge = idea.challenge
        if idea is None:
            if not challenge.is_accepting_ideas(now):
                raise RuleError(_("This challenge is not accepting ideas now."), code="window_closed")
            person_lock(author)
            repeat = recent_repeat(Idea.objects.filter(challenge=challenge, author=author, title=title), now=now)
            if repeat is not None:
                return repeat  # the same new idea sent twice: one idea
            idea = Idea(challenge=challenge, author=author, department=department or author.department)
            created = True
        else:
            idea = Idea.objects.select_for_update().get(pk=idea.pk)
            created = False
            if idea.status in (Idea.Status.WITHDRAWN, Idea.Status.MERGED):
                raise RuleError(_("A withdrawn or merged idea cannot be edited."), code="closed_idea")
        had_votes = not created and idea.vote_count > 0
        idea.title, idea.summary, idea.body, idea.tags = title, summary, body, tags
        idea.category = category
        if department is not None:
            idea.department = department
        was_draft = idea.status == Idea.Status.DRAFT
        newly_submitted = submit and idea.status in (Idea.Status.DRAFT, Idea.Status.RETURNED)
        if newly_submitted:
            if not challenge.is_accepting_ideas(now):
                raise RuleError(_("This challenge is not accepting ideas now."), code="window_closed")
            idea.status = Idea.Status.SUBMITTED if challenge.premoderation else Idea.Status.APPROVED
            idea.submitted_at = now
        idea.save()
        _attachments_update(idea, author, attachments_add, attachments_remove)
        if created:
            _event(idea, author, "created")
        elif had_votes:
            _event(idea, author, "edited_after_votes", _("Edited after it had received votes."))
        elif not was_draft:
            _event(idea, author, "edited")
        if newly_submitted and idea.status == Idea.Status.APPROVED:
            _event(idea, author, "published")
        search_index_update(obj=idea)
        if newly_submitted and idea.status == Idea.Status.SUBMITTED:
            _event(idea, author, "submitted")
            coe = User.objects.filter(groups__name="coe", is_active=True)
            notification_send(
                recipients=coe, kind="idea_submitted", params={"title": idea.title}, url=_url(idea), actor=author
            )
    return idea


def _attachments_update(
    idea: Idea, actor: User, add: Sequence[PreparedUpload | KeptFile], remove: Sequence[int]
) -> None:
    if remove:
        attachments_delete(Attachment.objects.filter(idea=idea, pk__in=list(remove)))
    if not add:
        return
    if Attachment.objects.filter(idea=idea).count() + len(add) > MAX_FILES:
        raise RuleError(
            _("An idea can have at most %(max)d images and attachments.") % {"max": MAX_FILES},
            code="too_many_files",
            status=400,
        )
    for upload in add:
        attachment_store(Attachment(idea=idea, uploaded_by=actor), upload)


def _refuse_if_sealed(challenge: Challenge) -> None:
    if challenge.sealed_at:
        raise RuleError(
            _("The tally of this challenge is sealed; its ideas can no longer change status."), code="sealed"
        )


def _url(idea: Idea) -> str:
    return reverse("ideas:idea_detail", args=[idea.pk])


def idea_moderate(*, idea_id: int, actor: User, approve: bool, reason: str = "") -> Idea:
    with transaction.atomic():
        idea = Idea.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=idea_id)
        if idea.status != Idea.Status.SUBMITTED:
            raise RuleError(_("Only ideas waiting for approval can be approved or returned."), code="bad_state")
        _refuse_if_sealed(idea.challenge)
        if approve:
            idea.status = Idea.Status.APPROVED
            idea.return_reason = ""
            kind, action = "idea_approved", "approved"
        else:
            if not reason.strip():
                raise RuleError(_("Please give the author a reason."), code="reason_required", status=400)
            idea.status = Idea.Status.RETURNED
            idea.return_reason = reason
            kind, action = "idea_returned", "returned"
        idea.save(update_fields=["status", "return_reason", "updated_at"])
        _event(idea, actor, action, reason)
        search_index_update(obj=idea)
        notification_send(
            recipients=[idea.author], kind=kind, params={"title": idea.title}, url=_url(idea), actor=actor
        )
    return idea


def idea_withdraw(*, idea_id: int, actor: User) -> Idea:
    with transaction.atomic():
        idea = Idea.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=idea_id)
        if idea.author_id != actor.pk:
            raise RuleError(_("Only the author can withdraw an idea."), code="not_author", status=403)
        if idea.status in (Idea.Status.WITHDRAWN, Idea.Status.MERGED):
            raise RuleError(_("This idea is already withdrawn."), code="bad_state")
        _refuse_if_sealed(idea.challenge)
        # Its votes go with it, so voters get their budget back for other ideas.
        Vote.objects.filter(idea=idea).delete()
        idea.status = Idea.Status.WITHDRAWN
        idea.vote_count = 0
        idea.save(update_fields=["status", "vote_count", "updated_at"])
        _event(idea, actor, "withdrawn")
        search_index_update(obj=idea)
    return idea


def coauthor_invite(*, idea_id: int, actor: User, user: User) -> Coauthor:
    with transaction.atomic():
        idea = Idea.objects.get(pk=idea_id)
        if idea.author_id != actor.pk:
            raise RuleError(_("Only the author can invite co-authors."), code="not_author", status=403)
        if user.pk == actor.pk:
            raise RuleError(_("You are already the author."), code="self", status=400)
        coauthor, created = Coauthor.objects.get_or_create(idea=idea, user=user)
        if not created:
            raise RuleError(_("This person has already been invited."), code="duplicate", status=400)
        _event(idea, actor, "coauthor_invited", user.get_full_name())
        notification_send(
            recipients=[user],
            kind="idea_coauthor_invited",
            params={"title": idea.title, "name": actor.get_full_name()},
            url=_url(idea),
            actor=actor,
        )
    return coauthor


def coauthor_answer(*, idea_id: int, user: User, accept: bool, now=None) -> Coauthor:
    """Accept or decline an invitation. A new co-author may not keep a vote on their own
    idea: accepting while voting is open takes the vote back (and frees it for the budget).
    Once voting has closed votes no longer change and the tally is frozen, then sealed with
    a digest: the vote stays. The person's row lock, taken first as vote_cast takes it,
    serialises the two, so a vote cast at the same moment is taken back or refused."""
    now = now or timezone.now()
    with transaction.atomic():
        person_lock(user)
        coauthor = (
            Coauthor.objects.select_for_update(of=("self",))
            .select_related("idea__challenge")
            .filter(idea_id=idea_id, user=user)
            .first()
        )
        if coauthor is None or coauthor.status != Coauthor.Status.INVITED:
            raise RuleError(_("There is no open invitation for you on this idea."), code="no_invitation", status=404)
        coauthor.status = Coauthor.Status.ACCEPTED if accept else Coauthor.Status.DECLINED
        coauthor.save(update_fields=["status"])
        if (
            accept
            and coauthor.idea.challenge.is_voting_open(now)
            and Vote.objects.filter(idea_id=idea_id, voter=user).exists()
        ):
            Vote.objects.filter(idea_id=idea_id, voter=user).delete()
            Idea.objects.filter(pk=idea_id).update(vote_count=F("vote_count") - 1)
        _event(coauthor.idea, user, "coauthor_accepted" if accept else "coauthor_declined")
    return coauthor


def comment_add(*, idea_id: int, author: User, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise RuleError(_("Please write a comment."), code="empty", status=400)
    with transaction.atomic():
        person_lock(author)
        idea = Idea.objects.get(pk=idea_id)
        if idea.status != Idea.Status.APPROVED:
            raise RuleError(_("Comments are open on published ideas only."), code="not_published", status=403)
        repeat = recent_repeat(Comment.objects.filter(idea=idea, author=author, body=body))
        if repeat is not None:
            return repeat
        comment = Comment.objects.create(idea=idea, author=author, body=body)
        notification_send(
            recipients=_followers_and_authors(idea),
            kind="idea_commented",
            params={"title": idea.title, "name": author.get_full_name()},
            url=_url(idea) + f"#comment-{comment.pk}",
            actor=author,
        )
    return comment


def comment_hide(*, comment_id: int, actor: User, reason: str) -> Comment:
    if not reason.strip():
        raise RuleError(_("Please give a reason; the author will see it."), code="reason_required", status=400)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        comment.hidden_reason = reason.strip()
        comment.hidden_by = actor
        comment.save(update_fields=["hidden_reason", "hidden_by"])
        audit_log(action="ideas.comment_hidden", actor=actor, target=comment, data={"reason": reason})
    return comment


def follow_toggle(*, idea_id: int, user: User) -> bool:
    with transaction.atomic():
        deleted, _rows = Follow.objects.filter(idea_id=idea_id, user=user).delete()
        if deleted:
            return False
        Follow.objects.get_or_create(idea_id=idea_id, user=user)
        return True


def idea_merge(*, source_id: int, target_id: int, actor: User) -> Idea:
    """Merge a duplicate into another idea of the same challenge. Votes move to the target
    only where the voter had not already voted for it (and is not its author); voters of
    the duplicate are told."""
    if source_id == target_id:
        raise RuleError(_("An idea cannot be merged into itself."), code="same", status=400)
    with transaction.atomic():
        source, target = (
            Idea.objects.select_for_update().get(pk=source_id),
            Idea.objects.select_for_update().get(pk=target_id),
        )
        if source.challenge_id != target.challenge_id:
            raise RuleError(_("Only ideas of the same challenge can be merged."), code="other_challenge", status=400)
        if source.status == Idea.Status.MERGED:
            raise RuleError(_("This idea has already been merged."), code="bad_state")
        if target.status != Idea.Status.APPROVED:
            raise RuleError(_("An idea can only be merged into a published idea."), code="target_not_published")
        _refuse_if_sealed(Challenge.objects.get(pk=source.challenge_id))
        target_authors = {target.author_id} | set(
            target.coauthors.filter(status=Coauthor.Status.ACCEPTED).values_list("user_id", flat=True)
        )
        already = set(Vote.objects.filter(idea=target).values_list("voter_id", flat=True))
        voters = list(Vote.objects.filter(idea=source).values_list("voter_id", flat=True))
        movable = [v for v in voters if v not in already and v not in target_authors]
        Vote.objects.filter(idea=source, voter_id__in=movable).update(idea=target)
        Vote.objects.filter(idea=source).delete()
        Idea.objects.filter(pk=target.pk).update(vote_count=F("vote_count") + len(movable))
        source.status = Idea.Status.MERGED
        source.merged_into = target
        source.vote_count = 0
        source.save(update_fields=["status", "merged_into", "vote_count", "updated_at"])
        _event(source, actor, "merged", target.title)
        _event(target, actor, "merged_from", source.title)
        search_index_update(obj=source)
        notification_send(
            recipients=User.objects.filter(pk__in=voters, is_active=True),
            kind="idea_merged",
            params={"title": source.title, "target": target.title},
            url=_url(target),
            actor=actor,
        )
    return target


def idea_answer(*, idea_id: int, actor: User, status, text: str) -> Idea:
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea_id)
        if idea.status != Idea.Status.APPROVED:
            raise RuleError(_("Only published ideas receive an official answer."), code="bad_state")
        idea.answer_status = status
        idea.answer_text = text
        idea.answered_at = timezone.now()
        idea.save(update_fields=["answer_status", "answer_text", "answered_at", "updated_at"])
        _event(idea, actor, "answered", str(status))
        search_index_update(obj=idea)
        notification_send(
            recipients=_followers_and_authors(idea),
            kind="idea_answered",
            params={"title": idea.title, "status": status.name},
            url=_url(idea),
            actor=actor,
        )
    return idea


def challenge_publish_results(*, challenge_id: int, actor: User, now=None) -> Challenge:
    now = now or timezone.now()
    challenge = challenge_seal(challenge_id=challenge_id, now=now)
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge_id)
        if challenge.results_published_at:
            return challenge
        challenge.results_published_at = now
        challenge.save(update_fields=["results_published_at"])
        challenge_forget(challenge.pk)
        audit_log(action="ideas.results_published", actor=actor, target=challenge)
        recipients = (
            User.objects.filter(is_active=True)
            .filter(Q(ideas__challenge=challenge) | Q(idea_votes__challenge=challenge))
            .distinct()
        )
        notification_send(
            recipients=recipients,
            kind="challenge_results",
            params={"title": challenge.title},
            url=_challenge_url(challenge),
            actor=actor,
        )
    return challenge


def _challenge_url(challenge: Challenge) -> str:
    return reverse("ideas:challenge_detail", args=[challenge.pk])


# --- challenges ---------------------------------------------------------------------------


def _category_lines(lines: Iterable[str]) -> list[tuple[str, str]]:
    """ "日本語名 | English name" lines (the English part optional), blank lines and repeats dropped."""
    result: list[tuple[str, str]] = []
    for line in lines:
        ja, _sep, en = line.partition("|")
        ja, en = " ".join(ja.split()), " ".join(en.split())
        if ja and ja not in [r[0] for r in result]:
            result.append((ja[:100], en[:100]))
    return result


def challenge_save(
    *,
    actor: User,
    challenge: Challenge | None = None,
    title: str,
    theme: str,
    submission_start,
    submission_end,
    voting_start,
    voting_end,
    vote_kind: str = Challenge.VoteKind.LIKE,
    vote_budget: int = 3,
    own_department_may_vote: bool = True,
    hide_counts_while_voting: bool = False,
    premoderation: bool = True,
    results_visibility: str = Challenge.ResultsVisibility.ALL,
    categories: Sequence[str] = (),
) -> Challenge:
    """Create or change a challenge and its categories ("name | English name" per line).
    A category that ideas already use is kept even when left out, so no idea loses it.
    The voting rule cannot change once votes exist: budgets already spent would no longer add up."""
    if not (submission_start < submission_end and voting_start < voting_end):
        raise RuleError(_("Each period must end after it starts."), code="bad_window", status=400)
    if voting_start < submission_start:
        raise RuleError(_("Voting cannot open before ideas are accepted."), code="bad_window", status=400)
    with transaction.atomic():
        created = challenge is None
        if created:
            challenge = Challenge(created_by=actor)
        else:
            challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
            rule_changed = (challenge.vote_kind, challenge.vote_budget) != (vote_kind, vote_budget)
            if rule_changed and Vote.objects.filter(challenge=challenge).exists():
                raise RuleError(
                    _("The voting rule cannot change after votes have been cast."), code="votes_exist", status=400
                )
            if challenge.sealed_at and (voting_start, voting_end) != (challenge.voting_start, challenge.voting_end):
                raise RuleError(_("The tally is sealed; the voting period cannot change."), code="sealed")
        for field, value in (
            ("title", title),
            ("theme", theme),
            ("submission_start", submission_start),
            ("submission_end", submission_end),
            ("voting_start", voting_start),
            ("voting_end", voting_end),
            ("vote_kind", vote_kind),
            ("vote_budget", vote_budget),
            ("own_department_may_vote", own_department_may_vote),
            ("hide_counts_while_voting", hide_counts_while_voting),
            ("premoderation", premoderation),
            ("results_visibility", results_visibility),
        ):
            setattr(challenge, field, value)
        challenge.save()
        wanted = _category_lines(categories)
        existing = {c.name_ja: c for c in Category.objects.filter(challenge=challenge)}
        for order, (ja, en) in enumerate(wanted):
            category = existing.pop(ja, None) or Category(challenge=challenge, name_ja=ja)
            category.name_en, category.sort_order = en, order
            category.save()
        Category.objects.filter(pk__in=[c.pk for c in existing.values()], ideas__isnull=True).delete()
        challenge_forget(challenge.pk)
        audit_log(
            action="ideas.challenge_created" if created else "ideas.challenge_changed", actor=actor, target=challenge
        )
    return challenge


def challenge_voting_notify(*, challenge_id: int, which: str, now=None) -> int:
    """Tell all active staff, in one batched notification, that voting has opened ("open")
    or closes within two days ("closing"). Each is sent at most once per challenge: the
    timestamp is claimed by a conditional UPDATE in the same transaction as the send, so a
    second beat run or a second worker finds it taken. Returns how many were notified."""
    now = now or timezone.now()
    field, kind = {
        "open": ("voting_open_notified_at", "challenge_voting_open"),
        "closing": ("voting_closing_notified_at", "challenge_voting_closing"),
    }[which]
    with transaction.atomic():
        challenge = Challenge.objects.get(pk=challenge_id)
        if not challenge.is_voting_open(now):
            return 0
        if which == "closing" and now < challenge.voting_end - CLOSING_REMINDER:
            return 0
        claimed = Challenge.objects.filter(pk=challenge_id, **{f"{field}__isnull": True}).update(**{field: now})
        challenge_forget(challenge_id)
        if not claimed:
            return 0
        staff = User.objects.filter(is_active=True).only("pk", "email", "is_active")
        sent = notification_send(
            recipients=staff, kind=kind, params={"title": challenge.title}, url=_challenge_url(challenge)
        )
    return len(sent)


def idea_publish_as_case(*, idea_id: int, actor: User):
    """Start a draft case in the case library from a published idea, keeping the link.
    At most one case per idea: asking again returns the case already made."""
    from apps.cases.services import case_create_from_source

    idea = Idea.objects.select_related("department", "author__department").get(pk=idea_id)
    if idea.status != Idea.Status.APPROVED:
        raise RuleError(_("Only published ideas can become a case."), code="bad_state")
    department = idea.department or idea.author.department
    if department is None:
        raise RuleError(
            _("The idea has no department; set one before publishing it as a case."), code="no_department", status=400
        )
    case = case_create_from_source(
        title=idea.title,
        summary=idea.summary,
        department=department,
        source_kind="idea",
        source_id=idea.pk,
        source_url=_url(idea),
        author=actor,
        problem=idea.body,
    )
    _event(idea, actor, "published_as_case", case.title)
    return case
