"""Q&A entries: derived from each submitted report's questions section,
answered there, by a mentor's review or by a reply in the conversation, and
curated by the cohort's TAs (wording, tags, the accepted answer, hidden,
merged duplicates).

`sync_report` is the one place entries are written from a report, and
`answer_from_review` / `answer_from_reply` the one place answers come from
the conversation; the receivers (reports.qa.receivers) call them for every
door.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from camp.models import Membership, Role, User
from camp.roles import may_manage
from reports.access import conversation_reports, visible_reviews
from reports.models import QAAnswer, QAEntry, Reply, Report, Review
from reports.parsing import is_nothing
from reports.qa.extraction import qa_pairs, question_key, question_titles

MAX_TAGS = 10
MAX_TAG_CHARS = 40


def _project_of(report: Report):
    membership = (
        Membership.objects.filter(
            user=report.student_id, cohort=report.period.cohort_id, role=Role.STUDENT
        )
        .only("project")
        .first()
    )
    return membership.project_id if membership else None


def sync_report(report: Report, *, created: bool = False) -> None:
    """Make the report's Q&A entries agree with its questions section. Entries
    it no longer asks go, unless a TA curated them."""
    period = report.period
    cohort = period.cohort
    pairs = qa_pairs(report.body, question_titles(cohort)) if report.is_submitted else []
    wanted = {}
    for pair in pairs:
        wanted.setdefault(question_key(pair.question), pair)
    if created and not wanted:
        return  # a new report that asks nothing
    existing = {entry.key: entry for entry in QAEntry.objects.filter(report=report)}
    for entry in existing.values():
        if entry.key not in wanted and not entry.curated:
            entry.delete()
    project_id = _project_of(report) if wanted else None
    for position, (key, pair) in enumerate(wanted.items()):
        entry = existing.get(key)
        if entry is None:
            entry = QAEntry.objects.create(
                cohort=cohort,
                report=report,
                period=period,
                asked_by_id=report.student_id,
                project_id=project_id,
                key=key,
                position=position,
                question=pair.question,
            )
        elif (entry.question, entry.position) != (pair.question, position):
            entry.question, entry.position = pair.question, position
            entry.save(update_fields=["question", "position"])
        _keep_section_answer(entry, pair.answer, report.student_id)


def _keep_section_answer(entry: QAEntry, text: str, author_id: int) -> None:
    answer = entry.answers.filter(source=QAAnswer.Source.SECTION).first()
    if not text:
        if answer is not None and not answer.accepted:
            answer.delete()
        return
    if answer is None:
        QAAnswer.objects.create(
            entry=entry, source=QAAnswer.Source.SECTION, text=text, author_id=author_id
        )
    elif answer.text != text:
        answer.text = text
        answer.save(update_fields=["text"])


def sync_reports(report_ids: Iterable[int]) -> None:
    for report in Report.objects.filter(pk__in=list(report_ids)).select_related("period__cohort"):
        sync_report(report)
    for review in Review.objects.filter(report__in=list(report_ids)).exclude(body=""):
        answer_from_review(review)


def _unanswered(report_id: int) -> QuerySet[QAEntry]:
    """The report's questions its own section left without an answer."""
    answered = QAAnswer.objects.filter(entry=OuterRef("pk"), source=QAAnswer.Source.SECTION)
    return QAEntry.objects.filter(report=report_id).exclude(Exists(answered))


def answer_from_review(review: Review) -> None:
    """A review of a report with open questions is an answer to each."""
    if not review.body.strip() or is_nothing(review.body):
        return
    for entry in _unanswered(review.report_id):
        QAAnswer.objects.update_or_create(
            entry=entry,
            review=review,
            defaults={
                "source": QAAnswer.Source.REVIEW,
                "text": review.body,
                "author_id": review.mentor_id,
                "created_at": review.created_at,
            },
        )


def answer_from_reply(reply: Reply) -> None:
    """A reply by anyone but the student who asked answers their open questions."""
    report = reply.report
    if reply.author_id == report.student_id or is_nothing(reply.body):
        return
    for entry in _unanswered(report.pk):
        QAAnswer.objects.get_or_create(
            entry=entry,
            reply=reply,
            defaults={
                "source": QAAnswer.Source.REPLY,
                "text": reply.body,
                "author_id": reply.author_id,
                "created_at": reply.created_at,
            },
        )


