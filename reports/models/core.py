"""The core of the record: a cohort's periods, the reports students write for
them, every revision of a report's body, its reviews and the conversation
under it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort


class Period(models.Model):
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="periods", verbose_name=_("cohort")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_at = models.DateTimeField(_("due at"))
    summary_issue_number = models.PositiveIntegerField(
        _("summary issue number"), null=True, blank=True
    )
    summary_issue_url = models.URLField(_("summary issue URL"), blank=True)

    class Meta:
        ordering = ["cohort", "number"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="unique_period_number"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="period_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="period_number_positive"),
        ]
        indexes = [models.Index(fields=["cohort", "starts_on"])]

    def __str__(self) -> str:
        return f"#{self.number} {self.starts_on:%Y.%m.%d}~{self.ends_on:%Y.%m.%d}"


class Source(models.TextChoices):
    WEB = "web", _("Web form")
    GITHUB_COMMENT = "github-comment", _("GitHub issue comment")
    GITHUB_FILE = "github-file", _("GitHub file")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")


class Report(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("student"),
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="reports", verbose_name=_("period")
    )
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.WEB
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    problems = models.JSONField(
        _("problems"),
        default=list,
        blank=True,
        help_text=_(
            "What the checks of the web form found in the body, kept for the mentor "
            "and the TA when the report came from a door that cannot refuse (GitHub)."
        ),
    )
    source_ref = models.CharField(
        _("source reference"),
        max_length=500,
        blank=True,
        help_text=_("Comment id, or file path and commit."),
    )
    source_deleted_at = models.DateTimeField(_("deleted at the source"), null=True, blank=True)
    claimed_start = models.DateField(_("claimed start"), null=True, blank=True)
    claimed_end = models.DateField(_("claimed end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period__cohort", "period__number", "student__github_login"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["student", "period"], name="one_report_per_period"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="submitted_report_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            models.Index(fields=["submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.period}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Revision(models.Model):
    """One version of a report body. Append-only: nothing a student wrote is lost."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("report")
    )
    body = models.TextField(_("body"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("author"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["report", "created_at", "id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        # In the cohort's time zone, like every other time the admin shows.
        local = self.created_at.astimezone(self.report.period.cohort.tzinfo)
        return f"{self.report} @ {local:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Revisions are append-only.")
        super().save(*args, **kwargs)


class Review(models.Model):
    class Verdict(models.TextChoices):
        APPROVED = "approved", _("Approved")
        NEEDS_CHANGES = "needs_changes", _("Needs changes")
        COMMENT = "comment", _("Comment")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("report")
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews_written",
        help_text=_("Empty for an imported review whose reviewer is unknown."),
        verbose_name=_("mentor"),
    )
    body = models.TextField(_("review"), blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ADMIN
    )
    source_ref = models.CharField(_("source reference"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["report", "created_at", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} · {self.report}"


class Reply(models.Model):
    """A message in the conversation under a report: the student answering a
    review, or a reviewer answering the student. Append-only, like reviews."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="report_replies",
        verbose_name=_("author"),
    )
    body = models.TextField(_("reply"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["report", "created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        indexes = [models.Index(fields=["report", "created_at"])]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="reply_has_body")]

    def __str__(self) -> str:
        return f"{self.author} · {self.report}"
