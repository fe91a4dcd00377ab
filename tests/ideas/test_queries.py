"""The idea list and an idea's page cost the same number of queries with 10 or 200
ideas, votes and comments: selectors shape the data, templates never query."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.ideas.models import Coauthor, Comment, Idea, Vote
from tests.factories import UserFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached")]


def _world(n: int):
    """A challenge with n ideas, n voters who each like every idea they may (n votes on the
    first idea), n comments on the first idea, and a co-author on each idea."""
    challenge = ChallengeFactory(hide_counts_while_voting=False)
    category = CategoryFactory(challenge=challenge)
    author = UserFactory()
    coauthor = UserFactory()
    now = timezone.now()
    ideas = Idea.objects.bulk_create(
        [
            Idea(
                challenge=challenge,
                title=f"アイデア{i}",
                summary="要約",
                author=author,
                department=author.department,
                category=category,
                status=Idea.Status.APPROVED,
                submitted_at=now,
            )
            for i in range(n)
        ]
    )
    Coauthor.objects.bulk_create([Coauthor(idea=idea, user=coauthor, status="accepted") for idea in ideas])
    voters = [UserFactory() for _ in range(min(n, 20))]
    votes = [Vote(idea=ideas[i % n], challenge=challenge, voter=voters[i % len(voters)]) for i in range(n)]
    Vote.objects.bulk_create({(v.idea_id, v.voter_id): v for v in votes}.values())
    for idea in ideas:
        Idea.objects.filter(pk=idea.pk).update(vote_count=Vote.objects.filter(idea=idea).count())
    Comment.objects.bulk_create([Comment(idea=ideas[0], author=voters[i % len(voters)], body="賛成") for i in range(n)])
    viewer = voters[0]
    return challenge, ideas[0], viewer


def _count(url: str, user) -> int:
    client = Client()
    client.force_login(user)
    client.get(url)  # warm: session, translations
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "page",
    [
        lambda c, i: reverse("ideas:idea_list", args=[c.pk]),
        lambda c, i: reverse("ideas:idea_list", args=[c.pk]) + "?sort=popular",
        lambda c, i: reverse("ideas:idea_detail", args=[i.pk]),
        lambda c, i: reverse("ideas:challenge_detail", args=[c.pk]),
    ],
    ids=["list", "list-popular", "idea", "challenge"],
)
def test_query_count_does_not_grow_with_the_data(page):
    small = _world(10)
    large = _world(200)
    assert _count(page(small[0], small[1]), small[2]) == _count(page(large[0], large[1]), large[2])
