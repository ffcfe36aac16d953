"""What a benchmark needs before it measures: its database."""

from __future__ import annotations

import os
import tempfile
import warnings

from django.conf import settings
from django.core.management import call_command


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASES if it is missing, so a
    benchmark runs on a fresh machine (the server must be reachable)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg

    params = {
        key: value
        for key, value in {
            "host": db["HOST"],
            "port": db["PORT"] or None,
            "user": db["USER"],
            "password": db["PASSWORD"],
        }.items()
        if value
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def migrated_database() -> None:
    """The database in DATABASES, created if missing (ensure_database) and migrated."""
    ensure_database()
    call_command("migrate", verbosity=0, interactive=False)


def use_throwaway_database(prefix: str) -> None:
    """Before Django starts: a new SQLite file (BENCH_DATABASE_URL names another
    database), the production settings' quiet logs, and no warning about the
    static files a benchmark never serves."""
    folder = tempfile.mkdtemp(prefix=prefix)
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3"
    )
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    warnings.filterwarnings("ignore", message="No directory at")
