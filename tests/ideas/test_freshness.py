"""Whatever changes on an idea or its list, each viewer sees it on the next page load, exactly
as a page rendered from scratch shows it (nothing the portal caches may keep an old state)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.ideas import services
from apps.ideas.models import AnswerStatus, Comment, Idea
from tests.factories import UserFactory
from tests.pages import page_html, signed_in

pytestmark = pytest.mark.django_db


def test_every_change_shows_at_once_to_each_viewer(challenge_factory, idea_factory, monkeypatch):
    author = UserFactory(display_name="起案 一郎")
    invitee = UserFactory(display_name="共同 二郎")
    voter = UserFactory(display_name="投票 三郎")
    coe = UserFactory(display_name="COE 四郎", roles=[Role.COE])
    # Voting closes in ten minutes (within the session's idle time, for the last step).
    challenge = challenge_factory(vote_kind="budget", vote_budget=3, voting_end=timezone.now() + timedelta(minutes=10))
    idea = idea_factory(challenge=challenge, author=author, title="窓口予約の電子化")
    other = idea_factory(challenge=challenge, title="同じような案")
    url = reverse("ideas:idea_detail", args=[idea.pk])
    people = {"author": author, "invitee": invitee, "voter": voter, "coe": coe}
    clients = {who: signed_in(user) for who, user in people.items()}
    answer = AnswerStatus.objects.create(name_ja="採用", name_en="Adopted")

    def comment_hide(reason: str):
        comment = Comment.objects.filter(idea=idea).latest("id")
        services.comment_hide(comment_id=comment.pk, actor=coe, reason=reason)

    changes = [
        ("vote", lambda: services.vote_cast(voter=voter, idea_id=idea.pk)),
        ("vote elsewhere", lambda: services.vote_cast(voter=voter, idea_id=other.pk)),  # the budget left
        ("follow", lambda: services.follow_toggle(idea_id=idea.pk, user=voter)),
        ("invitation", lambda: services.coauthor_invite(idea_id=idea.pk, actor=author, user=invitee)),
        ("accepted", lambda: services.coauthor_answer(idea_id=idea.pk, user=invitee, accept=True)),
        ("comment", lambda: services.comment_add(idea_id=idea.pk, author=voter, body="良い案ですね")),
        ("hidden", lambda: comment_hide("個人名が含まれるため")),
        ("hidden again", lambda: comment_hide("不適切な表現のため")),
        (
            "edited",
            lambda: services.idea_save(
                author=author, challenge=challenge, idea=Idea.objects.get(pk=idea.pk), title="窓口予約の電子化（改）",
                summary="Forms で予約を受ける", submit=True,
            ),
        ),
        ("withdrawn vote", lambda: services.vote_withdraw(voter=voter, idea_id=idea.pk)),
        ("answer", lambda: services.idea_answer(idea_id=idea.pk, actor=coe, status=answer, text="来年度に実施します")),
        ("merged", lambda: services.idea_merge(source_id=other.pk, target_id=idea.pk, actor=coe)),
    ]  # fmt: skip
    for name, change in changes:
        before = {who: page_html(client, url) for who, client in clients.items()}  # now cached
        change()
        after = {who: page_html(client, url) for who, client in clients.items()}
        cache.clear()
        fresh = {who: page_html(signed_in(user), url) for who, user in people.items()}
        for who in clients:
            assert after[who] == fresh[who], f"{who} saw a stale page after: {name}"
        assert after != before, f"no page changed after: {name}"
    assert "不適切な表現のため" in after["voter"] and "不適切な表現のため" not in after["invitee"]
    # Voting closes: nothing was written, but the phase (and the いいね button) changed.
    before = page_html(clients["voter"], url)
    later = challenge.voting_end + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = page_html(clients["voter"], url)
    cache.clear()
    assert after != before and after == page_html(signed_in(voter), url)


def test_the_author_sees_no_like_button_on_their_own_idea(challenge_factory, idea_factory):
    idea = idea_factory(challenge=challenge_factory())
    url = reverse("ideas:idea_detail", args=[idea.pk])
    assert f'id="vote-button-{idea.pk}"' in page_html(signed_in(UserFactory()), url)
    assert f'id="vote-button-{idea.pk}"' not in page_html(signed_in(idea.author), url)


def test_the_idea_list_shows_every_change_to_each_viewer(challenge_factory, idea_factory, monkeypatch):
    author = UserFactory(display_name="起案 一郎")
    voter = UserFactory(display_name="投票 三郎")
    coe = UserFactory(display_name="COE 四郎", roles=[Role.COE])
    challenge = challenge_factory(vote_kind="budget", vote_budget=3, voting_end=timezone.now() + timedelta(minutes=10))
    first = idea_factory(challenge=challenge, author=author, title="一つ目の案")
    second = idea_factory(challenge=challenge, title="二つ目の案")
    people = {"author": author, "voter": voter, "coe": coe}
    clients = {who: signed_in(user) for who, user in people.items()}
    url = reverse("ideas:idea_list", args=[challenge.pk])

    def check(name: str, change, path: str = url) -> None:
        before = {who: page_html(client, path) for who, client in clients.items()}  # now cached
        change()
        after = {who: page_html(client, path) for who, client in clients.items()}
        cache.clear()
        for who, user in people.items():
            assert after[who] == page_html(signed_in(user), path), f"{who} saw a stale list after: {name}"
        assert after != before, f"no list changed after: {name}"

    check("new idea", lambda: idea_factory(challenge=challenge, title="三つ目の案"))
    check("vote", lambda: services.vote_cast(voter=voter, idea_id=first.pk))
    check("vote elsewhere", lambda: services.vote_cast(voter=voter, idea_id=second.pk))
    check("comment", lambda: services.comment_add(idea_id=second.pk, author=coe, body="いいですね"))
    check("popular first", lambda: services.vote_cast(voter=coe, idea_id=second.pk), url + "?sort=popular")
    later = challenge.voting_end + timedelta(minutes=1)
    check("voting closed", lambda: monkeypatch.setattr(timezone, "now", lambda: later))
