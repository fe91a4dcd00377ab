"""First-response and resolution targets in business days (PRODUCT.md §4), through the services:
the due moments per priority, the clock stopping while the COE waits on the requester (and while
a request is resolved, until it is reopened), and the "near" flag and warning of the current
office day.

Calendar (2026, worked out by hand): Golden Week is Wed 29 Apr (昭和の日) and Sat 2 – Wed 6 May
(3 May 憲法記念日 on a Sunday, so 6 May is its 振替休日). The office days after Mon 27 Apr are
28 Apr (1), 30 Apr (2), 1 May (3), 7 (4), 8 (5), 11 (6), 12 (7), 13 (8), 14 (9), 15 (10), 18 (11),
19 (12), 20 (13), 21 (14), 22 (15), 25 (16), 26 (17), 27 (18), 28 (19), 29 May (20).
The office days after Mon 11 May are 12 (1), 13 (2), 14 (3), 15 (4), 18 (5), 19 (6), 20 (7), 21 (8).
A target of N business days is due at 23:59:59 Japan time on the Nth of them.
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.core.business_days import JAPAN
from apps.notifications.models import Notification
from apps.support import lifecycle, selectors, services
from apps.support.models import Priority, Status

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def end_of(y, m, d) -> datetime:
    return jst(y, m, d, 23, 59, 59)


@pytest.mark.parametrize(
    ("priority", "first_response", "resolution"),
    [
        # The COE's promise per priority, in office days: urgent 1 / 3, high 2 / 5, normal 3 / 10, low 5 / 20.
        (Priority.URGENT, end_of(2026, 4, 28), end_of(2026, 5, 1)),
        (Priority.HIGH, end_of(2026, 4, 30), end_of(2026, 5, 8)),
        (Priority.NORMAL, end_of(2026, 5, 1), end_of(2026, 5, 15)),
        (Priority.LOW, end_of(2026, 5, 8), end_of(2026, 5, 29)),
    ],
)
def test_due_moments_per_priority(make_request, priority, first_response, resolution):
    request = make_request(priority=priority, now=jst(2026, 4, 27, 10))  # Mon before Golden Week
    assert (request.first_response_due_at, request.resolution_due_at) == (first_response, resolution)
    # Until the COE has answered, the due moment that matters is the first response.
    assert request.due_at == first_response


def test_a_request_at_the_last_second_of_a_day_counts_from_that_day(make_request):
    # Thu 30 Apr 23:59:59 is Thursday in Japan: urgent first response by the end of Fri 1 May.
    late = make_request(priority=Priority.URGENT, now=jst(2026, 4, 30, 23, 59, 59))
    assert late.first_response_due_at == end_of(2026, 5, 1)
    # One second later it is Friday: the next office day is Thu 7 May.
    friday = make_request(priority=Priority.URGENT, now=jst(2026, 5, 1, 0, 0, 0))
    assert friday.first_response_due_at == end_of(2026, 5, 7)


def test_targets_across_a_year_end_whose_3_january_is_a_weekday(make_request):
    # Fri 27 Dec 2024 10:00, normal (3 / 10). Closed: 30, 31 Dec, 1 (元日), 2 and 3 Jan (weekdays),
    # 4–5 Jan weekend. Office days: 6 (1), 7 (2), 8 (3), 9 (4), 10 (5), [11–12 weekend,
    # 13 成人の日], 14 (6), 15 (7), 16 (8), 17 (9), 20 Jan 2025 (10).
    request = make_request(priority=Priority.NORMAL, now=jst(2024, 12, 27, 10))
    assert request.first_response_due_at == end_of(2025, 1, 8)
    assert request.resolution_due_at == end_of(2025, 1, 20)


def _ask(request, coe, at, version):
    return services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.WAITING, comment="画面を見せてください",
        expected_version=version, now=at,
    )  # fmt: skip


def test_two_waiting_periods_both_stop_the_clock(make_request, requester, coe):
    # High (2 / 5) asked Mon 11 May 09:00: resolution due at the end of Mon 18 May.
    request = make_request(priority=Priority.HIGH, now=jst(2026, 5, 11, 9))
    assert request.resolution_due_at == end_of(2026, 5, 18)
    # The COE asks twice; the requester answers 2 h and 6 h later: 8 office hours of waiting.
    request = _ask(request, coe, jst(2026, 5, 12, 10), 1)
    # The question was the first response: from now on the resolution is what is due.
    assert (request.first_responded_at, request.due_at) == (jst(2026, 5, 12, 10), request.resolution_due_at)
    services.support_reply_add(request_id=request.pk, author=requester, body="送りました", now=jst(2026, 5, 12, 12))
    request.refresh_from_db()
    assert request.resolution_due_at == jst(2026, 5, 19, 1, 59, 59)  # 2 h into Tue 19 May
    request = _ask(request, coe, jst(2026, 5, 13, 10), request.version)
    services.support_reply_add(request_id=request.pk, author=requester, body="こちらです", now=jst(2026, 5, 13, 16))
    request.refresh_from_db()
    assert request.resolution_due_at == jst(2026, 5, 19, 7, 59, 59)  # 2 h + 6 h into Tue 19 May
    assert request.due_at == request.resolution_due_at
    # The first response (the first question, 12 May 10:00) met its target (2 office days: 13 May).
    assert request.first_responded_at < end_of(2026, 5, 13) <= request.first_response_due_at


def test_waiting_then_resolved_then_reopened_is_one_pause(make_request, requester, coe):
    # High, Mon 11 May 09:00: due 18 May. Waiting from Tue 12 May 00:00; resolved while still
    # waiting on Wed 13 May 00:00; reopened Thu 14 May 00:00. The clock stood still all of
    # 12 and 13 May (two office days), not only from the resolution: due Wed 20 May.
    request = make_request(priority=Priority.HIGH, now=jst(2026, 5, 11, 9))
    request = _ask(request, coe, jst(2026, 5, 12), 1)
    request = services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.RESOLVED, comment="こちらで確認できました",
        expected_version=request.version, now=jst(2026, 5, 13),
    )  # fmt: skip
    request = services.support_request_transition(
        request_id=request.pk, actor=requester, to_status=Status.IN_PROGRESS, comment="まだ表示されません",
        expected_version=request.version, now=jst(2026, 5, 14),
    )  # fmt: skip
    assert request.resolution_due_at == end_of(2026, 5, 20)


def test_while_still_waiting_a_recomputed_target_counts_the_wait_so_far(make_request, requester, coe):
    # Normal, Mon 11 May 09:00; waiting from Tue 12 May 00:00. On Thu 14 May 00:00, still
    # waiting, the COE raises the priority to high (5 days: end of Mon 18 May without the wait);
    # the two office days waited so far (12, 13 May) move it to Wed 20 May.
    request = make_request(priority=Priority.NORMAL, now=jst(2026, 5, 11, 9))
    request = _ask(request, coe, jst(2026, 5, 12), 1)
    request = services.support_request_triage(
        request_id=request.pk, actor=coe, assignee=coe, priority=Priority.HIGH, expected_version=request.version,
        now=jst(2026, 5, 14),
    )  # fmt: skip
    assert (request.status, request.resolution_due_at) == (Status.WAITING, end_of(2026, 5, 20))
    # The answer comes on Fri 15 May 00:00: three office days waited in all, due Thu 21 May.
    services.support_reply_add(request_id=request.pk, author=requester, body="遅くなりました", now=jst(2026, 5, 15))
    request.refresh_from_db()
    assert (request.status, request.resolution_due_at) == (Status.IN_PROGRESS, end_of(2026, 5, 21))


def test_a_wait_over_golden_week_costs_only_its_office_days(make_request, requester, coe):
    # High, Mon 27 Apr 09:00: resolution due Fri 8 May (28, 30 Apr, 1, 7, 8 May). Waiting from
    # Thu 30 Apr 00:00 to Thu 7 May 00:00 covers two office days (30 Apr, 1 May): due Tue 12 May.
    request = make_request(priority=Priority.HIGH, now=jst(2026, 4, 27, 9))
    request = _ask(request, coe, jst(2026, 4, 30), 1)
    services.support_reply_add(request_id=request.pk, author=requester, body="連休明けに", now=jst(2026, 5, 7))
    request.refresh_from_db()
    assert request.resolution_due_at == end_of(2026, 5, 12)


# --- near and past: the flag on lists and the scheduled warning -----------------------------------


def _flags(now) -> dict[str, list[str]]:
    """The queue's "near" and "breached" views and each row's flag, as the COE sees them at `now`."""
    coe_user = next(iter(services._coe_members()))
    views = {}
    for which in ("near", "breached"):
        rows = selectors.request_list_for_queue(coe_user, selectors.QueueFilters(target=which), now=now)
        views[which] = [item.title for item in selectors.page_of(rows, 1, 25, now=now).items]
    every = selectors.request_list_for_queue(coe_user, selectors.QueueFilters(), now=now)
    views["flags"] = [(item.title, item.target_state) for item in selectors.page_of(every, 1, 25, now=now).items]
    return views


def test_a_target_due_today_is_near_and_one_due_tomorrow_is_not(make_request, coe):
    # Urgent on Mon 11 May 10:00: first response due at the end of Tue 12 May.
    make_request(title="至急", priority=Priority.URGENT, now=jst(2026, 5, 11, 10))
    # On Monday the target is tomorrow's: not near yet, nobody warned.
    assert _flags(jst(2026, 5, 11, 12)) == {"near": [], "breached": [], "flags": [("至急", "")]}
    assert services.support_targets_warn(now=jst(2026, 5, 11, 12)) == 0
    # On Tuesday morning it falls due at the end of the day: flagged near, and warned once.
    assert _flags(jst(2026, 5, 12, 8)) == {"near": ["至急"], "breached": [], "flags": [("至急", "near")]}
    assert services.support_targets_warn(now=jst(2026, 5, 12, 8)) == 1
    # In its last second it is still only near; one second later it is breached.
    assert _flags(jst(2026, 5, 12, 23, 59, 59))["flags"] == [("至急", "near")]
    assert _flags(jst(2026, 5, 13, 0, 0, 0)) == {
        "near": ["至急"],
        "breached": ["至急"],
        "flags": [("至急", "breached")],
    }


def test_on_a_day_off_near_means_due_by_the_end_of_the_next_office_day(make_request, coe):
    # Urgent on Fri 1 May 10:00: first response due at the end of Thu 7 May (after Golden Week).
    make_request(title="連休前", priority=Priority.URGENT, now=jst(2026, 5, 1, 10))
    # During Golden Week (Sun 3 May) the next office day is 7 May: already near.
    assert lifecycle.near_until(jst(2026, 5, 3, 10)) >= end_of(2026, 5, 7)
    assert _flags(jst(2026, 5, 3, 10))["flags"] == [("連休前", "near")]
    # ... but nobody is warned on a day off; the warning comes on the office day itself.
    assert services.support_targets_warn(now=jst(2026, 5, 3, 10)) == 0
    assert services.support_targets_warn(now=jst(2026, 5, 7, 8)) == 1
    warned = list(Notification.objects.filter(kind="support_target_warning").values_list("recipient", flat=True))
    assert sorted(warned) == sorted(u.pk for u in services._coe_members())  # no assignee, no lead: the whole COE


def test_near_until_is_the_end_of_the_current_office_day():
    # Not the end of the next one: a target due tomorrow is not "near" today.
    end_of_tuesday = lifecycle.near_until(jst(2026, 5, 12, 8))
    assert end_of(2026, 5, 12) <= end_of_tuesday < jst(2026, 5, 13, 0, 0, 1)


def test_a_refused_question_does_not_stop_the_clock(make_request, coe, coe2):
    # COE 次郎 tries to ask the requester from an outdated page: refused (a conflict), so the
    # request never waited and its due moments stay where they were, whenever they are recomputed.
    request = make_request(priority=Priority.HIGH)
    due = request.resolution_due_at
    services.support_request_transition(request_id=request.pk, actor=coe, to_status=Status.TRIAGED, expected_version=1)
    with pytest.raises(services.SupportConflict):
        services.support_request_transition(
            request_id=request.pk, actor=coe2, to_status=Status.WAITING, comment="確認させてください",
            expected_version=1,
        )  # fmt: skip
    # Two weeks later (office days whatever the season), work starts: the targets are recomputed.
    started = services.support_request_transition(
        request_id=request.pk, actor=coe, to_status=Status.IN_PROGRESS, expected_version=2,
        now=timezone.now() + timedelta(days=14),
    )  # fmt: skip
    assert started.resolution_due_at == due
