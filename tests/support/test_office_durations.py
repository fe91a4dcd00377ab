"""The report's response times count office time only (PRODUCT.md: business days — weekends,
national holidays and 29 Dec – 3 Jan do not count), for requests answered and resolved
through the portal itself, and a request reopened is not resolved until it is resolved again.

The week used: Friday 12 July 2024, then Saturday, Sunday and 海の日 (Monday 15 July, a
national holiday), then Tuesday 16 July. Office days count 00:00–24:00 Japan time."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from apps.core.business_days import JAPAN
from apps.support import reporting, services
from apps.support.models import Status, SupportRequest

pytestmark = pytest.mark.django_db

JULY = {"start": date(2024, 7, 1), "end": date(2024, 7, 31)}


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def _move(request: SupportRequest, actor, to_status: str, when: datetime, comment: str = "") -> SupportRequest:
    request.refresh_from_db()
    return services.support_request_transition(
        request_id=request.pk,
        actor=actor,
        to_status=to_status,
        comment=comment,
        expected_version=request.version,
        now=when,
    )


def test_answer_and_resolution_over_a_holiday_weekend_count_office_time_only(make_request, requester, coe):
    request = make_request(now=jst(2024, 7, 12, 15))  # Friday 15:00
    # First answer Tuesday 09:00: Friday 15:00–24:00 (9 h) + Tuesday 00:00–09:00 (9 h) = 0.75 office days.
    services.support_reply_add(request_id=request.pk, author=coe, body="手順をお送りします。", now=jst(2024, 7, 16, 9))
    answered = reporting.response_times(**JULY)
    assert answered["first_response"] == {"count": 1, "median": D("0.75"), "p90": D("0.75")}
    assert answered["resolution"]["count"] == 0
    # Resolved Wednesday 15:00: 9 h + 24 h + 15 h = 2.0 office days.
    _move(request, coe, Status.RESOLVED, jst(2024, 7, 17, 15), "設定を変更しました。")

    times = reporting.response_times(**JULY)
    assert times["first_response"] == {"count": 1, "median": D("0.75"), "p90": D("0.75")}
    assert times["resolution"] == {"count": 1, "median": D("2"), "p90": D("2")}


def test_a_reopened_request_counts_as_resolved_only_from_its_new_resolution(make_request, requester, coe):
    request = make_request(now=jst(2024, 7, 12, 15))
    services.support_reply_add(request_id=request.pk, author=coe, body="確認します。", now=jst(2024, 7, 12, 18))
    _move(request, coe, Status.RESOLVED, jst(2024, 7, 16, 9), "対応しました。")
    _move(request, requester, Status.IN_PROGRESS, jst(2024, 7, 16, 12), "まだエラーが出ます。")

    reopened = reporting.response_times(**JULY)
    assert reopened["first_response"]["median"] == D("0.125")  # Friday 15:00–18:00
    assert reopened["resolution"] == {"count": 0, "median": None, "p90": None}

    # Resolved again Thursday 12:00: 9 h + 24 h + 24 h + 12 h = 2.875 office days.
    _move(request, coe, Status.RESOLVED, jst(2024, 7, 18, 12), "設定を戻しました。")
    assert reporting.response_times(**JULY)["resolution"] == {"count": 1, "median": D("2.875"), "p90": D("2.875")}
