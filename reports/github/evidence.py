"""A student's real GitHub work beside their report.

For each student with a GitHub login and each period: the pull requests they
opened, the ones merged, the pull requests they reviewed and the issues they
opened in the tracked repositories (the project's, then the cohort's), found
through GitHub's search API within its own limit (four searches per student
and period); the issues and pull requests their report references, checked;
and the previous report's plan beside this report's work.

A period's evidence becomes final once it was fetched after the period ended
plus FINAL_AFTER (GitHub's search index lags a little); final evidence is kept
and never fetched again.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort, Membership, Role, User
from reports.github.client import (
    DatabaseETags,
    GitHubClient,
    NotFound,
    SearchPacer,
    client_for,
    repo_path,
)
from reports.models import GitHubEvidence, Period, ReferenceCheck, Report
from reports.writing import PlanAgainstWork, plan_against_work, previous_report

FINAL_AFTER = datetime.timedelta(days=2)
# An open period's evidence fetched this recently is not fetched again by beat:
# a task rescheduled by the search limit carries on where it stopped.
FRESH_FOR = datetime.timedelta(minutes=30)
CATEGORIES = ("prs_opened", "prs_merged", "reviews_given", "issues_opened")
CATEGORY_LABELS = {
    "prs_opened": _("Pull requests opened"),
    "prs_merged": _("Pull requests merged"),
    "reviews_given": _("Pull requests reviewed"),
    "issues_opened": _("Issues opened"),
}
MAX_REFERENCES = 30


# ---------------------------------------------------------------- pure parts


def period_bounds(
    period: Period, tz: datetime.tzinfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """The first and the last second of a period in the cohort's time zone."""
    start = datetime.datetime.combine(period.starts_on, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(period.ends_on, datetime.time(23, 59, 59), tzinfo=tz)
    return start, end


def search_queries(
    login: str, repositories: Iterable[str], start: datetime.datetime, end: datetime.datetime
) -> dict[str, str]:
    """The four searches of one student and period. Times carry the cohort's UTC
    offset, which GitHub's range qualifiers accept. GitHub cannot filter reviews by
    their date: reviewed pull requests are those updated during the period."""
    span = f"{start.isoformat()}..{end.isoformat()}"
    repos = " ".join(f"repo:{repo}" for repo in repositories)
    return {
        "prs_opened": f"is:pr author:{login} created:{span} {repos}",
        "prs_merged": f"is:pr author:{login} merged:{span} {repos}",
        "reviews_given": f"is:pr reviewed-by:{login} -author:{login} updated:{span} {repos}",
        "issues_opened": f"is:issue author:{login} created:{span} {repos}",
    }


def _repo_of(item: dict) -> str:
    url = item.get("repository_url") or ""
    if "/repos/" in url:
        return url.split("/repos/", 1)[1]
    match = re.search(r"github\.com/([^/]+/[^/]+)/", item.get("html_url") or "")
    return match.group(1) if match else ""


def _web_url(value: object) -> str:
    """Only http(s) links reach a page's href."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else ""


def work_item(item: dict) -> dict[str, Any]:
    """An issue or pull request of a search (or the issues API) as evidence keeps it."""
    pull = item.get("pull_request") or {}
    merged_at = pull.get("merged_at")
    state = "merged" if merged_at else item.get("state", "open")
    return {
        "repo": _repo_of(item),
        "number": item["number"],
        "title": item.get("title") or "",
        "state": state if state in ("open", "closed", "merged") else "open",
        "url": _web_url(item.get("html_url")),
        "author": (item.get("user") or {}).get("login", ""),
        "created_at": item.get("created_at"),
        "merged_at": merged_at,
        "closed_at": item.get("closed_at"),
    }


@dataclass(frozen=True)
class Reference:
    repo: str
    number: int

    @property
    def ref(self) -> str:
        return f"{self.repo}#{self.number}"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/issues/{self.number}"


_REPO = r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+"
REFERENCE_RE = re.compile(
    rf"https?://github\.com/(?P<url_repo>{_REPO})/(?:issues|pull)/(?P<url_number>\d+)"
    rf"|(?<![\w/.-])(?P<repo>{_REPO})#(?P<number>\d+)\b"
    r"|(?<![\w/&#])#(?P<bare>\d+)\b"
)


def find_references(body: str, default_repo: str | None) -> list[Reference]:
    """Issues and pull requests a report mentions, in order, each once: full
    GitHub URLs, owner/repo#123, and #123 (in `default_repo`; ignored without one)."""
    found: dict[tuple[str, int], Reference] = {}
    for match in REFERENCE_RE.finditer(body):
        if match.group("url_repo"):
            repo, number = match.group("url_repo"), match.group("url_number")
        elif match.group("repo"):
            repo, number = match.group("repo"), match.group("number")
        elif default_repo:
            repo, number = default_repo, match.group("bare")
        else:
            continue
        reference = Reference(repo, int(number))
        found.setdefault((repo.lower(), reference.number), reference)
    return list(found.values())[:MAX_REFERENCES]


def is_final(period: Period, fetched_at: datetime.datetime, tz: datetime.tzinfo) -> bool:
    return fetched_at >= period_bounds(period, tz)[1] + FINAL_AFTER


# ---------------------------------------------------------------- collecting


def tracked_repositories(cohort: Cohort, project_repositories: list[str] | None) -> list[str]:
    return list(dict.fromkeys([*(project_repositories or []), *cohort.repositories]))


@dataclass
class StudentPlan:
    student: User
    login: str
    repositories: list[str]


def students_to_track(cohort: Cohort) -> list[StudentPlan]:
    """Students with a GitHub login and at least one tracked repository."""
    plans = []
    memberships = (
        Membership.objects.filter(
            cohort=cohort, role=Role.STUDENT, user__github_login__isnull=False
        )
        .select_related("user", "project")
        .order_by("user__github_login")
    )
    for membership in memberships:
        repos = tracked_repositories(
            cohort, membership.project.repositories if membership.project else None
        )
        if repos:
            plans.append(StudentPlan(membership.user, membership.user.github_login, repos))
    return plans


@dataclass
class CollectResult:
    cohort: str
    fetched: int = 0
    kept: int = 0
    search_requests: int = 0
    reference_requests: int = 0
    waits: int = 0
    students: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "fetched": self.fetched,
            "kept": self.kept,
            "search_requests": self.search_requests,
            "reference_requests": self.reference_requests,
            "waits": self.waits,
            "students": self.students,
        }


