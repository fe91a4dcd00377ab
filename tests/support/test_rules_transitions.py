"""The transition service's promises beyond the matrix (tests/support/test_lifecycle.py):

- a change made from an outdated version is refused with a clear 409 naming who changed the
  request, nothing of it is saved, and the history holds both attempts — the applied one and the
  refused one, as it was attempted (issue #6; the service's docstring);
- who is told what, exactly: each status change notifies the people it concerns and nobody else
  (PRODUCT.md "Notifications"; issue #6: "waiting on you, resolved, public reply (the other
  side)"), so an extra notification — one caused by an internal note, say — fails a test;
- the COE's first public word, on a status change too, is the first response.
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from apps.accounts.roles import Role
from apps.core.business_days import JAPAN
from apps.notifications.models import Notification
from apps.support import selectors, services
from apps.support.models import Priority, Reply, RequestEvent, Status, SupportRequest
from apps.support.services import SupportConflict
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def move(request_id, actor, to_status, version, comment="", now=None):
    return services.support_request_transition(
        request_id=request_id, actor=actor, to_status=to_status, comment=comment, expected_version=version, now=now
    )


# --- conflicts ------------------------------------------------------------------------------------


def test_a_stale_change_is_refused_and_both_attempts_are_in_the_history(make_request, requester, coe, coe2):
    request = make_request()
    # Both COE members opened the request at version 1; COE 花子 triages it first.
    move(request.pk, coe, Status.TRIAGED, 1)
    with translation.override("en"), pytest.raises(SupportConflict) as conflict:
        move(request.pk, coe2, Status.WAITING, 1, comment="どの窓口ですか")
    refused = conflict.value
    assert (refused.status, refused.code, refused.current_version) == (409, "conflict", 2)
    # The loser is told who changed it and what it is now.
    assert "COE 花子" in refused.message and "Triaged" in refused.message
    # Nothing of the loser's was saved: no status, no version, no reply, no first response, no notification.
    saved = SupportRequest.objects.get(pk=request.pk)
    assert (saved.status, saved.version, saved.first_responded_at) == (Status.TRIAGED, 2, None)
    assert not Reply.objects.filter(request=request).exists()
    assert not Notification.objects.filter(recipient=requester).exists()
    # The history holds both attempts, each as it was made.
    attempts = list(
        RequestEvent.objects.filter(request=request, action="transition")
        .order_by("id")
        .values_list("actor_id", "from_status", "to_status", "outcome", "comment", "data")
    )
    assert attempts == [
        (coe.pk, Status.NEW, Status.TRIAGED, "applied", "", {"version": 2}),
        (
            coe2.pk,
            Status.NEW,  # what COE 次郎 was looking at
            Status.WAITING,
            "conflict",
            "どの窓口ですか",
            {"expected_version": 1, "current_version": 2, "current_status": Status.TRIAGED},
        ),
    ]
    # The COE sees the refused attempt in the history; the requester's side sees what happened only.
    assert [e.outcome for e in selectors.events_for(saved, coe)] == ["applied", "applied", "conflict"]
    assert [e.outcome for e in selectors.events_for(saved, requester)] == ["applied", "applied"]


def test_the_refused_attempt_records_the_status_the_loser_saw(make_request, coe, coe2):
    request = make_request()
    move(request.pk, coe, Status.TRIAGED, 1)  # version 2
    services.support_requests_assign(request_ids=[request.pk], actor=coe, assignee=coe)  # version 3, same status
    move(request.pk, coe, Status.IN_PROGRESS, 3)  # version 4
    # Meanwhile another request lives its own life; its history is not this one's.
    other = make_request()
    move(other.pk, coe, Status.RESOLVED, 1, comment="別件は解決")
    seen = [(1, Status.NEW), (2, Status.TRIAGED), (3, Status.TRIAGED), (2, Status.TRIAGED)]
    for seen_version, seen_status in seen:  # the last one: again, after refused attempts are in the history
        with pytest.raises(SupportConflict):
            move(request.pk, coe2, Status.RESOLVED, seen_version, comment="解決済みです")
        refused = RequestEvent.objects.filter(request=request, outcome="conflict").latest("id")
        assert (refused.actor_id, refused.from_status, refused.to_status) == (coe2.pk, seen_status, Status.RESOLVED)
        assert refused.data == {
            "expected_version": seen_version,
            "current_version": 4,
            "current_status": Status.IN_PROGRESS,
        }
    assert SupportRequest.objects.get(pk=request.pk).status == Status.IN_PROGRESS
    assert RequestEvent.objects.filter(request=request, outcome="conflict").count() == len(seen)


def test_a_version_no_one_ever_saw_is_a_conflict_from_the_current_status(make_request, coe, coe2):
    # The status form accepts version 0 (a tampered or broken page): a 409 recorded from what
    # the request is now, not a 500.
    request = make_request()
    move(request.pk, coe, Status.TRIAGED, 1)
    with pytest.raises(SupportConflict) as conflict:
        move(request.pk, coe2, Status.IN_PROGRESS, 0)
    assert conflict.value.status == 409
    refused = RequestEvent.objects.get(request=request, outcome="conflict")
    assert (refused.from_status, refused.to_status, refused.data["expected_version"]) == (
        Status.TRIAGED,
        Status.IN_PROGRESS,
        0,
    )


def test_the_loser_is_told_who_changed_it_last(make_request, coe, coe2):
    third = UserFactory(username="coe3", display_name="COE 三郎", roles=[Role.COE])
    request = make_request()
    move(request.pk, coe, Status.TRIAGED, 1)
    move(request.pk, third, Status.IN_PROGRESS, 2)
    with translation.override("en"), pytest.raises(SupportConflict) as conflict:
        move(request.pk, coe2, Status.RESOLVED, 1, comment="済")
    assert "COE 三郎" in conflict.value.message and "COE 花子" not in conflict.value.message
    assert "In progress" in conflict.value.message
    # COE 次郎's refused attempt changed nothing, nor did COE 花子's work on another request
    # since: the next person still hears of COE 三郎, in Japanese by default.
    other = make_request()
    move(other.pk, coe, Status.TRIAGED, 1)
    with translation.override("ja"), pytest.raises(SupportConflict) as conflict:
        move(request.pk, coe, Status.WAITING, 2, comment="確認させてください")
    assert conflict.value.message == (
        "表示している間に COE 三郎 がこの依頼を変更したため、現在の状態は「対応中」です。"
        "あなたの操作は保存されていません。依頼の内容を確認して、もう一度操作してください。"
    )


def test_a_change_by_the_scheduler_is_someones(make_request, requester, coe, coe2, settings):
    settings.SUPPORT_REOPEN_DAYS = 14
    request = make_request()
    move(request.pk, coe, Status.RESOLVED, 1, comment="済", now=timezone.now() - timedelta(days=20))
    assert services.support_requests_close_resolved() == 1  # version 3, by nobody in particular
    with translation.override("en"), pytest.raises(SupportConflict) as conflict:
        move(request.pk, requester, Status.IN_PROGRESS, 2, comment="まだです")
    assert conflict.value.message.startswith("someone changed this request") and "Closed" in conflict.value.message
    with translation.override("ja"), pytest.raises(SupportConflict) as conflict:
        move(request.pk, requester, Status.IN_PROGRESS, 2, comment="まだです")
    assert conflict.value.message.startswith(
        "表示している間に 他の職員 がこの依頼を変更したため、現在の状態は「完了」です。"
    )


def test_a_stale_triage_is_a_conflict_recorded_with_what_was_asked(make_request, coe, coe2):
    request = make_request()
    move(request.pk, coe, Status.IN_PROGRESS, 1)
    with pytest.raises(SupportConflict):
        services.support_request_triage(
            request_id=request.pk, actor=coe2, assignee=coe2, priority=Priority.URGENT, expected_version=1
        )
    refused = RequestEvent.objects.get(request=request, outcome="conflict")
    # A triage changes no status and says nothing: the attempt has neither.
    assert (refused.actor_id, refused.action, refused.from_status, refused.to_status, refused.comment) == (
        coe2.pk,
        "assigned",
        Status.NEW,
        "",
        "",
    )
    assert refused.data == {
        "expected_version": 1,
        "current_version": 2,
        "current_status": Status.IN_PROGRESS,
        "assignee_id": coe2.pk,
        "assignee": "COE 次郎",
        "priority": Priority.URGENT,
    }
    saved = SupportRequest.objects.get(pk=request.pk)
    assert (saved.assignee_id, saved.priority, saved.version) == (None, Priority.NORMAL, 2)


def test_a_current_version_goes_through(make_request, coe):
    request = make_request()
    moved = move(request.pk, coe, Status.TRIAGED, 1)
    assert (moved.status, moved.version) == (Status.TRIAGED, 2)
    assert not RequestEvent.objects.filter(request=request, outcome="conflict").exists()


# --- who is told what -------------------------------------------------------------------------------


def told(*users) -> dict[str, list[str]]:
    """Each person's notifications in order (kinds), keyed by username."""
    return {
        u.username: list(Notification.objects.filter(recipient=u).order_by("id").values_list("kind", flat=True))
        for u in users
    }


