"""Excuses and extensions: granted to one student for one period
(Allowance), or asked for by the student and decided by a mentor or TA
(AllowanceRequest, decided in reports.reviewing.requests)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models.core import Period


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
