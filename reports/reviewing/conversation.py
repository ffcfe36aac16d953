"""The conversation under a report: reviews, replies and resubmissions in time
order, the one write path for a reply, and the reply form that the report page
and the review workspace both show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from camp.models import User
from reports.access import may_converse, visible_reviews
from reports.models import Reply, Report, Revision
from reports.reviewing import events

MAX_REPLY_LENGTH = 10_000


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Reply (Markdown)"),
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@transaction.atomic
def add_reply(report: Report, author: User, body: str) -> Reply:
    """Add `author`'s reply under the report and tell the other side. Only the
    student and those who may review the report take part."""
    body = body.strip()
    if not body:
        raise ValidationError(_("A reply needs some text."))
    if len(body) > MAX_REPLY_LENGTH:
        raise ValidationError(
            _("A reply may be at most %(limit)d characters long.") % {"limit": MAX_REPLY_LENGTH}
        )
    if not may_converse(author, report):
        raise PermissionDenied(_("You may not reply here."))
    reply = Reply.objects.create(report=report, author=author, body=body, created_at=timezone.now())
    events.reply_posted(reply)
    return reply


@dataclass(frozen=True)
class Entry:
    """One line of the conversation: a review, a reply or a resubmission."""

    kind: str  # "review", "reply" or "resubmitted"
    at: datetime.datetime
    author: User | None
    body: str = ""
    verdict: str = ""
    verdict_label: str = ""


def thread(report: Report, viewer: User) -> list[Entry]:
    """The conversation as `viewer` may read it, oldest first; empty for anyone
    who may not read the report's reviews (a peer of a shared report)."""
    reviews = list(visible_reviews(viewer).filter(report=report).select_related("mentor"))
    if not (reviews or may_converse(viewer, report)):
        return []
    entries = [
        Entry(
            "review",
            review.created_at,
            review.mentor,
            review.body,
            review.verdict,
            str(review.get_verdict_display()),
        )
        for review in reviews
    ]
    entries += [
        Entry("reply", reply.created_at, reply.author, reply.body)
        for reply in report.replies.select_related("author")
    ]
    # A resubmission is the first revision after each review.
    review_times = sorted(review.created_at for review in reviews)
    revision_times = list(
        Revision.objects.filter(report=report)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    for index, reviewed_at in enumerate(review_times):
        until = review_times[index + 1] if index + 1 < len(review_times) else None
        first = next(
            (t for t in revision_times if t > reviewed_at and (until is None or t <= until)), None
        )
        if first is not None:
            entries.append(Entry("resubmitted", first, report.student))
    return sorted(entries, key=lambda entry: entry.at)
