import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.accounts.roles import Role
from apps.knowledge.models import Article, ArticleRevision, Category, Tag
from tests.factories import UserFactory


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"カテゴリ{n}")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"タグ{n}")


class ArticleFactory(DjangoModelFactory):
    """An article with its first revision, as article_create leaves it (bypassing the service,
    for speed and for states the services reach only in several steps)."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Teams 会議の始め方 {n}")
    body = "## はじめに\n\nTeams で会議を予約する手順です。\n\n1. カレンダーを開く\n2. 新しい会議を選ぶ\n"
    excerpt = "Teams で会議を予約する手順です。"
    category = factory.SubFactory(CategoryFactory)
    owner = factory.SubFactory(UserFactory, roles=[Role.COE])
    status = Article.Status.PUBLISHED
    updated_at = factory.LazyFunction(timezone.now)
    version = 1

    @factory.post_generation
    def revision(self, create, extracted, **kwargs):
        if create:
            ArticleRevision.objects.create(article=self, number=self.version, title=self.title, body=self.body)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)
