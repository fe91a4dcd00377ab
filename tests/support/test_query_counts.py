"""The lists and the request page ask the database a fixed number of times, however many
requests (and replies) there are: 10 against 500. Counted with the cache disabled."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.support.models import Priority, Reply, RequestEvent, Status, SupportRequest
from tests.factories import DepartmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached")]


def _add_requests(count: int, *, requesters, members, departments, rng) -> None:
    now = timezone.now()
    # A few rows every view of the tests below shows, so no page is empty in the small case.
    rows = [
        SupportRequest(
            kind="other", title="未割当の古い依頼", description="説明", requester=requesters[0],
            department=departments[0], status=Status.NEW, created_at=now - timedelta(days=10),
        ),
        SupportRequest(
            kind="other", title="期限切れ", description="説明", requester=requesters[0], department=departments[0],
            status=Status.IN_PROGRESS, assignee=members[0], created_at=now - timedelta(days=30),
            resolution_due_at=now - timedelta(hours=5), due_at=now - timedelta(hours=5),
        ),
    ]  # fmt: skip
    count -= len(rows)
    for i in range(count):
        requester = rng.choice(requesters)
        status = rng.choice(Status.values)
        rows.append(
            SupportRequest(
                kind=rng.choice(["technical", "data_analysis", "tool_adoption", "other"]),
                title=f"依頼 {i}",
                description="説明",
                requester=requester,
                department=rng.choice(departments),
                status=status,
                priority=rng.choice(Priority.values),
                assignee=rng.choice([None, *members]),
                created_at=now - timedelta(hours=rng.randint(1, 2000)),
                first_response_due_at=now + timedelta(hours=rng.randint(-100, 100)),
                resolution_due_at=now + timedelta(hours=rng.randint(-100, 300)),
                due_at=now + timedelta(hours=rng.randint(-100, 300)),
            )
        )
    created = SupportRequest.objects.bulk_create(rows)
    Reply.objects.bulk_create(
        [
            Reply(request=r, author=rng.choice(members), body=f"返信 {n}", internal=n == 2)
            for r in created
            for n in range(3)
        ]
    )
    RequestEvent.objects.bulk_create([RequestEvent(request=r, action="created", to_status="new") for r in created])


def _count(client, url: str) -> int:
    client.get(url)  # load what a running process has loaded (translations, templates)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def world(requester, manager, coe):
    rng = random.Random(5)
    members = [coe, *[UserFactory(roles=[Role.COE]) for _ in range(4)]]
    departments = [requester.department, *[DepartmentFactory() for _ in range(5)]]
    requesters = [requester, *[UserFactory(department=rng.choice(departments)) for _ in range(10)]]
    return {"rng": rng, "members": members, "departments": departments, "requesters": requesters}


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("coe", reverse("support:queue")),
        ("coe", reverse("support:queue") + "?status=all&sort=newest"),
        ("coe", reverse("support:queue") + "?assignee=me&target=near&sort=priority"),
        ("coe", reverse("support:queue") + "?assignee=none&age=7&status=new"),
        ("requester", reverse("support:my_requests")),
        ("manager", reverse("support:my_requests") + "?scope=department"),
        ("coe", reverse("core:home")),
        ("requester", reverse("core:home")),
    ],
)
def test_list_query_counts_do_not_grow(client_for, world, requester, manager, coe, who, url):
    client = client_for({"coe": coe, "requester": requester, "manager": manager}[who])
    _add_requests(10, **world)
    small = _count(client, url)
    _add_requests(490, **world)
    assert SupportRequest.objects.count() == 500
    assert _count(client, url) == small


def test_request_page_query_count_does_not_grow_with_the_conversation(client_for, world, make_request, coe, requester):
    request = make_request()
    url = reverse("support:detail", args=[request.pk])
    Reply.objects.bulk_create([Reply(request=request, author=coe, body=f"返信 {n}") for n in range(3)])
    _add_requests(10, **world)
    counts = {}
    for user in (coe, requester):
        counts[user.pk] = _count(client_for(user), url)
    Reply.objects.bulk_create(
        [Reply(request=request, author=world["rng"].choice(world["members"]), body=f"返信 {n}") for n in range(60)]
    )
    RequestEvent.objects.bulk_create(
        [RequestEvent(request=request, action="assigned", data={"assignee": "x"}) for _ in range(30)]
    )
    _add_requests(490, **world)
    for user in (coe, requester):
        assert _count(client_for(user), url) == counts[user.pk]
