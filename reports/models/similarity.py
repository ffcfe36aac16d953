"""Reports that read nearly the same (reports.similarity): each report's
MinHash signature cut into bands for finding candidates, and the flags."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort
from reports.models.core import Report


class SimilarityBand(models.Model):
    """One band of a report's MinHash signature, hashed: two reports sharing a
    band are candidates, compared exactly (reports.similarity.checking)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    student_id = models.BigIntegerField()
    band = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["band"]), models.Index(fields=["report"])]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.band}"


class SimilarityFlag(models.Model):
    """`report` reads very much like `other` (both directions are stored). Shown
    to the mentors and TAs who may see both; never blocks anything."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="similarity_flags", verbose_name=_("report")
    )
    other = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="+", verbose_name=_("similar report")
    )
    score = models.FloatField(_("similarity"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        ordering = ["-score", "other_id"]
        verbose_name = _("similar report")
        verbose_name_plural = _("similar reports")
        constraints = [
            models.UniqueConstraint(fields=["report", "other"], name="one_flag_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(report=models.F("other")), name="flag_names_another_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} ~ {self.other_id} ({self.score:.0%})"
