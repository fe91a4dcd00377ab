from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from apps.accounts.roles import Role
from apps.core.business_days import JAPAN
from apps.core.exceptions import RuleError
from apps.notifications.models import Notification
from apps.support import selectors, services
from apps.support.models import (
    Attachment,
    Deflection,
    Kind,
    MemberProfile,
    MemberSkill,
    Priority,
    Reply,
    RequestEvent,
    Status,
    SupportRequest,
)
from tests.factories import UserFactory
from tests.support.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def end_of(y, m, d) -> datetime:
    return jst(y, m, d, 23, 59, 59)


def _kinds(user) -> list[str]:
    """The user's notifications, oldest first."""
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


def test_create_sets_targets_records_and_tells_the_coe(make_request, requester, coe, section):
    asked = jst(2026, 4, 28, 10)  # Tue before Golden Week
    request = make_request(priority=Priority.NORMAL, now=asked)
    assert request.status == Status.NEW and request.department == section and request.version == 1
    # Normal: first response in 3 office days (30 Apr, 1 May, 7 May), resolution in 10.
    assert request.first_response_due_at == end_of(2026, 5, 7)
    assert request.resolution_due_at == end_of(2026, 5, 18)  # 30 Apr, 1, 7, 8, 11, 12, 13, 14, 15, 18 May
    assert request.due_at == request.first_response_due_at
    event = request.events.get()
    assert (event.action, event.to_status, event.actor_id) == ("created", "new", requester.pk)
    assert _kinds(coe) == ["support_new"]
    assert _kinds(requester) == []


def test_create_refuses_bad_input_with_4xx(requester):
    with pytest.raises(RuleError) as error:
        services.support_request_create(requester=requester, kind="magic", title="x", description="y")
    assert error.value.status == 400
    with pytest.raises(RuleError):
        services.support_request_create(requester=requester, kind=Kind.OTHER, title=" ", description="y")
    homeless = UserFactory(department=None)
    with pytest.raises(RuleError) as error:
        services.support_request_create(requester=homeless, kind=Kind.OTHER, title="t", description="d")
    assert error.value.code == "no_department"


def test_attachments_are_checked_by_content_and_counted(make_request):
    good = SimpleUploadedFile("memo.txt", "議事メモ".encode())
    request = make_request(attachments=[good])
    assert [(a.name, a.kind, a.internal) for a in request.attachments.all()] == [("memo.txt", "txt", False)]
    fake_pdf = SimpleUploadedFile("report.pdf", b"not a pdf at all")
    with pytest.raises(RuleError) as error:
        make_request(attachments=[fake_pdf])
    assert error.value.status == 400
    too_many = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(6)]
    with pytest.raises(RuleError) as error:
        make_request(attachments=too_many)
    assert error.value.code == "too_many_files"


def test_waiting_stops_the_clock_and_answering_resumes_it(make_request, requester, coe):
    request = make_request(priority=Priority.NORMAL, now=jst(2026, 4, 27, 9))  # Mon
    assert request.resolution_due_at == end_of(2026, 5, 15)  # 10 office days (see the next test)
    services.support_request_triage(
        request_id=request.pk, actor=coe, assignee=coe, priority=Priority.NORMAL, expected_version=1,
        now=jst(2026, 4, 27, 11),
    )  # fmt: skip
    request = services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.WAITING, comment="対象の申請書を見せてください",
        expected_version=2, now=jst(2026, 4, 30, 12),
    )  # fmt: skip
    assert request.first_responded_at == jst(2026, 4, 30, 12)  # the question is the first response
    assert _kinds(requester) == ["support_waiting"]
    # The requester answers on Fri 8 May 12:00: 3.0 office days of waiting (as in test_business_days).
    services.support_reply_add(request_id=request.pk, author=requester, body="添付します", now=jst(2026, 5, 8, 12))
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS and request.waiting_since is None
    assert request.resolution_due_at == end_of(2026, 5, 20)  # 15 May + 3 office days (18, 19, 20)
    assert request.due_at == request.resolution_due_at
    # The assignee (who triaged it to themselves, so was not told of that) hears of the answer.
    assert _kinds(coe) == ["support_new", "support_reply"]
    # The answer is one reply, not two; the history says who resumed the work.
    assert Reply.objects.filter(request=request, author=requester).count() == 1
    resumed = RequestEvent.objects.filter(request=request, action="transition").latest("id")
    assert (resumed.from_status, resumed.to_status, resumed.actor_id) == ("waiting", "in_progress", requester.pk)


