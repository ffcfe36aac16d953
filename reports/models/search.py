"""The search index (reports.search): one row per searchable thing, kept
current by receivers of every write."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort
from reports.models.core import Period, Report


class SearchDocument(models.Model):
    """A report, review, reply, blocker or Q&A entry as the search sees it.

    `text` is what a snippet is cut from; `tokens` is `text` segmented
    (reports.search.segmenting: words, and Chinese as overlapping pairs of
    characters) with positions, which the database's full-text index reads: a
    generated tsvector column with a GIN index on PostgreSQL, an FTS5 table on
    SQLite (both made by migration 0013, outside the model)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        REVIEW = "review", _("Review")
        REPLY = "reply", _("Reply")
        BLOCKER = "blocker", _("Blocker")
        QA = "qa", _("Q&A")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # Every searchable thing belongs to a report: access follows it.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    tokens = models.TextField()
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")
        ]
        indexes = [models.Index(fields=["written_at"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
