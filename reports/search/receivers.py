"""Receivers that keep the search index current: every save or deletion of a
report, review, reply, blocker or Q&A entry (and answer) rewrites its
document, whichever door wrote it; bulk writers (the importer, bulk approval)
announce theirs. Imported by ReportsConfig.ready(), which connects them."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from camp.models import Cohort
from reports import reviews, submissions
from reports.models import Blocker, QAAnswer, QAEntry, Reply, Report, Review, SearchDocument
from reports.search.indexing import KINDS, index, rebuild, unindex

Kind = SearchDocument.Kind


def _kind(model: type[Model]) -> str:
    return Kind.QA if model is QAEntry else KINDS[model]


def saved(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    index(instance)
    if isinstance(instance, QAEntry) and instance.merged_into_id:
        index(instance.merged_into)


def deleted(sender: type[Model], instance: Model, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Cohort | Report):
        return  # the documents go with their report (on_delete=CASCADE)
    unindex(_kind(sender), instance.pk)


def answer_changed(sender: type, instance: QAAnswer, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    entry = QAEntry.objects.filter(pk=instance.entry_id).first()
    if entry is not None:
        index(entry)


def answer_deleted(sender: type, instance: QAAnswer, origin: Any = None, **kwargs: Any) -> None:
    # Only an answer deleted on its own: one going with its entry or report
    # would write the document of an entry about to go.
    if isinstance(origin, QAAnswer) or getattr(origin, "model", None) is QAAnswer:
        answer_changed(sender, instance)


def review_posted(sender: type, review: Review, **kwargs: Any) -> None:
    # Bulk approval writes its reviews past save(); it announces each one.
    index(review)


def reports_written_in_bulk(sender: type, report_ids: list[int], **kwargs: Any) -> None:
    rebuild(report_ids)


for model in (Report, Review, Reply, Blocker, QAEntry):
    post_save.connect(saved, sender=model, dispatch_uid=f"search-save-{model.__name__}")
    post_delete.connect(deleted, sender=model, dispatch_uid=f"search-delete-{model.__name__}")
post_save.connect(answer_changed, sender=QAAnswer, dispatch_uid="search-answer-save")
post_delete.connect(answer_deleted, sender=QAAnswer, dispatch_uid="search-answer-delete")
reviews.review_posted.connect(review_posted, dispatch_uid="search-review-posted")
submissions.reports_written_in_bulk.connect(reports_written_in_bulk, dispatch_uid="search-bulk")
