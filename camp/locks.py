"""One running copy of a job across all processes and machines.

    from camp.locks import single_instance

    @shared_task(ignore_result=True)
    @single_instance("send-reminders", ttl=10 * 60)
    def send_reminders() -> int | None:
        ...  # skipped (returns None) while another copy runs

    with single_instance("publish-summary:42", ttl=60) as acquired:
        if not acquired:
            return
        ...

Why: beat must run once, but a second beat (a mistaken `--scale beat=2`, two
deploys overlapping) or a slow run meeting its next tick would otherwise run the
same periodic job twice at once. Every periodic task takes one of these.

The lock is a cache key added with `cache.add`, so it is shared by everything
that shares the cache: atomic in Redis (SET NX) in production; in the embedded
default the file cache is not atomic across processes, which is fine there
because one beat runs. `ttl` (seconds) is how long the lock outlives a process
that dies holding it: make it longer than the job ever takes, since a job that
runs past it can meet a second copy. The lock prevents overlapping runs, not
repeated ones: jobs stay idempotent.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

KEY_PREFIX = "camp:lock:"


class single_instance:  # noqa: N801 - used like a function: `with single_instance(...)`
    def __init__(self, name: str, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive: a lock without expiry outlives a crash.")
        self.name = name
        self.ttl = ttl
        self.key = KEY_PREFIX + name
        self._token: str | None = None

    def acquire(self) -> bool:
        token = uuid.uuid4().hex
        if cache.add(self.key, token, timeout=self.ttl):
            self._token = token
            return True
        return False

    def release(self) -> None:
        # Only our own lock: after a run longer than ttl the key may be another
        # holder's. (Between get and delete that holder's lock could still expire and
        # be re-taken; the window needs a run past its ttl and is accepted.)
        if self._token is not None and cache.get(self.key) == self._token:
            cache.delete(self.key)
        self._token = None

    def __enter__(self) -> bool:
        acquired = self.acquire()
        if not acquired:
            logger.info("%s is already running elsewhere; skipped", self.name)
        return acquired

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R | None]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
            # A fresh lock object per call: one decorator serves concurrent calls.
            with single_instance(self.name, self.ttl) as acquired:
                return func(*args, **kwargs) if acquired else None

        # Lets a test check that every periodic task is guarded.
        wrapper.single_instance = self
        return wrapper
