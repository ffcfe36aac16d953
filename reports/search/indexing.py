"""Keeping the search index current: one SearchDocument per report, review,
reply, blocker and Q&A entry, written by the receivers of every write
(reports.search.receivers) and rebuilt in bulk for the importer's reports and
by the rebuild_search command."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Model

from reports.models import Blocker, QAEntry, Reply, Report, Review, SearchDocument
from reports.parsing import normalize_text, without_review_placeholder
from reports.search.segmenting import document_tokens

Kind = SearchDocument.Kind
MARKUP_RE = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)", re.M)
EMPHASIS_RE = re.compile(r"\*\*|__|`+|~~")
LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
BLANK_LINES_RE = re.compile(r"\n{3,}")


def plain_text(markdown: str) -> str:
    """Markdown as read: no heading marks, list marks, emphasis or link targets."""
    text = normalize_text(markdown)
    text = LINK_RE.sub(r"\1", text)
    text = MARKUP_RE.sub("", text)
    text = EMPHASIS_RE.sub("", text)
    return BLANK_LINES_RE.sub("\n\n", text).strip()


def qa_text(entry: QAEntry) -> str:
    """A Q&A entry as found: its question, the questions merged into it and
    its published answer."""
    parts = [entry.shown_question]
    parts += [merged.shown_question for merged in entry.merged.all()]
    answer = entry.published_answer()
    if answer is not None:
        parts.append(answer.shown_text)
    return plain_text("\n".join(parts))


def _document(kind: str, obj: Model, report: Report, text: str, written_at) -> SearchDocument:
    return SearchDocument(
        kind=kind,
        object_id=obj.pk,
        report_id=report.pk,
        cohort_id=report.period.cohort_id,
        period_id=report.period_id,
        student_id=report.student_id,
        text=text,
        tokens=document_tokens(text),
        written_at=written_at,
    )


def document_of(kind: str, obj: Model) -> SearchDocument | None:
    """The document of one object, or None when it has nothing to find."""
    if kind == Kind.REPORT:
        report, text, at = obj, plain_text(without_review_placeholder(obj.body)), obj.updated_at
    elif kind in (Kind.REVIEW, Kind.REPLY):
        report, text, at = obj.report, plain_text(obj.body), obj.created_at
    elif kind == Kind.BLOCKER:
        report, text, at = obj.report, plain_text(obj.text), obj.opened_at
    else:
        report, text, at = obj.report, qa_text(obj), obj.created_at
    if not text:
        return None
    return _document(kind, obj, report, text, at)


KINDS = {Report: Kind.REPORT, Review: Kind.REVIEW, Reply: Kind.REPLY, Blocker: Kind.BLOCKER}
FIELDS = ["report_id", "cohort_id", "period_id", "student_id", "text", "tokens", "written_at"]


def index(obj: Model) -> None:
    """Write (or drop) the document of one saved object."""
    kind = Kind.QA if isinstance(obj, QAEntry) else KINDS[type(obj)]
    document = document_of(kind, obj)
    if document is None:
        unindex(kind, obj.pk)
        return
    SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=obj.pk,
        defaults={field: getattr(document, field) for field in FIELDS},
    )


def unindex(kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


def rebuild(report_ids: Iterable[int] | None = None, *, batch_size: int = 500) -> int:
    """The documents of these reports and of everything under them, written
    anew (all reports when None). Returns how many documents were written."""
    reports = Report.objects.select_related("period")
    if report_ids is not None:
        reports = reports.filter(pk__in=list(report_ids))
    written = 0
    ids = list(reports.values_list("pk", flat=True).order_by("pk"))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        documents: list[SearchDocument] = []
        by_id = {report.pk: report for report in reports.filter(pk__in=chunk)}
        for report in by_id.values():
            documents.append(document_of(Kind.REPORT, report))
        for kind, rows in (
            (Kind.REVIEW, Review.objects.filter(report__in=chunk)),
            (Kind.REPLY, Reply.objects.filter(report__in=chunk)),
            (Kind.BLOCKER, Blocker.objects.filter(report__in=chunk)),
            (
                Kind.QA,
                QAEntry.objects.filter(report__in=chunk).prefetch_related("answers", "merged"),
            ),
        ):
            for row in rows:
                row.report = by_id[row.report_id]
                documents.append(document_of(kind, row))
        SearchDocument.objects.filter(report__in=chunk).delete()
        kept = [document for document in documents if document is not None]
        SearchDocument.objects.bulk_create(kept, batch_size=batch_size)
        written += len(kept)
    return written
