from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.ideas.models import Category, Challenge, Comment, Idea
from tests.factories import UserFactory


class ChallengeFactory(DjangoModelFactory):
    """By default: accepting ideas and voting now, one いいね per idea, no pre-moderation."""

    class Meta:
        model = Challenge

    title = factory.Sequence(lambda n: f"いいね！チャレンジ {n}")
    theme = "Microsoft 365 を活用した業務改善アイデアを募集します。"
    submission_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    submission_end = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    voting_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    voting_end = factory.LazyFunction(lambda: timezone.now() + timedelta(days=15))
    premoderation = False
    created_by = factory.SubFactory(UserFactory)


class IdeaFactory(DjangoModelFactory):
    class Meta:
        model = Idea

    challenge = factory.SubFactory(ChallengeFactory)
    title = factory.Sequence(lambda n: f"アイデア {n}")
    summary = "RPA で定型業務を自動化する"
    author = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda o: o.author.department)
    status = Idea.Status.APPROVED
    submitted_at = factory.LazyFunction(timezone.now)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    challenge = factory.SubFactory(ChallengeFactory)
    name_ja = factory.Sequence(lambda n: f"分野{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    idea = factory.SubFactory(IdeaFactory)
    author = factory.SubFactory(UserFactory)
    body = "良いアイデアですね。"