def periods_to_collect(cohort: Cohort, now: datetime.datetime) -> list[Period]:
    """Periods that have started (their evidence may still change or was never fetched)."""
    today = timezone.localdate(now, timezone=cohort.tzinfo)
    return list(cohort.periods.filter(starts_on__lte=today).order_by("number"))


def needs_fetch(
    evidence: GitHubEvidence | None,
    now: datetime.datetime,
    fresh_for: datetime.timedelta,
    run_started: datetime.datetime | None = None,
) -> bool:
    """Never fetched, or not final, not fetched in the last `fresh_for` and not
    by this run (a run paced over many minutes must not start over)."""
    if evidence is None:
        return True
    if evidence.final:
        return False
    if run_started is not None and evidence.fetched_at >= run_started:
        return False
    return now - evidence.fetched_at >= fresh_for


def collect_evidence(
    cohort: Cohort,
    *,
    periods: Iterable[Period] | None = None,
    wait: bool = True,
    fresh_for: datetime.timedelta = datetime.timedelta(0),
    run_started: datetime.datetime | None = None,
    client: GitHubClient | None = None,
    now: datetime.datetime | None = None,
) -> CollectResult:
    """Fetch the evidence of every tracked student for `periods` (default: every
    started period) that is not final yet. Each student and period is saved as
    soon as it is fetched, so a rate limit (raised when `wait` is False) loses
    nothing already done."""
    now = now or timezone.now()
    periods = list(periods) if periods is not None else periods_to_collect(cohort, now)
    result = CollectResult(cohort.slug)
    plans = students_to_track(cohort)
    existing = {
        (e.student_id, e.period_id): e
        for e in GitHubEvidence.objects.filter(
            period__in=periods, student__in=[p.student for p in plans]
        )
    }
    own_client = client is None
    client = client or client_for(cohort)
    pacer = SearchPacer(client, wait=wait)
    lookup = GitHubLookup(client)
    try:
        for period in periods:
            for plan in plans:
                evidence = existing.get((plan.student.pk, period.pk))
                if not needs_fetch(evidence, now, fresh_for, run_started):
                    result.kept += 1
                    continue
                evidence = fetch_student_period(pacer, cohort, plan, period, now)
                before = client.log.requests
                check_report_references(lookup, plan, period, evidence, now)
                result.reference_requests += client.log.requests - before
                result.fetched += 1
                result.students.append(
                    {"login": plan.login, "period": period.number, **counts(evidence)}
                )
    finally:
        result.search_requests = pacer.requests
        result.waits = pacer.waits
        if own_client:
            client.close()
    return result


