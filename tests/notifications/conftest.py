import pytest

from apps.accounts.models import User
from apps.notifications import services, tasks
from apps.notifications.models import Delivery
from tests.notifications.workers import Worker


@pytest.fixture
def many_users(db):
    """Recipients by the hundred, created in one statement (the factory hashes a password each)."""

    def create(count: int) -> list[User]:
        users = [User(username=f"reader{i}", email=f"reader{i}@city.example.jp") for i in range(count)]
        return User.objects.bulk_create(users)

    return create


@pytest.fixture
def start_worker(tmp_path):
    """Start workers (all mailing into one folder); every one still running is stopped at the end."""
    started: list[Worker] = []

    def start(**kwargs) -> Worker:
        worker = Worker(mail_dir=tmp_path / "mail", **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def run_deliver_task(monkeypatch):
    """The e-mail task as the worker runs it on its `retries`-th retry, with the mail server
    refusing the mails to the `failing` deliveries. Returns the retry it asked for ({} if none)."""

    def run(delivery_ids, *, failing, retries) -> dict:
        original = services.delivery_email_send

        def flaky(*, delivery_id):
            if delivery_id in failing:
                # Like the real send: claimed, refused, back to pending, then raised.
                Delivery.objects.filter(pk=delivery_id).update(attempts=1)
                raise services.TransientDeliveryError("451 try again later")
            return original(delivery_id=delivery_id)

        asked = {}

        def retry(*, args, countdown):
            asked.update(args=args, countdown=countdown)
            return RuntimeError("retry")

        with monkeypatch.context() as patch:
            patch.setattr(services, "delivery_email_send", flaky)
            patch.setattr(tasks.notifications_deliver_email, "retry", retry)
            tasks.notifications_deliver_email.push_request(retries=retries)
            try:
                tasks.notifications_deliver_email.run(delivery_ids)
            except RuntimeError:
                pass
            finally:
                tasks.notifications_deliver_email.pop_request()
        return asked

    return run
