"""Settings from the environment: an unsafe production start is refused."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.USE_TZ, settings.TIME_ZONE, settings.CELERY_TIMEZONE)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "camp.settings"},
        capture_output=True,
        text=True,
    )


def test_production_without_secret_key_refuses_to_start():
    proc = start({"DEBUG": "0"})
    assert proc.returncode != 0
    assert "SECRET_KEY is not set" in proc.stderr


def test_debug_without_secret_key_starts():
    proc = start({"DEBUG": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "Asia/Shanghai", "Asia/Shanghai"]


def test_production_with_secret_key_and_time_zone():
    proc = start({"SECRET_KEY": "x" * 50, "TIME_ZONE": "Europe/Berlin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "Europe/Berlin", "Europe/Berlin"]


def test_environment_reaches_settings(monkeypatch):
    env = {
        "DEBUG": "1",
        "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
        "EMAIL_URL": "smtp://mail.example.com:2525",
        "ALLOWED_HOSTS": "camp.example.com,localhost",
        "DATABASE_URL": "sqlite:////tmp/elsewhere.sqlite3",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.GITHUB_API_URL, s.EMAIL_HOST, s.EMAIL_PORT, ','.join(s.ALLOWED_HOSTS), s.DATABASES['default']['NAME'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "camp.settings"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "https://ghe.example.com/api/v3",
        "mail.example.com",
        "2525",
        "camp.example.com,localhost",
        "/tmp/elsewhere.sqlite3",
    ]
