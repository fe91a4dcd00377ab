"""The beat job seals closed challenges and sends each voting notification once, batched."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.ideas.models import Challenge
from apps.ideas.tasks import ideas_challenge_schedule
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_voting_opened_and_closing_are_sent_once_to_all_active_staff(challenge_factory, user_factory):
    now = timezone.now()
    staff = [user_factory() for _ in range(5)]
    user_factory(is_active=False)
    challenge = challenge_factory(voting_start=now - timedelta(hours=1), voting_end=now + timedelta(days=10))
    everyone = {u.pk for u in staff} | {challenge.created_by_id}

    with CaptureQueriesContext(connection) as queries:
        assert ideas_challenge_schedule() == {"sealed": 0, "open": 1, "closing": 0}
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "notifications_notification"')]
    assert len(inserts) == 1  # one batched notification_send
    assert (
        set(Notification.objects.filter(kind="challenge_voting_open").values_list("recipient", flat=True)) == everyone
    )
    assert ideas_challenge_schedule() == {"sealed": 0, "open": 0, "closing": 0}
    assert Notification.objects.filter(kind="challenge_voting_open").count() == len(everyone)

    Challenge.objects.filter(pk=challenge.pk).update(voting_end=now + timedelta(days=1, hours=12))
    assert ideas_challenge_schedule()["closing"] == 1
    assert ideas_challenge_schedule()["closing"] == 0
    assert Notification.objects.filter(kind="challenge_voting_closing").count() == len(everyone)


def test_nothing_is_sent_before_voting_opens_or_after_it_closed(challenge_factory):
    now = timezone.now()
    challenge_factory(voting_start=now + timedelta(days=1), voting_end=now + timedelta(days=10))
    assert ideas_challenge_schedule() == {"sealed": 0, "open": 0, "closing": 0}
    assert not Notification.objects.exists()


def test_closed_challenges_are_sealed_once(challenge_factory, idea_factory):
    now = timezone.now()
    challenge = challenge_factory(
        submission_start=now - timedelta(days=20),
        submission_end=now - timedelta(days=10),
        voting_start=now - timedelta(days=9),
        voting_end=now - timedelta(minutes=1),
    )
    idea_factory(challenge=challenge)
    assert ideas_challenge_schedule()["sealed"] == 1
    challenge.refresh_from_db()
    assert challenge.sealed_at and len(challenge.seal_digest) == 64
    assert ideas_challenge_schedule()["sealed"] == 0
    assert not Notification.objects.filter(kind__startswith="challenge_voting").exists()


def test_beat_schedule_runs_the_job_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ideas-challenge-schedule"]
    assert entry["task"] == "apps.ideas.tasks.ideas_challenge_schedule"
    assert entry["schedule"].minute == set(range(0, 60, 5))
