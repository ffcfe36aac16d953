"""The production configuration, started for real: DEBUG off, gunicorn, PostgreSQL
and Redis, the settings from docker/.env.example. No Docker engine here, so the
processes the image would run are started directly, the way the image starts them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.camp.test_deploy_files import documented_variables
from tests.conftest import using_postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "camp.example.org"

pytestmark = [
    pytest.mark.skipif(
        not (using_postgres() and os.environ.get("REDIS_URL")),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
    # Makes pytest-django create the test database, which the servers here use.
    pytest.mark.django_db,
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    # The test database pytest-django created and migrated, not the developer's.
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def production_env(django_db_setup, tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("production")
    documented = {name: value for name, value in documented_variables().items() if value}
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        **documented,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "STATIC_ROOT": str(tmp / "static"),
        "CAMP_VAR_DIR": str(tmp / "var"),
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",  # as in the image: each log line reaches stdout at once
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def collected_static(production_env) -> Path:
    result = manage(production_env, "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, result.stderr
    return Path(production_env["STATIC_ROOT"])


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def json_lines(path: Path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    # Every line on stdout is structured: a plain line would break log collectors.
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def gunicorn(production_env, collected_static, tmp_path_factory) -> Iterator[dict]:
    port = free_port()
    logs = tmp_path_factory.mktemp("gunicorn")
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "python:camp.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "camp.wsgi:application",
            ],
            cwd=ROOT,
            env=production_env,
            stdout=out,
            stderr=err,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": HOST}, timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, stderr.read_text() + stdout.read_text()
            try:
                client.get("/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.3)
        yield {"client": client, "process": process, "stdout": stdout, "stderr": stderr}
    finally:
        client.close()
        stop(process)


def test_check_deploy_passes_with_the_documented_variables(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_https_is_turned_off(production_env):
    result = manage(
        {**production_env, "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr
    assert "security.W012" in result.stderr


def test_collectstatic_writes_hashed_names(collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["camp/app.css"]
    assert re.fullmatch(r"camp/app\.[0-9a-f]{12}\.css", hashed)
    assert (collected_static / hashed).is_file()
    assert (collected_static / f"{hashed}.gz").is_file()


def test_healthz_answers_plain_http_probes(gunicorn):
    # No X-Forwarded-Proto: how the container health check calls it.
    response = gunicorn["client"].get("/healthz")
    assert response.status_code == 200, response.text
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_healthz_from_localhost_whatever_the_allowed_hosts(gunicorn):
    response = gunicorn["client"].get("/healthz", headers={"Host": "localhost:8000"})
    assert response.status_code == 200


def test_readyz_checks_migrations(gunicorn):
    response = gunicorn["client"].get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["migrations"] == "ok"


def test_plain_http_is_redirected_to_https(gunicorn):
    response = gunicorn["client"].get("/accounts/login/")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/accounts/login/"


def test_unknown_host_is_refused(gunicorn):
    response = gunicorn["client"].get(
        "/accounts/login/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 400


def test_https_page_is_hardened_and_served_with_hashed_static(gunicorn):
    client = gunicorn["client"]
    response = client.get(
        "/accounts/login/",
        headers={"X-Forwarded-Proto": "https", "X-Request-ID": "deploy-test-login"},
    )
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"] == "deploy-test-login"
    csrf_cookie = response.headers["Set-Cookie"]
    assert csrf_cookie.startswith("csrftoken=") and "Secure" in csrf_cookie

    stylesheet = re.search(r'href="(/static/camp/app\.[0-9a-f]{12}\.css)"', response.text)
    assert stylesheet, "the page links the hashed stylesheet"
    css = client.get(stylesheet.group(1), headers={"X-Forwarded-Proto": "https"})
    assert css.status_code == 200
    assert "immutable" in css.headers["Cache-Control"]


def test_logs_are_json_lines_with_the_request_id(gunicorn):
    gunicorn["client"].get(
        "/accounts/login/",
        headers={"X-Forwarded-Proto": "https", "X-Request-ID": "deploy-test-logs"},
    )
    deadline = time.monotonic() + 10
    while "deploy-test-logs" not in gunicorn["stdout"].read_text():
        assert time.monotonic() < deadline, gunicorn["stdout"].read_text()
        time.sleep(0.1)
    entries = json_lines(gunicorn["stdout"])
    request_lines = [entry for entry in entries if entry.get("request_id") == "deploy-test-logs"]
    assert request_lines == [
        {
            "time": request_lines[0]["time"],
            "level": "INFO",
            "logger": "camp.request",
            "message": "GET /accounts/login/ 200",
            "request_id": "deploy-test-logs",
            "method": "GET",
            "path": "/accounts/login/",
            "status": 200,
            "duration_ms": request_lines[0]["duration_ms"],
        }
    ]
    # gunicorn's own lines are JSON too
    assert any(entry["logger"] == "gunicorn.error" for entry in entries)


def test_worker_logs_carry_the_task_id(production_env, tmp_path):
    from camp.tasks import heartbeat

    # A queue of its own, so the worker takes this test's task and nothing else.
    queue = f"deploy-test-{uuid.uuid4().hex}"
    stdout = tmp_path / "worker.log"
    with stdout.open("w") as out:
        worker = subprocess.Popen(
            # as in docker/compose.yml, plus a pool and a queue for the test
            [str(BIN / "celery"), "-A", "camp", "--quiet", "worker", "--pool=solo", "-Q", queue],
            cwd=ROOT,
            env=production_env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    try:
        task_id = heartbeat.apply_async(queue=queue).id
        deadline = time.monotonic() + 60
        while "succeeded" not in stdout.read_text():
            assert worker.poll() is None, stdout.read_text()
            assert time.monotonic() < deadline, stdout.read_text()
            time.sleep(0.3)
    finally:
        stop(worker)
    # Celery prints its shutdown notice ("worker: Warm shutdown") as plain text,
    # past the logging setup; every other line is JSON.
    lines = [line for line in stdout.read_text().splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith("{")] == [
        "worker: Warm shutdown (MainProcess)"
    ]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    done = [entry for entry in entries if "succeeded" in entry["message"]]
    assert done[0]["task_id"] == task_id
    assert done[0]["logger"] == "celery.app.trace"


@pytest.mark.django_db(transaction=True)  # committed, so the gunicorn workers see the user
def test_sign_in_behind_the_tls_proxy(gunicorn, settings):
    from django.contrib.auth import get_user_model

    # The servers use the real hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    get_user_model().objects.create_user(username="deploy", password="pw-deploy-1")
    client = gunicorn["client"]
    # As the proxy forwards a browser's https request; the cookies are Secure, so
    # they are handed over explicitly (httpx keeps Secure cookies off http URLs).
    proxied = {"X-Forwarded-Proto": "https", "Origin": f"https://{HOST}"}

    form = client.get("/accounts/login/", headers=proxied)
    csrf_cookie = form.cookies["csrftoken"]
    csrf_field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    signed_in = client.post(
        "/accounts/login/",
        headers={**proxied, "Cookie": f"csrftoken={csrf_cookie}"},
        data={"username": "deploy", "password": "pw-deploy-1", "csrfmiddlewaretoken": csrf_field},
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert signed_in.headers["Location"] == "/"
    session_cookie = next(
        value
        for value in signed_in.headers.get_list("Set-Cookie")
        if value.startswith("sessionid=")
    )
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie

    home = client.get(
        "/",
        headers={**proxied, "Cookie": session_cookie.split(";", 1)[0]},
    )
    assert home.status_code == 200
    assert 'name="password"' not in home.text
