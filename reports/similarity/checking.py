"""The similarity check of a submitted report, against the other reports of
its cohort and the same student's earlier reports (in any cohort): flags
above THRESHOLD for the mentors and TAs, never a refusal.

`check_report` is the one place flags are written; the receivers
(reports.similarity.receivers) call it for every report any door saves, and
`check_reports` for the importer's bulk writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from camp.models import User
from reports.access import can_review, visible_reports
from reports.models import Report, SimilarityBand, SimilarityFlag
from reports.parsing import without_review_placeholder
from reports.similarity.shingling import (
    MIN_SHINGLES,
    bands,
    comparable_text,
    jaccard,
    shared_passages,
    shingles,
)

# "Very similar": a report copied with a few words changed reads above 0.9;
# a student's next report, which starts from last period's plans, far below.
THRESHOLD = 0.7
# Larger reports are compared on their first part (a check stays cheap).
MAX_COMPARED_CHARS = 20_000


def _names(student: User) -> list[str]:
    return [
        name
        for name in (
            student.display_name,
            student.get_full_name(),
            student.github_login,
            student.username,
        )
        if name
    ]


def report_shingles(report: Report) -> set[int]:
    text = comparable_text(
        report.body, report.period.cohort.report_template, _names(report.student)
    )
    return shingles(text[:MAX_COMPARED_CHARS])


def _forget(report: Report) -> None:
    SimilarityBand.objects.filter(report=report).delete()
    SimilarityFlag.objects.filter(Q(report=report) | Q(other=report)).delete()


def fingerprint(report: Report, *, created: bool = False) -> set[int] | None:
    """Store the report's bands (and drop its flags); its shingles, or None
    when it is not compared (a draft, or too short to say)."""
    if not created:
        _forget(report)
    if not report.is_submitted:
        return None
    hashes = report_shingles(report)
    if len(hashes) < MIN_SHINGLES:
        return None
    SimilarityBand.objects.bulk_create(
        SimilarityBand(
            report=report,
            cohort_id=report.period.cohort_id,
            student_id=report.student_id,
            band=band,
        )
        for band in bands(hashes)
    )
    return hashes


def check_report(report: Report, *, created: bool = False) -> list[SimilarityFlag]:
    """Fingerprint the report and flag the reports it reads like (both ways)."""
    hashes = fingerprint(report, created=created)
    if hashes is None:
        return []
    return _flag(report, hashes)


def _flag(report: Report, hashes: set[int]) -> list[SimilarityFlag]:
    mine = SimilarityBand.objects.filter(report=report).values("band")
    candidates = (
        SimilarityBand.objects.filter(band__in=mine)
        .filter(Q(cohort_id=report.period.cohort_id) | Q(student_id=report.student_id))
        .exclude(report=report)
        .values_list("report_id", flat=True)
        .distinct()
    )
    flags = []
    for other in Report.objects.filter(pk__in=candidates).select_related(
        "period__cohort", "student"
    ):
        score = jaccard(hashes, report_shingles(other))
        if score >= THRESHOLD:
            flags += [
                SimilarityFlag(report=report, other=other, score=score),
                SimilarityFlag(report=other, other=report, score=score),
            ]
    SimilarityFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return [flag for flag in flags if flag.report_id == report.pk]


def check_reports(report_ids: Iterable[int]) -> None:
    """The importer's reports: every one fingerprinted first, so that pairs
    within the batch find each other, then compared."""
    reports = list(
        Report.objects.filter(pk__in=list(report_ids)).select_related("period__cohort", "student")
    )
    fingerprinted = [(report, fingerprint(report)) for report in reports]
    for report, hashes in fingerprinted:
        if hashes is not None:
            _flag(report, hashes)


def flags_for(report: Report, viewer: User) -> list[SimilarityFlag]:
    """The report's flags as `viewer` may see them: only someone who may
    review it (its mentors, the TAs), and only flags naming a report they may
    read too."""
    if not can_review(viewer, report):
        return []
    return list(
        report.similarity_flags.filter(
            other__in=visible_reports(viewer).values("pk")
        ).select_related("other__student", "other__period__cohort")
    )


@dataclass(frozen=True)
class Comparison:
    score: float | None
    left: SafeString
    right: SafeString


def _marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    parts, last = [], 0
    for start, end in sorted(spans):
        parts.append(escape(text[last:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped)


def compare(report: Report, other: Report) -> Comparison:
    """Both reports as written, with the passages they share marked."""
    left = without_review_placeholder(report.body)[:MAX_COMPARED_CHARS]
    right = without_review_placeholder(other.body)[:MAX_COMPARED_CHARS]
    spans_left, spans_right = shared_passages(left, right)
    flag = SimilarityFlag.objects.filter(report=report, other=other).first()
    return Comparison(
        score=flag.score if flag else None,
        left=_marked(left, spans_left),
        right=_marked(right, spans_right),
    )
