"""What every benchmark on PostgreSQL needs first: its database."""

from __future__ import annotations

from django.conf import settings


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
