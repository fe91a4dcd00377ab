"""Sealing the tally once voting has closed, and its check.

The expected digests are computed here by hand from the format the results page tells
staff to check with `sha256sum`: one "idea number:likes" line per published idea, sorted by
idea number, separated by a line feed, none at the end. The ideas get ids on both sides of a
digit boundary (9,999,999 and 10,000,000), where sorting as text and as numbers differ."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.roles import Role
from apps.core.models import AuditEntry
from apps.ideas import selectors, services
from apps.ideas.models import Challenge, Idea, Vote
from tests.ideas.helpers import jst, refused, tally_digest

pytestmark = pytest.mark.django_db

LOW, HIGH, HIGHER = 9_999_999, 10_000_000, 10_000_001


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def window():
    now = timezone.now()
    return {
        "submission_start": now - timedelta(days=20),
        "submission_end": now + timedelta(days=1),
        "voting_start": now - timedelta(days=10),
        "voting_end": now + timedelta(days=2),
    }


def _close(challenge: Challenge) -> Challenge:
    """Voting closes: the window is moved into the past (votes were cast while it was open)."""
    now = timezone.now()
    Challenge.objects.filter(pk=challenge.pk).update(
        voting_end=now - timedelta(minutes=1), submission_end=now - timedelta(minutes=2)
    )
    return Challenge.objects.get(pk=challenge.pk)


def test_the_digest_is_sha256_of_the_documented_tally_text(window, challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(**window)
    low = idea_factory(pk=LOW, challenge=challenge)
    high = idea_factory(pk=HIGH, challenge=challenge)
    higher = idea_factory(pk=HIGHER, challenge=challenge)
    idea_factory(challenge=challenge, status=Idea.Status.SUBMITTED)  # never published: not in the tally
    a, b = user_factory(), user_factory()
    for voter, idea in [(a, low), (b, low), (a, higher)]:
        services.vote_cast(voter=voter, idea_id=idea.pk)
    challenge = _close(challenge)

    sealed = services.challenge_seal(challenge_id=challenge.pk)
    text = "9999999:2\n10000000:0\n10000001:1"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert sealed.seal_digest == expected == tally_digest(["9999999:2", "10000000:0", "10000001:1"])
    assert Challenge.objects.get(pk=challenge.pk).seal_digest == expected
    # The function the results page checks with gives the same, whatever order it is given.
    assert Challenge.digest_of([(HIGHER, 1), (HIGH, 0), (LOW, 2)]) == expected
    assert Challenge.digest_of([]) == hashlib.sha256(b"").hexdigest()

    # What staff download and hash is exactly that text.
    coe = user_factory(roles=[Role.COE])
    services.challenge_publish_results(challenge_id=challenge.pk, actor=coe)
    download = _client(user_factory()).get(reverse("ideas:tally", args=[challenge.pk]))
    assert download.content == text.encode()
    assert {high.pk: 0} == dict(Idea.objects.filter(pk=high.pk).values_list("pk", "vote_count"))


def test_a_sealed_challenge_holding_a_withdrawn_idea(window, challenge_factory, idea_factory, user_factory):
    """An idea withdrawn while voting was open takes its votes with it (its voters get their
    budget back); the seal lists the published ideas only, and its digest still checks."""
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=2, **window)
    kept = idea_factory(pk=LOW, challenge=challenge)
    withdrawn = idea_factory(pk=HIGH, challenge=challenge)
    other = idea_factory(pk=HIGHER, challenge=challenge)
    v1, v2 = user_factory(), user_factory()
    for voter, idea in [(v1, kept), (v1, withdrawn), (v2, withdrawn), (v2, other)]:
        services.vote_cast(voter=voter, idea_id=idea.pk)
    services.idea_withdraw(idea_id=withdrawn.pk, actor=withdrawn.author)
    assert not Vote.objects.filter(idea=withdrawn).exists()
    assert Idea.objects.get(pk=withdrawn.pk).vote_count == 0
    # The freed vote is used again.
    services.vote_cast(voter=v1, idea_id=other.pk)
    challenge = _close(challenge)

    sealed = services.challenge_seal(challenge_id=challenge.pk)
    assert sealed.seal_digest == tally_digest(["9999999:1", "10000001:2"])
    results = selectors.results_for(Challenge.objects.get(pk=challenge.pk))
    assert results.lines == ["9999999:1", "10000001:2"]
    assert results.digest_matches is True
    assert (results.total_votes, results.unique_voters) == (3, 2)
    assert [(i.pk, i.rank, i.vote_count) for i in results.ranking] == [(HIGHER, 1, 2), (LOW, 2, 1)]
    # Once sealed, no idea changes status, the withdrawn one stays withdrawn.
    with translation.override("ja"):
        error = refused("sealed", 409, services.idea_withdraw, idea_id=kept.pk, actor=kept.author)
    assert error.message == "このチャレンジの集計結果は確定済みのため、アイデアの状態は変更できません。"
    assert Idea.objects.get(pk=kept.pk).status == Idea.Status.APPROVED
    assert Idea.objects.get(pk=withdrawn.pk).status == Idea.Status.WITHDRAWN
    assert selectors.results_for(Challenge.objects.get(pk=challenge.pk)).digest_matches is True


def test_a_merged_duplicate_is_not_in_the_tally_its_votes_are(window, challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(**window)
    target = idea_factory(pk=LOW, challenge=challenge)
    duplicate = idea_factory(pk=HIGH, challenge=challenge)
    voters = [user_factory() for _ in range(3)]
    services.vote_cast(voter=voters[0], idea_id=target.pk)
    for voter in voters:
        services.vote_cast(voter=voter, idea_id=duplicate.pk)
    services.idea_merge(source_id=duplicate.pk, target_id=target.pk, actor=user_factory(roles=[Role.COE]))
    sealed = services.challenge_seal(challenge_id=_close(challenge).pk)
    assert sealed.seal_digest == tally_digest(["9999999:3"])


def test_sealing_waits_for_the_close_of_voting_to_the_second(challenge_factory, idea_factory, user_factory):
    closes = jst(2026, 9, 7)
    challenge = challenge_factory(
        submission_start=jst(2026, 8, 1), submission_end=closes, voting_start=jst(2026, 8, 10), voting_end=closes
    )
    idea = idea_factory(pk=LOW, challenge=challenge)
    services.vote_cast(voter=user_factory(), idea_id=idea.pk, now=jst(2026, 9, 6, 23, 59, 59))
    with translation.override("ja"):
        error = refused(
            "still_open", 409, services.challenge_seal, challenge_id=challenge.pk, now=jst(2026, 9, 6, 23, 59, 59)
        )
    assert error.message == "いいねの受付中のため、まだ集計結果を確定できません。"
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.sealed_at, stored.seal_digest) == (None, "")

    services.challenge_seal(challenge_id=challenge.pk, now=closes)
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.sealed_at, stored.seal_digest) == (closes, tally_digest(["9999999:1"]))


def test_the_seal_heals_a_drifted_counter_and_is_done_once(window, challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory(**window)
    low, high = idea_factory(pk=LOW, challenge=challenge), idea_factory(pk=HIGH, challenge=challenge)
    withdrawn = idea_factory(challenge=challenge, status=Idea.Status.WITHDRAWN)
    voters = [user_factory() for _ in range(2)]
    for voter in voters:
        services.vote_cast(voter=voter, idea_id=low.pk)
    challenge = _close(challenge)
    # Counters that do not match the votes: the seal counts the votes themselves.
    Idea.objects.filter(pk=low.pk).update(vote_count=7)
    Idea.objects.filter(pk=high.pk).update(vote_count=4)
    Idea.objects.filter(pk=withdrawn.pk).update(vote_count=3)
    at = timezone.now()
    services.challenge_seal(challenge_id=challenge.pk, now=at)
    digest = tally_digest(["9999999:2", "10000000:0"])
    counts = dict(Idea.objects.filter(challenge=challenge).values_list("pk", "vote_count"))
    assert counts == {LOW: 2, HIGH: 0, withdrawn.pk: 0}
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.sealed_at, stored.seal_digest) == (at, digest)
    entries = list(AuditEntry.objects.filter(target_type="ideas.challenge", target_id=str(challenge.pk)))
    assert [(e.action, e.data) for e in entries] == [("ideas.tally_sealed", {"digest": digest})]

    # Sealed once: a later run (the beat job every five minutes) changes nothing.
    Idea.objects.filter(pk=high.pk).update(vote_count=5)
    again = services.challenge_seal(challenge_id=challenge.pk, now=at + timedelta(days=1))
    assert (again.sealed_at, again.seal_digest) == (at, digest)
    assert Idea.objects.get(pk=high.pk).vote_count == 5
    assert AuditEntry.objects.filter(action="ideas.tally_sealed").count() == 1
    # … and the page says the counts shown now no longer give the digest.
    assert selectors.results_for(Challenge.objects.get(pk=challenge.pk)).digest_matches is False


def test_the_results_page_shows_the_seal_as_soon_as_it_is_made(
    window, challenge_factory, idea_factory, user_factory, settings
):
    settings.LANGUAGE_CODE = "en"
    challenge = challenge_factory(**window)
    idea = idea_factory(pk=LOW, challenge=challenge)
    services.vote_cast(voter=user_factory(), idea_id=idea.pk)
    challenge = _close(challenge)
    coe = _client(user_factory(roles=[Role.COE]))
    url = reverse("ideas:results", args=[challenge.pk])
    before = coe.get(url).content.decode()  # the challenge is now in the shared cache
    assert "The tally is sealed automatically" in before
    sealed = services.challenge_seal(challenge_id=challenge.pk)
    after = coe.get(url).content.decode()
    assert sealed.seal_digest == tally_digest(["9999999:1"]) and sealed.seal_digest in after
    assert "nothing has changed since sealing" in after


def test_a_challenge_that_was_never_sealed_does_not_claim_to_match(closed_challenge, idea_factory):
    idea_factory(challenge=closed_challenge)
    assert selectors.results_for(closed_challenge).digest_matches is False
