"""The support request lifecycle against the product's promise, written out by hand.

PRODUCT.md §4: "status with allowed transitions (new → triaged → in progress ⇄ waiting on
requester → resolved → closed; reopen)"; issue #6: reopen from resolved within N days,
cancelled by the requester before work starts, some moves need a comment (resolving needs a
resolution summary); the lifecycle docstring: "resolved → in progress (reopen, within
SUPPORT_REOPEN_DAYS), new/triaged → cancelled".

The expectation below is NOT read from `lifecycle.TRANSITIONS`: a role added to the table by
mistake must fail here. What is compared is what the service actually does when each person
asks for each move (and which moves the request page offers them), not the table.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.roles import Role
from apps.core.exceptions import RuleError
from apps.support import selectors, services
from apps.support.models import Reply, RequestEvent, Status, SupportRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW, TRIAGED, IN_PROGRESS, WAITING = Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING
RESOLVED, CLOSED, CANCELLED = Status.RESOLVED, Status.CLOSED, Status.CANCELLED
STATUSES = (NEW, TRIAGED, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED)

# The people around one request (see the `people` fixture):
REQUESTER = "requester"  # asked for help (a member of staff of 市民課)
COE = "coe"  # a COE member
SECTION_MANAGER = "section_manager"  # manager of the requester's own section (市民課長)
BUREAU_MANAGER = "bureau_manager"  # manager of the bureau above it (市民局長)
COLLEAGUE = "colleague"  # staff of the same section, not a manager
STAFF = "staff"  # staff of another department
ADMIN = "admin"  # an administrator with no other role: staff rights for requests
SCHEDULER = "scheduler"  # the scheduled job (actor None)
PEOPLE = (REQUESTER, COE, SECTION_MANAGER, BUREAU_MANAGER, COLLEAGUE, STAFF, ADMIN, SCHEDULER)

# Who may make each move. Every (from, to) pair not listed here is no move at all.
# Managers see their departments' requests but do not work them (PRODUCT.md: a manager has
# staff's rights plus the reports), so no manager appears below; nor does the administrator
# (staff rights for requests), the colleague or other staff.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # The main path. The COE triages its queue and does the work (PRODUCT.md: "COE members
    # triage a queue: assign, priority, status with allowed transitions").
    (NEW, TRIAGED): frozenset({COE}),
    (TRIAGED, IN_PROGRESS): frozenset({COE}),
    (IN_PROGRESS, WAITING): frozenset({COE}),  # the COE asks the requester a question
    # ⇄: the requester's answer takes the request back to work (the COE may resume it too).
    (WAITING, IN_PROGRESS): frozenset({COE, REQUESTER}),
    (IN_PROGRESS, RESOLVED): frozenset({COE}),
    (WAITING, RESOLVED): frozenset({COE}),
    # Closing a resolved request: the requester (satisfied), the COE, or the scheduler once
    # the reopen window has passed.
    (RESOLVED, CLOSED): frozenset({COE, REQUESTER, SCHEDULER}),
    # Reopen (issue #6: "the requester can reopen"), within SUPPORT_REOPEN_DAYS.
    (RESOLVED, IN_PROGRESS): frozenset({COE, REQUESTER}),
    # Cancelled by the requester before work starts (issue #6), never by the COE.
    (NEW, CANCELLED): frozenset({REQUESTER}),
    (TRIAGED, CANCELLED): frozenset({REQUESTER}),
    # The COE may skip forward on its own path: start, ask or answer straight from the queue
    # (a question answered at once is resolved from "new"). Never backwards, never for others.
    (NEW, IN_PROGRESS): frozenset({COE}),
    (NEW, WAITING): frozenset({COE}),
    (NEW, RESOLVED): frozenset({COE}),
    (TRIAGED, WAITING): frozenset({COE}),
    (TRIAGED, RESOLVED): frozenset({COE}),
}
# Closed and cancelled are final: nothing leaves them (a new request is the way back).

# Moves that need a comment, and why (the requester reads each of them).
COMMENT_REQUIRED = {
    # Issue #6: "resolved needs a resolution summary" — what the requester is told.
    (NEW, RESOLVED), (TRIAGED, RESOLVED), (IN_PROGRESS, RESOLVED), (WAITING, RESOLVED),
    # Waiting on the requester: the question they are waiting to answer.
    (NEW, WAITING), (TRIAGED, WAITING), (IN_PROGRESS, WAITING),
    # Back from waiting: the requester's answer (or why the COE resumes without one).
    (WAITING, IN_PROGRESS),
    # Reopen: what is still missing.
    (RESOLVED, IN_PROGRESS),
}  # fmt: skip


def expected_outcome(from_status: str, to_status: str, person: str) -> str:
    allowed = EXPECTED.get((from_status, to_status))
    if allowed is None:
        return "409 not_allowed"  # no such move for anybody
    return "applied" if person in allowed else "403 forbidden"


def test_the_hand_written_matrix_is_the_products_shape():
    # Guards the expectation itself against a slip while editing it.
    assert not any(f in (CLOSED, CANCELLED) for f, _ in EXPECTED)
    assert all(allowed <= {REQUESTER, COE, SCHEDULER} for allowed in EXPECTED.values())
    assert set(EXPECTED) >= COMMENT_REQUIRED
    assert [pair for pair, allowed in EXPECTED.items() if SCHEDULER in allowed] == [(RESOLVED, CLOSED)]


@pytest.fixture
def people(bureau, section, requester, coe, manager):
    return {
        REQUESTER: requester,
        COE: coe,
        SECTION_MANAGER: UserFactory(username="kacho", department=section, roles=[Role.MANAGER]),
        BUREAU_MANAGER: manager,
        COLLEAGUE: UserFactory(username="colleague", department=section),
        STAFF: UserFactory(username="elsewhere"),
        ADMIN: UserFactory(username="admin", department=section, roles=[Role.ADMIN]),
        SCHEDULER: None,
    }


def _request_in(make_request, status: str) -> SupportRequest:
    """A request put into `status` (resolved an hour ago, so a reopen is within the window)."""
    request = make_request()
    now = timezone.now()
    SupportRequest.objects.filter(pk=request.pk).update(
        status=status,
        resolved_at=now - timedelta(hours=1) if status in (RESOLVED, CLOSED) else None,
        waiting_since=now - timedelta(hours=1) if status == WAITING else None,
    )
    request.refresh_from_db()
    return request


def _state(request_id: int) -> tuple:
    request = SupportRequest.objects.get(pk=request_id)
    events = RequestEvent.objects.filter(request_id=request_id).count()
    return (
        request.status,
        request.version,
        request.resolved_at,
        events,
        Reply.objects.filter(request_id=request_id).count(),
    )


def _attempt(request: SupportRequest, user, to_status: str, comment: str) -> str:
    """Ask the service for the move; "applied" (checked in full) or "<http status> <code>"."""
    before = _state(request.pk)
    try:
        result = services.support_request_transition(
            request_id=request.pk, actor=user, to_status=to_status, comment=comment, expected_version=request.version
        )
    except RuleError as refused:
        assert refused.message, "a refusal says why"
        assert _state(request.pk) == before, "a refused move changes nothing and records nothing"
        return f"{refused.status} {refused.code}"
    saved = SupportRequest.objects.get(pk=request.pk)
    assert (result.status, saved.status, saved.version) == (to_status, to_status, request.version + 1)
    event = RequestEvent.objects.filter(request=request, action="transition").get()
    assert (event.from_status, event.to_status, event.outcome) == (request.status, to_status, "applied")
    assert (event.actor_id, event.comment, event.data["version"]) == (
        user.pk if user else None,
        comment.strip(),
        request.version + 1,
    )
    return "applied"


@pytest.mark.parametrize("from_status", STATUSES)
def test_who_may_make_which_move(make_request, people, from_status):
    """Every person × every target status, from one status: the service's answers as a
    matrix, compared whole with the hand-written one."""
    observed, expected = {}, {}
    refused_on = _request_in(make_request, from_status)  # refusals change nothing: one request for them
    for to_status in STATUSES:
        for person in PEOPLE:
            want = expected_outcome(from_status, to_status, person)
            request = _request_in(make_request, from_status) if want == "applied" else refused_on
            observed[(to_status, person)] = _attempt(request, people[person], to_status, "確認しました。理由を書きます")
            expected[(to_status, person)] = want
    assert observed == expected


@pytest.mark.parametrize(("from_status", "to_status"), sorted(EXPECTED))
def test_a_comment_is_required_where_the_requester_must_be_told(make_request, people, from_status, to_status):
    person = next(p for p in (COE, REQUESTER, SCHEDULER) if p in EXPECTED[(from_status, to_status)])
    request = _request_in(make_request, from_status)
    outcome = _attempt(request, people[person], to_status, "   ")
    if (from_status, to_status) in COMMENT_REQUIRED:
        assert outcome == "400 comment_required"
    else:
        assert outcome == "applied"


@pytest.mark.parametrize("status", STATUSES)
def test_the_request_page_offers_exactly_the_allowed_moves(make_request, people, status):
    request = _request_in(make_request, status)
    offered = {
        person: sorted(to for to, _spec in selectors.transitions_for(request, people[person]))
        for person in PEOPLE
        if person != SCHEDULER
    }
    expected = {
        person: sorted(to for (f, to), allowed in EXPECTED.items() if f == status and person in allowed)
        for person in PEOPLE
        if person != SCHEDULER
    }
    assert offered == expected


def test_a_resolution_tells_the_requester_and_is_kept(make_request, people):
    request = _request_in(make_request, IN_PROGRESS)
    now = timezone.now()
    resolved = services.support_request_transition(
        request_id=request.pk, actor=people[COE], to_status=RESOLVED, comment="Forms で受付を作りました",
        expected_version=request.version, now=now,
    )  # fmt: skip
    assert (resolved.resolved_at, resolved.resolution_summary) == (now, "Forms で受付を作りました")
    # The comment of a move is public: the requester reads it in the conversation.
    assert list(resolved.replies.values_list("author_id", "body", "status_change", "internal", "created_at")) == [
        (people[COE].pk, "Forms で受付を作りました", RESOLVED, False, now)
    ]
    assert RequestEvent.objects.filter(request=request, action="transition").get().created_at == now


def test_waiting_since_is_set_and_cleared(make_request, people):
    request = _request_in(make_request, IN_PROGRESS)
    asked = timezone.now()
    waiting = services.support_request_transition(
        request_id=request.pk, actor=people[COE], to_status=WAITING, comment="画面を見せてください",
        expected_version=request.version, now=asked,
    )  # fmt: skip
    assert waiting.waiting_since == asked
    resumed = services.support_request_transition(
        request_id=request.pk, actor=people[REQUESTER], to_status=IN_PROGRESS, comment="添付しました",
        expected_version=waiting.version, now=asked + timedelta(hours=2),
    )  # fmt: skip
    assert resumed.waiting_since is None


@pytest.mark.parametrize(("to_status", "person"), [(CLOSED, SCHEDULER), (CANCELLED, REQUESTER)])
def test_closing_and_cancelling_record_when(make_request, people, to_status, person):
    request = _request_in(make_request, RESOLVED if to_status == CLOSED else TRIAGED)
    now = timezone.now()
    done = services.support_request_transition(
        request_id=request.pk, actor=people[person], to_status=to_status, expected_version=request.version, now=now
    )
    assert done.closed_at == now


# --- reopen: within SUPPORT_REOPEN_DAYS of the resolution, to the day -----------------------------


def _resolved_at(make_request, when) -> SupportRequest:
    request = _request_in(make_request, RESOLVED)
    SupportRequest.objects.filter(pk=request.pk).update(resolved_at=when)
    request.refresh_from_db()
    return request


def test_reopen_on_the_last_moment_of_the_window_and_not_a_second_later(make_request, people, settings):
    settings.SUPPORT_REOPEN_DAYS = 14
    resolved_at = timezone.now() - timedelta(days=30)
    last_moment = resolved_at + timedelta(days=14)
    late = _resolved_at(make_request, resolved_at)
    with pytest.raises(RuleError) as refused:
        services.support_request_transition(
            request_id=late.pk, actor=people[REQUESTER], to_status=IN_PROGRESS, comment="まだ動きません",
            expected_version=late.version, now=last_moment + timedelta(seconds=1),
        )  # fmt: skip
    assert (refused.value.status, refused.value.code) == (409, "reopen_window")
    assert "14" in refused.value.message  # the person is told how long the window is
    assert SupportRequest.objects.get(pk=late.pk).status == RESOLVED

    in_time = _resolved_at(make_request, resolved_at)
    reopened = services.support_request_transition(
        request_id=in_time.pk, actor=people[REQUESTER], to_status=IN_PROGRESS, comment="まだ動きません",
        expected_version=in_time.version, now=last_moment,
    )  # fmt: skip
    assert (reopened.status, reopened.reopen_count, reopened.resolved_at) == (IN_PROGRESS, 1, None)


def test_the_window_follows_the_setting(make_request, people, settings):
    settings.SUPPORT_REOPEN_DAYS = 3
    resolved_at = timezone.now() - timedelta(days=10)
    request = _resolved_at(make_request, resolved_at)
    with pytest.raises(RuleError) as refused:
        services.support_request_transition(
            request_id=request.pk, actor=people[COE], to_status=IN_PROGRESS, comment="再調査",
            expected_version=request.version, now=resolved_at + timedelta(days=3, seconds=1),
        )  # fmt: skip
    assert refused.value.code == "reopen_window" and "3" in refused.value.message


def test_a_second_reopen_counts_twice(make_request, people):
    request = _resolved_at(make_request, timezone.now() - timedelta(hours=1))
    requester, coe = people[REQUESTER], people[COE]
    request = services.support_request_transition(
        request_id=request.pk, actor=requester, to_status=IN_PROGRESS, comment="まだ", expected_version=request.version
    )
    request = services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=RESOLVED, comment="直しました", expected_version=request.version
    )
    request = services.support_request_transition(
        request_id=request.pk,
        actor=requester,
        to_status=IN_PROGRESS,
        comment="まだです",
        expected_version=request.version,
    )
    assert request.reopen_count == 2


def test_a_resolved_request_without_a_resolution_time_cannot_be_reopened(make_request, people):
    # Only a request the service resolved has a window; one without a resolution time has none.
    request = _request_in(make_request, RESOLVED)
    SupportRequest.objects.filter(pk=request.pk).update(resolved_at=None)
    with pytest.raises(RuleError) as refused:
        services.support_request_transition(
            request_id=request.pk, actor=people[REQUESTER], to_status=IN_PROGRESS, comment="まだ", expected_version=1
        )
    assert refused.value.code == "reopen_window"


# --- odd input is a 4xx, never a 500 ---------------------------------------------------------------


def test_refusals_say_why_in_japanese(make_request, people, settings):
    # PRODUCT.md: "Bad input gets a clear message in the user's language" (Japanese first).
    settings.SUPPORT_REOPEN_DAYS = 14
    cases = [
        (CLOSED, COE, IN_PROGRESS, "x", "「完了」の依頼を「対応中」にすることはできません。"),
        (NEW, REQUESTER, TRIAGED, "", "この依頼に対して、この操作（「振り分け済みにする」）を行う権限がありません。"),
        (
            IN_PROGRESS,
            COE,
            RESOLVED,
            " ",
            "「解決済みにする」にはコメントが必要です：対応結果の要約（依頼者に表示されます）",
        ),
        (NEW, COE, "done", "", "状態が不明です。"),
    ]
    with translation.override("ja"):
        for from_status, person, to_status, comment, message in cases:
            request = _request_in(make_request, from_status)
            with pytest.raises(RuleError) as refused:
                services.support_request_transition(
                    request_id=request.pk, actor=people[person], to_status=to_status, comment=comment,
                    expected_version=request.version,
                )  # fmt: skip
            assert refused.value.message == message
        late = _request_in(make_request, RESOLVED)
        SupportRequest.objects.filter(pk=late.pk).update(resolved_at=timezone.now() - timedelta(days=15))
        with pytest.raises(RuleError) as refused:
            services.support_request_transition(
                request_id=late.pk, actor=people[REQUESTER], to_status=IN_PROGRESS, comment="まだ", expected_version=1
            )
        assert refused.value.message == "依頼を再開できるのは、解決から 14 日以内です。新しい依頼を送信してください。"


def test_unknown_status_and_missing_request_are_4xx(make_request, coe):
    request = make_request()
    with pytest.raises(RuleError) as refused:
        services.support_request_transition(request_id=request.pk, actor=coe, to_status="done", expected_version=1)
    assert (refused.value.status, refused.value.code) == (400, "bad_status")
    with pytest.raises(RuleError) as missing:
        services.support_request_transition(request_id=999_999, actor=coe, to_status="triaged", expected_version=1)
    assert missing.value.status == 404


def test_a_status_the_lifecycle_does_not_know_offers_no_move_and_refuses_with_a_4xx(make_request, people):
    # A row left in a status that is no longer part of the lifecycle (e.g. data from before a
    # change of the statuses): nothing is offered, every change is a clear refusal, never a 500.
    request = make_request()
    SupportRequest.objects.filter(pk=request.pk).update(status="archived")
    request.refresh_from_db()
    assert selectors.transitions_for(request, people[COE]) == []
    assert selectors.transitions_for(request, people[REQUESTER]) == []
    for to_status in (CLOSED, IN_PROGRESS):
        assert _attempt(request, people[COE], to_status, "整理します") == "409 not_allowed"


@pytest.mark.parametrize(
    ("person", "from_status", "to_status", "expected"),
    [
        (COE, CLOSED, IN_PROGRESS, 409),  # no such move
        (REQUESTER, NEW, TRIAGED, 403),  # a move, not the requester's
        (SECTION_MANAGER, NEW, CANCELLED, 403),  # the manager sees the request but may not cancel it
        (COE, IN_PROGRESS, RESOLVED, 400),  # no resolution summary
        (STAFF, NEW, CANCELLED, 404),  # may not even see the request
        (COLLEAGUE, NEW, CANCELLED, 404),  # same section, not a manager: may not see it either
        (ADMIN, NEW, TRIAGED, 404),  # an administrator has staff rights only
    ],
)
def test_the_status_view_answers_a_refusal_with_a_4xx_page(
    client_for, make_request, people, person, from_status, to_status, expected
):
    request = _request_in(make_request, from_status)
    response = client_for(people[person]).post(
        reverse("support:transition", args=[request.pk]), {"to_status": to_status, "comment": "", "version": 1}
    )
    assert response.status_code == expected
    request.refresh_from_db()
    assert (request.status, request.version) == (from_status, 1)
    if expected != 404:
        assert 'role="alert"' in response.content.decode()


def test_the_status_view_applies_an_allowed_move(client_for, make_request, coe):
    request = make_request()
    response = client_for(coe).post(
        reverse("support:transition", args=[request.pk]), {"to_status": "triaged", "version": 1}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.version) == (Status.TRIAGED, 2)
