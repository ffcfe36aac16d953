"""Roster files: validate a whole YAML/JSON roster, then apply it in one transaction.

The file is authoritative for its cohort: rerunning it changes nothing,
rerunning an edited one updates people, projects and mentor assignments (and
removes the memberships it no longer lists), and never touches reports.
"""

from __future__ import annotations

import datetime
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from camp.models import (
    GITHUB_LOGIN_RE,
    GITHUB_REPO_RE,
    Cohort,
    Membership,
    Mentorship,
    Project,
    Role,
    User,
    mark_cohort_changed,
)
from camp.roles import sync_staff_access
from reports.periods import cohort_calendar, ensure_periods

# A camp runs for months; thousands of periods mean a typo in ends_on or period_days.
MAX_PERIODS = 200
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LOGIN_RE = re.compile(GITHUB_LOGIN_RE)

TOP_KEYS = {"cohort", "tas", "projects", "mentors"}
COHORT_KEYS = {
    "slug",
    "name",
    "timezone",
    "starts_on",
    "ends_on",
    "period_days",
    "due_days_after_end",
    "github_repo",
    "github_reports_path",
    "github_summary_tag",
    "github_write_back",
    "repositories",
}
PERSON_KEYS = {"github", "name", "email"}
STUDENT_KEYS = PERSON_KEYS | {"mentors"}
PROJECT_KEYS = {"title", "description", "students", "repositories"}


