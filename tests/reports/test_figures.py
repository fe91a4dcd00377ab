"""Every figure of the report against a hand-computed expectation (tests/reports/conftest.py
explains each number), in fiscal year 2024 with rows on 31 March / 1 April at both ends."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import translation

from apps.reports.periods import Period
from tests.reports.helpers import build, rows_by_label, summary, table

D = Decimal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_ideas_by_department_with_fiscal_year_boundaries(city):
    report = build()
    rows = rows_by_label(table(report, "ideas", "departments"))
    # staff, submitted, approved, votes, unique voters, participation %
    assert rows == {
        "Citizens Section": [3, 2, 1, 3, 2, D("66.7")],
        "Environment Bureau": [5, 2, 1, 3, 2, D("40.0")],
        "Family Register Section": [2, 1, 1, 1, 1, D("50.0")],
    }
    staff_total = get_user_model().objects.filter(is_active=True).count()
    assert summary(report, "ideas") == {
        "Ideas submitted": 5,
        "Ideas approved": 3,
        "Votes (いいね)": 7,
        "Unique voters": 5,
        "Staff (active accounts today)": staff_total,
        "Participation rate (%)": (D(5) * 100 / staff_total).quantize(D("0.1")),
    }


def test_ideas_by_challenge_and_answer(city):
    report = build()
    assert rows_by_label(table(report, "ideas", "challenges")) == {"いいね！チャレンジ2024": [5, 3, 7, 5]}
    assert rows_by_label(table(report, "ideas", "answers")) == {
        "Adopted": [1],
        "Under consideration": [1],
        "No answer yet": [3],
    }


def test_next_fiscal_year_holds_the_first_of_april_rows(city):
    report = build(period=Period.for_fiscal_year(2025))
    assert summary(report, "ideas")["Ideas submitted"] == 1
    assert summary(report, "ideas")["Votes (いいね)"] == 1
    assert summary(report, "support")["Requests made"] == 1
    assert summary(report, "knowledge")["Article views"] == 1
    assert summary(report, "knowledge")["Searches"] == 1
    assert summary(report, "cases")["Hours saved per year"] == D("999.0")
    assert summary(report, "support")["Questions answered before asking"] == 1


def test_support_volume(city):
    report = build()
    assert rows_by_label(table(report, "support", "kinds")) == {
        "Technical implementation support": [2],
        "Other": [2],
        "Design-thinking facilitation": [1],
        "Tool adoption (Microsoft 365 / Power Platform)": [1],
        "Planning support": [1],
        "UX design and governance": [0],
        "Data analysis": [0],
    }
    assert rows_by_label(table(report, "support", "departments")) == {
        "Environment Bureau": [4, 2],
        "Citizens Section": [2, 1],
        "Family Register Section": [1, 1],
    }
    months = rows_by_label(table(report, "support", "months"))
    assert list(months) == [
        f"{y}-{m:02d}" for y, m in [(2024, m) for m in range(4, 13)] + [(2025, 1), (2025, 2), (2025, 3)]
    ]
    assert {k: v[0] for k, v in months.items() if v[0]} == {
        "2024-05": 1, "2024-06": 2, "2024-07": 1, "2024-10": 1, "2024-11": 1, "2025-03": 1,
    }  # fmt: skip
    assert rows_by_label(table(report, "support", "statuses")) == {
        "New": [2], "Triaged": [0], "In progress": [1], "Waiting on requester": [1],
        "Resolved": [1], "Closed": [1], "Cancelled": [1],
    }  # fmt: skip


def test_support_times_in_business_days_and_targets(city):
    report = build()
    # First response: 0.25, 1.0, 1.75, 6.0 office days → median 1.375, p90 1.75 + 0.7 × 4.25 = 4.725.
    # Resolution: 2.25, 11.0 → median 6.625, p90 2.25 + 0.9 × 8.75 = 10.125.
    assert rows_by_label(table(report, "support", "times")) == {
        "First response": [4, D("1.4"), D("4.7"), 5, 2, D("40.0")],
        "Resolution": [2, D("6.6"), D("10.1"), 5, 2, D("40.0")],
    }
    figures = summary(report, "support")
    assert figures["Requests made"] == 7
    assert figures["Still open"] == 4
    assert figures["Median time to first response (office days)"] == D("1.4")
    assert figures["90th percentile time to resolution (office days)"] == D("10.1")
    assert figures["First responses within target (%)"] == D("40.0")
    assert figures["Satisfaction (average rating, 1–5)"] == D("4.50")
    assert figures["Ratings given"] == 2
    assert figures["Questions answered before asking"] == 3
    assert rows_by_label(table(report, "support", "deflections")) == {
        "Teams の使い方": ["Knowledge article", 2],
        "RPA 事例（環境局）": ["Case", 1],
    }


def test_knowledge(city):
    report = build()
    assert rows_by_label(table(report, "knowledge", "reading")) == {
        "Citizens Section": [3, 1, 1, D("50.0")],
        "Environment Bureau": [1, 0, 0, None],
        "Family Register Section": [1, 1, 0, D("100.0")],
    }
    assert rows_by_label(table(report, "knowledge", "stale")) == {
        "Citizens Section": [1, 1, D("100.0")],
        "Environment Bureau": [1, 0, D("0.0")],
        "Family Register Section": [1, 0, D("0.0")],
    }
    assert rows_by_label(table(report, "knowledge", "articles")) == {
        "Teams 会議の始め方": [3],
        "Power Automate 入門": [2],
    }
    assert table(report, "knowledge", "searches").rows == [["申請", 2], ["粗大ごみ", 2], ["環境アセスメント", 1]]
    assert table(report, "knowledge", "no-results").rows == [["申請", 2, "2024-07-01"]]
    assert summary(report, "knowledge") == {
        "Article views": 5,
        "Answered “helpful”": 2,
        "Answered “not helpful”": 1,
        "Helpful (%)": D("66.7"),
        "Searches": 5,
        "Searches that found nothing": 2,
        "Published articles (today)": 3,
        "Articles past their review date (today)": 1,
    }


def test_cases_and_hours_saved(city):
    report = build()
    assert rows_by_label(table(report, "cases", "hours")) == {
        "Environment Bureau": [2, D("0.0"), D("4321.5"), D("4321.5")],
        "Citizens Section": [1, D("1234.5"), D("0.0"), D("1234.5")],
        "Family Register Section": [1, D("0.0"), D("100.0"), D("100.0")],
    }
    assert rows_by_label(table(report, "cases", "stages")) == {
        "Idea": [1], "Proof of concept": [0], "Pilot": [1], "In operation": [2],
        "Rolled out to other departments": [0], "Stopped": [0],
    }  # fmt: skip
    assert rows_by_label(table(report, "cases", "fields")) == {
        "Administrative services": [2, D("1334.5")],
        "Disaster prevention": [1, D("4321.5")],
        "No field": [1, D("0.0")],
    }
    assert summary(report, "cases") == {
        "Hours saved per year": D("5656.0"),
        "of which measured": D("1234.5"),
        "of which estimated": D("4421.5"),
        "Cases": 4,
    }


def test_department_filter_covers_the_units_under_it(city):
    report = build(department_ids=sorted([city.bureau.pk, city.s1.pk, city.s2.pk]))
    assert summary(report, "cases")["Hours saved per year"] == D("1334.5")
    assert set(rows_by_label(table(report, "support", "departments"))) == {
        "Citizens Section",
        "Family Register Section",
    }
    assert summary(report, "ideas")["Staff (active accounts today)"] == 6


def test_comparison_with_the_previous_fiscal_year(city):
    report = build(period=Period.for_fiscal_year(2025), compare=True)
    assert report.previous == Period.for_fiscal_year(2024)
    rows = rows_by_label(table(report, "cases", "summary"))
    # this period, previous period, change
    assert rows["Hours saved per year"] == [D("999.0"), D("5656.0"), D("-4657.0")]
    assert rows_by_label(table(report, "ideas", "summary"))["Ideas submitted"] == [1, 5, -4]
    # A state of today is not compared.
    assert rows_by_label(table(report, "knowledge", "summary"))["Articles past their review date (today)"][1:] == [
        None,
        None,
    ]


def test_previous_period_of_a_date_range_has_the_same_length():
    period = Period(start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert period.previous() == Period(start=date(2025, 1, 29), end=date(2025, 2, 28))
    assert period.previous().days == period.days == 31
    assert Period.for_fiscal_year(2024).previous() == Period(date(2023, 4, 1), date(2024, 3, 31), 2023)


def test_a_date_range_counts_whole_days_in_japan_time(city):
    # 31 March 2025 alone: the 23:59:59 idea and request, the 31 March view, the 31 March case.
    report = build(period=Period(start=date(2025, 3, 31), end=date(2025, 3, 31)))
    assert summary(report, "ideas")["Ideas submitted"] == 1
    assert summary(report, "ideas")["Votes (いいね)"] == 1
    assert summary(report, "support")["Requests made"] == 1
    assert summary(report, "knowledge")["Article views"] == 1
    assert summary(report, "cases")["Cases"] == 1


def test_empty_period_has_no_values_rather_than_zero_rates(city):
    report = build(period=Period(start=date(2010, 4, 1), end=date(2010, 4, 30)))
    figures = summary(report, "support")
    assert figures["Requests made"] == 0
    assert figures["Median time to first response (office days)"] is None
    assert figures["First responses within target (%)"] is None
    assert summary(report, "knowledge")["Helpful (%)"] is None
    assert table(report, "support", "departments").rows == []


def test_charts_are_drawn_from_their_tables(city):
    report = build()
    section = report.section("cases")
    spec = section.chart_data()["cases-hours"]
    hours = table(report, "cases", "hours")
    assert spec["labels"] == [row[0] for row in hours.rows]
    assert spec["datasets"][0]["data"] == [float(row[2]) for row in hours.rows]
    assert spec["stacked"] is True
    assert "Environment Bureau" in hours.chart.summary and "table below" in hours.chart.summary


def test_a_short_period_long_ago_has_the_response_times_of_its_own_requests(city):
    """May 2024 holds one answered request: R1, 1.0 office day (Golden Week between)."""
    report = build(period=Period(start=date(2024, 5, 1), end=date(2024, 5, 31)))
    assert rows_by_label(table(report, "support", "times"))["First response"][:3] == [1, D("1.0"), D("1.0")]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL computes percentiles itself, uncapped")
def test_sqlite_caps_the_rows_fetched_for_percentiles_and_says_so(city, monkeypatch):
    from apps.support import reporting

    monkeypatch.setattr(reporting, "DURATION_ROW_CAP", 2)
    report = build()
    assert any("newest 2 requests" in note for note in report.section("support").notes)
    # The two newest requests of the period with a response: 10 July (6.0) and 7 June (1.75).
    assert rows_by_label(table(report, "support", "times"))["First response"][:2] == [2, D("3.9")]
