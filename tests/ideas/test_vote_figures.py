"""The report's vote figures for any period, also one that cuts a running challenge in two:
counted by hand from votes placed on known days (issue #15 keeps this comparison when the
tallies go)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.ideas import reporting, services
from apps.ideas.models import Vote
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_figures_for_periods_that_cut_a_challenge(challenge_factory, idea_factory):
    now = timezone.now()
    challenge = challenge_factory(
        submission_start=now - timedelta(days=60),
        submission_end=now - timedelta(days=1),
        voting_start=now - timedelta(days=50),
        voting_end=now + timedelta(days=5),
    )
    one, two, three = (idea_factory(challenge=challenge) for _ in range(3))
    section = DepartmentFactory()
    a, b = UserFactory(department=section), UserFactory(department=section)
    c = UserFactory(department=None)
    placed = [(a, one, 1), (a, two, 7), (b, one, 2), (c, two, 8), (c, three, 1)]  # (voter, idea, days ago)
    for voter, idea, days_ago in placed:
        services.vote_cast(voter=voter, idea_id=idea.pk)
        Vote.objects.filter(voter=voter, idea=idea).update(created_at=now - timedelta(days=days_ago))

    today = timezone.localdate(now)
    cases = [
        # (start, end, totals, {department: (votes, voters)}, votes of the section alone)
        (today - timedelta(days=30), today, (5, 3), {section.pk: (3, 2), None: (2, 1)}, 3),
        (today - timedelta(days=4), today, (3, 3), {section.pk: (2, 2), None: (1, 1)}, 2),
        (today - timedelta(days=9), today - timedelta(days=5), (2, 2), {section.pk: (1, 1), None: (1, 1)}, 1),
        (date(2000, 1, 1), today - timedelta(days=20), (0, 0), {}, 0),
    ]
    for start, end, (votes, voters), by_department, section_votes in cases:
        figures = reporting.vote_figures(start=start, end=end)
        assert figures["totals"] == {"votes": votes, "voters": voters}, (start, end)
        assert {r["department_id"]: (r["votes"], r["voters"]) for r in figures["by_department"]} == by_department
        assert [(r["challenge_id"], r["votes"]) for r in figures["by_challenge"]] == (
            [(challenge.pk, votes)] if votes else []
        )
        scoped = reporting.vote_figures(start=start, end=end, department_ids=[section.pk])
        assert scoped["totals"]["votes"] == section_votes