def test_due_dates_hand_checked_for_the_waiting_test():
    # 10 office days after Mon 27 Apr 2026: 28 Apr, 30 Apr, 1 May, 7, 8, 11, 12, 13, 14, 15 May.
    from apps.core.business_days import add_business_days

    assert add_business_days(jst(2026, 4, 27, 9), 10) == end_of(2026, 5, 15)


def test_resolution_time_is_paused_while_resolved_until_reopened(make_request, requester, coe):
    request = make_request(priority=Priority.HIGH, now=jst(2026, 4, 27, 9))  # resolution in 5: 8 May
    assert request.resolution_due_at == end_of(2026, 5, 8)
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.RESOLVED, comment="手順をお送りしました",
        expected_version=1, now=jst(2026, 4, 28, 0),
    )  # fmt: skip
    request = services.support_request_transition(
        request_id=request.pk, actor=requester, to_status=Status.IN_PROGRESS, comment="まだ動きません",
        expected_version=2, now=jst(2026, 4, 30, 0),
    )  # fmt: skip
    # Resolved all of Tue 28 Apr (29 Apr is a holiday): one office day back on the clock.
    assert request.resolution_due_at == end_of(2026, 5, 11)
    # Unassigned: the whole COE hears of the reopening (and nobody else of anything but the new request).
    assert request.reopen_count == 1 and _kinds(coe) == ["support_new", "support_reopened"]
    assert _kinds(requester) == ["support_resolved"]


def test_first_public_reply_of_the_coe_is_the_first_response(make_request, coe, requester):
    request = make_request(now=jst(2026, 5, 11, 9))
    services.support_reply_add(request_id=request.pk, author=coe, body="内部の相談", internal=True)
    request.refresh_from_db()
    assert request.first_responded_at is None
    services.support_reply_add(request_id=request.pk, author=requester, body="補足です", now=jst(2026, 5, 11, 10))
    request.refresh_from_db()
    assert request.first_responded_at is None
    services.support_reply_add(request_id=request.pk, author=coe, body="承知しました", now=jst(2026, 5, 11, 11))
    request.refresh_from_db()
    assert request.first_responded_at == jst(2026, 5, 11, 11) and request.due_at == request.resolution_due_at
    # The internal note told nobody on the requester's side; the public reply told the requester once.
    assert _kinds(requester) == ["support_reply"]


def test_replies_on_closed_requests_and_internal_notes_by_staff_are_refused(make_request, requester, coe):
    request = make_request()
    with pytest.raises(RuleError) as error:
        services.support_reply_add(request_id=request.pk, author=requester, body="x", internal=True)
    assert error.value.status == 403
    SupportRequest.objects.filter(pk=request.pk).update(status=Status.CLOSED)
    with pytest.raises(RuleError) as error:
        services.support_reply_add(request_id=request.pk, author=requester, body="まだ質問が")
    assert error.value.status == 409
    # The COE may still keep notes on a closed request.
    services.support_reply_add(request_id=request.pk, author=coe, body="記録", internal=True)
    with pytest.raises(RuleError) as error:
        services.support_reply_add(request_id=request.pk, author=UserFactory(), body="覗き見")
    assert error.value.status == 404
    # An administrator is not the COE: no reply, no note on someone else's request.
    administrator = UserFactory(roles=[Role.ADMIN])
    for internal in (False, True):
        with pytest.raises(RuleError):
            services.support_reply_add(request_id=request.pk, author=administrator, body="管理者", internal=internal)
    assert request.replies.filter(author=administrator).count() == 0


