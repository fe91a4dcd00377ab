import pytest
from django.core.cache import cache

from tests.reports.city import City, make_city


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def city(db) -> City:
    return make_city()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Factories hash a password per user; the real hasher would make each test seconds slower.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
