"""How the overview reads a big cohort fast without changing what it says:
instants read as integers (EpochMicroseconds) come back exact on both
databases, and report links built in bulk are the ones reverse() gives."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.models import DateTimeField, Value
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reports.access import overview_students
from reports.links import report_paths
from reports.models import Report, Review, Revision
from reports.overview.grid import EpochMicroseconds, build_overview, instant
from reports.status import State
from tests.factories import ReportFactory, ReviewFactory

moments = st.datetimes(
    min_value=datetime.datetime(1971, 1, 1),
    max_value=datetime.datetime(2199, 12, 31),
    timezones=st.just(datetime.UTC),
)


# The last and first microsecond of a second, where rounding would show.
EDGES = [
    datetime.datetime(2025, 3, 17, 15, 59, 59, 999999, tzinfo=datetime.UTC),
    datetime.datetime(2025, 3, 17, 15, 59, 59, 999500, tzinfo=datetime.UTC),
    datetime.datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    datetime.datetime(1971, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC),
    # PostgreSQL's date_part('epoch') read this one a microsecond early.
    datetime.datetime(2107, 1, 1, 0, 0, 0, 89, tzinfo=datetime.UTC),
]


def with_edges(test):
    for moment in EDGES:
        test = example(moment=moment)(test)
    return test


def read_back(db_connection, moment: datetime.datetime) -> datetime.datetime | None:
    """`moment` as the database stores it, read through EpochMicroseconds."""
    expression = EpochMicroseconds(Value(moment, output_field=DateTimeField()))
    compiler = Report.objects.none().query.get_compiler(connection=db_connection)
    sql, params = compiler.compile(expression)
    with db_connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        [microseconds] = cursor.fetchone()
    return instant(microseconds)


@pytest.fixture(scope="module")
def sqlite(django_db_blocker):
    """An in-memory SQLite connection beside the test database, whichever that is:
    the embedded default runs on SQLite, CI on PostgreSQL."""
    wrapper = SQLiteWrapper(
        {
            **connection.settings_dict,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "OPTIONS": {},
        },
        alias="instants-sqlite",
    )
    with django_db_blocker.unblock():
        yield wrapper
        wrapper.close()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moment=moments)
@with_edges
def test_an_instant_reads_back_exactly_on_sqlite(sqlite, moment):
    assert read_back(sqlite, moment) == moment


@pytest.mark.django_db
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moment=moments)
@with_edges
def test_an_instant_reads_back_exactly_on_the_test_database(moment):
    assert read_back(connection, moment) == moment


@pytest.mark.django_db
def test_an_instant_in_another_time_zone_reads_back_as_the_same_instant():
    shanghai = datetime.datetime(
        2025, 3, 17, 23, 59, 59, 999999, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")
    )
    assert read_back(connection, shanghai) == shanghai


def test_nothing_reads_back_as_nothing():
    assert instant(None) is None


@pytest.mark.parametrize(
    "revised_after", [datetime.timedelta(microseconds=1), datetime.timedelta(0)]
)
def test_a_revision_one_microsecond_after_the_review_sends_the_report_back(camp, revised_after):
    """The overview compares instants it read as integers: a revision saved one
    microsecond after the latest review is newer, one saved at the same instant
    is not."""
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    review = ReviewFactory(report=report, mentor=camp.mentor_a, verdict=Review.Verdict.APPROVED)
    Revision.objects.create(
        report=report, body="edited", source="web", created_at=review.created_at + revised_after
    )
    now = review.created_at + datetime.timedelta(days=1)
    overview = build_overview(camp.cohort, overview_students(camp.ta, camp.cohort), now)
    [cell] = [cell for row in overview.rows for cell in row.cells if cell.report_id == report.pk]
    expected = State.RESUBMITTED if revised_after else State.REVIEWED
    assert cell.state == expected
    assert cell.submitted_at == Report.objects.get(pk=report.pk).submitted_at
    assert cell.reviewed_at == review.created_at


@settings(max_examples=50, deadline=None)
@given(report_id=st.integers(min_value=1, max_value=2**31 - 2))
def test_report_paths_are_the_paths_reverse_gives(report_id):
    assert report_paths()(report_id) == reverse("reports:detail", args=[report_id])
