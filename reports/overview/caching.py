"""Rendered overview pages and CSVs, cached until the cohort changes.

A key names everything the output depends on: the cohort and its
data_version (moved by every write that the overview reads, see
camp.models.mark_cohorts_changed), who asks (their scope), the language, the
filters, the host (the summary links reports absolutely) and the minute (the
page says "as of HH:MM"; states move with time as deadlines pass). Read the
cohort before the data: a page built while a change lands is then stored
under the older version, never under the newer one.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from redis.exceptions import RedisError

from camp.models import Cohort

logger = logging.getLogger(__name__)

# Entries outlive their minute only by a little: a new minute is a new key.
ENTRY_SECONDS = 120

Output = TypeVar("Output", str, bytes)


def output_key(
    kind: str,
    cohort: Cohort,
    *,
    user_id: int,
    language: str,
    query: str,
    host: str,
    now: datetime.datetime,
) -> str:
    minute = int(now.timestamp() // 60)
    request = hashlib.sha256(f"{language}\n{host}\n{query}".encode()).hexdigest()[:24]
    return f"overview:{kind}:{cohort.pk}:{cohort.data_version}:{user_id}:{minute}:{request}"


def cached_output(key: str, build: Callable[[], Output]) -> Output:
    """The output stored under `key`, else `build()` stored there. With the
    cache away (Redis down) every request builds its own: slower, still right."""
    pages = caches["pages"]
    try:
        output = pages.get(key)
    except (RedisError, OSError) as exc:
        logger.warning("overview cache unreachable, building without it: %s", exc)
        return build()
    if output is None:
        output = build()
        try:
            pages.set(key, output, ENTRY_SECONDS)
        except (RedisError, OSError) as exc:
            logger.warning("overview cache unreachable, not stored: %s", exc)
    return output
