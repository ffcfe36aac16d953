"""Blocker pages: the open blockers of a cohort, oldest first (its TAs see
every student's, a mentor their own students'), and the actions on one
blocker: resolve, still open, open a GitHub issue. Thin: scope, call
reports.blockers.entries or the GitHub outbox, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from camp.celery import enqueue_after_commit
from camp.models import Cohort
from camp.roles import may_manage
from reports.access import overview_students, visible_blockers
from reports.blockers.entries import age_days, open_blockers, resolve, still_open
from reports.github.tasks import push_github_cohort
from reports.github.writeback import plan_blocker_issue
from reports.links import blocker_path
from reports.models import Blocker, ReminderPolicy


def _blocker(request: HttpRequest, pk: int) -> Blocker:
    return get_object_or_404(
        visible_blockers(request.user).select_related("cohort", "report", "last_seen_period"),
        pk=pk,
    )


def _back(request: HttpRequest, blocker: Blocker) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = blocker_path(blocker.report_id, blocker.pk)
    return redirect(target)


@login_required
@require_GET
def cohort_blockers(request: HttpRequest, cohort: str) -> HttpResponse:
    cohort_row = get_object_or_404(Cohort, slug=cohort)
    students = overview_students(request.user, cohort_row)
    if students is None:
        raise PermissionDenied
    now = timezone.now()
    policy = ReminderPolicy.objects.filter(cohort=cohort_row).first()
    old_after = policy.blocker_mentor_days if policy else 7
    rows = [
        {
            "blocker": blocker,
            "days": age_days(blocker, now),
            "old": age_days(blocker, now) >= old_after,
        }
        for blocker in open_blockers(cohort_row).filter(student__in=students.values("pk"))
    ]
    manages = may_manage(request.user, cohort_row)
    return render(
        request,
        "blockers/cohort.html",
        {
            "cohort": cohort_row,
            "rows": rows,
            "old_after": old_after,
            "may_open_issues": manages and bool(cohort_row.github_repo),
        },
    )


@login_required
@require_POST
def resolve_page(request: HttpRequest, pk: int) -> HttpResponse:
    blocker = _blocker(request, pk)
    try:
        resolve(blocker, request.user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, _("Blocker resolved."))
    return _back(request, blocker)


@login_required
@require_POST
def still_open_page(request: HttpRequest, pk: int) -> HttpResponse:
    blocker = _blocker(request, pk)
    number = request.POST.get("period", "")
    period = (
        blocker.cohort.periods.filter(number=int(number)).first()
        if number.isdigit() and len(number) < 6
        else None
    )
    if period is None:
        messages.error(request, _("Say which period you are writing for."))
        return _back(request, blocker)
    try:
        still_open(blocker, request.user, period)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Noted: still blocked."))
    return _back(request, blocker)


@login_required
@require_POST
def issue_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A TA turns the blocker into an issue of the cohort's repository,
    written by the GitHub outbox after commit."""
    blocker = _blocker(request, pk)
    if not may_manage(request.user, blocker.cohort):
        raise PermissionDenied
    if not blocker.cohort.github_repo:
        messages.error(request, _("The cohort has no GitHub repository."))
        return _back(request, blocker)
    plan_blocker_issue(blocker)
    enqueue_after_commit(push_github_cohort, blocker.cohort_id)
    messages.success(request, _("The issue will be opened on GitHub in a moment."))
    return _back(request, blocker)
