"""Who may take which action. What one may *see* is decided by the
querysets of reports.access; these classes turn visible-but-forbidden actions
into 403."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from camp.models import Role
from camp.roles import cohorts_where
from reports.models import Report


class ReportPermission(BasePermission):
    """Students write their own reports; everyone else only reads."""

    message = _("Only students write reports, and only their own.")

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return cohorts_where(request.user, Role.STUDENT).exists()

    def has_object_permission(self, request: Request, view, report: Report) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # Their own, and still a student of its cohort: a student removed from
        # the roster no longer changes their old reports.
        return (
            report.student_id == request.user.pk
            and cohorts_where(request.user, Role.STUDENT)
            .filter(pk=report.period.cohort_id)
            .exists()
        )


class ReviewPermission(BasePermission):
    """Mentors, TAs and admins write reviews; which reports they may review is
    checked against the report itself."""

    message = _("Only mentors and TAs write reviews.")

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return user.is_superuser or cohorts_where(user, Role.MENTOR, Role.TA).exists()
