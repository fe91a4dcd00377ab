import pytest

from apps.accounts.models import User
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
