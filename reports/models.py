"""Reports: periods, reports and their revisions, reviews, excuses and extensions,
reminder policies and the notifications they send."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort, Membership, Mentorship, Project, User, mark_cohorts_changed


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


class Allowance(models.Model):
    """An excuse or a deadline extension granted to one student for one period."""

    class Kind(models.TextChoices):
        EXCUSED = "excused", _("Excused")
        EXTENSION = "extension", _("Extension")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="allowances",
        verbose_name=_("student"),
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="allowances", verbose_name=_("period")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    extended_due_at = models.DateTimeField(_("extended until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allowances_granted",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("excuse or extension")
        verbose_name_plural = _("excuses and extensions")
        constraints = [
            models.UniqueConstraint(fields=["student", "period"], name="one_allowance_per_period"),
            models.CheckConstraint(
                condition=Q(kind="excused", extended_due_at__isnull=True)
                | Q(kind="extension", extended_due_at__isnull=False),
                name="extension_has_new_due_time",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="allowance_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.student} · {self.period}"


class AllowanceRequest(models.Model):
    """A student asking for an extension or an excuse for one period; their
    mentors or the cohort's TAs grant it (which creates the Allowance) or
    decline it (reports.reviewing.requests)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="allowance_requests",
        verbose_name=_("student"),
    )
    period = models.ForeignKey(
        Period,
        on_delete=models.CASCADE,
        related_name="allowance_requests",
        verbose_name=_("period"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Allowance.Kind.choices)
    extended_until = models.DateTimeField(_("extended until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    answer = models.TextField(_("answer"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allowance_requests_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("extension or excuse request")
        verbose_name_plural = _("extension and excuse requests")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "period"],
                condition=Q(status="pending"),
                name="one_pending_request_per_period",
            ),
            models.CheckConstraint(
                condition=Q(kind="excused", extended_until__isnull=True)
                | Q(kind="extension", extended_until__isnull=False),
                name="extension_request_has_a_time",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="request_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.student} · {self.period}"


# ---------------------------------------------------------------- GitHub


class GitHubSettings(models.Model):
    """A cohort's GitHub link: its own token and the state of its last sync.

    The token lives here, not in the cohort's templates, and the admin never
    renders it back (it shows only whether one is set).
    """

    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, related_name="github", verbose_name=_("cohort")
    )
    token = models.CharField(
        _("GitHub token"),
        max_length=255,
        blank=True,
        help_text=_("Used instead of GITHUB_TOKEN for this cohort. Never shown again."),
    )
    create_summary_issues = models.BooleanField(
        _("create missing summary issues"),
        default=False,
        help_text=_("Publishing a period summary may open the period's summary issue."),
    )
    last_sync_started_at = models.DateTimeField(_("last sync started"), null=True, blank=True)
    last_sync_finished_at = models.DateTimeField(_("last sync finished"), null=True, blank=True)
    last_sync_ok = models.BooleanField(_("last sync succeeded"), null=True, blank=True)
    last_sync_result = models.JSONField(_("last sync result"), default=dict, blank=True)
    last_sync_error = models.TextField(_("last sync error"), blank=True)
    repository_renamed_from = models.CharField(
        _("repository renamed from"),
        max_length=200,
        blank=True,
        help_text=_("GitHub redirected the old name; the cohort now uses the new one."),
    )

    class Meta:
        verbose_name = _("GitHub settings")
        verbose_name_plural = _("GitHub settings")

    def __str__(self) -> str:
        return f"GitHub · {self.cohort.slug}"


class GitHubETag(models.Model):
    """The last answer to one polled URL: its ETag, data and next page.

    In the database so that every worker process asks GitHub conditionally.
    """

    url = models.CharField(_("URL"), max_length=1000, unique=True)
    etag = models.CharField(_("ETag"), max_length=200)
    data = models.JSONField(_("data"))
    next_url = models.CharField(_("next page"), max_length=1000, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        verbose_name = _("GitHub ETag")
        verbose_name_plural = _("GitHub ETags")

    def __str__(self) -> str:
        return self.url


class GitHubPullRequest(models.Model):
    """A pull request touching the cohort's report files, as last seen."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        CLOSED = "closed", _("Closed unmerged")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="pull_requests", verbose_name=_("cohort")
    )
    number = models.PositiveIntegerField(_("number"))
    html_url = models.URLField(_("URL"), max_length=500)
    author_login = models.CharField(_("author"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    head_sha = models.CharField(_("head commit"), max_length=40, blank=True)
    merge_commit_sha = models.CharField(_("merge commit"), max_length=40, blank=True)
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    report_paths = models.JSONField(_("report files"), default=list, blank=True)
    ingested_sha = models.CharField(
        _("ingested commit"),
        max_length=40,
        blank=True,
        help_text=_("The merge commit whose report files became reports."),
    )
    problems = models.JSONField(
        _("files left for the TA"),
        default=list,
        blank=True,
        help_text=_("Files of the merge not read or not written into a report, and why."),
    )
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="github_pull_requests",
        verbose_name=_("students"),
    )

    # The report check of the head commit (reports.github.writeback): every
    # problem of every report file, for the page the commit status links to.
    checked_sha = models.CharField(_("checked commit"), max_length=40, blank=True)
    check_problems = models.JSONField(_("report check problems"), default=list, blank=True)

    class Meta:
        ordering = ["cohort", "-number"]
        verbose_name = _("pull request")
        verbose_name_plural = _("pull requests")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="unique_cohort_pull")
        ]

    def __str__(self) -> str:
        return f"#{self.number} · {self.cohort.slug}"


class GitHubComment(models.Model):
    """A summary-issue comment by someone who is not staff, and what became of it.

    With a student, it feeds that student's report (applied_version says which
    edit was written last, so a replayed page or a webhook racing a poll adds
    nothing). Without one, the login is unknown to the roster: the comment is
    kept for a TA to map, never dropped.
    """

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="github_comments", verbose_name=_("cohort")
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="github_comments", verbose_name=_("period")
    )
    comment_id = models.BigIntegerField(_("comment id"), unique=True)
    login = models.CharField(_("GitHub login"), max_length=100)
    body = models.TextField(_("body"), blank=True)
    html_url = models.URLField(_("URL"), max_length=500)
    commented_at = models.DateTimeField(_("commented at"))
    edited_at = models.DateTimeField(_("edited at"))
    deleted_at = models.DateTimeField(_("deleted at the source"), null=True, blank=True)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="github_comments",
        verbose_name=_("student"),
    )
    applied_version = models.DateTimeField(_("applied version"), null=True, blank=True)
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mapped by"),
    )
    mapped_at = models.DateTimeField(_("mapped at"), null=True, blank=True)

    class Meta:
        ordering = ["-commented_at"]
        verbose_name = _("GitHub comment")
        verbose_name_plural = _("GitHub comments")
        indexes = [models.Index(fields=["cohort", "student"])]

    def __str__(self) -> str:
        return f"@{self.login} · {self.cohort.slug} #{self.comment_id}"


class UnmatchedCommentManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(student=None)


class UnmatchedComment(GitHubComment):
    """The TA's list: comments by logins the roster does not know."""

    objects = UnmatchedCommentManager()

    class Meta:
        proxy = True
        verbose_name = _("unmatched comment")
        verbose_name_plural = _("unmatched comments")


class GitHubEvidence(models.Model):
    """A student's GitHub work in the tracked repositories during one period, as
    GitHub's search found it, and what the references in their report point at.

    Each list holds {repo, number, title, state, url, created_at, merged_at,
    closed_at}; the counts repeat their lengths so that the overview and the
    exports read them without loading the lists. `final` rows were fetched after
    the period (plus a grace for GitHub's search index) had ended: they are kept
    and never fetched again.
    """

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="github_evidence"
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="github_evidence")
    login = models.CharField(_("GitHub login"), max_length=100)
    repositories = models.JSONField(_("repositories searched"), default=list)
    prs_opened = models.JSONField(_("pull requests opened"), default=list)
    prs_merged = models.JSONField(_("pull requests merged"), default=list)
    reviews_given = models.JSONField(_("pull requests reviewed"), default=list)
    issues_opened = models.JSONField(_("issues opened"), default=list)
    prs_opened_count = models.PositiveIntegerField(default=0)
    prs_merged_count = models.PositiveIntegerField(default=0)
    reviews_given_count = models.PositiveIntegerField(default=0)
    issues_opened_count = models.PositiveIntegerField(default=0)
    incomplete = models.BooleanField(
        _("incomplete"), default=False, help_text=_("GitHub's search timed out on a query.")
    )
    final = models.BooleanField(_("final"), default=False)
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        verbose_name = _("GitHub evidence")
        verbose_name_plural = _("GitHub evidence")
        constraints = [
            models.UniqueConstraint(fields=["student", "period"], name="unique_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.login} · #{self.period.number}"

    COUNTS = ("prs_opened", "prs_merged", "reviews_given", "issues_opened")

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, f"{name}_count") for name in self.COUNTS}

    @classmethod
    def record(
        cls, counts: dict[str, int] | None, checks: Iterable["ReferenceCheck"]
    ) -> dict[str, Any]:
        """The `evidence` of a report in exports and the API; counts are null
        when nothing was collected for the report's student and period."""
        return {
            **(counts or dict.fromkeys(cls.COUNTS)),
            "references": [check.as_record() for check in checks],
        }


