import copy
import uuid

import pytest

from apps.accounts.roles import Role
from tests.factories import AnnouncementFactory, DepartmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test starts with an empty cache. Tests roll their database back and reuse ids;
    a cache is not rolled back, and its entries (roles, choice lists, fragments) would leak
    into the next test. A key prefix per test isolates them without flushing a Redis that
    another test process shares."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


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
