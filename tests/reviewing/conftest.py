import pytest

from camp.celery import app


@pytest.fixture
def eager_tasks():
    """Tasks enqueued after commit run at once, in the test's process."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
