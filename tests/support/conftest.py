import itertools

import pytest

from apps.accounts.roles import Role
from apps.support import services
from apps.support.models import Kind
from tests.factories import DepartmentFactory, UserFactory
from tests.support.factories import CannedReplyFactory, MemberSkillFactory, ReplyFactory, SupportRequestFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Choice lists are cached (apps.support.selectors); a rolled-back test may reuse ids.
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    # The users' factory hashes a password; the default hasher takes ~0.4 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def support_request_factory(db):
    return SupportRequestFactory


@pytest.fixture
def reply_factory(db):
    return ReplyFactory


@pytest.fixture
def canned_reply_factory(db):
    return CannedReplyFactory


@pytest.fixture
def member_skill_factory(db):
    return MemberSkillFactory


@pytest.fixture
def bureau(db):
    return DepartmentFactory(code="S100", name_ja="市民局", level="bureau")


@pytest.fixture
def section(bureau):
    return DepartmentFactory(code="S110", name_ja="市民課", parent=bureau)


@pytest.fixture
def requester(section):
    return UserFactory(username="requester", display_name="依頼 太郎", department=section)


@pytest.fixture
def coe(db):
    return UserFactory(username="coe1", display_name="COE 花子", roles=[Role.COE])


@pytest.fixture
def coe2(db):
    return UserFactory(username="coe2", display_name="COE 次郎", roles=[Role.COE])


@pytest.fixture
def manager(bureau):
    """The head of the bureau the requester's section belongs to."""
    return UserFactory(username="manager", display_name="局長 一郎", department=bureau, roles=[Role.MANAGER])


@pytest.fixture
def other_staff(db):
    return UserFactory(username="other", display_name="他部署 職員")


@pytest.fixture
def make_request(requester):
    """make_request(**overrides) -> a request created through the service (event, dues, notifications)."""

    made = itertools.count(1)

    def make(**kwargs):
        # Each its own request: the same words twice within seconds would be one (a repeat).
        values = {
            "requester": requester,
            "kind": Kind.TOOL_ADOPTION,
            "title": f"Teams で申請を受け付けたい（{next(made)}）",
            "description": "窓口の予約を電話で受けている。Forms と Power Automate で受け付けたい。",
        }
        values.update(kwargs)
        return services.support_request_create(**values)

    return make