def fetch_student_period(
    pacer: SearchPacer, cohort: Cohort, plan: StudentPlan, period: Period, now: datetime.datetime
) -> GitHubEvidence:
    start, end = period_bounds(period, cohort.tzinfo)
    found: dict[str, list[dict]] = {}
    incomplete = False
    for category, query in search_queries(plan.login, plan.repositories, start, end).items():
        answer = pacer.search_issues(query)
        found[category] = [work_item(item) for item in answer.items]
        incomplete = incomplete or answer.incomplete
    evidence, _ = GitHubEvidence.objects.update_or_create(
        student=plan.student,
        period=period,
        defaults={
            "login": plan.login,
            "repositories": plan.repositories,
            **found,
            **{f"{category}_count": len(found[category]) for category in CATEGORIES},
            "incomplete": incomplete,
            "final": is_final(period, now, cohort.tzinfo) and not incomplete,
            "fetched_at": now,
        },
    )
    return evidence


def counts(evidence: GitHubEvidence | None) -> dict[str, int]:
    return evidence.counts() if evidence else dict.fromkeys(CATEGORIES, 0)


# ---------------------------------------------------------------- references


class GitHubLookup:
    """Single issues and the reviewers of pull requests: conditional requests
    (ETags shared through the database, a 304 costs no rate-limit unit), and
    each asked at most once a run, however many reports reference it."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client
        self.etags = DatabaseETags()
        self._issues: dict[tuple[str, int], dict | None] = {}
        self._reviewers: dict[tuple[str, int], set[str]] = {}

    def issue(self, repo: str, number: int) -> dict | None:
        key = (repo.lower(), number)
        if key not in self._issues:
            try:
                page = self.client.get_page(repo_path(repo, "issues", number))
            except NotFound:
                self._issues[key] = None
            else:
                self.etags.remember([page])
                self._issues[key] = page.data
        return self._issues[key]

    def reviewers(self, repo: str, number: int) -> set[str]:
        key = (repo.lower(), number)
        if key not in self._reviewers:
            reviews = self.client.get_all(repo_path(repo, "pulls", number, "reviews"))
            self.etags.remember(reviews.pages)
            self._reviewers[key] = {
                (review.get("user") or {}).get("login", "").lower() for review in reviews.items
            }
        return self._reviewers[key]


def check_report_references(
    lookup: GitHubLookup,
    plan: StudentPlan,
    period: Period,
    evidence: GitHubEvidence,
    now: datetime.datetime,
) -> list[ReferenceCheck]:
    """Check what the student's submitted report of the period references. What
    the evidence already holds costs nothing; the rest is one conditional GET per
    reference (plus the reviews of a pull request by someone else)."""
    report = Report.objects.filter(
        student=plan.student, period=period, status=Report.Status.SUBMITTED
    ).first()
    if report is None:
        return []
    references = find_references(report.body, plan.repositories[0])
    known = _evidence_index(evidence)
    with transaction.atomic():
        checks = [
            _check_one(lookup, report, reference, plan.login, known, now)
            for reference in references
        ]
        report.reference_checks.exclude(ref__in=[r.ref for r in references]).delete()
    return checks


def _evidence_index(evidence: GitHubEvidence) -> dict[tuple[str, int], tuple[dict, bool]]:
    """(repo, number) -> (item, reviewed by the student rather than authored)."""
    index: dict[tuple[str, int], tuple[dict, bool]] = {}
    for category in CATEGORIES:
        for item in getattr(evidence, category):
            key = (item["repo"].lower(), item["number"])
            if category == "reviews_given":
                index.setdefault(key, (item, True))
            else:
                index[key] = (item, False)
    return index


def _check_one(
    lookup: GitHubLookup,
    report: Report,
    reference: Reference,
    login: str,
    known: dict[tuple[str, int], tuple[dict, bool]],
    now: datetime.datetime,
) -> ReferenceCheck:
    hit = known.get((reference.repo.lower(), reference.number))
    reviewed = False
    if hit is not None:
        item, reviewed = hit
        kind = "pull" if "/pull/" in item["url"] else "issue"
    else:
        data = lookup.issue(reference.repo, reference.number)
        item = work_item(data) if data is not None else None
        kind = "pull" if data is not None and "pull_request" in data else "issue"
        if item is not None and kind == "pull" and item["author"].lower() != login.lower():
            reviewed = login.lower() in lookup.reviewers(reference.repo, reference.number)
    if item is None:
        values = {
            "url": reference.url,
            "kind": "",
            "state": ReferenceCheck.State.MISSING,
            "title": "",
            "author_login": "",
            "by_student": False,
            "reviewed_by_student": False,
        }
    else:
        values = {
            "url": item["url"] or reference.url,
            "kind": kind,
            "state": item["state"],
            "title": item["title"][:500],
            "author_login": item["author"],
            "by_student": item["author"].lower() == login.lower(),
            "reviewed_by_student": reviewed,
        }
    check, _ = ReferenceCheck.objects.update_or_create(
        report=report, ref=reference.ref, defaults={**values, "checked_at": now}
    )
    return check


# ---------------------------------------------------------------- reading


@dataclass
class ReportEvidence:
    """Everything the evidence panel of one report shows."""

    evidence: GitHubEvidence | None
    references: list[ReferenceCheck]
    plan: PlanAgainstWork
    repositories: list[str]
    # Where a bare #123 of the report points: the student's first tracked repository.
    default_repository: str = ""

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.evidence)

    @property
    def lists(self) -> list[tuple[str, str, list[dict]]]:
        """(category, label, items) for each kind of work."""
        if self.evidence is None:
            return []
        return [
            (category, CATEGORY_LABELS[category], getattr(self.evidence, category))
            for category in CATEGORIES
        ]

    @property
    def attention(self) -> int:
        return sum(1 for check in self.references if check.needs_attention)

    def as_record(self) -> dict[str, Any]:
        """The shape of exports and the API."""
        return GitHubEvidence.record(
            self.evidence.counts() if self.evidence else None, self.references
        )


def evidence_for_report(report: Report) -> ReportEvidence:
    """The evidence of the report's student and period, its checked references,
    and the previous report's plan beside this one's work (a few queries)."""
    evidence = GitHubEvidence.objects.filter(
        student_id=report.student_id, period_id=report.period_id
    ).first()
    previous = previous_report(report.student_id, report.period)
    cohort = report.period.cohort
    project = (
        Membership.objects.filter(user_id=report.student_id, cohort=cohort, role=Role.STUDENT)
        .values_list("project__repositories", flat=True)
        .first()
    )
    tracked = tracked_repositories(cohort, project)
    return ReportEvidence(
        evidence=evidence,
        references=list(report.reference_checks.all()),
        plan=plan_against_work(previous.body if previous else None, report.body),
        repositories=evidence.repositories if evidence else tracked,
        default_repository=tracked[0] if tracked else "",
    )


def with_evidence(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Reports with their evidence counts annotated and their reference checks
    prefetched, so that a page of reports costs the same few queries."""
    evidence = GitHubEvidence.objects.filter(
        student=OuterRef("student_id"), period=OuterRef("period_id")
    )
    return reports.annotate(
        evidence_collected=Exists(evidence),
        **{
            f"evidence_{name}": Subquery(evidence.values(f"{name}_count")[:1])
            for name in CATEGORIES
        },
    ).prefetch_related("reference_checks")