def by_whom(user) -> list[tuple[str, str | None]]:
    rows = Notification.objects.filter(recipient=user).order_by("id").values_list("kind", "actor__username")
    return list(rows)


def test_a_whole_life_tells_each_person_exactly_what_concerns_them(make_request, requester, coe, coe2, manager):
    everyone = (requester, coe, coe2, manager)
    request = make_request()
    assert told(*everyone) == {
        "requester": [],
        "coe1": ["support_new"],  # the COE's queue
        "coe2": ["support_new"],
        "manager": [],
    }
    services.support_request_triage(
        request_id=request.pk, actor=coe, assignee=coe2, priority=Priority.HIGH, expected_version=1
    )  # assigned (to COE 次郎) and triaged: only the assignee hears of it
    # An internal note: the assignee only, never the requester's side.
    services.support_reply_add(request_id=request.pk, author=coe, body="過去の類似案件あり", internal=True)
    move(request.pk, coe2, Status.IN_PROGRESS, 2)  # starting work tells nobody
    move(request.pk, coe2, Status.WAITING, 3, comment="対象の様式を送ってください")  # waiting on you
    services.support_reply_add(request_id=request.pk, author=requester, body="送りました")  # answer: back to work
    move(request.pk, coe2, Status.RESOLVED, 5, comment="様式を直しました")
    move(request.pk, requester, Status.IN_PROGRESS, 6, comment="一か所まだ違います")  # reopened
    move(request.pk, coe2, Status.RESOLVED, 7, comment="直しました")
    move(request.pk, requester, Status.CLOSED, 8)  # closing tells nobody
    assert told(*everyone) == {
        "requester": ["support_waiting", "support_resolved", "support_resolved"],
        "coe1": ["support_new"],
        "coe2": ["support_new", "support_assigned", "support_internal_note", "support_reply", "support_reopened"],
        "manager": [],  # sees the request, is told nothing
    }
    # Each notification says who made the change.
    assert by_whom(requester) == [
        ("support_waiting", "coe2"),
        ("support_resolved", "coe2"),
        ("support_resolved", "coe2"),
    ]
    assert by_whom(coe2)[-2:] == [("support_reply", "requester"), ("support_reopened", "requester")]
    assert SupportRequest.objects.get(pk=request.pk).status == Status.CLOSED


