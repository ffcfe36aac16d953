"""Who may see and do what, as querysets.

Every page, admin view and API endpoint scopes its queryset through these
functions, so a report that is not yours to see is simply not found (404),
whichever door you knock on.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from camp.models import Cohort, Membership, Mentorship, Role, User
from camp.roles import may_manage
from reports.models import Blocker, QAEntry, Report, Review

AnyUser = User | AnonymousUser


def _assists_cohort(user: User) -> Exists:
    """The report's cohort is one the user is a TA of (for report querysets)."""
    return Exists(
        Membership.objects.filter(user=user, cohort=OuterRef("period__cohort"), role=Role.TA)
    )


def _mentors_student(user: User) -> Exists:
    return Exists(
        Mentorship.objects.filter(
            mentor=user, student=OuterRef("student"), cohort=OuterRef("period__cohort")
        )
    )


def visible_reports(user: AnyUser) -> QuerySet[Report]:
    """Reports the user may read. Drafts are their author's alone (and the superuser's)."""
    reports = Report.objects.all()
    if not user.is_authenticated or not user.is_active:
        return reports.none()
    if user.is_superuser:
        return reports
    shared_cohorts = Membership.objects.filter(
        user=user,
        cohort=OuterRef("period__cohort"),
        cohort__report_visibility=Cohort.Visibility.COHORT,
    )
    submitted_and_visible = Q(status=Report.Status.SUBMITTED) & (
        _assists_cohort(user) | _mentors_student(user) | Exists(shared_cohorts)
    )
    return reports.filter(Q(student=user) | submitted_and_visible)


def reviewable_reports(user: AnyUser) -> QuerySet[Report]:
    """Submitted reports the user may review: their mentees', or any in a cohort they
    assist; never their own, whatever roles they hold."""
    reports = Report.objects.filter(status=Report.Status.SUBMITTED)
    if not user.is_authenticated or not user.is_active:
        return reports.none()
    reports = reports.exclude(student=user)
    if user.is_superuser:
        return reports
    return reports.filter(_assists_cohort(user) | _mentors_student(user))


def visible_reviews(user: AnyUser) -> QuerySet[Review]:
    """Reviews the user may read: those of their own reports, of reports they may
    review, and their own. A peer's report may be shared; its review is not."""
    reviews = Review.objects.all()
    if not user.is_authenticated or not user.is_active:
        return reviews.none()
    if user.is_superuser:
        return reviews
    return reviews.filter(
        Q(report__student=user) | Q(report__in=reviewable_reports(user)) | Q(mentor=user)
    )


def can_review(user: AnyUser, report: Report) -> bool:
    return reviewable_reports(user).filter(pk=report.pk).exists()


def admin_reports(user: AnyUser) -> QuerySet[Report]:
    """Reports shown in the admin: the superuser's all of them, anyone else's the
    ones they may review (a mentor's own students, a TA's cohorts). Peers'
    reports that a shared cohort lets a mentor read stay out of the review queue."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return visible_reports(user)
    return reviewable_reports(user)


def overview_students(user: AnyUser, cohort: Cohort) -> QuerySet[User] | None:
    """Students of the cohort whose progress the user may follow; None when the
    user may not see the cohort's overview at all."""
    students = User.objects.filter(memberships__cohort=cohort, memberships__role=Role.STUDENT)
    if not user.is_authenticated or not user.is_active:
        return None
    if may_manage(user, cohort):
        return students
    if cohort.memberships.filter(user=user, role=Role.MENTOR).exists():
        return students.filter(mentored_by__mentor=user, mentored_by__cohort=cohort)
    return None


def may_converse(user: AnyUser, report: Report) -> bool:
    """Who takes part in the conversation under a report: its student and those
    who may review it, the people who read its reviews (visible_reviews)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if report.status != Report.Status.SUBMITTED:
        return False
    return report.student_id == user.pk or can_review(user, report)


def conversation_reports(user: AnyUser) -> QuerySet[Report]:
    """Reports whose conversation (replies) the user may read: the queryset twin
    of reports.reviewing.conversation.thread, i.e. may_converse or a reader of
    the report's reviews (visible_reviews)."""
    reports = Report.objects.filter(status=Report.Status.SUBMITTED)
    if not user.is_authenticated or not user.is_active:
        return reports.none()
    if user.is_superuser:
        return reports
    return reports.filter(
        Q(student=user)
        | Q(pk__in=reviewable_reports(user).values("pk"))
        | Q(pk__in=Review.objects.filter(mentor=user).values("report"))
    )


def visible_blockers(user: AnyUser) -> QuerySet[Blocker]:
    """Blockers are part of their report: whoever may read it sees them."""
    return Blocker.objects.filter(report__in=visible_reports(user).values("pk"))


def manages_blocker(user: AnyUser, blocker: Blocker) -> bool:
    """Who may resolve a blocker: its student, their mentors and the cohort's TAs."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or blocker.student_id == user.pk or may_manage(user, blocker.cohort):
        return True
    return Mentorship.objects.filter(
        mentor=user, student=blocker.student_id, cohort=blocker.cohort_id
    ).exists()


def visible_qa_entries(user: AnyUser) -> QuerySet[QAEntry]:
    """Q&A entries the user may read: those of the reports they may read, not
    merged into another; hidden ones only for those who curate the cohort's."""
    entries = QAEntry.objects.filter(
        report__in=visible_reports(user).values("pk"), merged_into__isnull=True
    )
    if not user.is_authenticated or not user.is_active:
        return entries.none()
    if user.is_superuser:
        return entries
    curated = Membership.objects.filter(user=user, cohort=OuterRef("cohort"), role=Role.TA)
    return entries.filter(Q(hidden=False) | Exists(curated))
