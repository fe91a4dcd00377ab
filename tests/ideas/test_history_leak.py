"""Issue #14: editing an idea that has いいね wrote 「いいねを受けた後に編集」 into the history
everyone sees, which told "count > 0" while the challenge hides its counts. The entry (and
its note) shows only to whoever may see the counts at that moment; anyone else sees a plain
"Edited", as for an idea edited without votes. Administrators are bound like staff."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.ideas import services
from apps.ideas.models import Challenge

pytestmark = pytest.mark.django_db

# The entry and its note, in both languages.
AFTER_VOTES = (
    "Edited after it had received votes",
    "いいねを受けた後に編集",
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def history(user, idea) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("ideas:idea_detail", args=[idea.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="history-title"')
    return html[start : html.index("</section>", start)]


def shows_edit_after_votes(user, idea) -> bool:
    text = history(user, idea)
    assert "Edited" in text or "編集" in text  # the edit itself is in the history either way
    return any(words in text for words in AFTER_VOTES)


@pytest.fixture
def people(user_factory):
    return {
        "staff": user_factory(),
        "author": user_factory(),
        "administrator": user_factory(roles=[Role.ADMIN]),
        "coe": user_factory(roles=[Role.COE]),
    }


@pytest.fixture
def edited_after_votes(challenge_factory, idea_factory, user_factory, people):
    """An idea of a challenge that hides its counts, liked once, then edited by its author."""
    challenge = challenge_factory(hide_counts_while_voting=True)
    idea = idea_factory(challenge=challenge, author=people["author"], title="窓口の待ち時間を見える化")
    services.vote_cast(voter=user_factory(), idea_id=idea.pk)
    services.idea_save(
        author=people["author"], challenge=challenge, idea=idea, title=idea.title, summary="要約を直しました"
    )
    assert idea.events.filter(action="edited_after_votes").exists()
    return idea


def test_nobody_sees_it_while_voting_is_open(edited_after_votes, people):
    for who in ("staff", "author", "administrator", "coe"):
        assert not shows_edit_after_votes(people[who], edited_after_votes), who


def test_after_voting_closes_only_the_coe_sees_it(edited_after_votes, people):
    now = timezone.now()
    Challenge.objects.filter(pk=edited_after_votes.challenge_id).update(
        voting_start=now - timedelta(days=10), voting_end=now - timedelta(hours=1)
    )
    services.challenge_forget(edited_after_votes.challenge_id)
    assert shows_edit_after_votes(people["coe"], edited_after_votes)
    for who in ("staff", "author", "administrator"):
        assert not shows_edit_after_votes(people[who], edited_after_votes), who


def test_everybody_sees_it_once_the_results_are_published(edited_after_votes, people):
    now = timezone.now()
    Challenge.objects.filter(pk=edited_after_votes.challenge_id).update(
        submission_start=now - timedelta(days=20),
        submission_end=now - timedelta(days=10),
        voting_start=now - timedelta(days=10),
        voting_end=now - timedelta(hours=1),
    )
    services.challenge_forget(edited_after_votes.challenge_id)
    services.challenge_publish_results(challenge_id=edited_after_votes.challenge_id, actor=people["coe"])
    for who in ("staff", "author", "administrator", "coe"):
        assert shows_edit_after_votes(people[who], edited_after_votes), who


def test_without_hidden_counts_everybody_sees_it(challenge_factory, idea_factory, user_factory, people):
    challenge = challenge_factory(hide_counts_while_voting=False)
    idea = idea_factory(challenge=challenge, author=people["author"])
    services.vote_cast(voter=user_factory(), idea_id=idea.pk)
    services.idea_save(author=people["author"], challenge=challenge, idea=idea, title=idea.title, summary="要約")
    for who in ("staff", "author", "administrator", "coe"):
        assert shows_edit_after_votes(people[who], idea), who
