import copy
import shutil
import tempfile
import uuid

import pytest

from apps.accounts.roles import Role
from tests.factories import AnnouncementFactory, DepartmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test starts with empty caches, both of them ("default" and "state"). Tests roll
    their database back and reuse ids; a cache is not rolled back, and its entries (roles,
    choice lists, fragments) would leak into the next test. A key prefix per test and alias
    isolates them without flushing a Redis that another test process shares; the embedded
    file caches get a directory of their own, removed after the test."""
    caches = copy.deepcopy(settings.CACHES)
    test_id = uuid.uuid4().hex[:12]
    directory = None
    for alias, config in caches.items():
        config["KEY_PREFIX"] = f"test-{test_id}-{alias}"
        if config["BACKEND"].endswith(".FileBasedCache"):
            if directory is None:
                base = settings.VAR_DIR / "test-caches"
                base.mkdir(parents=True, exist_ok=True)
                directory = tempfile.mkdtemp(prefix=f"{test_id}-", dir=base)
            config["LOCATION"] = f"{directory}/{alias}"
    settings.CACHES = caches
    yield
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def uncached(settings, _own_cache_namespace):
    """The page cache ("default") disabled: a query-count test then counts what a page asks
    of the database when nothing is cached, so an N+1 cannot hide behind a cache hit."""
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory()


@pytest.fixture
def coe_user(db):
    return UserFactory(roles=[Role.COE])


@pytest.fixture
def manager_user(db):
    return UserFactory(roles=[Role.MANAGER])


@pytest.fixture
def admin_user(db):
    return UserFactory(roles=[Role.ADMIN])


@pytest.fixture
def announcement_factory(db):
    return AnnouncementFactory


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def department_factory(db):
    return DepartmentFactory


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def make(user):
        client.force_login(user)
        return client

    return make