def test_a_reopened_request_without_an_assignee_tells_the_whole_coe(make_request, requester, coe, coe2):
    request = make_request()
    move(request.pk, coe, Status.RESOLVED, 1, comment="こちらをご覧ください")
    Notification.objects.all().delete()
    move(request.pk, requester, Status.IN_PROGRESS, 2, comment="見ても分かりません")
    assert told(requester, coe, coe2) == {
        "requester": [],
        "coe1": ["support_reopened"],
        "coe2": ["support_reopened"],
    }
    assert by_whom(coe) == [("support_reopened", "requester")]


def test_a_coe_member_reopening_an_unassigned_request_tells_the_others_not_themselves(
    make_request, requester, coe, coe2
):
    request = make_request()
    move(request.pk, coe, Status.RESOLVED, 1, comment="こちらをご覧ください")
    Notification.objects.all().delete()
    move(request.pk, coe, Status.IN_PROGRESS, 2, comment="見直しが必要でした")
    assert told(requester, coe, coe2) == {"requester": [], "coe1": [], "coe2": ["support_reopened"]}


def test_the_requesters_answer_by_status_change_tells_the_assignee(make_request, requester, coe, coe2):
    request = make_request()
    services.support_request_triage(request_id=request.pk, actor=coe, assignee=coe2, priority=2, expected_version=1)
    move(request.pk, coe2, Status.WAITING, 2, comment="いつまでに必要ですか")
    Notification.objects.all().delete()
    # The requester uses "Resume work" with their answer instead of the reply box.
    move(request.pk, requester, Status.IN_PROGRESS, 3, comment="来月末までです")
    assert told(requester, coe, coe2) == {"requester": [], "coe1": [], "coe2": ["support_reply"]}