def test_triage_assigns_sets_priority_and_triages_a_new_request(make_request, coe, coe2):
    request = make_request(now=jst(2026, 4, 28, 10))
    request = services.support_request_triage(
        request_id=request.pk, actor=coe, assignee=coe2, priority=Priority.URGENT, expected_version=1
    )
    assert (request.status, request.assignee, request.priority, request.version) == ("triaged", coe2, 4, 2)
    assert request.first_response_due_at == end_of(2026, 4, 30)  # urgent: 1 office day (29 Apr is a holiday)
    actions = list(request.events.values_list("action", flat=True))
    assert actions == ["created", "priority", "assigned", "transition"]
    assert _kinds(coe2) == ["support_new", "support_assigned"]
    with pytest.raises(RuleError) as error:  # only COE members can be assignees
        services.support_request_triage(
            request_id=request.pk, actor=coe, assignee=UserFactory(), priority=2, expected_version=2
        )
    assert error.value.status == 400


def test_triage_by_staff_is_refused(make_request, requester):
    request = make_request()
    with pytest.raises(RuleError) as error:
        services.support_request_triage(
            request_id=request.pk, actor=requester, assignee=None, priority=3, expected_version=1
        )
    assert error.value.status == 403


def test_a_stale_version_is_a_conflict_recorded_in_the_history(make_request, coe, coe2):
    request = make_request()
    services.support_request_transition(request_id=request.pk, actor=coe, to_status="triaged", expected_version=1)
    with pytest.raises(services.SupportConflict) as conflict:
        services.support_request_transition(
            request_id=request.pk, actor=coe2, to_status="in_progress", expected_version=1
        )
    assert conflict.value.status == 409 and "COE" in conflict.value.message
    refused = RequestEvent.objects.get(request=request, outcome="conflict")
    assert (refused.actor, refused.from_status, refused.to_status) == (coe2, "new", "in_progress")
    assert refused.data["current_status"] == "triaged" and refused.data["expected_version"] == 1


def test_bulk_assign_only_touches_open_requests(make_request, coe, coe2):
    first, second, done = make_request(), make_request(), make_request()
    SupportRequest.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    count = services.support_requests_assign(request_ids=[first.pk, second.pk, done.pk], actor=coe, assignee=coe2)
    assert count == 2
    assert set(SupportRequest.objects.filter(assignee=coe2).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert SupportRequest.objects.get(pk=first.pk).status == Status.TRIAGED
    assert SupportRequest.objects.get(pk=done.pk).assignee is None


def test_assignment_suggestion_matches_skills_and_prefers_the_lightest_load(make_request, coe, coe2):
    third = UserFactory(roles=[Role.COE])
    MemberSkill.objects.create(user=coe, skill="data")
    MemberSkill.objects.create(user=coe2, skill="data")
    MemberSkill.objects.create(user=coe2, skill="ui_ux")
    MemberSkill.objects.create(user=third, skill="ui_ux")  # no data skill: not suggested for data analysis
    for _ in range(2):
        SupportRequestFactory(assignee=coe, status=Status.IN_PROGRESS)
    SupportRequestFactory(assignee=coe2, status=Status.IN_PROGRESS)
    SupportRequestFactory(assignee=coe2, status=Status.CLOSED)  # closed work is not load
    with translation.override("en"):
        suggestions = selectors.assignee_suggestions(Kind.DATA_ANALYSIS)
        assert [(m.pk, m.open_load) for m in suggestions] == [(coe2.pk, 1), (coe.pk, 2)]
        assert suggestions[0].skills == ("Data", "UI/UX")
    # "Other" needs no particular skill: everybody, lightest first.
    assert [m.open_load for m in selectors.assignee_suggestions(Kind.OTHER)] == [0, 1, 2]


def test_rating_only_by_the_requester_after_resolution(make_request, requester, coe):
    request = make_request()
    with pytest.raises(RuleError) as error:
        services.support_request_rate(request_id=request.pk, actor=requester, rating=5)
    assert error.value.code == "not_resolved"
    services.support_request_triage(request_id=request.pk, actor=coe, assignee=coe, priority=2, expected_version=1)
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status="resolved", comment="解決しました", expected_version=2
    )
    with pytest.raises(RuleError) as error:
        services.support_request_rate(request_id=request.pk, actor=coe, rating=5)
    assert error.value.status == 403
    # A rating is the requester's: an administrator cannot give or overwrite it.
    with pytest.raises(RuleError):
        services.support_request_rate(request_id=request.pk, actor=UserFactory(roles=[Role.ADMIN]), rating=1)
    with pytest.raises(RuleError) as error:
        services.support_request_rate(request_id=request.pk, actor=requester, rating=6)
    assert error.value.status == 400
    rated = services.support_request_rate(request_id=request.pk, actor=requester, rating=4, comment="助かりました")
    assert (rated.rating, rated.rating_comment) == (4, "助かりました")
    with pytest.raises(RuleError):
        services.support_request_rate(request_id=request.pk, actor=UserFactory(roles=[Role.ADMIN]), rating=1)
    rated.refresh_from_db()
    assert (rated.rating, rated.rating_comment) == (4, "助かりました")
    # Rated once: the assignee is told once (the refused attempts told nobody).
    assert _kinds(coe) == ["support_new", "support_rated"]


