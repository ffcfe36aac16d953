"""One search over everything a person may read: reports, reviews, replies,
blockers and Q&A entries, scoped by the same rules as the pages
(reports.access), with filters and highlighted snippets.

The match itself is the database's full-text index over the segmented tokens
(reports.search.segmenting): PostgreSQL's tsvector with GIN, SQLite's FTS5;
the query is the same terms written in each one's syntax. A lone Chinese
character is no token of the index (pairs are); such a term is matched as a
substring of the text, within what the other terms and the scope leave.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from camp.models import User
from reports.access import (
    conversation_reports,
    visible_qa_entries,
    visible_reports,
    visible_reviews,
)
from reports.links import blocker_path, conversation_path, qa_entry_path, report_path
from reports.models import Report, SearchDocument
from reports.search.segmenting import Term, is_cjk, postgres_query, query_terms, sqlite_query

Kind = SearchDocument.Kind
MAX_QUERY_CHARS = 200
MAX_TERMS = 10
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
SNIPPET_CHARS = 160


class BadQuery(ValueError):
    """The query cannot be searched for; the message says why."""


@dataclass(frozen=True)
class Filters:
    cohort_id: int | None = None
    period_number: int | None = None
    student_id: int | None = None
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    kind: str
    id: int
    url: str
    snippet: SafeString
    report_id: int
    cohort_name: str
    period_number: int
    student: str
    written_at: datetime.datetime

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)


def parse_terms(query: str) -> list[Term]:
    query = (query or "").strip()
    if not query:
        raise BadQuery(_("Type something to search for."))
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(
            _("A search may be at most %(limit)d characters long.") % {"limit": MAX_QUERY_CHARS}
        )
    terms = query_terms(query)
    if not terms:
        raise BadQuery(_("Search for letters or digits."))
    if len(terms) > MAX_TERMS:
        raise BadQuery(_("A search may have at most %(limit)d words.") % {"limit": MAX_TERMS})
    return terms


def scoped_documents(user: User) -> QuerySet[SearchDocument]:
    """The documents the user may read, each kind by the rule of its page."""
    documents = SearchDocument.objects.all()
    if not user.is_authenticated or not user.is_active:
        return documents.none()
    readable = visible_reports(user)
    submitted = readable.filter(status=Report.Status.SUBMITTED)
    return documents.filter(
        Q(kind=Kind.REPORT, report__in=readable.values("pk"))
        | Q(kind=Kind.REVIEW, object_id__in=visible_reviews(user).values("pk"))
        | Q(kind=Kind.REPLY, report__in=conversation_reports(user).values("pk"))
        | Q(kind=Kind.BLOCKER, report__in=submitted.values("pk"))
        | Q(kind=Kind.QA, object_id__in=visible_qa_entries(user).values("pk"))
    )


def match(terms: list[Term]) -> Q | RawSQL | None:
    """The full-text condition for the indexable terms (None: there are none)."""
    indexed = [term for term in terms if term.indexable]
    if not indexed:
        return None
    if connection.vendor == "postgresql":
        return RawSQL(
            "reports_searchdocument.vector @@ to_tsquery('simple'::regconfig, %s)",
            [postgres_query(indexed)],
            output_field=BooleanField(),
        )
    return RawSQL(
        "reports_searchdocument.id IN "
        "(SELECT rowid FROM reports_search_fts WHERE reports_search_fts MATCH %s)",
        [sqlite_query(indexed)],
        output_field=BooleanField(),
    )


def matching(documents: QuerySet[SearchDocument], terms: list[Term]) -> QuerySet[SearchDocument]:
    condition = match(terms)
    if condition is not None:
        documents = documents.filter(condition)
    for term in terms:
        if not term.indexable:
            documents = documents.filter(text__icontains=term.text)
    return documents


def search(
    user: User,
    query: str,
    filters: Filters = Filters(),
    *,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[Result]:
    """The user's results for `query`, newest first. Raises BadQuery."""
    terms = parse_terms(query)
    documents = matching(scoped_documents(user), terms)
    if filters.cohort_id is not None:
        documents = documents.filter(cohort_id=filters.cohort_id)
    if filters.period_number is not None:
        documents = documents.filter(period__number=filters.period_number)
    if filters.student_id is not None:
        documents = documents.filter(student_id=filters.student_id)
    if filters.kinds:
        documents = documents.filter(kind__in=filters.kinds)
    rows = documents.order_by("-written_at", "-id").select_related("cohort", "period", "student")[
        offset : offset + min(limit, MAX_LIMIT)
    ]
    return [
        Result(
            kind=row.kind,
            id=row.object_id,
            url=url_of(row),
            snippet=snippet(row.text, terms),
            report_id=row.report_id,
            cohort_name=row.cohort.name,
            period_number=row.period.number,
            student=row.student.name,
            written_at=row.written_at,
        )
        for row in rows
    ]


def url_of(document: SearchDocument) -> str:
    if document.kind == Kind.REPORT:
        return report_path(document.report_id)
    if document.kind == Kind.BLOCKER:
        return blocker_path(document.report_id, document.object_id)
    if document.kind == Kind.QA:
        return qa_entry_path(document.object_id)
    return conversation_path(document.report_id)


def _highlight_pattern(terms: list[Term]) -> re.Pattern:
    """What to mark in a snippet: each term as typed, and its words and runs
    of Chinese alone (a document may space them differently)."""
    pieces = {term.text for term in terms}
    for term in terms:
        pieces.update(token for token in term.tokens if not all(is_cjk(c) for c in token))
        pieces.update(re.findall(r"[^\W\d_A-Za-z]+", term.text))
    ordered = sorted((p for p in pieces if p), key=len, reverse=True)
    return re.compile("|".join(re.escape(piece) for piece in ordered), re.IGNORECASE)


def snippet(text: str, terms: list[Term]) -> SafeString:
    """About SNIPPET_CHARS of `text` around the first match, escaped, with
    every match in it marked."""
    pattern = _highlight_pattern(terms)
    first = pattern.search(text)
    start = max((first.start() if first else 0) - SNIPPET_CHARS // 3, 0)
    end = min(start + SNIPPET_CHARS, len(text))
    window = " ".join(text[start:end].split())
    parts = []
    last = 0
    for found in pattern.finditer(window):
        parts.append(escape(window[last : found.start()]))
        parts.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    parts.append(escape(window[last:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(parts) + suffix)  # noqa: S308 (every piece escaped)
