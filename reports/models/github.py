"""What the GitHub integration (reports.github) keeps: a cohort's GitHub
settings, polled answers, pull requests and comments as last seen, evidence
of students' work, the outbox of writes and the webhook deliveries."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort, Project
from reports.models.core import Period, Report, Review


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


class EvidenceProblem(models.Model):
    """A tracked repository GitHub would not let the evidence collector read (a
    search refused with 422, a listing answered NOT_FOUND, a 404): a problem of
    the cohort (the repository is on its own list) or of a project (on the
    project's), for the TA to fix. The others are collected all the same; the
    row goes once the repository is read again."""

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.CASCADE,
        related_name="evidence_problems",
        verbose_name=_("cohort"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence_problems",
        verbose_name=_("project"),
        help_text=_("Empty: the repository is on the cohort's own list."),
    )

    class Reason(models.TextChoices):
        SEARCH_REFUSED = "search-refused", _("GitHub refuses to search it (422)")
        NOT_FOUND = "not-found", _("GitHub does not find it (404, NOT_FOUND)")

    repository = models.CharField(_("repository"), max_length=200)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    message = models.TextField(_("GitHub's answer"), help_text=_("In GitHub's own words."))
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["cohort", "repository"]
        verbose_name = _("evidence problem")
        verbose_name_plural = _("evidence problems")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "repository"],
                condition=models.Q(project__isnull=True),
                name="unique_cohort_evidence_problem",
            ),
            models.UniqueConstraint(
                fields=["cohort", "project", "repository"],
                condition=models.Q(project__isnull=False),
                name="unique_project_evidence_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.repository} · {self.cohort.slug}"

    def as_record(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "project": self.project.title if self.project_id else None,
            "reason": self.reason,
            "message": self.message,
        }


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
        BLOCKER_ISSUE = "blocker-issue", _("Blocker as an issue")

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
