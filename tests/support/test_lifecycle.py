"""Every (from, to, role) triple, generated from the lifecycle table and the product of
statuses × roles: allowed ones succeed and are recorded, all others are refused with a
4xx domain error and change nothing."""

from datetime import timedelta
from itertools import product

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.support import lifecycle, services
from apps.support.models import RequestEvent, Status, SupportRequest
from apps.support.services import SupportRuleError

pytestmark = pytest.mark.django_db

# The lifecycle roles and a member of staff who has nothing to do with the request.
ACTORS = ["requester", "coe", "manager", "staff", "system"]
ROLE_OF = {
    "requester": lifecycle.REQUESTER,
    "coe": lifecycle.COE,
    "manager": lifecycle.MANAGER,
    "staff": None,
    "system": lifecycle.SYSTEM,
}
TRIPLES = [(f, t, a) for f, t, a in product(Status.values, Status.values, ACTORS) if f != t]
ALLOWED = [(f, t, a) for f, t, a in TRIPLES if (spec := lifecycle.transition_get(f, t)) and ROLE_OF[a] in spec.roles]


def test_the_table_covers_the_issue():
    # Sanity of the generated matrix: the moves the issue names are in the table.
    pairs = {(f, t) for f, moves in lifecycle.TRANSITIONS.items() for t in moves}
    for pair in [
        ("new", "triaged"),
        ("triaged", "in_progress"),
        ("in_progress", "waiting"),
        ("waiting", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
        ("resolved", "in_progress"),  # reopen
        ("new", "cancelled"),
        ("triaged", "cancelled"),
    ]:
        assert pair in pairs
    assert not lifecycle.TRANSITIONS[Status.CLOSED] and not lifecycle.TRANSITIONS[Status.CANCELLED]
    assert lifecycle.transition_get("in_progress", "resolved").requires_comment  # a resolution summary
    assert len(TRIPLES) == 7 * 6 * 5 and ALLOWED


@pytest.fixture
def actors(requester, coe, manager, other_staff):
    return {"requester": requester, "coe": coe, "manager": manager, "staff": other_staff, "system": None}


def _request_in(make_request, status: str) -> SupportRequest:
    request = make_request()
    now = timezone.now()
    SupportRequest.objects.filter(pk=request.pk).update(
        status=status,
        resolved_at=now - timedelta(hours=1) if status in (Status.RESOLVED, Status.CLOSED) else None,
        waiting_since=now - timedelta(hours=1) if status == Status.WAITING else None,
    )
    request.refresh_from_db()
    return request


@pytest.mark.parametrize(("from_status", "to_status", "actor"), TRIPLES)
def test_every_transition_for_every_role(make_request, actors, from_status, to_status, actor):
    request = _request_in(make_request, from_status)
    spec = lifecycle.transition_get(from_status, to_status)
    user = actors[actor]
    comment = "理由を書きました" if spec and spec.requires_comment else ""
    applied_before = RequestEvent.objects.filter(request=request, action="transition").count()

    if (from_status, to_status, actor) in ALLOWED:
        result = services.support_request_transition(
            request_id=request.pk, actor=user, to_status=to_status, comment=comment, expected_version=request.version
        )
        assert result.status == to_status
        assert result.version == request.version + 1
        event = RequestEvent.objects.filter(request=request, action="transition").latest("id")
        assert (event.from_status, event.to_status, event.outcome) == (from_status, to_status, "applied")
        assert event.actor_id == (user.pk if user else None)
        assert event.comment == comment
    else:
        with pytest.raises(SupportRuleError) as refused:
            services.support_request_transition(
                request_id=request.pk, actor=user, to_status=to_status, comment=comment or "コメント",
                expected_version=request.version,
            )  # fmt: skip
        assert 400 <= refused.value.status < 500
        assert refused.value.message
        request.refresh_from_db()
        assert request.status == from_status
        assert RequestEvent.objects.filter(request=request, action="transition").count() == applied_before


REQUIRING_COMMENT = [(f, t, a) for f, t, a in ALLOWED if lifecycle.transition_get(f, t).requires_comment]


@pytest.mark.parametrize(("from_status", "to_status", "actor"), REQUIRING_COMMENT)
def test_a_required_comment_is_required(make_request, actors, from_status, to_status, actor):
    request = _request_in(make_request, from_status)
    with pytest.raises(SupportRuleError) as refused:
        services.support_request_transition(
            request_id=request.pk, actor=actors[actor], to_status=to_status, comment="  ", expected_version=1
        )
    assert refused.value.status == 400 and refused.value.code == "comment_required"


def test_reopen_only_within_the_window(make_request, requester, settings):
    settings.SUPPORT_REOPEN_DAYS = 14
    request = _request_in(make_request, Status.RESOLVED)
    SupportRequest.objects.filter(pk=request.pk).update(resolved_at=timezone.now() - timedelta(days=15))
    with pytest.raises(SupportRuleError) as refused:
        services.support_request_transition(
            request_id=request.pk, actor=requester, to_status=Status.IN_PROGRESS, comment="まだ", expected_version=1
        )
    assert refused.value.status == 409 and refused.value.code == "reopen_window"
    SupportRequest.objects.filter(pk=request.pk).update(resolved_at=timezone.now() - timedelta(days=13))
    reopened = services.support_request_transition(
        request_id=request.pk, actor=requester, to_status=Status.IN_PROGRESS, comment="まだ", expected_version=1
    )
    assert reopened.status == Status.IN_PROGRESS and reopened.reopen_count == 1 and reopened.resolved_at is None


def test_unknown_status_and_missing_request_are_4xx(make_request, coe):
    request = make_request()
    with pytest.raises(SupportRuleError) as refused:
        services.support_request_transition(request_id=request.pk, actor=coe, to_status="done", expected_version=1)
    assert refused.value.status == 400
    with pytest.raises(SupportRuleError) as missing:
        services.support_request_transition(request_id=999_999, actor=coe, to_status="triaged", expected_version=1)
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("actor", "from_status", "to_status", "expected"),
    [
        ("coe", Status.CLOSED, Status.IN_PROGRESS, 409),  # not in the table
        ("requester", Status.NEW, Status.TRIAGED, 403),  # in the table, not for this role
        ("coe", Status.IN_PROGRESS, Status.RESOLVED, 400),  # no resolution summary
        ("staff", Status.NEW, Status.CANCELLED, 404),  # may not even see the request
    ],
)
def test_the_status_view_answers_a_refusal_with_a_4xx_page(
    client_for, make_request, actors, actor, from_status, to_status, expected
):
    request = _request_in(make_request, from_status)
    response = client_for(actors[actor]).post(
        reverse("support:transition", args=[request.pk]), {"to_status": to_status, "comment": "", "version": 1}
    )
    assert response.status_code == expected
    request.refresh_from_db()
    assert request.status == from_status
    if expected != 404:
        assert 'role="alert"' in response.content.decode()


def test_the_status_view_applies_an_allowed_move(client_for, make_request, coe):
    request = make_request()
    response = client_for(coe).post(
        reverse("support:transition", args=[request.pk]), {"to_status": "triaged", "version": 1}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.TRIAGED