class _RosterLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, so a bad one such as
    2024-02-31 is reported at its key instead of crashing the parser."""


_RosterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class RosterError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Person:
    login: str
    name: str | None = None
    email: str | None = None


@dataclass
class RosterStudent(Person):
    mentors: list[str] = field(default_factory=list)


@dataclass
class RosterProject:
    title: str
    description: str
    students: list[RosterStudent]
    repositories: list[str] = field(default_factory=list)


@dataclass
class Roster:
    cohort: dict[str, Any]
    tas: list[Person]
    projects: list[RosterProject]
    mentors: list[Person]


@dataclass
class RosterResult:
    cohort: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    # What happened (or, in a dry run, would happen), one line each.
    changes: list[str] = field(default_factory=list)
    # Differences the file asked for and the import did not make.
    kept: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.changes.append(line)

    @property
    def changed(self) -> bool:
        return any(
            n for counts in (self.created, self.updated, self.removed) for n in counts.values()
        )

    def count(self, kind: str, what: str, n: int = 1) -> None:
        bucket = getattr(self, kind)
        bucket[what] = bucket.get(what, 0) + n


# ---------------------------------------------------------------- parsing


def load_roster_file(path: Path) -> Roster:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RosterError([f"{path}: cannot read the file ({exc.strerror})."]) from exc
    except UnicodeDecodeError as exc:
        raise RosterError([f"{path}: the file is not UTF-8 text."]) from exc
    return parse_roster(text, name=str(path))


def parse_roster(text: str, *, name: str = "roster") -> Roster:
    try:
        if name.endswith(".json"):
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_RosterLoader)
    except json.JSONDecodeError as exc:
        raise RosterError([f"{name}: line {exc.lineno}: not valid JSON: {exc.msg}."]) from exc
    except RecursionError as exc:
        raise RosterError([f"{name}: the file is nested too deeply."]) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"line {where.line + 1}: " if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RosterError([f"{name}: {line}not valid YAML: {problem}."]) from exc
    return _Validator().roster(data)


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def roster(self, data: Any) -> Roster:
        if not isinstance(data, dict):
            raise RosterError(
                ["(top level): expected a mapping with cohort, tas, projects, mentors."]
            )
        self.unknown_keys("(top level)", data, TOP_KEYS)
        cohort = self.cohort(data.get("cohort"))
        tas = [
            self.person(f"tas[{i}]", item, PERSON_KEYS)
            for i, item in enumerate(self.seq(data, "tas"))
        ]
        projects = [self.project(i, item) for i, item in enumerate(self.seq(data, "projects"))]
        mentors = [
            self.person(f"mentors[{i}]", item, PERSON_KEYS)
            for i, item in enumerate(self.seq(data, "mentors"))
        ]
        self.cross_checks(projects)
        self.role_checks(projects, [t for t in tas if t], [m for m in mentors if m])
        if self.errors:
            raise RosterError(self.errors)
        return Roster(cohort, [t for t in tas if t], projects, [m for m in mentors if m])

    def seq(self, data: dict, key: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, "expected a list.")
            return []
        return value

    def unknown_keys(self, where: str, data: dict, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.error(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))}).")

    def cohort(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.error("cohort", "required, a mapping with at least slug, name and starts_on.")
            return {}
        self.unknown_keys("cohort", data, COHORT_KEYS)
        out: dict[str, Any] = {}
        for key in ("slug", "name", "starts_on"):
            if data.get(key) in (None, ""):
                self.error(f"cohort.{key}", "required.")
        slug = data.get("slug")
        if slug not in (None, "") and not (isinstance(slug, str) and SLUG_RE.match(slug)):
            self.error("cohort.slug", f"{slug!r} must be lowercase letters, digits and dashes.")
        out["slug"] = slug
        out["name"] = str(data.get("name") or "")
        out["timezone"] = data.get("timezone") or "Asia/Shanghai"
        try:
            zoneinfo.ZoneInfo(str(out["timezone"]))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.error("cohort.timezone", f"unknown time zone {out['timezone']!r}.")
        out["starts_on"] = self.date("cohort.starts_on", data.get("starts_on"))
        out["ends_on"] = self.date("cohort.ends_on", data.get("ends_on"))
        if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
            self.error("cohort.ends_on", "is before starts_on.")
        out["period_days"] = self.positive_int("cohort.period_days", data.get("period_days", 14), 1)
        if out["starts_on"] and out["ends_on"] and out["period_days"]:
            periods = ((out["ends_on"] - out["starts_on"]).days // out["period_days"]) + 1
            if periods > MAX_PERIODS:
                self.error(
                    "cohort.ends_on",
                    f"the calendar would have {periods} periods; at most {MAX_PERIODS} "
                    "(check ends_on and period_days).",
                )
        out["due_days_after_end"] = self.positive_int(
            "cohort.due_days_after_end", data.get("due_days_after_end", 1), 0
        )
        repo = data.get("github_repo") or ""
        if repo and not re.fullmatch(GITHUB_REPO_RE, str(repo)):
            self.error("cohort.github_repo", f"{repo!r} is not owner/name.")
        out["github_repo"] = str(repo)
        out["github_reports_path"] = str(data.get("github_reports_path") or "")
        out["github_summary_tag"] = str(data.get("github_summary_tag") or "[WeeklyReports]")
        write_back = data.get("github_write_back", False)
        if not isinstance(write_back, bool):
            self.error("cohort.github_write_back", "expected true or false.")
        out["github_write_back"] = write_back is True
        out["repositories"] = self.repositories("cohort.repositories", data.get("repositories"))
        return out

    def repositories(self, where: str, value: Any) -> list[str]:
        """`repositories:` of the cohort or a project: a list of owner/name, each once."""
        if value in (None, ""):
            return []
        if not isinstance(value, list):
            self.error(where, "expected a list of owner/name.")
            return []
        repos: list[str] = []
        for i, repo in enumerate(value):
            if not (isinstance(repo, str) and re.fullmatch(GITHUB_REPO_RE, repo)):
                self.error(f"{where}[{i}]", f"{repo!r} is not owner/name.")
            elif repo not in repos:
                repos.append(repo)
        return repos

    def date(self, where: str, value: Any) -> datetime.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.error(where, f"{value!r} is not a date (YYYY-MM-DD).")
            return None

    def positive_int(self, where: str, value: Any, minimum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(where, f"{value!r} must be a whole number of at least {minimum}.")
            return None
        return value

    def login(self, where: str, value: Any) -> str | None:
        if not isinstance(value, str) or not LOGIN_RE.match(value):
            self.error(where, f"{value!r} is not a valid GitHub login.")
            return None
        return value

    def person(self, where: str, item: Any, allowed: set[str]) -> Person | None:
        if isinstance(item, str):
            item = {"github": item}
        if not isinstance(item, dict):
            self.error(where, "expected a login or a mapping with github, name, email.")
            return None
        self.unknown_keys(where, item, allowed)
        if "github" not in item:
            self.error(f"{where}.github", "required.")
            return None
        login = self.login(f"{where}.github", item["github"])
        email = item.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            self.error(f"{where}.email", f"{email!r} is not an email address.")
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            name = str(name)
        if login is None:
            return None
        if allowed is STUDENT_KEYS:
            mentors_value = item.get("mentors") or []
            if isinstance(mentors_value, str):
                mentors_value = [mentors_value]
            if not isinstance(mentors_value, list):
                self.error(f"{where}.mentors", "expected a list of logins.")
                mentors_value = []
            mentors = [
                m
                for j, m in enumerate(mentors_value)
                if self.login(f"{where}.mentors[{j}]", m) is not None
            ]
            return RosterStudent(login, name, email, mentors)
        return Person(login, name, email)

    def project(self, index: int, item: Any) -> RosterProject:
        where = f"projects[{index}]"
        if not isinstance(item, dict):
            self.error(where, "expected a mapping with title and students.")
            return RosterProject("", "", [])
        self.unknown_keys(where, item, PROJECT_KEYS)
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            self.error(f"{where}.title", "required.")
            title = ""
        students = [
            self.person(f"{where}.students[{j}]", s, STUDENT_KEYS)
            for j, s in enumerate(self.seq(item, "students") if "students" in item else [])
        ]
        if "students" in item and not isinstance(item["students"], list):
            self.error(f"{where}.students", "expected a list.")
        return RosterProject(
            title.strip(),
            str(item.get("description") or ""),
            [s for s in students if s],
            self.repositories(f"{where}.repositories", item.get("repositories")),
        )

    def cross_checks(self, projects: list[RosterProject]) -> None:
        titles: set[str] = set()
        students: set[str] = set()
        for i, project in enumerate(projects):
            if project.title and project.title in titles:
                self.error(f"projects[{i}].title", f"{project.title!r} appears twice.")
            titles.add(project.title)
            for student in project.students:
                key = student.login.lower()
                if key in students:
                    self.error(f"projects[{i}]", f"student {student.login!r} is listed twice.")
                students.add(key)
                if key in {m.lower() for m in student.mentors}:
                    self.error(f"projects[{i}]", f"{student.login!r} cannot mentor themselves.")

    def role_checks(
        self, projects: list[RosterProject], tas: list[Person], mentors: list[Person]
    ) -> None:
        """A student of the cohort is not also its TA or mentor (camp.roles)."""
        staff = {p.login.lower(): "tas" for p in tas} | {
            p.login.lower(): "mentors" for p in mentors
        }
        for project in projects:
            for student in project.students:
                staff |= {m.lower(): "mentors" for m in student.mentors}
        for i, project in enumerate(projects):
            for j, student in enumerate(project.students):
                role = staff.get(student.login.lower())
                if role is not None:
                    self.error(
                        f"projects[{i}].students[{j}]",
                        f"{student.login!r} is a student here and also listed in {role}; "
                        "a student of a cohort cannot also be its mentor or TA.",
                    )


# ---------------------------------------------------------------- checks against the database


def check_roster_against_database(roster: Roster) -> None:
    """What only the stored cohort can tell: every mentor a student names is declared
    under `mentors:` or is already a mentor of the cohort. A typo would otherwise
    create a staff account for whoever owns that GitHub name."""
    errors = []
    declared = {m.login.lower() for m in roster.mentors}
    stored = {
        login.lower()
        for login in Membership.objects.filter(
            cohort__slug=roster.cohort["slug"], role=Role.MENTOR
        ).values_list("user__github_login", flat=True)
        if login
    }
    for i, project in enumerate(roster.projects):
        for j, student in enumerate(project.students):
            for k, login in enumerate(student.mentors):
                if login.lower() not in declared | stored:
                    errors.append(
                        f"projects[{i}].students[{j}].mentors[{k}]: {login!r} is not declared "
                        "under mentors: and is not a mentor of this cohort (a typo?)."
                    )
    if errors:
        raise RosterError(errors)


# ---------------------------------------------------------------- applying


def find_user(login: str) -> User | None:
    return User.objects.filter(github_login__iexact=login).first()


def upsert_user(
    person: Person, result: RosterResult, cohort: Cohort, *, overwrite_shared: bool = False
) -> User:
    """The user with this GitHub login (any case), created without a usable
    password if new; name and email from the file when it gives them. One
    cohort's file does not rewrite the identity of someone who also belongs to
    another cohort (or of a superuser): the difference is reported, the stored
    value kept, unless `overwrite_shared`."""
    user = find_user(person.login)
    if user is None:
        user = new_user(person.login, name=person.name or "", email=person.email or "")
        result.count("created", "users")
        result.note(f"new user {person.login}")
        return user
    changes = {}
    if person.name is not None and user.display_name != person.name:
        changes["display_name"] = person.name
    if person.email is not None and user.email != person.email:
        changes["email"] = person.email
    if not changes:
        return user
    shared = user.is_superuser or user.memberships.exclude(cohort=cohort).exists()
    if shared and not overwrite_shared:
        for key, value in changes.items():
            result.kept.append(
                f"{person.login}: {key} kept as {getattr(user, key)!r}, the file says "
                f"{value!r}; they belong to another cohort (a superuser may pass "
                "--overwrite-shared-identities)."
            )
        return user
    for key, value in changes.items():
        setattr(user, key, value)
    user.save(update_fields=list(changes))
    result.count("updated", "users")
    result.note(f"update user {person.login}: {', '.join(changes)}")
    return user


def new_user(login: str, *, name: str = "", email: str = "") -> User:
    """A new user for a GitHub login, without a usable password (they sign in
    through GitHub or an invitation). The username is the login, or login-2,
    login-3 ... when someone already has it."""
    return User.objects.create(
        username=_free_username(login),
        github_login=login,
        display_name=name,
        email=email,
        password=make_password(None),
    )


def _free_username(login: str) -> str:
    candidate, n = login, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{login}-{n}"
    return candidate


# Fields that make the calendar: changing one may move or remove periods.
CALENDAR_FIELDS = {"timezone", "starts_on", "ends_on", "period_days", "due_days_after_end"}


@transaction.atomic
def apply_roster(
    roster: Roster,
    *,
    remove_missing: bool = False,
    overwrite_shared_identities: bool = False,
    dry_run: bool = False,
) -> RosterResult:
    """Apply the roster in one transaction; any RosterError leaves nothing written.

    Memberships the file no longer lists are removed only with `remove_missing`
    (otherwise the file is refused, naming them). `dry_run` does everything and
    rolls it back, so the result says exactly what would change.
    """
    check_roster_against_database(roster)
    data = roster.cohort
    result = RosterResult(cohort=data["slug"])
    cohort_fields = {k: v for k, v in data.items() if k != "slug"}
    cohort = Cohort.objects.filter(slug=data["slug"]).first()
    if cohort is None:
        cohort = Cohort.objects.create(slug=data["slug"], **cohort_fields)
        result.count("created", "cohorts")
        result.note(f"new cohort {cohort.slug}")
    else:
        if cohort_fields["ends_on"] is None:
            # A file without ends_on keeps the stored end rather than clearing it.
            cohort_fields["ends_on"] = cohort.ends_on
        changed = [k for k, v in cohort_fields.items() if getattr(cohort, k) != v]
        if changed:
            for key in changed:
                setattr(cohort, key, cohort_fields[key])
            cohort.full_clean()
            if CALENDAR_FIELDS.intersection(changed):
                _follow_calendar(cohort, result)
            cohort.save(update_fields=changed)
            result.count("updated", "cohorts")
            result.note(f"update cohort {cohort.slug}: {', '.join(changed)}")
    created_periods = ensure_periods(cohort)
    result.count("created", "periods", created_periods)
    if created_periods:
        result.note(f"create {created_periods} period(s)")

    details = {m.login.lower(): m for m in roster.mentors}
    wanted_members: dict[tuple[int, str], Project | None] = {}
    wanted_mentorships: set[tuple[int, int]] = set()
    touched_users: dict[int, User] = {}

    def member(person: Person, role: str, project: Project | None = None) -> User:
        user = upsert_user(person, result, cohort, overwrite_shared=overwrite_shared_identities)
        touched_users[user.pk] = user
        wanted_members[(user.pk, role)] = project
        return user

    for ta in roster.tas:
        member(ta, Role.TA)
    projects_by_title = {p.title: p for p in cohort.projects.all()}
    for item in roster.projects:
        project = projects_by_title.get(item.title)
        if project is None:
            project = Project.objects.create(
                cohort=cohort,
                title=item.title,
                description=item.description,
                repositories=item.repositories,
            )
            result.count("created", "projects")
        elif (project.description, project.repositories) != (item.description, item.repositories):
            project.description = item.description
            project.repositories = item.repositories
            project.save(update_fields=["description", "repositories"])
            result.count("updated", "projects")
        for student in item.students:
            student_user = member(student, Role.STUDENT, project)
            for login in student.mentors:
                mentor = member(details.get(login.lower(), Person(login)), Role.MENTOR)
                wanted_mentorships.add((student_user.pk, mentor.pk))
    for person in roster.mentors:
        member(person, Role.MENTOR)

    removed_user_ids = _sync_memberships(cohort, wanted_members, result, remove_missing)
    _sync_mentorships(cohort, wanted_mentorships, result)
    stale_projects = cohort.projects.exclude(title__in=[p.title for p in roster.projects])
    removed = stale_projects.count()
    if removed:
        stale_projects.delete()
        result.count("removed", "projects", removed)
    former = User.objects.filter(pk__in=removed_user_ids).exclude(pk__in=touched_users)
    sync_staff_access([*touched_users.values(), *former])
    if dry_run:
        transaction.set_rollback(True)
    return result


def _follow_calendar(cohort: Cohort, result: RosterResult) -> None:
    """Make the stored periods the new calendar's: periods nobody used yet move
    or go; a period with reports or allowances is never moved, renumbered or
    removed, and a calendar that would need it is refused."""
    existing = list(cohort.periods.order_by("number"))
    until = max([p.ends_on for p in existing], default=None)
    wanted = {dates.number: dates for dates in cohort_calendar(cohort, until=until)}
    in_use = set(
        cohort.periods.filter(Q(reports__isnull=False) | Q(allowances__isnull=False)).values_list(
            "number", flat=True
        )
    )
    errors = []
    for period in existing:
        dates = wanted.get(period.number)
        now = (period.starts_on, period.ends_on, period.due_at)
        if dates is not None and now == (dates.starts_on, dates.ends_on, dates.due_at):
            continue
        where = f"period {period.number} ({period.starts_on}..{period.ends_on})"
        if period.number in in_use:
            change = (
                f"move it to {dates.starts_on}..{dates.ends_on}, due {dates.due_at.isoformat()}"
                if dates
                else "remove it"
            )
            errors.append(
                f"cohort: {where} has reports; the new calendar would {change}. Keep "
                "starts_on, period_days, due_days_after_end and timezone as they were, "
                "or change that period in the admin."
            )
        elif dates is None:
            period.delete()
            result.count("removed", "periods")
            result.note(f"remove {where}")
        else:
            period.starts_on, period.ends_on, period.due_at = (
                dates.starts_on,
                dates.ends_on,
                dates.due_at,
            )
            period.save(update_fields=["starts_on", "ends_on", "due_at"])
            result.count("updated", "periods")
            result.note(f"move {where} to {dates.starts_on}..{dates.ends_on}")
    if errors:
        raise RosterError(errors)


def _sync_memberships(
    cohort: Cohort,
    wanted: dict[tuple[int, str], Project | None],
    result: RosterResult,
    remove_missing: bool,
) -> list[int]:
    """Create, update and remove the cohort's memberships; returns the ids of
    users who lost one (their staff access may have to go)."""
    existing = {(m.user_id, m.role): m for m in cohort.memberships.select_related("user")}
    for key, project in wanted.items():
        membership = existing.get(key)
        if membership is None:
            Membership.objects.create(user_id=key[0], cohort=cohort, role=key[1], project=project)
            result.count("created", "memberships")
        elif membership.project_id != (project.pk if project else None):
            membership.project = project
            membership.save(update_fields=["project"])
            result.count("updated", "memberships")
    stale = [m for key, m in existing.items() if key not in wanted]
    if stale and not remove_missing:
        raise RosterError(
            [
                f"memberships: {m.user} ({m.role}) is not in the file; rerun with "
                "--remove-missing to remove them from the cohort."
                for m in stale
            ]
        )
    if stale:
        Membership.objects.filter(pk__in=[m.pk for m in stale]).delete()
        result.count("removed", "memberships", len(stale))
        for m in stale:
            result.note(f"remove membership {m.user} ({m.role})")
    return [m.user_id for m in stale]


def _sync_mentorships(cohort: Cohort, wanted: set[tuple[int, int]], result: RosterResult) -> None:
    existing = {(m.student_id, m.mentor_id): m.pk for m in cohort.mentorships.all()}
    new = [
        Mentorship(cohort=cohort, student_id=student, mentor_id=mentor)
        for student, mentor in wanted - existing.keys()
    ]
    Mentorship.objects.bulk_create(new)
    if new:
        mark_cohort_changed(cohort.pk)
    result.count("created", "mentor assignments", len(new))
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        Mentorship.objects.filter(pk__in=stale).delete()
        result.count("removed", "mentor assignments", len(stale))