def test_the_coe_resuming_work_itself_tells_nobody(make_request, requester, coe, coe2):
    request = make_request()
    services.support_request_triage(request_id=request.pk, actor=coe, assignee=coe2, priority=2, expected_version=1)
    move(request.pk, coe2, Status.WAITING, 2, comment="いつまでに必要ですか")
    Notification.objects.all().delete()
    move(request.pk, coe, Status.IN_PROGRESS, 3, comment="電話で確認できました")
    assert told(requester, coe, coe2) == {"requester": [], "coe1": [], "coe2": []}


def test_a_coe_member_who_asked_is_the_requester_on_their_own_request(make_request, coe, coe2):
    # COE 次郎 asks the COE for help; COE 花子 handles it. When 次郎 answers her question,
    # she is told, as any requester's answer would tell her.
    request = make_request(requester=coe2, department=UserFactory().department)
    services.support_request_triage(request_id=request.pk, actor=coe, assignee=coe, priority=2, expected_version=1)
    move(request.pk, coe, Status.WAITING, 2, comment="対象はどの部署ですか")
    Notification.objects.all().delete()
    move(request.pk, coe2, Status.IN_PROGRESS, 3, comment="全部署です")
    assert told(coe, coe2) == {"coe1": ["support_reply"], "coe2": []}


@pytest.mark.parametrize("assigned", [True, False])
def test_a_cancellation_tells_the_assignee_if_there_is_one(make_request, requester, coe, coe2, assigned):
    request = make_request()
    version = 1
    if assigned:
        services.support_request_triage(request_id=request.pk, actor=coe, assignee=coe2, priority=2, expected_version=1)
        version = 2
    Notification.objects.all().delete()
    move(request.pk, requester, Status.CANCELLED, version)
    assert told(requester, coe, coe2) == {
        "requester": [],
        "coe1": [],
        "coe2": ["support_cancelled"] if assigned else [],
    }
    if assigned:
        assert by_whom(coe2) == [("support_cancelled", "requester")]


def test_a_notification_names_the_request_and_links_to_it(make_request, requester, coe):
    request = make_request(title="電子申請の導入")
    move(request.pk, coe, Status.WAITING, 1, comment="内部の事情ではなく公開の質問です")
    notification = Notification.objects.get(recipient=requester)
    assert (notification.kind, notification.params, notification.url) == (
        "support_waiting",
        {"title": "電子申請の導入"},
        f"/support/requests/{request.pk}/",
    )
    assert notification.actor_id == coe.pk


# --- the first response ------------------------------------------------------------------------------


def test_the_coes_first_comment_on_a_status_change_is_the_first_response(make_request, coe):
    request = make_request(now=jst(2026, 5, 11, 9))
    move(request.pk, coe, Status.TRIAGED, 1, now=jst(2026, 5, 11, 10))  # no comment: no response yet
    assert SupportRequest.objects.get(pk=request.pk).first_responded_at is None
    started = move(request.pk, coe, Status.IN_PROGRESS, 2, comment="担当します", now=jst(2026, 5, 11, 11))
    assert (started.first_responded_at, started.updated_at) == (jst(2026, 5, 11, 11), jst(2026, 5, 11, 11))
    # Once answered, the resolution target is what is due, and later comments do not move the first response.
    assert started.due_at == started.resolution_due_at
    asked = move(request.pk, coe, Status.WAITING, 3, comment="資料をください", now=jst(2026, 5, 12, 9))
    assert asked.first_responded_at == jst(2026, 5, 11, 11)


def test_the_requesters_own_comment_is_no_response(make_request, requester):
    request = make_request()
    cancelled = move(request.pk, requester, Status.CANCELLED, 1, comment="自分で解決しました")
    assert cancelled.first_responded_at is None
    assert cancelled.due_at == cancelled.first_response_due_at


def test_a_coe_member_commenting_on_their_own_request_gives_no_response(make_request, coe):
    request = make_request(requester=coe, department=UserFactory().department)
    cancelled = move(request.pk, coe, Status.CANCELLED, 1, comment="取り下げます")
    assert cancelled.first_responded_at is None
