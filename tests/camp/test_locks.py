"""camp.locks.single_instance: one running copy of a job, through the shared cache."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from camp.celery import app
from camp.locks import KEY_PREFIX, single_instance
from reports.models import Period
from reports.tasks import extend_calendars


@pytest.fixture
def name():
    # The cache (Redis in CI) outlives the test: a fresh name per test, cleaned up.
    name = f"test-{uuid.uuid4().hex}"
    yield name
    cache.delete(KEY_PREFIX + name)


def test_second_holder_is_refused_until_the_first_is_done(name):
    with single_instance(name, ttl=60) as first:
        assert first is True
        with single_instance(name, ttl=60) as second:
            assert second is False
    with single_instance(name, ttl=60) as again:
        assert again is True


def test_lock_is_released_when_the_job_fails(name):
    with pytest.raises(RuntimeError), single_instance(name, ttl=60):
        raise RuntimeError("job failed")
    with single_instance(name, ttl=60) as acquired:
        assert acquired


def test_lock_of_a_dead_holder_expires_after_ttl(name):
    crashed = single_instance(name, ttl=1)
    assert crashed.acquire()  # never released, like a killed worker
    assert not single_instance(name, ttl=1).acquire()
    time.sleep(1.2)
    assert single_instance(name, ttl=60).acquire()


def test_release_leaves_another_holders_lock_alone(name):
    slow = single_instance(name, ttl=60)
    assert slow.acquire()
    # The slow run outlived its ttl and someone else took the lock meanwhile.
    cache.set(KEY_PREFIX + name, "someone-else", timeout=60)
    slow.release()
    assert cache.get(KEY_PREFIX + name) == "someone-else"


def test_decorator_skips_the_call_while_another_copy_runs(name):
    calls = []

    @single_instance(name, ttl=60)
    def job(value: int) -> int:
        calls.append(value)
        return value * 2

    assert job(1) == 2
    with single_instance(name, ttl=60):
        assert job(2) is None
    assert job(3) == 6
    assert calls == [1, 3]
    assert job.__name__ == "job"


def test_ttl_must_be_positive(name):
    with pytest.raises(ValueError, match="ttl must be positive"):
        single_instance(name, ttl=0)


@pytest.mark.skipif(
    "RedisCache" not in settings.CACHES["default"]["BACKEND"],
    reason="atomic across processes only on Redis (REDIS_URL)",
)
def test_only_one_of_many_concurrent_contenders_gets_the_lock(name):
    contenders = 8
    start = threading.Barrier(contenders)
    done = threading.Barrier(contenders)
    winners = []

    def contend() -> None:
        start.wait()
        with single_instance(name, ttl=60) as acquired:
            if acquired:
                winners.append(threading.get_ident())
            done.wait()  # nobody releases before everyone has tried

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(winners) == 1


@pytest.mark.django_db
def test_every_periodic_task_takes_a_lock():
    from django_celery_beat.models import PeriodicTask

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    # Beat's table, as camp.schedule installs it (and settings, should anyone add one).
    periodic = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    periodic |= set(PeriodicTask.objects.values_list("task", flat=True))
    unguarded = {
        name
        for name in periodic
        if not isinstance(getattr(app.tasks[name].run, "single_instance", None), single_instance)
    }
    assert not unguarded, f"decorate with @single_instance: {sorted(unguarded)}"


@pytest.mark.django_db
def test_extend_calendars_does_nothing_while_another_run_holds_the_lock():
    from tests.factories import CohortFactory

    cohort = CohortFactory()
    with single_instance("extend-calendars", ttl=60):
        assert extend_calendars() is None
    assert not Period.objects.filter(cohort=cohort).exists()
    assert extend_calendars() > 0
    assert Period.objects.filter(cohort=cohort).exists()
