"""A student's real GitHub work beside their report.

For each student with a GitHub login and each period: the pull requests they
opened, the ones merged, the pull requests they reviewed and the issues they
opened in the tracked repositories (the project's, then the cohort's); the
issues and pull requests their report references, checked; and the previous
report's plan beside this report's work.

Each tracked repository is read the cheaper of two ways (in GitHub's time at
its documented limits, docs/evidence.md has the figures): listed once for
every student (reports/github/activity.py, GraphQL), or searched, four
searches per student and period (`search_queries`). A repository GitHub will
not let the token read is an EvidenceProblem of the cohort or project that
tracks it, and everything else is collected all the same.

A period's evidence becomes final once it was fetched after the period ended
plus FINAL_AFTER (GitHub's search index lags a little); final evidence is kept
and never fetched again.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort, Membership, Role, User
from reports.github.activity import (
    ListingTooCostly,
    RepositoryActivity,
    RepositoryRefused,
    list_activity,
    pick_work,
    search_seconds,
)
from reports.github.client import (
    DatabaseETags,
    GitHubClient,
    GitHubError,
    NotFound,
    RateLimited,
    SearchPacer,
    client_for,
    repo_path,
)
from reports.github.graphql import GraphQLPacer
from reports.models import EvidenceProblem, GitHubEvidence, Period, ReferenceCheck, Report
from reports.writing import PlanAgainstWork, plan_against_work, previous_report

logger = logging.getLogger(__name__)

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


# GitHub refuses a query with more than five AND, OR or NOT operators (REST
# "Search", "Limitations on query length"): six repositories ORed take five.
REPOSITORIES_PER_QUERY = 6


def repository_groups(repositories: Iterable[str]) -> list[list[str]]:
    found, size = list(repositories), REPOSITORIES_PER_QUERY
    return [found[i : i + size] for i in range(0, len(found), size)]


def repository_qualifier(repositories: list[str]) -> str:
    """`repo:a/x`, or `(repo:a/x OR repo:b/y)`: GitHub's advanced issue search
    ANDs qualifiers separated by spaces, `repo:` included, so `repo:a/x
    repo:b/y` finds nothing (cli/cli pkg/search/query.go writes the same group)."""
    qualifiers = [f"repo:{repo}" for repo in repositories]
    return qualifiers[0] if len(qualifiers) == 1 else f"({' OR '.join(qualifiers)})"


def search_queries(
    login: str, repositories: list[str], start: datetime.datetime, end: datetime.datetime
) -> dict[str, str]:
    """The four searches of one student and period in a group of repositories.
    Times carry the cohort's UTC offset, which GitHub's range qualifiers accept.
    GitHub cannot filter reviews by their date: reviewed pull requests are those
    updated during the period."""
    span = f"{start.isoformat()}..{end.isoformat()}"
    repos = repository_qualifier(repositories)
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


class Method(StrEnum):
    """How a repository is read: whichever costs less (AUTO), or one way."""

    AUTO = "auto"
    LISTING = "listing"
    SEARCH = "search"


@dataclass
class CollectResult:
    cohort: str
    fetched: int = 0
    kept: int = 0
    search_requests: int = 0
    graphql_requests: int = 0
    graphql_points: int = 0
    # REST requests (checked references, repositories looked up), and how many
    # of them were answered 304, which costs no rate-limit unit.
    rest_requests: int = 0
    rest_not_modified: int = 0
    reference_requests: int = 0
    waits: int = 0
    # Repository -> how it was read ("listing" or "search").
    methods: dict[str, str] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    students: list[dict] = field(default_factory=list)
    # Students and periods not collected: GitHub refused every repository they track.
    skipped: list[dict] = field(default_factory=list)

    @property
    def rate_limited_requests(self) -> int:
        return (
            self.search_requests
            + self.graphql_requests
            + self.rest_requests
            - (self.rest_not_modified)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "fetched": self.fetched,
            "kept": self.kept,
            "search_requests": self.search_requests,
            "graphql_requests": self.graphql_requests,
            "graphql_points": self.graphql_points,
            "rest_requests": self.rest_requests,
            "rest_not_modified": self.rest_not_modified,
            "reference_requests": self.reference_requests,
            "waits": self.waits,
            "methods": self.methods,
            "problems": self.problems,
            "students": self.students,
            "skipped": self.skipped,
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


@dataclass
class Sources:
    """Where one run reads each tracked repository from."""

    listed: dict[str, RepositoryActivity] = field(default_factory=dict)
    searched: set[str] = field(default_factory=set)
    # Repository -> (EvidenceProblem.Reason, GitHub's words).
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)

    def readable(self, repositories: Iterable[str]) -> list[str]:
        return [repo for repo in repositories if repo not in self.refused]


def collect_evidence(
    cohort: Cohort,
    *,
    periods: Iterable[Period] | None = None,
    wait: bool = True,
    fresh_for: datetime.timedelta = datetime.timedelta(0),
    run_started: datetime.datetime | None = None,
    client: GitHubClient | None = None,
    now: datetime.datetime | None = None,
    method: Method = Method.AUTO,
) -> CollectResult:
    """Fetch the evidence of every tracked student for `periods` (default: every
    started period) that is not final yet. Each student and period is saved as
    soon as it is fetched, so a rate limit (raised when `wait` is False) loses
    nothing already done; a repository GitHub refuses is recorded as an
    EvidenceProblem and stops nobody else."""
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
    todo = []
    for period in periods:
        for plan in plans:
            if needs_fetch(existing.get((plan.student.pk, period.pk)), now, fresh_for, run_started):
                todo.append((period, plan))
            else:
                result.kept += 1
    if not todo:
        return result
    own_client = client is None
    client = client or client_for(cohort)
    searches = SearchPacer(client, wait=wait)
    queries = GraphQLPacer(client, wait=wait)
    requests_before, not_modified_before = client.log.requests, client.log.not_modified
    sources = Sources()
    try:
        read_repositories(queries, client, sources, cohort, todo, method)
        lookup = GitHubLookup(client, sources.listed.values())
        for period, plan in todo:
            evidence = fetch_student_period(searches, sources, cohort, plan, period, now)
            if evidence is None:
                result.skipped.append({"login": plan.login, "period": period.number})
                continue
            before = client.log.requests
            check_report_references(lookup, plan, period, evidence, now)
            result.reference_requests += client.log.requests - before
            result.fetched += 1
            result.students.append(
                {"login": plan.login, "period": period.number, **counts(evidence)}
            )
    finally:
        result.search_requests = searches.requests
        result.graphql_requests, result.graphql_points = queries.requests, queries.points
        result.rest_requests = (
            client.log.requests - requests_before - searches.requests - queries.requests
        )
        result.rest_not_modified = client.log.not_modified - not_modified_before
        result.waits = searches.waits + queries.waits
        result.methods = dict.fromkeys(sources.listed, Method.LISTING.value)
        result.methods |= dict.fromkeys(sorted(sources.searched), Method.SEARCH.value)
        result.problems = record_problems(cohort, sources, now)
        if own_client:
            client.close()
    return result


def read_repositories(
    queries: GraphQLPacer,
    client: GitHubClient,
    sources: Sources,
    cohort: Cohort,
    todo: list[tuple[Period, StudentPlan]],
    method: Method,
) -> None:
    """List each repository the students of `todo` track, unless searching it
    costs less GitHub time (or `method` says which); the searched ones are
    looked up first, since GitHub drops an unreadable repository of an ORed
    group without a word (REST "Search", "Access errors or missing search
    results")."""
    repositories = list(dict.fromkeys(repo for _, plan in todo for repo in plan.repositories))
    for repo in repositories:
        tracking = [(period, plan) for period, plan in todo if repo in plan.repositories]
        if method == Method.SEARCH:
            sources.searched.add(repo)
            continue
        since = min(period_bounds(period, cohort.tzinfo)[0] for period, _ in tracking)
        budget = None if method == Method.LISTING else search_seconds(len(tracking))
        try:
            sources.listed[repo] = list_activity(queries, repo, since, budget_seconds=budget)
        except RepositoryRefused as refused:
            sources.refused[repo] = (EvidenceProblem.Reason.NOT_FOUND, str(refused))
        except ListingTooCostly:
            sources.searched.add(repo)
        except RateLimited:
            raise
        except GitHubError as error:
            if method == Method.LISTING:
                raise
            logger.warning("listing %s failed, searching it instead: %s", repo, error)
            sources.searched.add(repo)
    etags = DatabaseETags()
    for repo in sorted(sources.searched):
        try:
            etags.remember([client.get_page(repo_path(repo))])
        except NotFound:
            # GitHub's REST answer, {"message": "Not Found"}.
            sources.refused[repo] = (EvidenceProblem.Reason.NOT_FOUND, "Not Found")
    sources.searched -= set(sources.refused)


def fetch_student_period(
    searches: SearchPacer,
    sources: Sources,
    cohort: Cohort,
    plan: StudentPlan,
    period: Period,
    now: datetime.datetime,
) -> GitHubEvidence | None:
    """One student's evidence of one period from what each repository gives;
    None (nothing saved) when GitHub refuses every one of them."""
    start, end = period_bounds(period, cohort.tzinfo)
    listed = [sources.listed[repo] for repo in plan.repositories if repo in sources.listed]
    found = pick_work(listed, plan.login, start, end)
    incomplete = False
    searched = [repo for repo in plan.repositories if repo in sources.searched]
    for group in repository_groups(searched):
        more, group_incomplete = search_group(searches, sources, plan.login, group, start, end)
        incomplete = incomplete or group_incomplete
        for category in CATEGORIES:
            found[category] += more[category]
    readable = sources.readable(plan.repositories)
    if not readable:
        return None
    found = {category: sorted_items(items) for category, items in found.items()}
    evidence, _ = GitHubEvidence.objects.update_or_create(
        student=plan.student,
        period=period,
        defaults={
            "login": plan.login,
            "repositories": readable,
            **found,
            **{f"{category}_count": len(found[category]) for category in CATEGORIES},
            "incomplete": incomplete,
            # A refused repository may hold work: not final until it is read.
            "final": is_final(period, now, cohort.tzinfo)
            and not incomplete
            and len(readable) == len(plan.repositories),
            "fetched_at": now,
        },
    )
    return evidence


def search_group(
    searches: SearchPacer,
    sources: Sources,
    login: str,
    group: list[str],
    start: datetime.datetime,
    end: datetime.datetime,
) -> tuple[dict[str, list[dict]], bool]:
    """The four searches of a student in a group of repositories. A group GitHub
    refuses whole (422) has each repository tried alone; the refused ones are
    recorded and the rest searched again."""
    group = sources.readable(group)
    found: dict[str, list[dict]] = {category: [] for category in CATEGORIES}
    if not group:
        return found, False
    incomplete = False
    try:
        for category, query in search_queries(login, group, start, end).items():
            answer = searches.search_issues(query)
            found[category] = [work_item(item) for item in answer.items]
            incomplete = incomplete or answer.incomplete
    except GitHubError as error:
        if not is_unsearchable(error):
            raise
        for repo in group:
            try:
                searches.search_issues(f"is:issue repo:{repo}", limit=1)
            except GitHubError as alone:
                if not is_unsearchable(alone):
                    raise
                sources.refused[repo] = (EvidenceProblem.Reason.SEARCH_REFUSED, UNSEARCHABLE)
        sources.searched -= set(sources.refused)
        if len(sources.readable(group)) == len(group):
            raise  # GitHub refused the group, not any one repository: nothing to drop
        return search_group(searches, sources, login, group, start, end)
    return found, incomplete


# GitHub's 422 for a `repo:` it will not search (REST "Search", "Access errors
# or missing search results"; the words as googleapis/release-please#948 quotes them).
UNSEARCHABLE = (
    "The listed users and repositories cannot be searched either because the "
    "resources do not exist or you do not have permission to view them."
)


def is_unsearchable(error: GitHubError) -> bool:
    return error.status == 422 and "cannot be searched" in str(error)


def sorted_items(items: list[dict]) -> list[dict]:
    """Oldest first, as the searches ask GitHub for them; each item once."""
    unique = {(item["repo"].lower(), item["number"]): item for item in items}
    return sorted(
        unique.values(),
        key=lambda item: (item.get("created_at") or "", item["repo"].lower(), item["number"]),
    )


def record_problems(cohort: Cohort, sources: Sources, now: datetime.datetime) -> list[dict]:
    """Keep a row per refused repository for the cohort or each project that
    tracks it; drop the rows of repositories this run could read."""
    read = set(sources.listed) | sources.searched
    if read:
        cohort.evidence_problems.filter(repository__in=read).delete()
    problems = []
    for repo, (reason, message) in sources.refused.items():
        if repo in cohort.repositories:
            owners = [None]
        else:
            owners = [p for p in cohort.projects.all() if repo in (p.repositories or [])]
        for project in owners:
            row, created = EvidenceProblem.objects.get_or_create(
                cohort=cohort,
                project=project,
                repository=repo,
                defaults={
                    "reason": reason,
                    "message": message,
                    "first_seen_at": now,
                    "last_seen_at": now,
                },
            )
            if not created:
                row.reason, row.message, row.last_seen_at = reason, message, now
                row.save(update_fields=["reason", "message", "last_seen_at"])
            problems.append(row.as_record())
    return problems


def counts(evidence: GitHubEvidence | None) -> dict[str, int]:
    return evidence.counts() if evidence else dict.fromkeys(CATEGORIES, 0)


# ---------------------------------------------------------------- references


class GitHubLookup:
    """Single issues and the reviewers of pull requests: first from the run's
    listings (no request), else conditional requests (ETags shared through the
    database, a 304 costs no rate-limit unit), each asked at most once a run,
    however many reports reference it."""

    def __init__(self, client: GitHubClient, listed: Iterable[RepositoryActivity] = ()) -> None:
        self.client = client
        self.etags = DatabaseETags()
        self.listed = {activity.repository.lower(): activity for activity in listed}
        self._issues: dict[tuple[str, int], dict | None] = {}
        self._reviewers: dict[tuple[str, int], set[str]] = {}

    def from_listing(self, repo: str, number: int) -> tuple[str, dict, frozenset[str]] | None:
        """(kind, item, reviewers) when the run listed the repository and the
        listing holds it (it was updated, or opened, since the listing's start)."""
        activity = self.listed.get(repo.lower())
        return activity.find(number) if activity is not None else None

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
    the evidence or the run's listings already hold costs nothing; the rest is
    one conditional GET per reference (plus the reviews of a pull request by
    someone else)."""
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
    elif (listed := lookup.from_listing(reference.repo, reference.number)) is not None:
        kind, item, reviewers = listed
        reviewed = kind == "pull" and item["author"].lower() != login.lower()
        reviewed = reviewed and login.lower() in reviewers
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
