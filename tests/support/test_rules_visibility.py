"""Who sees a support request (apps/support/rules.py), from PRODUCT.md and the rules' docstring:

"A request is private: its requester, the managers of its department (a manager of a 局 sees
the requests of every 課 under it) and the COE see it; nobody else learns it exists. Internal
notes are for the COE only. An administrator manages the site, not the desk: for requests and
ratings they have the rights of any member of staff."

The organisation below has three levels, so "a department above it" is more than the parent:

    市民局 (bureau)  ── 市民部 (division) ── 市民課 (section: the requester's)
                    └─ 区政課 (section, a sibling under the same bureau)
    環境局 (bureau)  ── 環境課 (section)

Each person is checked three ways: the permission the views ask (`support.view_request`), the
request page and its conversation fragment (200 or a 404 that does not reveal the request),
and the manager's department list.
"""

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.support import lifecycle, selectors, services
from apps.support.models import Status, SupportRequest
from apps.support.rules import actor_roles
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTE = "NAIBU-MEMO-4c1e"


@pytest.fixture
def org(db):
    shimin_kyoku = DepartmentFactory(code="V100", name_ja="市民局", level="bureau")
    shimin_bu = DepartmentFactory(code="V110", name_ja="市民部", level="division", parent=shimin_kyoku)
    shimin_ka = DepartmentFactory(code="V111", name_ja="市民課", parent=shimin_bu)
    kusei_ka = DepartmentFactory(code="V120", name_ja="区政課", parent=shimin_kyoku)
    kankyo_kyoku = DepartmentFactory(code="V200", name_ja="環境局", level="bureau")
    kankyo_ka = DepartmentFactory(code="V210", name_ja="環境課", parent=kankyo_kyoku)
    return {
        "局": shimin_kyoku,
        "部": shimin_bu,
        "課": shimin_ka,
        "区政課": kusei_ka,
        "環境局": kankyo_kyoku,
        "環境課": kankyo_ka,
    }


def _person(username, department, *roles):
    return UserFactory(username=username, department=department, roles=list(roles))


@pytest.fixture
def people(org):
    return {
        "requester": _person("v-requester", org["課"]),
        "colleague": _person("v-colleague", org["課"]),  # same section, no manager role
        "section_manager": _person("v-kacho", org["課"], Role.MANAGER),
        "division_manager": _person("v-bucho", org["部"], Role.MANAGER),
        "bureau_manager": _person("v-kyokucho", org["局"], Role.MANAGER),
        "sibling_manager": _person("v-kusei-kacho", org["区政課"], Role.MANAGER),
        "other_bureau_manager": _person("v-kankyo-kyokucho", org["環境局"], Role.MANAGER),
        "other_staff": _person("v-kankyo", org["環境課"]),
        "admin": _person("v-admin", org["課"], Role.ADMIN),  # same section, no other role
        "coe": _person("v-coe", org["環境課"], Role.COE),
    }


# Written by hand: who sees a request of 市民課 asked by `requester`.
SEES = {
    "requester": True,
    "colleague": False,  # sitting next to the requester is not enough
    "section_manager": True,  # the manager of its department
    "division_manager": True,  # a department above it (部 over 課)
    "bureau_manager": True,  # a department above it (局 over 部 over 課)
    "sibling_manager": False,  # a manager under the same 局, of another 課
    "other_bureau_manager": False,
    "other_staff": False,
    "admin": False,  # staff rights only
    "coe": True,
}


@pytest.fixture
def request_of_section(people, org):
    request = services.support_request_create(
        requester=people["requester"],
        kind="other",
        title="窓口の混雑を見える化したい",
        description="待ち時間を表示したい",
    )
    assert request.department == org["課"]
    services.support_reply_add(request_id=request.pk, author=people["coe"], body=f"内部メモ {NOTE}", internal=True)
    return request


@pytest.mark.parametrize("who", sorted(SEES))
def test_who_sees_a_request(client_for, people, request_of_section, who):
    user = people[who]
    assert user.has_perm("support.view_request", request_of_section) is SEES[who]
    client = client_for(user)
    detail = client.get(reverse("support:detail", args=[request_of_section.pk]))
    fragment = client.get(reverse("support:conversation", args=[request_of_section.pk]), HTTP_HX_REQUEST="true")
    expected = 200 if SEES[who] else 404
    assert (detail.status_code, fragment.status_code) == (expected, expected)
    if not SEES[who]:
        assert request_of_section.title not in detail.content.decode()  # nothing tells it exists
    # Internal notes: the COE only, even among those who see the request.
    shown = detail.content.decode() + fragment.content.decode()
    assert (NOTE in shown) is (who == "coe")
    assert user.has_perm("support.view_internal", request_of_section) is (who == "coe")


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_department_list_and_what_is_visible(people, request_of_section, who):
    user = people[who]
    visible = set(selectors.requests_visible_to(user).values_list("pk", flat=True))
    assert (request_of_section.pk in visible) is SEES[who]
    # The managers' "my department" list: managers above or at the section only.
    department = set(selectors.request_list_for_department(user).values_list("pk", flat=True))
    in_list = who in {"section_manager", "division_manager", "bureau_manager"}
    assert (request_of_section.pk in department) is in_list