def report_evidence_record(report: Report) -> dict[str, Any]:
    """The `evidence` of one report for exports and the API: from the annotations
    of with_evidence() when present, else read."""
    if hasattr(report, "evidence_collected"):
        counts_of = (
            {name: getattr(report, f"evidence_{name}") for name in CATEGORIES}
            if report.evidence_collected
            else None
        )
    else:
        evidence = GitHubEvidence.objects.filter(
            student_id=report.student_id, period_id=report.period_id
        ).first()
        counts_of = evidence.counts() if evidence else None
    return GitHubEvidence.record(counts_of, report.reference_checks.all())


def cohort_evidence(
    cohort: Cohort, period: Period, students: Iterable[User]
) -> list[dict[str, Any]]:
    """Per student of `students`: login, the period's counts and lists (API)."""
    by_student = {
        e.student_id: e
        for e in GitHubEvidence.objects.filter(period=period, student__in=list(students))
    }
    out = []
    for student in students:
        evidence = by_student.get(student.pk)
        out.append(
            {
                "student": str(student),
                "period": period.number,
                "fetched_at": evidence.fetched_at.isoformat() if evidence else None,
                "final": evidence.final if evidence else False,
                **counts(evidence),
                "items": {
                    category: getattr(evidence, category) if evidence else []
                    for category in CATEGORIES
                },
            }
        )
    return out
