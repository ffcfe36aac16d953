"""The questions students ask in their reports and the answers they get
(reports.qa): an archive across seasons that TAs curate."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort, Project
from reports.models.core import Period, Reply, Report, Review


class QAEntry(models.Model):
    """One question from a report's questions section. Derived from the report
    (kept in step with its edits, keyed by the question's text); what a TA
    curates (the wording, tags, hidden, merged into another) is never
    overwritten by the derivation."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="qa_entries", verbose_name=_("cohort")
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="qa_entries", verbose_name=_("report")
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="+", verbose_name=_("period")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="questions_asked",
        verbose_name=_("asked by"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    key = models.CharField(max_length=64, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    question = models.TextField(_("question"))
    edited_question = models.TextField(_("question as edited by a TA"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-period__starts_on", "report", "position", "id"]
        verbose_name = _("Q&A entry")
        verbose_name_plural = _("Q&A entries")
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="one_qa_entry_per_question"),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="qa_entry_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.shown_question[:80]

    @property
    def shown_question(self) -> str:
        return self.edited_question or self.question

    def published_answer(self) -> "QAAnswer | None":
        """What the archive (its page, search and export) shows as the answer:
        the accepted one, else the one written under the question."""
        answers = list(self.answers.all())
        accepted = [a for a in answers if a.accepted]
        section = [a for a in answers if a.source == QAAnswer.Source.SECTION]
        return (accepted or section or [None])[0]

    @property
    def curated(self) -> bool:
        """Touched by a TA: kept even when the report no longer asks it."""
        return (
            bool(self.edited_question or self.tags or self.hidden or self.merged_into_id)
            or self.answers.filter(accepted=True).exists()
        )


class QAAnswer(models.Model):
    """An answer to a question: written under it in the same section, or a
    mentor's review or a reply in the report's conversation. A TA marks one
    as the accepted answer."""

    class Source(models.TextChoices):
        SECTION = "section", _("The same section")
        REVIEW = "review", _("A review")
        REPLY = "reply", _("A reply")

    entry = models.ForeignKey(
        QAEntry, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("answer"))
    edited_text = models.TextField(_("answer as edited by a TA"), blank=True)
    accepted = models.BooleanField(_("accepted answer"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-accepted", "created_at", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(source="section"),
                name="one_section_answer_per_question",
            ),
            models.UniqueConstraint(
                fields=["entry", "review"],
                condition=Q(review__isnull=False),
                name="one_answer_per_review",
            ),
            models.UniqueConstraint(
                fields=["entry", "reply"],
                condition=Q(reply__isnull=False),
                name="one_answer_per_reply",
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(accepted=True), name="one_accepted_answer"
            ),
        ]

    def __str__(self) -> str:
        return self.shown_text[:80]

    @property
    def shown_text(self) -> str:
        return self.edited_text or self.text
