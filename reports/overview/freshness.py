"""Receivers that keep the cohort's cached pages fresh.

What the cohort's pages show (the overview above all, reports.overview.caching)
is cached under the cohort's data_version; every save or deletion of a row they
read moves it (camp.models.mark_cohorts_changed), whichever door wrote the row.
A user's own fields change the pages of every cohort they are in. Imported by
ReportsConfig.ready(), which connects them.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from camp.models import Cohort, Membership, Mentorship, Project, User, mark_cohorts_changed
from reports.models import Allowance, GitHubPullRequest, Period, Report, Review

COHORTS_OF = {
    Report: lambda row: {"periods": row.period_id},
    Review: lambda row: {"periods__reports": row.report_id},
    Allowance: lambda row: {"periods": row.period_id},
    Period: lambda row: {"pk": row.cohort_id},
    GitHubPullRequest: lambda row: {"pk": row.cohort_id},
    Project: lambda row: {"pk": row.cohort_id},
    Membership: lambda row: {"pk": row.cohort_id},
    Mentorship: lambda row: {"pk": row.cohort_id},
    User: lambda row: {"memberships__user": row.pk},
}
# Saves of a user that no page of a cohort shows (every sign-in writes last_login).
UNSHOWN_USER_FIELDS = {
    "last_login",
    "password",
    "is_staff",
    "email_notifications",
    "language",
    "timezone",
}


def row_saved(
    sender: type[models.Model],
    instance: models.Model,
    update_fields: frozenset[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw or (sender is User and update_fields and set(update_fields) <= UNSHOWN_USER_FIELDS):
        return
    mark_cohorts_changed(Cohort.objects.filter(**COHORTS_OF[sender](instance)))


def row_deleted(
    sender: type[models.Model], instance: models.Model, origin: Any = None, **kwargs: Any
) -> None:
    if isinstance(origin, Cohort):
        return  # the whole cohort goes
    mark_cohorts_changed(Cohort.objects.filter(**COHORTS_OF[sender](instance)))


for model in COHORTS_OF:
    post_save.connect(row_saved, sender=model, dispatch_uid=f"freshness-save-{model.__name__}")
    post_delete.connect(
        row_deleted, sender=model, dispatch_uid=f"freshness-delete-{model.__name__}"
    )
