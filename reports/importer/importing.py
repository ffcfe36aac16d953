"""Importing a camp's history from its git repository.

The roster comes from the folders (cohort/student), the periods from the date
ranges students typed (when the cohort has no calendar yet), reports and
mentor reviews from the files, and submission times from git history. Reading
the repository happens first and entirely; the database is then written in one
transaction, so a failure midway leaves it as it was. Reruns add only what is
new: a report is keyed by (student, period), a revision by its text, an
imported review by its text.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from camp.models import (
    GITHUB_LOGIN_RE,
    Cohort,
    Membership,
    Mentorship,
    Role,
    User,
    mark_cohort_changed,
)
from camp.roster import new_user
from reports.importer.git_history import GitError, Repository, Version, open_repository
from reports.models import Period, Report, Review, Revision, Source
from reports.parsing import (
    ReportFile,
    Skipped,
    decode_text,
    mentor_review,
    normalize_text,
    read_report_file,
    skip_reason_for_name,
    skip_reason_for_size,
)
from reports.periods import days_in, due_at_for, fallback_calendar, infer_periods, submission_period
from reports.submissions import reports_written_in_bulk

DEFAULT_PATTERN = r"^WeeklyReports/(?P<cohort>[^/]+)/(?P<student>[^/]+)/[^/]+$"
# 01_login, 2_login, glcc_01_login, ospp_02_login: the ordinal is the camp's, not the login's.
ORDINAL_PREFIX_RE = re.compile(r"^(?:[A-Za-z]+_)?\d+_")
LOGIN_RE = re.compile(GITHUB_LOGIN_RE)
# A camp's calendar continues after at most a short break.
MAX_GAP_BETWEEN_PERIODS_DAYS = 31
# A claimed range this much longer than the period it matched spans more than one.
LONG_RANGE_FACTOR = 1.5

Progress = Callable[[int, int], None]


class RepositoryImportError(Exception):
    """Bad input: the pattern, or a source that cannot be read. Nothing was written."""


@dataclass
class FoundReport:
    """A report file at HEAD with everything read from the repository about it."""

    file: ReportFile
    cohort_folder: str
    cohort_path: str
    login: str
    # Every readable version of its text, oldest first: (version, normalised text).
    versions: list[tuple[Version, str]]
    # When its content first appeared in the repository: the submission time.
    first_seen: datetime.datetime
    cohort: Cohort | None = None
    period: Period | None = None

    @property
    def path(self) -> str:
        return self.file.path


@dataclass
class ImportResult:
    source: str
    commit: str
    dry_run: bool
    cohorts: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    anomalies: list[dict] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def as_json(self) -> dict:
        return {
            "cohorts": self.cohorts,
            "reports": self.reports,
            "skipped": self.skipped,
            "anomalies": self.anomalies,
        }

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append({"path": path, "reason": reason})

    def anomaly(self, path: str, problem: str) -> None:
        self.anomalies.append({"path": path, "problem": problem})


def compile_pattern(pattern: str) -> re.Pattern:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise RepositoryImportError(f"--pattern is not a valid regular expression: {exc}.") from exc
    missing = {"cohort", "student"} - set(compiled.groupindex)
    if missing:
        raise RepositoryImportError(
            "--pattern needs the named groups (?P<cohort>...) and (?P<student>...); "
            f"missing: {', '.join(sorted(missing))}."
        )
    return compiled


def student_login(folder: str) -> str:
    """The GitHub login in a student folder's name: "glcc_01_someone" is "someone"."""
    return ORDINAL_PREFIX_RE.sub("", folder, count=1)