# ---------------------------------------------------------------- reading


def answers_for(entry: QAEntry, viewer: User) -> list[QAAnswer]:
    """The answers the viewer may read: the section's and the accepted one for
    everyone who sees the entry; a review's or reply's for those who may read
    that review or conversation (accepting one publishes it with the entry)."""
    readable_reviews = visible_reviews(viewer).filter(report=entry.report_id).values("pk")
    conversation = conversation_reports(viewer).filter(pk=entry.report_id)
    return list(
        entry.answers.filter(
            Q(accepted=True)
            | Q(source=QAAnswer.Source.SECTION)
            | Q(source=QAAnswer.Source.REVIEW, review__in=readable_reviews)
            | (Q(source=QAAnswer.Source.REPLY) & Q(Exists(conversation)))
        ).select_related("author")
    )


# ---------------------------------------------------------------- curating


def _curator(user: User, entry: QAEntry) -> None:
    if not may_manage(user, entry.cohort):
        raise PermissionDenied(_("Only the cohort's TAs curate its questions."))


def clean_tags(text: str) -> list[str]:
    tags = []
    for tag in text.replace("，", ",").split(","):
        tag = tag.strip()
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise ValidationError(
                _("A tag may be at most %(limit)d characters long.") % {"limit": MAX_TAG_CHARS}
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("At most %(limit)d tags.") % {"limit": MAX_TAGS})
    return tags


@transaction.atomic
def edit(entry: QAEntry, by: User, *, question: str, tags: list[str], hidden: bool) -> QAEntry:
    """The TA's wording (empty: the student's own), tags and visibility."""
    _curator(by, entry)
    question = question.strip()
    entry.edited_question = "" if question == entry.question else question
    entry.tags = tags
    entry.hidden = hidden
    entry.save(update_fields=["edited_question", "tags", "hidden"])
    return entry


@transaction.atomic
def edit_answer(answer: QAAnswer, by: User, text: str) -> QAAnswer:
    _curator(by, answer.entry)
    text = text.strip()
    if not text:
        raise ValidationError(_("An answer needs some text."))
    answer.edited_text = "" if text == answer.text else text
    answer.save(update_fields=["edited_text"])
    return answer


@transaction.atomic
def accept(answer: QAAnswer, by: User) -> QAAnswer:
    """Mark the accepted answer of its question (one per question)."""
    entry = answer.entry
    _curator(by, entry)
    QAEntry.objects.select_for_update().filter(pk=entry.pk).first()
    entry.answers.filter(accepted=True).exclude(pk=answer.pk).update(accepted=False)
    answer.accepted = True
    answer.save(update_fields=["accepted"])
    # The entry's published answer changed: its search document follows.
    entry.save(update_fields=["tags"])
    return answer


@transaction.atomic
def merge(entry: QAEntry, into: QAEntry, by: User) -> QAEntry:
    """`entry` is a duplicate of `into`: listed under it from now on."""
    _curator(by, entry)
    _curator(by, into)
    while into.merged_into_id is not None:
        into = into.merged_into
    if into.pk == entry.pk:
        raise ValidationError(_("A question cannot be merged into itself."))
    QAEntry.objects.filter(merged_into=entry).update(merged_into=into)
    entry.merged_into = into
    entry.save(update_fields=["merged_into"])
    into.save(update_fields=["tags"])  # its search document now carries the merged question
    return into


# ---------------------------------------------------------------- export


def export_markdown(entries: Iterable[QAEntry]) -> str:
    """The entries in the camp's 周报QA.md shape: "**问题N：** question", a blank
    line, "答：answer", questions apart by blank lines."""
    blocks = []
    for number, entry in enumerate(entries, start=1):
        answer = entry.published_answer()
        block = f"**问题{number}：** {_one_paragraph(entry.shown_question)}"
        if answer is not None:
            block += f"\n\n答：{answer.shown_text.strip()}"
        blocks.append(block)
    return "\n\n\n\n".join(blocks) + ("\n" if blocks else "")


def _one_paragraph(text: str) -> str:
    return " ".join(text.split())
