"""Reports: periods, reports and their revisions, reviews, excuses and extensions,
reminder policies and the notifications they send."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort


class Period(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="periods")
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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="reports")
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.WEB
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
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

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("body"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
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
        return f"{self.report} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Revisions are append-only.")
        super().save(*args, **kwargs)


class Review(models.Model):
    class Verdict(models.TextChoices):
        APPROVED = "approved", _("Approved")
        NEEDS_CHANGES = "needs_changes", _("Needs changes")
        COMMENT = "comment", _("Comment")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reviews")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews_written",
        help_text=_("Empty for an imported review whose reviewer is unknown."),
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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="allowances"
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="allowances")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    extended_due_at = models.DateTimeField(_("extended until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allowances_granted",
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

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="github")
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

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pull_requests")
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
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="github_pull_requests"
    )

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

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="github_comments")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="github_comments")
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