def test_case_and_article_drafts_keep_the_link(make_request, coe, requester):
    from apps.cases.models import Case
    from apps.knowledge.models import Article

    request = make_request(title="窓口予約を Forms で受け付けたい")
    services.support_reply_add(request_id=request.pk, author=coe, body="内部だけの話 SECRET-NOTE", internal=True)
    with pytest.raises(RuleError) as error:
        services.support_request_case_create(request_id=request.pk, actor=coe)
    assert error.value.code == "not_resolved"
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status="resolved", comment="Forms と Power Automate で構築",
        expected_version=1,
    )  # fmt: skip
    with pytest.raises(RuleError) as error:
        services.support_request_case_create(request_id=request.pk, actor=requester)
    assert error.value.status == 403
    request = services.support_request_case_create(request_id=request.pk, actor=coe)
    case = Case.objects.get(pk=request.case_id)
    assert (case.source_kind, case.source_id, case.visibility) == ("support_request", request.pk, "draft")
    assert request.case_url == case.get_absolute_url()
    assert services.support_request_case_create(request_id=request.pk, actor=coe).case_id == case.pk  # once
    request = services.support_request_article_create(request_id=request.pk, actor=coe)
    article = Article.objects.get(pk=request.article_id)
    assert article.status == "draft" and "Forms と Power Automate で構築" in article.body
    assert "SECRET-NOTE" not in article.body + case.problem + case.approach + case.summary


def test_deflection_is_recorded_for_published_content_only(requester, coe):
    from apps.knowledge import services as knowledge_services

    article = knowledge_services.article_create(actor=coe, title="Teams 会議の予約", body="手順")
    with pytest.raises(RuleError):  # a draft is not an answer anyone can read
        services.deflection_record(user=requester, target_type="article", object_id=article.pk)
    from apps.knowledge.models import Article

    Article.objects.filter(pk=article.pk).update(status="published")
    deflection = services.deflection_record(
        user=requester, target_type="article", object_id=article.pk, query="Teams 会議", kind=Kind.TOOL_ADOPTION
    )
    assert (deflection.department, deflection.title, deflection.url) == (
        requester.department,
        "Teams 会議の予約",
        article.get_absolute_url(),
    )
    assert Deflection.objects.count() == 1
    assert not SupportRequest.objects.exists()


