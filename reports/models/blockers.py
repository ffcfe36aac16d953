"""What blocks a student, from their report's blockers section (reports.blockers):
one entry per blocker, carried from period to period until someone resolves it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort
from reports.models.core import Period, Report


class Blocker(models.Model):
    """One blocker of one student. Written first in `report` (its period is
    `opened_period`); a later report naming the same text, or the student's
    "still open" on a later writing page, moves `last_seen_period` on. Open
    until resolved by the student, a mentor or a TA."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="blockers", verbose_name=_("cohort")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blockers",
        verbose_name=_("student"),
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="blockers", verbose_name=_("report")
    )
    opened_period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="+", verbose_name=_("opened in period")
    )
    last_seen_period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="+", verbose_name=_("last seen in period")
    )
    text = models.TextField(_("blocker"))
    # The text normalised and hashed (reports.blockers.extraction.blocker_key):
    # how a later report naming the same blocker is recognised.
    key = models.CharField(max_length=64, editable=False)
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    issue_number = models.PositiveIntegerField(_("GitHub issue"), null=True, blank=True)
    issue_url = models.URLField(_("GitHub issue URL"), max_length=500, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("blocker")
        verbose_name_plural = _("blockers")
        constraints = [
            # A blocker named again while open is the same entry, not a second one.
            models.UniqueConstraint(
                fields=["cohort", "student", "key"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_blocker_per_text",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.text[:60]}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
