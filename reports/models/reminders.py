"""What the reminder engine (reports.reminders) keeps: a cohort's reminder
policy and every notification, claimed before it is sent."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort
from reports.models.core import Period, Report


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
    blocker_mentor = models.BooleanField(
        _("remind mentors of blockers open too long"), default=True
    )
    blocker_mentor_days = models.PositiveIntegerField(
        _("days a blocker stays open before the mentor is reminded"),
        default=7,
        help_text=_("Also the age from which the overview marks a blocker as old."),
    )
    blocker_ta = models.BooleanField(_("tell TAs about blockers open too long"), default=True)
    blocker_ta_days = models.PositiveIntegerField(
        _("days a blocker stays open before the TAs are told"), default=14
    )
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
        BLOCKER_MENTOR = "blocker_mentor", _("Blocker open too long (to mentor)")
        BLOCKER_TA = "blocker_ta", _("Blocker open too long (to TAs)")

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