def test_from_idea_once_per_idea(coe):
    from tests.ideas.factories import IdeaFactory

    idea = IdeaFactory(title="窓口のキャッシュレス化", summary="窓口で電子マネーを使えるように")
    request = services.support_request_create_from_idea(idea_id=idea.pk, actor=coe, kind=Kind.PLANNING)
    assert (request.requester, request.department, request.idea_id) == (idea.author, idea.department, idea.pk)
    assert request.idea_url.endswith(f"/ideas/idea/{idea.pk}/") and "窓口で電子マネー" in request.description
    assert services.support_request_create_from_idea(idea_id=idea.pk, actor=coe).pk == request.pk
    assert _kinds(idea.author) == ["support_from_idea"]  # once, although handed over twice
    with pytest.raises(RuleError) as error:
        services.support_request_create_from_idea(idea_id=idea.pk, actor=idea.author)
    assert error.value.status == 403
    draft = IdeaFactory(status="draft")
    with pytest.raises(RuleError) as error:
        services.support_request_create_from_idea(idea_id=draft.pk, actor=coe)
    assert error.value.code == "not_published"


def test_target_warnings_once_per_due_moment_to_assignee_and_leads(make_request, coe, coe2):
    MemberProfile.objects.create(user=coe2, is_lead=True)
    request = make_request(priority=Priority.URGENT, now=jst(2026, 4, 28, 10))  # first response due 30 Apr
    services.support_request_triage(
        request_id=request.pk, actor=coe2, assignee=coe, priority=Priority.URGENT, expected_version=1,
        now=jst(2026, 4, 28, 11),
    )  # fmt: skip
    assert services.support_targets_warn(now=jst(2026, 4, 29, 9)) == 0  # a holiday: nobody works
    assert services.support_targets_warn(now=jst(2026, 4, 30, 8)) == 1  # due today
    assert services.support_targets_warn(now=jst(2026, 4, 30, 8, 30)) == 0  # already warned
    assert _kinds(coe).count("support_target_warning") == 1
    assert _kinds(coe2).count("support_target_warning") == 1
    # Urgent resolution (3 office days: 30 Apr, 1 May, 7 May) falls due later and warns on its day.
    assert services.support_targets_warn(now=jst(2026, 5, 7, 8)) == 1


def test_scheduler_closes_resolved_requests_after_the_reopen_window(make_request, coe, settings):
    settings.SUPPORT_REOPEN_DAYS = 14
    request = make_request()
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status="resolved", comment="済", expected_version=1,
        now=timezone.now() - timedelta(days=15),
    )  # fmt: skip
    fresh = make_request()
    services.support_request_transition(
        request_id=fresh.pk, actor=coe, to_status="resolved", comment="済", expected_version=1
    )
    assert services.support_requests_close_resolved() == 1
    closed = SupportRequest.objects.get(pk=request.pk)
    assert closed.status == Status.CLOSED
    event = closed.events.filter(action="transition").latest("id")
    assert event.actor is None and event.to_status == "closed"
    assert SupportRequest.objects.get(pk=fresh.pk).status == Status.RESOLVED


def test_internal_attachments_stay_internal(make_request, coe):
    request = make_request()
    services.support_reply_add(
        request_id=request.pk, author=coe, body="メモ", internal=True,
        attachments=[SimpleUploadedFile("internal.csv", b"a,b\n1,2\n")],
    )  # fmt: skip
    assert Attachment.objects.get(name="internal.csv").internal is True


