"""Every time the review page shows is in the cohort's time zone, in one format
per language (the app's "Y-m-d H:i"), revision labels included."""

import datetime

import pytest

from camp.models import Cohort
from reports.models import Revision, Source
from tests.factories import ReportFactory, ReviewFactory

UTC = datetime.UTC


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_review_page_shows_the_cohorts_time_in_one_format(client, camp, language):
    # A cohort far from the server's default zone (Asia/Shanghai), so a UTC or
    # server-zone time cannot pass for the cohort's.
    Cohort.objects.filter(pk=camp.cohort.pk).update(timezone="America/New_York")
    submitted = datetime.datetime(2025, 3, 16, 2, 30, tzinfo=UTC)  # 03-15 22:30 in New York
    report = ReportFactory(student=camp.alice, period=camp.period(1), submitted_at=submitted)
    Revision.objects.create(
        report=report, body="v2", source=Source.WEB, created_at=submitted, author=camp.alice
    )
    ReviewFactory(report=report, mentor=camp.mentor_a, created_at=submitted)
    client.force_login(camp.ta)
    client.cookies["django_language"] = language
    page = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert "2025-03-15 22:30" in page
    for wrong in ("2025-03-16 02:30", "2025-03-16 10:30", "2025年3月", "March 16, 2025", "Mar. 16"):
        assert wrong not in page, wrong


def test_a_revision_names_its_time_in_the_cohorts_zone(camp):
    Cohort.objects.filter(pk=camp.cohort.pk).update(timezone="Europe/Berlin")
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    revision = Revision.objects.create(
        report=report,
        body="x",
        source=Source.WEB,
        created_at=datetime.datetime(2025, 3, 10, 12, 0, tzinfo=UTC),
    )
    assert str(Revision.objects.get(pk=revision.pk)).endswith("@ 2025-03-10 13:00")