def test_a_manager_of_a_section_does_not_see_the_requests_of_the_bureau_above(people, org):
    # Managers see downwards, never upwards: a request of the 局 itself is not the 課長's.
    bureau_staff = _person("v-kyoku-staff", org["局"])
    request = services.support_request_create(
        requester=bureau_staff, kind="other", title="局の全体方針", description="局として相談したい"
    )
    assert not people["section_manager"].has_perm("support.view_request", request)
    assert not people["division_manager"].has_perm("support.view_request", request)
    assert people["bureau_manager"].has_perm("support.view_request", request)


def test_an_administrator_follows_their_own_request_like_any_member_of_staff(client_for, people):
    admin = people["admin"]
    own = services.support_request_create(requester=admin, kind="other", title="管理者の相談", description="相談")
    assert client_for(admin).get(reverse("support:detail", args=[own.pk])).status_code == 200
    assert list(selectors.request_list_for_requester(admin).values_list("pk", flat=True)) == [own.pk]
    # ... but has no desk: no queue, no triage, no internal notes, no department list.
    for perm in ("support.view_queue", "support.triage", "support.view_internal", "support.view_department"):
        assert not admin.has_perm(perm, own), perm
    assert client_for(admin).get(reverse("support:queue")).status_code == 403


@pytest.mark.parametrize(
    ("who", "roles"),
    [
        ("requester", {lifecycle.REQUESTER}),
        ("coe", {lifecycle.COE}),
        ("section_manager", {lifecycle.MANAGER}),
        ("division_manager", {lifecycle.MANAGER}),
        ("bureau_manager", {lifecycle.MANAGER}),
        ("sibling_manager", set()),
        ("other_bureau_manager", set()),
        ("colleague", set()),
        ("other_staff", set()),
        ("admin", set()),
    ],
)
def test_the_roles_a_person_holds_for_one_request(people, request_of_section, who, roles):
    assert actor_roles(people[who], request_of_section) == roles


def test_the_scheduler_holds_the_system_role_only(request_of_section):
    assert actor_roles(None, request_of_section) == {lifecycle.SYSTEM}


def test_a_coe_member_who_asked_holds_both_roles(people, org):
    coe = people["coe"]
    own = services.support_request_create(requester=coe, kind="other", title="COE 自身の相談", description="相談")
    assert actor_roles(coe, own) == {lifecycle.REQUESTER, lifecycle.COE}


# --- what each may do with a request they see ----------------------------------------------------


def _in_status(request, status):
    SupportRequest.objects.filter(pk=request.pk).update(status=status)
    request.refresh_from_db()
    return request


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_a_final_request_takes_no_more_replies_or_links(people, request_of_section, status):
    request = _in_status(request_of_section, status)
    for who in ("requester", "bureau_manager", "coe"):
        assert not people[who].has_perm("support.reply", request), who
    assert not people["coe"].has_perm("support.link_content", request)
    # The COE may still keep internal notes (the history of a closed request).
    assert people["coe"].has_perm("support.add_internal_note", request)


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED])
def test_an_open_or_resolved_request_takes_replies_from_those_who_see_it(people, request_of_section, status):
    request = _in_status(request_of_section, status)
    allowed = {who for who in people if people[who].has_perm("support.reply", request)}
    assert allowed == {who for who, sees in SEES.items() if sees}
    assert people["coe"].has_perm("support.link_content", request)


@pytest.mark.parametrize(
    ("status", "rated"),
    [
        (Status.NEW, False),
        (Status.IN_PROGRESS, False),
        (Status.WAITING, False),
        (Status.RESOLVED, True),  # PRODUCT.md: "a satisfaction rating when resolved"
        (Status.CLOSED, True),
        (Status.CANCELLED, False),
    ],
)
def test_only_the_requester_rates_and_only_once_resolved(people, request_of_section, status, rated):
    request = _in_status(request_of_section, status)
    raters = {who for who in people if people[who].has_perm("support.rate", request)}
    assert raters == ({"requester"} if rated else set())
    # Turning it into a case or an article: the COE, once resolved (or closed).
    converters = {who for who in people if people[who].has_perm("support.convert", request)}
    assert converters == ({"coe"} if rated else set())
