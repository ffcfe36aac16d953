"""Health of the pieces the app needs: database, broker, and a live worker."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from camp.celery import app

HEARTBEAT_KEY = "camp:worker-heartbeat"


def record_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=24 * 3600)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_cache() -> str:
    """The cache (Redis when REDIS_URL is set) that holds locks, throttles and pages."""
    try:
        cache.set("camp:health-probe", "ok", timeout=10)
        if cache.get("camp:health-probe") != "ok":
            return "error: the cache lost what it was given"
    except Exception as exc:  # redis-py and file errors alike mean "down"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_broker() -> str:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:  # kombu raises transport-specific errors
        return f"error: {exc.__class__.__name__}"
    return "ok"


def worker_heartbeat() -> dict:
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception:  # a cache outage must not break the health page
        last = None
    if not last:
        return {"status": "unknown", "last_seen": None}
    age = (timezone.now() - datetime.datetime.fromisoformat(last)).total_seconds()
    status = "ok" if age <= settings.HEARTBEAT_STALE_AFTER else "stale"
    return {"status": status, "last_seen": last}


def health() -> tuple[bool, dict]:
    """(healthy, details). Healthy means the database, the broker and the cache answer; the
    worker heartbeat is reported but does not fail the check, since a web node
    must stay in rotation while workers restart."""
    checks = {"database": check_database(), "broker": check_broker(), "cache": check_cache()}
    healthy = all(value == "ok" for value in checks.values())
    return healthy, {"status": "ok" if healthy else "error", **checks, "worker": worker_heartbeat()}


def check_migrations() -> str:
    """ "ok" when every migration on disk is applied to the database."""
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # the database is down or the history is broken
        return f"error: {exc.__class__.__name__}"
    return f"pending: {len(plan)}" if plan else "ok"


def readiness() -> tuple[bool, dict]:
    """(ready, details). Ready to take traffic: healthy, and the schema is the one
    the code expects (a new web node must wait for the migrate step)."""
    healthy, details = health()
    details["migrations"] = check_migrations()
    ready = healthy and details["migrations"] == "ok"
    details["status"] = "ok" if ready else "error"
    return ready, details
