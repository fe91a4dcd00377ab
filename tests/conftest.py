import pytest

from apps.accounts.roles import Role
from tests.factories import AnnouncementFactory, DepartmentFactory, UserFactory


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
