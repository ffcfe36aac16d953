"""The review queue's column of merged pull requests in the period."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from reports.models import GitHubEvidence
from tests.factories import ReportFactory


def test_the_review_queue_shows_merged_prs_this_period(client, camp):
    with_evidence = ReportFactory(student=camp.alice, period=camp.period(1))
    without = ReportFactory(student=camp.bob, period=camp.period(1))
    GitHubEvidence.objects.create(
        student=camp.alice,
        period=camp.period(1),
        login="alice",
        prs_merged_count=4,
        fetched_at=timezone.now(),
    )
    # Another period's evidence does not leak into this report's row.
    GitHubEvidence.objects.create(
        student=camp.bob,
        period=camp.period(2),
        login="bob",
        prs_merged_count=9,
        fetched_at=timezone.now(),
    )
    client.force_login(camp.mentor_a)
    response = client.get(reverse("admin:reports_report_changelist"))
    rows = {r.pk: r for r in response.context["cl"].result_list}
    assert rows[with_evidence.pk].merged_prs == 4
    assert rows[without.pk].merged_prs is None
    page = response.content.decode()
    assert "column-merged_prs_this_period" in page
    assert '<td class="field-merged_prs_this_period">4</td>' in page
