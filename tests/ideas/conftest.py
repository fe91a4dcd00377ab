from datetime import timedelta

import pytest
from django.utils import timezone

from tests.ideas.factories import CategoryFactory, ChallengeFactory, CommentFactory, IdeaFactory


@pytest.fixture
def challenge_factory(db):
    return ChallengeFactory


@pytest.fixture
def idea_factory(db):
    return IdeaFactory


@pytest.fixture
def category_factory(db):
    return CategoryFactory


@pytest.fixture
def comment_factory(db):
    return CommentFactory


@pytest.fixture
def closed_challenge(challenge_factory):
    """Accepted ideas and voted last month; the tally is not sealed yet."""
    now = timezone.now()
    return challenge_factory(
        submission_start=now - timedelta(days=40),
        submission_end=now - timedelta(days=20),
        voting_start=now - timedelta(days=30),
        voting_end=now - timedelta(days=1),
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Factories hash a password per user; the real hasher costs a fraction of a second per
    # user, which on a shared machine made these tests (and their mutation runs) minutes long.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