class ReferenceCheck(models.Model):
    """What one issue or pull request referenced in a report is, on GitHub: the
    answer is kept per report and reference, refreshed when the report changes."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        MERGED = "merged", _("merged")
        MISSING = "missing", _("does not exist")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reference_checks")
    ref = models.CharField(_("reference"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    title = models.CharField(_("title"), max_length=500, blank=True)
    author_login = models.CharField(_("author"), max_length=100, blank=True)
    by_student = models.BooleanField(_("by the student"), default=False)
    reviewed_by_student = models.BooleanField(_("reviewed by the student"), default=False)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        ordering = ["report", "id"]
        verbose_name = _("reference check")
        verbose_name_plural = _("reference checks")
        constraints = [
            models.UniqueConstraint(fields=["report", "ref"], name="unique_reference_check"),
        ]

    def __str__(self) -> str:
        return self.ref

    def as_record(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "state": self.state,
            "by_student": self.by_student,
            "reviewed_by_student": self.reviewed_by_student,
        }

    @property
    def needs_attention(self) -> bool:
        """Worth a mentor's look: it does not exist, or it is a pull request
        that is neither by the student nor reviewed by them."""
        if self.state == self.State.MISSING:
            return True
        return self.kind == "pull" and not (self.by_student or self.reviewed_by_student)


class GitHubWrite(models.Model):
    """One write to GitHub, recorded before it is made (the outbox of
    reports.github.writeback): what it is, for which object, and how it went.

    `key` names the object once ("review:12", "report:7"), so a second worker
    or a retry finds the same row and never posts a second comment; `github_id`
    is the comment or pull-request review it made, edited in place later. A
    commit status is keyed by its pull request and head commit ("status:3:<sha>"):
    every push to the pull request gets its own."""

    class Kind(models.TextChoices):
        REVIEW_COMMENT = "review-comment", _("Review as a summary-issue comment")
        PULL_REVIEW = "pull-review", _("Review as a pull-request review")
        PULL_COMMENT = "pull-comment", _("Review as a pull-request comment")
        REPORT_COMMENT = "report-comment", _("Web report as a summary-issue comment")
        COMMIT_STATUS = "commit-status", _("Report check on a pull request")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="github_writes", verbose_name=_("cohort")
    )
    key = models.CharField(_("key"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="github_writes",
        verbose_name=_("report"),
    )
    pull = models.ForeignKey(
        "GitHubPullRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="github_writes",
        verbose_name=_("pull request"),
    )
    review = models.ForeignKey(
        Review,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="github_writes",
        verbose_name=_("review"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    github_id = models.BigIntegerField(_("GitHub id"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    # The sha256 of the text last written: a changed review or report differs.
    written_digest = models.CharField(max_length=64, blank=True, editable=False)
    written_at = models.DateTimeField(_("written at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("GitHub write")
        verbose_name_plural = _("GitHub writes")
        indexes = [models.Index(fields=["cohort", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.key}"


class WebhookDelivery(models.Model):
    """One GitHub webhook delivery, stored once by its X-GitHub-Delivery id."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    delivery_id = models.CharField(_("delivery id"), max_length=100, unique=True)
    event = models.CharField(_("event"), max_length=50)
    action = models.CharField(_("action"), max_length=50, blank=True)
    repository = models.CharField(_("repository"), max_length=200, blank=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"


def default_quiet_start() -> datetime.time:
    return datetime.time(22, 0)


def default_quiet_end() -> datetime.time:
    return datetime.time(8, 0)


class ReminderPolicy(models.Model):
    """When a cohort reminds whom, and through which shared channels.

    Hours are counted from the (effective) due time of a period, or from a
    report's submission for review reminders. Zero hours for a kind turns it off
    only where said; every kind can be switched off with its flag.
    """

    class ChatProvider(models.TextChoices):
        NONE = "", _("No chat")
        FEISHU = "feishu", _("Feishu / Lark")
        DINGTALK = "dingtalk", _("DingTalk")
        WECOM = "wecom", _("WeCom")
        SLACK = "slack", _("Slack")

    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, related_name="reminder_policy", verbose_name=_("cohort")
    )
    enabled = models.BooleanField(_("reminders enabled"), default=True)
    due_soon = models.BooleanField(_("remind students before the due time"), default=True)
    due_soon_hours = models.PositiveIntegerField(_("hours before the due time"), default=48)
    overdue = models.BooleanField(_("remind students at the due time"), default=True)
    mentor_escalation = models.BooleanField(_("escalate to mentors"), default=True)
    mentor_escalation_hours = models.PositiveIntegerField(
        _("hours after the due time (mentors)"), default=48
    )
    ta_escalation = models.BooleanField(_("escalate to TAs"), default=True)
    ta_escalation_hours = models.PositiveIntegerField(
        _("hours after the due time (TAs)"), default=120
    )
    review_pending = models.BooleanField(_("remind mentors of pending reviews"), default=True)
    review_pending_hours = models.PositiveIntegerField(
        _("hours a report waits for review before the mentor is reminded"), default=72
    )
    review_escalation = models.BooleanField(_("escalate pending reviews to TAs"), default=True)
    review_escalation_hours = models.PositiveIntegerField(
        _("hours a report waits for review before the TAs are told"), default=168
    )
    review_posted = models.BooleanField(_("tell students about a new review"), default=True)
    quiet_start = models.TimeField(_("quiet hours start"), default=default_quiet_start)
    quiet_end = models.TimeField(_("quiet hours end"), default=default_quiet_end)
    chat_provider = models.CharField(
        _("chat provider"), max_length=10, choices=ChatProvider.choices, blank=True
    )
    chat_webhook_url = models.URLField(_("chat webhook URL"), max_length=500, blank=True)
    chat_secret = models.CharField(
        _("chat signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Feishu/Lark and DingTalk: the secret of a signed webhook."),
    )
    github_comments = models.BooleanField(
        _("comment on the summary issue"),
        default=False,
        help_text=_("@mention students still missing on the period's GitHub summary issue."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(chat_provider="") | ~Q(chat_webhook_url=""),
                name="chat_provider_has_webhook",
                violation_error_message=_("A chat provider needs a webhook URL."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.cohort)


class Notification(models.Model):
    """One reminder to one person through one channel: the claim that makes
    every send happen once. A row exists from the moment a pass decides to send
    it; the unique constraints stop a second pass, worker or redelivered task
    from creating it again."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Report due soon")
        OVERDUE = "overdue", _("Report overdue")
        MENTOR_ESCALATION = "mentor_escalation", _("Students missing (to mentor)")
        TA_ESCALATION = "ta_escalation", _("Students missing (to TAs)")
        REVIEW_PENDING = "review_pending", _("Reviews pending (to mentor)")
        REVIEW_ESCALATION = "review_escalation", _("Reviews pending (to TAs)")
        REVIEW_POSTED = "review_posted", _("Review posted")
        RESUBMITTED = "resubmitted", _("Report resubmitted (to mentors)")
        REPLY_POSTED = "reply_posted", _("Reply posted")
        REQUEST_DECIDED = "request_decided", _("Extension or excuse request decided")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        GITHUB = "github", _("GitHub")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("cohort")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    period = models.ForeignKey(
        Period,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("period"),
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("report"),
    )
    about = models.JSONField(
        _("about"),
        default=list,
        blank=True,
        help_text=_("GitHub logins of the students concerned."),
    )
    # A grouped reminder (to a mentor or the TAs) can follow up on an earlier
    # one for the same period when more students fall due later (an extension,
    # a late submission); the hash of the students it names keeps each such row
    # unique. For a message about one event of a report (a review, a reply, a
    # revision: reports.reviewing.events) it names the event, e.g. "review:12",
    # so each event is announced once. Empty otherwise.
    fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # Two partial constraints rather than one over nullable columns:
            # NULLs never collide in a plain unique index, on PostgreSQL or SQLite.
            models.UniqueConstraint(
                fields=["recipient", "kind", "channel", "period", "fingerprint"],
                condition=Q(report__isnull=True),
                name="one_notification_per_period",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "channel", "report", "fingerprint"],
                condition=Q(report__isnull=False),
                name="one_notification_per_report",
            ),
            models.CheckConstraint(
                condition=Q(period__isnull=False) | Q(report__isnull=False),
                name="notification_has_period_or_report",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_channel_display()})"


# ---------------------------------------------------------------- freshness

# What the cohort's pages show (the overview above all) is cached under the
# cohort's data_version; every save or deletion of a row they read moves it.
# A user's own fields change the pages of every cohort they are in.
_COHORTS_OF = {
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
_UNSHOWN_USER_FIELDS = {
    "last_login",
    "password",
    "is_staff",
    "email_notifications",
    "language",
    "timezone",
}


def _row_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (sender is User and update_fields and set(update_fields) <= _UNSHOWN_USER_FIELDS):
        return
    mark_cohorts_changed(Cohort.objects.filter(**_COHORTS_OF[sender](instance)))


def _row_deleted(sender, instance, origin=None, **kwargs) -> None:
    if isinstance(origin, Cohort):
        return  # the whole cohort goes
    mark_cohorts_changed(Cohort.objects.filter(**_COHORTS_OF[sender](instance)))


for _model in _COHORTS_OF:
    post_save.connect(_row_saved, sender=_model, dispatch_uid=f"freshness-save-{_model.__name__}")
    post_delete.connect(
        _row_deleted, sender=_model, dispatch_uid=f"freshness-delete-{_model.__name__}"
    )
