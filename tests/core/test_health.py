import pytest
from celery import current_app
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_ok_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failed": []}


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_is_down(client, monkeypatch):
    # A port where nothing listens: the real connection attempt fails.
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["broker"]}


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


@pytest.mark.django_db
def test_healthz_reveals_no_personal_data(client, staff_user):
    body = client.get("/healthz").content.decode()
    assert staff_user.username not in body and staff_user.email not in body
