"""A real Celery worker process delivers notifications made inside a web request:
with the embedded filesystem broker by default, with Redis when REDIS_URL is set
(CI runs the suite both ways)."""

import pytest
from django.urls import reverse

from apps.notifications.models import Delivery
from apps.notifications.tasks import notifications_deliver_email
from tests.notifications.workers import mails_to, wait_until


@pytest.fixture
def worker(start_worker, tmp_path):
    start_worker()
    return tmp_path / "mail"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_notification_from_a_request_is_mailed_exactly_once_by_a_real_worker(
    worker, client_for, coe_user, user_factory
):
    readers = [user_factory() for _ in range(3)]
    response = client_for(coe_user).post(
        reverse("notifications:announcement_create"), {"title": "システム停止のお知らせ", "body": "土曜日"}
    )
    assert response.status_code == 302

    def all_sent() -> bool:
        return Delivery.objects.filter(status="sent").count() == len(readers)

    wait_until(all_sent, "the worker to send every delivery")
    assert sorted(mails_to(worker)) == sorted(u.email for u in readers)

    # The same deliveries handed to the worker again (a redelivered message) send nothing;
    # a later notification still goes out, so the worker did process the duplicates first.
    notifications_deliver_email.delay(list(Delivery.objects.values_list("pk", flat=True)))
    late = user_factory()
    client_for(coe_user).post(reverse("notifications:announcement_create"), {"title": "追加", "body": "x"})
    wait_until(lambda: Delivery.objects.filter(notification__recipient=late, status="sent").exists(), "late mail")

    sent = mails_to(worker)
    assert sorted(sent) == sorted([u.email for u in readers] * 2 + [late.email])
    assert all(d.attempts == 1 for d in Delivery.objects.all())