def import_repository(
    source: str,
    *,
    pattern: str = DEFAULT_PATTERN,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every report of the repository at `source`; see the module docstring."""
    compiled = compile_pattern(pattern)
    try:
        with open_repository(source) as repository:
            commit, committed_at = repository.head_commit()
            result = ImportResult(source=source, commit=commit, dry_run=dry_run)
            found = _read_repository(repository, compiled, commit, committed_at, result)
    except GitError as exc:
        raise RepositoryImportError(str(exc)) from exc
    with transaction.atomic():
        _apply(found, result, progress)
        if dry_run:
            transaction.set_rollback(True)
    return result


# ---------------------------------------------------------------- reading


def _read_repository(
    repository: Repository,
    pattern: re.Pattern,
    head_commit: str,
    head_committed_at: datetime.datetime,
    result: ImportResult,
) -> list[FoundReport]:
    candidates = []
    for head_file in repository.head_files():
        match = pattern.search(head_file.path)
        if match is None:
            result.skip(head_file.path, "not in a student folder (does not match the pattern)")
            continue
        cohort_folder, folder = match.group("cohort"), match.group("student")
        if not cohort_folder or not folder:
            result.skip(head_file.path, "the pattern matched an empty cohort or student folder")
            continue
        login = student_login(folder)
        reason = skip_reason_for_name(head_file.path) or skip_reason_for_size(head_file.size)
        if reason is None and not LOGIN_RE.match(login):
            reason = f"the student folder {folder!r} does not name a GitHub login"
        if reason:
            result.skip(head_file.path, reason)
            continue
        cohort_path = head_file.path[: match.end("cohort")]
        candidates.append((head_file, cohort_folder, cohort_path, login))

    histories = repository.histories(head_file.path for head_file, *_ in candidates)
    for head_file, *_ in candidates:
        versions = histories.get(head_file.path) or ()
        if not versions or versions[-1].blob != head_file.blob:
            # Content git log cannot attribute (e.g. introduced by a merge commit).
            histories[head_file.path] = (
                *versions,
                Version(head_file.blob, head_commit, head_committed_at),
            )
    contents = repository.read_blobs(
        version.blob for versions in histories.values() for version in versions
    )

    found = []
    for head_file, cohort_folder, cohort_path, login in candidates:
        versions = histories[head_file.path]
        read = read_report_file(
            head_file.path, contents[head_file.blob], committed_at=versions[0].authored_at
        )
        if isinstance(read, Skipped):
            result.skip(read.path, read.reason)
            continue
        texts = []
        for version in versions:
            decoded = decode_text(contents[version.blob])
            if decoded is not None and b"\x00" not in contents[version.blob]:
                texts.append((version, normalize_text(decoded[0])))
        found.append(
            FoundReport(read, cohort_folder, cohort_path, login, texts, versions[0].authored_at)
        )
    return found


# ---------------------------------------------------------------- writing


def _apply(found: list[FoundReport], result: ImportResult, progress: Progress | None) -> None:
    by_cohort: dict[str, list[FoundReport]] = defaultdict(list)
    for report in found:
        by_cohort[report.cohort_folder.lower()].append(report)
    users = _students({report.login for report in found}, result)
    done, total = 0, len(found)
    for reports in by_cohort.values():
        cohort = _cohort(reports, result)
        for report in reports:
            report.cohort = cohort
        _memberships(cohort, [users[r.login.lower()] for r in reports], result)
        _match_periods(cohort, reports, result)
        mentors = _sole_mentors(cohort)
        groups: dict[tuple[int, int], list[FoundReport]] = defaultdict(list)
        for report in reports:
            if report.period is not None:
                groups[(users[report.login.lower()].pk, report.period.pk)].append(report)
        written = _write_reports(groups, mentors, result)
        mark_cohort_changed(cohort.pk)  # written in bulk, past the signals
        # ... so the features derive what they keep from every report (blockers,
        # Q&A, the search index, similarity) in this transaction too.
        reports_written_in_bulk.send(sender=Report, report_ids=written)
        result.cohorts.append(
            {
                "slug": cohort.slug,
                "name": cohort.name,
                "students": len({r.login.lower() for r in reports}),
                "reports": len(groups),
                "periods": [
                    {
                        "number": period.number,
                        "starts_on": period.starts_on.isoformat(),
                        "ends_on": period.ends_on.isoformat(),
                    }
                    for period in cohort.periods.order_by("number")
                ],
            }
        )
        done += len(reports)
        if progress is not None:
            progress(done, total)
    for report in sorted(found, key=lambda r: r.path):
        result.reports.append(
            {
                "path": report.path,
                "cohort": report.cohort.name,
                "student": report.login,
                "claimed_start": _iso(report.file.claimed_start),
                "claimed_end": _iso(report.file.claimed_end),
                "period": report.period.number if report.period else None,
                "submitted_at": report.first_seen.isoformat(),
                "review": report.file.review is not None,
            }
        )
    result.skipped.sort(key=lambda item: item["path"])
    result.anomalies.sort(key=lambda item: (item["path"], item["problem"]))


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _students(logins: set[str], result: ImportResult) -> dict[str, User]:
    """Users by lower-cased login: existing ones matched case-insensitively, the
    others created (without a usable password: they sign in through GitHub)."""
    wanted = {login.lower(): login for login in logins}
    users = {
        user.github_login.lower(): user
        for user in User.objects.annotate(login=Lower("github_login")).filter(
            login__in=list(wanted)
        )
    }
    for key in sorted(wanted.keys() - users.keys()):
        users[key] = new_user(wanted[key])
        result.created["users"] += 1
    return users


def _cohort(reports: list[FoundReport], result: ImportResult) -> Cohort:
    spellings = Counter(report.cohort_folder for report in reports)
    folder = max(spellings, key=lambda spelling: (spellings[spelling], spelling))
    name = folder[:200]
    slug = slugify(name).replace("_", "-").strip("-")[:64]
    if not slug:  # a name in Chinese, say: still one stable slug per name
        slug = "cohort-" + hashlib.sha1(name.lower().encode()).hexdigest()[:8]
    cohort = Cohort.objects.filter(slug=slug).first()
    if cohort is not None and cohort.periods.exists():
        _extend_calendar(cohort, reports, result)
        return cohort
    calendar = infer_periods(
        [
            (r.file.match_start, r.file.match_end)
            for r in reports
            if r.file.match_start and r.file.match_end
        ]
    )
    if not calendar:
        firsts = sorted(r.first_seen.date() for r in reports)
        calendar = fallback_calendar(firsts[0], firsts[-1])
    if cohort is None:
        lengths = Counter(days_in(dates) for dates in calendar)
        cohort = Cohort.objects.create(
            slug=slug,
            name=name,
            starts_on=calendar[0][0],
            ends_on=calendar[-1][1],
            period_days=max(lengths, key=lambda days: (lengths[days], -days)),
            github_reports_path=next(r.cohort_path for r in reports if r.cohort_folder == folder)
            + "/",
        )
        result.created["cohorts"] += 1
    _create_periods(cohort, calendar, first_number=1, result=result)
    return cohort


def _extend_calendar(cohort: Cohort, reports: list[FoundReport], result: ImportResult) -> None:
    """A camp still running gains periods: ranges claimed after the last period
    add periods after it (inferred the same way), instead of being squeezed
    into the last one."""
    last = cohort.periods.order_by("-number").first()
    later = [
        (r.file.match_start, r.file.match_end)
        for r in reports
        if r.file.match_start and r.file.match_end and r.file.match_start > last.ends_on
    ]
    calendar = []
    previous_end = last.ends_on
    for start, end in infer_periods(later):
        # A year typed wrong (2026 for 2025) must not open a period far away.
        if (start - previous_end).days > MAX_GAP_BETWEEN_PERIODS_DAYS:
            break
        calendar.append((start, end))
        previous_end = end
    if not calendar:
        return
    _create_periods(cohort, calendar, first_number=last.number + 1, result=result)
    if cohort.ends_on is not None and cohort.ends_on < calendar[-1][1]:
        cohort.ends_on = calendar[-1][1]
        cohort.save(update_fields=["ends_on"])
        result.updated["cohorts"] += 1


def _create_periods(
    cohort: Cohort,
    calendar: list[tuple[datetime.date, datetime.date]],
    *,
    first_number: int,
    result: ImportResult,
) -> None:
    Period.objects.bulk_create(
        Period(
            cohort=cohort,
            number=number,
            starts_on=start,
            ends_on=end,
            due_at=due_at_for(
                end,
                due_days_after_end=cohort.due_days_after_end,
                due_time=cohort.due_time,
                tzinfo=cohort.tzinfo,
            ),
        )
        for number, (start, end) in enumerate(calendar, start=first_number)
    )
    result.created["periods"] += len(calendar)


def _memberships(cohort: Cohort, students: list[User], result: ImportResult) -> None:
    existing = set(cohort.memberships.filter(role=Role.STUDENT).values_list("user_id", flat=True))
    new = {user.pk: user for user in students if user.pk not in existing}
    Membership.objects.bulk_create(
        Membership(user=user, cohort=cohort, role=Role.STUDENT) for user in new.values()
    )
    result.created["memberships"] += len(new)


def _match_periods(cohort: Cohort, reports: list[FoundReport], result: ImportResult) -> None:
    periods = list(cohort.periods.order_by("number"))
    for report in reports:
        for problem in report.file.problems:
            result.anomaly(report.path, problem)
        report.period = submission_period(
            periods,
            claimed_start=report.file.match_start,
            claimed_end=report.file.match_end,
            submitted_on=report.first_seen.astimezone(cohort.tzinfo).date(),
        )
        if report.period is None:
            result.anomaly(
                report.path, f"no period of {cohort.name} matches it; the report was not imported"
            )
            continue
        if report.file.match_start and report.file.match_end:
            claimed = days_in((report.file.match_start, report.file.match_end))
            period_days = days_in((report.period.starts_on, report.period.ends_on))
            if claimed > LONG_RANGE_FACTOR * period_days:
                result.anomaly(
                    report.path,
                    f"claims {claimed} days, longer than one period "
                    f"(matched period {report.period.number} has {period_days})",
                )


def _sole_mentors(cohort: Cohort) -> dict[int, int]:
    """Student id -> mentor id, for students the roster gives exactly one mentor."""
    mentors: dict[int, list[int]] = defaultdict(list)
    for student_id, mentor_id in Mentorship.objects.filter(cohort=cohort).values_list(
        "student_id", "mentor_id"
    ):
        mentors[student_id].append(mentor_id)
    return {student: ids[0] for student, ids in mentors.items() if len(ids) == 1}


def _write_reports(
    groups: dict[tuple[int, int], list[FoundReport]],
    mentors: dict[int, int],
    result: ImportResult,
) -> list[int]:
    """Write the reports, revisions and reviews; the ids of the reports written."""
    existing = {
        (report.student_id, report.period_id): report
        for report in Report.objects.filter(
            period_id__in={key[1] for key in groups}, student_id__in={key[0] for key in groups}
        )
    }
    revisions_of: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    for report_id, body, created_at in Revision.objects.filter(
        report__in=existing.values()
    ).values_list("report_id", "body", "created_at"):
        revisions_of[report_id].append((body, created_at))
    reviews_of: dict[int, set[str]] = defaultdict(set)
    for report_id, body in Review.objects.filter(report__in=existing.values()).values_list(
        "report_id", "body"
    ):
        reviews_of[report_id].add(body)
    new_reports: list[Report] = []
    pending: list[tuple[Report, list[Revision], list[Review]]] = []
    for (student_id, period_id), files in groups.items():
        files.sort(key=lambda r: (r.first_seen, r.path))
        primary = files[0]
        for duplicate in files[1:]:
            result.anomaly(
                duplicate.path,
                f"duplicate: same student and period as {primary.path}; "
                "its text is kept as revisions of that report",
            )
        versions = sorted(
            ((version, text, report) for report in files for version, text in report.versions),
            key=lambda item: (item[0].authored_at, item[2].path),
        )
        report = existing.get((student_id, period_id))
        if report is None:
            report = Report(
                student_id=student_id,
                period_id=period_id,
                status=Report.Status.SUBMITTED,
                submitted_at=primary.first_seen,
                source=Source.IMPORT,
                source_ref=primary.path,
                claimed_start=primary.file.claimed_start,
                claimed_end=primary.file.claimed_end,
                body=versions[-1][1],
            )
            new_reports.append(report)
            known_bodies: set[str] = set()
            known_reviews: set[str] = set()
            latest_known = None
        else:
            known_bodies = {body for body, _ in revisions_of[report.pk]}
            known_reviews = reviews_of[report.pk]
            latest_known = max((at for _, at in revisions_of[report.pk]), default=None)
        revisions = []
        for version, text, source_file in versions:
            if text in known_bodies:
                continue
            known_bodies.add(text)
            revisions.append(
                Revision(
                    body=text,
                    source=Source.IMPORT,
                    source_ref=f"{source_file.path}@{version.commit}",
                    created_at=version.authored_at,
                )
            )
        reviews = []
        for source_file in files:
            text = source_file.file.review
            if text is None or text in known_reviews:
                continue
            known_reviews.add(text)
            reviews.append(
                Review(
                    mentor_id=mentors.get(student_id),
                    body=text,
                    verdict=Review.Verdict.COMMENT,
                    source=Source.IMPORT,
                    source_ref=source_file.path,
                    created_at=_review_time(source_file, text),
                )
            )
        if report.pk is not None:
            _update_existing(report, primary, revisions, latest_known, result)
        pending.append((report, revisions, reviews))
    Report.objects.bulk_create(new_reports)
    result.created["reports"] += len(new_reports)
    all_revisions, all_reviews = [], []
    for report, revisions, reviews in pending:
        for item in (*revisions, *reviews):
            item.report = report
        all_revisions.extend(revisions)
        all_reviews.extend(reviews)
    Revision.objects.bulk_create(all_revisions)
    Review.objects.bulk_create(all_reviews)
    result.created["revisions"] += len(all_revisions)
    result.created["reviews"] += len(all_reviews)
    return [report.pk for report, revisions, reviews in pending if report.pk is not None]


def _update_existing(
    report: Report,
    primary: FoundReport,
    new_revisions: list[Revision],
    latest_known: datetime.datetime | None,
    result: ImportResult,
) -> None:
    """A report that already exists (an earlier import, or another channel) takes
    the repository's newer text and, if it was only a draft, its submission."""
    changed = []
    newest = max(new_revisions, key=lambda revision: revision.created_at, default=None)
    if newest is not None and (latest_known is None or newest.created_at > latest_known):
        report.body = newest.body
        changed.append("body")
    if report.status != Report.Status.SUBMITTED:
        report.status = Report.Status.SUBMITTED
        report.submitted_at = primary.first_seen
        changed += ["status", "submitted_at"]
    if report.claimed_start is None and primary.file.claimed_start is not None:
        report.claimed_start = primary.file.claimed_start
        report.claimed_end = primary.file.claimed_end
        changed += ["claimed_start", "claimed_end"]
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
        result.updated["reports"] += 1


def _review_time(report: FoundReport, review: str) -> datetime.datetime:
    """When the review was written: the first version of the file that carries it."""
    for version, text in report.versions:
        if mentor_review(text) == review:
            return version.authored_at
    return report.versions[-1][0].authored_at
