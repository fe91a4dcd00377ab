import pytest

from tests.knowledge.factories import ArticleFactory, CategoryFactory, TagFactory


@pytest.fixture
def article_factory(db):
    return ArticleFactory


@pytest.fixture
def category_factory(db):
    return CategoryFactory


@pytest.fixture
def tag_factory(db):
    return TagFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded attachments go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Test users get passwords; the fast hasher keeps hundreds of them cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def published(article_factory, coe_user):
    return article_factory(owner=coe_user)


@pytest.fixture
def draft(article_factory, coe_user):
    return article_factory(owner=coe_user, status="draft")