def test_skills_and_lead_are_set_by_the_coe(coe, coe2, requester):
    services.member_skills_set(actor=coe, member=coe2, skills=["data", "ui_ux", "bogus"], is_lead=True)
    assert set(MemberSkill.objects.filter(user=coe2).values_list("skill", flat=True)) == {"data", "ui_ux"}
    services.member_skills_set(actor=coe, member=coe2, skills=["data"], is_lead=False)
    assert list(MemberSkill.objects.filter(user=coe2).values_list("skill", flat=True)) == ["data"]
    assert MemberProfile.objects.get(user=coe2).is_lead is False
    with pytest.raises(RuleError):
        services.member_skills_set(actor=requester, member=coe2, skills=[], is_lead=False)
    with pytest.raises(RuleError):
        services.member_skills_set(actor=coe, member=requester, skills=["data"], is_lead=False)


def test_desired_date_in_the_past_is_refused_by_the_form(requester):
    from apps.support.forms import RequestForm

    form = RequestForm(
        {"kind": "other", "title": "t", "description": "d", "department": requester.department_id,
         "desired_date": (timezone.localdate() - timedelta(days=1)).isoformat()},
        user=requester,
    )  # fmt: skip
    assert not form.is_valid() and "desired_date" in form.errors


def test_the_scheduled_job_runs_all_its_parts(make_request, coe, settings, tmp_path):
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.core.uploads import PENDING_DIR
    from apps.support.tasks import support_schedule

    old = default_storage.save(f"{PENDING_DIR}/old.txt", ContentFile(b"x"))
    fresh = default_storage.save(f"{PENDING_DIR}/fresh.txt", ContentFile(b"y"))
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))
    done = support_schedule()
    assert done == {"warned": 0, "closed": 0, "pending_removed": 1}
    assert not default_storage.exists(old) and default_storage.exists(fresh)


def test_starting_work_is_not_a_reopening(make_request, coe):
    request = make_request(now=jst(2026, 6, 1, 9))
    request = services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.IN_PROGRESS, comment="",
        expected_version=1, now=jst(2026, 6, 1, 10),
    )  # fmt: skip
    assert request.status == Status.IN_PROGRESS
    assert request.reopen_count == 0  # only a resolved request taken up again is reopened


def test_an_answer_on_an_unassigned_request_tells_every_coe_member_who_answered(make_request, requester, coe, coe2):
    """Nobody has taken the request yet: the COE member who asked and every other one hear of
    the requester's answer, from the requester (so the notification can say who)."""
    request = make_request(now=jst(2026, 6, 1, 9))
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.WAITING, comment="どの課の申請ですか",
        expected_version=1, now=jst(2026, 6, 1, 10),
    )  # fmt: skip
    # The requester answers through the status change ("I have answered"), with their answer.
    services.support_request_transition(
        request_id=request.pk, actor=requester, to_status=Status.IN_PROGRESS, comment="市民課です",
        expected_version=2, now=jst(2026, 6, 2, 9),
    )  # fmt: skip

    for member in (coe, coe2):
        told = Notification.objects.filter(recipient=member, kind="support_reply").get()
        assert told.actor == requester


def test_another_requests_waiting_does_not_move_this_ones_due_dates(make_request, requester, coe):
    mine = make_request(priority=Priority.NORMAL, now=jst(2026, 6, 1, 9))  # Mon
    due = (mine.first_response_due_at, mine.resolution_due_at)
    other = make_request(priority=Priority.NORMAL, now=jst(2026, 6, 1, 9))
    services.support_request_transition(
        request_id=other.pk, actor=coe, to_status=Status.WAITING, comment="資料をください",
        expected_version=1, now=jst(2026, 6, 1, 10),
    )  # fmt: skip
    services.support_reply_add(request_id=other.pk, author=requester, body="送ります", now=jst(2026, 6, 5, 10))
    other.refresh_from_db()
    assert other.resolution_due_at > mine.resolution_due_at  # the other one waited four office days

    services.support_request_transition(
        request_id=mine.pk, actor=coe, to_status=Status.IN_PROGRESS, comment="",
        expected_version=1, now=jst(2026, 6, 5, 11),
    )  # fmt: skip
    mine.refresh_from_db()
    assert (mine.first_response_due_at, mine.resolution_due_at) == due
