from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.accounts.roles import Role
from apps.knowledge import services
from apps.knowledge.services import STALE_REMINDER_PERIOD_DAYS
from apps.knowledge.tasks import knowledge_remind_stale_articles
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def reminders(user=None):
    notes = Notification.objects.filter(kind="article_stale")
    return notes.filter(recipient=user) if user else notes


def test_the_beat_schedule_runs_the_reminder_task():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.knowledge.tasks.knowledge_remind_stale_articles" in tasks


def test_owners_are_reminded_once_per_period(article_factory, user_factory):
    today = timezone.localdate()
    owner, other = user_factory(roles=[Role.COE]), user_factory(roles=[Role.COE])
    past = today - timedelta(days=1)
    article_factory(owner=owner, review_by=past, title="古い記事A")
    article_factory(owner=owner, review_by=past - timedelta(days=30), title="古い記事B")
    article_factory(owner=other, review_by=today)  # due today: not stale yet
    article_factory(owner=other, review_by=past, status="draft")  # only published articles go stale
    article_factory(owner=other, review_by=None)

    assert knowledge_remind_stale_articles() == 1
    note = reminders(owner).get()
    assert note.params["count"] == 2 and note.params["title"] == "古い記事B"  # oldest first
    assert note.url.endswith("?owner=me&stale=1")
    assert not reminders(other).exists()

    # The same day again, and on the next days: nothing more.
    assert knowledge_remind_stale_articles() == 0
    services.articles_stale_remind(today=today + timedelta(days=STALE_REMINDER_PERIOD_DAYS - 1))
    assert reminders(owner).count() == 1
    # Meanwhile the article due today went stale and its owner was reminded, once.
    assert reminders(other).count() == 1
    # A period later, still stale: reminded again.
    services.articles_stale_remind(today=today + timedelta(days=STALE_REMINDER_PERIOD_DAYS))
    assert reminders(owner).count() == 2


def test_a_new_review_by_date_starts_a_new_period(article_factory, coe_user):
    today = timezone.localdate()
    article = article_factory(owner=coe_user, review_by=today - timedelta(days=1))
    services.articles_stale_remind(today=today)
    services.article_update(
        article=article,
        actor=coe_user,
        expected_version=article.version,
        title=article.title,
        body=article.body,
        category=article.category,
        tags=[],
        review_by=today + timedelta(days=5),
    )
    assert services.articles_stale_remind(today=today + timedelta(days=6)) == 1


def test_inactive_owners_are_not_reminded(article_factory, user_factory):
    gone = user_factory(roles=[Role.COE], is_active=False)
    article_factory(owner=gone, review_by=timezone.localdate() - timedelta(days=3))
    assert services.articles_stale_remind() == 0
