"""/healthz: JSON with the state of the database, the broker and the worker."""

import pytest
from django.db.utils import OperationalError

from camp import health


@pytest.mark.django_db
def test_healthy(client):
    health.record_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == "ok"
    assert data["broker"] == "ok"
    assert data["worker"]["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_database_down_is_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


@pytest.mark.django_db
def test_broker_down_is_503(client, settings):
    from camp.celery import app

    original = app.conf.broker_url
    # Nothing listens on port 1: a real refused connection, not a mock.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_stale_worker_is_reported_but_not_fatal(client, settings):
    settings.HEARTBEAT_STALE_AFTER = -1
    health.record_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "stale"


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_ready_when_every_migration_is_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["migrations"] == "ok"
    assert data["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_not_ready_while_a_migration_is_pending(client):
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    # As if the code were deployed before the migrate step: the newest migration
    # is on disk but not recorded (the test's transaction undoes this).
    recorder = MigrationRecorder(connection)
    newest = recorder.migration_qs.filter(app="reports").order_by("-id").first()
    recorder.record_unapplied("reports", newest.name)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["migrations"] == "pending: 1"
    # Liveness does not care: the process is fine, it just must not take traffic.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_not_ready_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
    assert response.json()["migrations"] == "error: OperationalError"


@pytest.mark.django_db
def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_readyz_only_get(client):
    assert client.post("/readyz").status_code == 405
