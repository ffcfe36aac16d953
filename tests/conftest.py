"""The shared base: one small camp with people who may and who must NOT see things.

cohort "camp" (Asia/Shanghai, 2025-03-03 .. 2025-06-29, 14-day periods 1..9)
  project A: alice (mentor_a), bob (mentor_a and mentor_b)
  project B: carol (mentor_b)
  ta: TA of the cohort
cohort "other": outsider (a student there), other_ta (its TA)
stranger: signed-in user in no cohort; admin: superuser
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission

from camp.models import Cohort, Project, Role, User
from camp.roles import sync_staff_access
from reports.models import Period
from reports.periods import ensure_periods
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    MentorshipFactory,
    ProjectFactory,
    UserFactory,
)

PASSWORD = "pw"
# Everyone the shared base creates besides the superuser "admin".
CAMP_PEOPLE = [
    "alice",
    "bob",
    "carol",
    "mentor_a",
    "mentor_b",
    "ta",
    "other_ta",
    "outsider",
    "stranger",
]


@dataclass
class Camp:
    cohort: Cohort
    other_cohort: Cohort
    project_a: Project
    project_b: Project
    alice: User
    bob: User
    carol: User
    mentor_a: User
    mentor_b: User
    ta: User
    other_ta: User
    outsider: User
    stranger: User
    admin: User

    def period(self, number: int) -> Period:
        return self.cohort.periods.get(number=number)


@pytest.fixture(autouse=True)
def _no_lockouts(settings):
    # django-axes needs the request in authenticate(), which the test client's
    # login() does not pass; the lockout tests switch it back on.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _fresh_page_cache(settings, request):
    # Pages are cached by cohort id and data_version, which repeat from test to
    # test once the database is rolled back: each test gets an empty cache.
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pages-{request.node.nodeid}",
        },
    }


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def build_camp() -> Camp:
    cohort = CohortFactory(
        slug="camp",
        name="护航计划 测试营",
        starts_on=datetime.date(2025, 3, 3),
        ends_on=datetime.date(2025, 6, 29),
        period_days=14,
    )
    other = CohortFactory(
        slug="other",
        name="Other camp",
        starts_on=datetime.date(2025, 3, 3),
        ends_on=datetime.date(2025, 6, 29),
    )
    ensure_periods(cohort)
    ensure_periods(other)
    project_a = ProjectFactory(cohort=cohort, title="项目一：算子补全")
    project_b = ProjectFactory(cohort=cohort, title="项目二：文档建设")
    users = {
        name: UserFactory(username=name, display_name=name.replace("_", " ").title())
        for name in CAMP_PEOPLE
    }
    users["mentor_a"].github_login = "mentor-a"
    users["mentor_b"].github_login = "mentor-b"
    users["other_ta"].github_login = "other-ta"
    for user in users.values():
        user.save()
    for name, project in [("alice", project_a), ("bob", project_a), ("carol", project_b)]:
        MembershipFactory(user=users[name], cohort=cohort, role=Role.STUDENT, project=project)
    for name in ["mentor_a", "mentor_b"]:
        MembershipFactory(user=users[name], cohort=cohort, role=Role.MENTOR)
    MembershipFactory(user=users["ta"], cohort=cohort, role=Role.TA)
    MembershipFactory(user=users["other_ta"], cohort=other, role=Role.TA)
    MembershipFactory(user=users["outsider"], cohort=other, role=Role.STUDENT)
    for student, mentor in [
        ("alice", "mentor_a"),
        ("bob", "mentor_a"),
        ("bob", "mentor_b"),
        ("carol", "mentor_b"),
    ]:
        MentorshipFactory(cohort=cohort, student=users[student], mentor=users[mentor])
    sync_staff_access([users["mentor_a"], users["mentor_b"], users["ta"], users["other_ta"]])
    admin = UserFactory(username="admin", github_login=None, is_superuser=True, is_staff=True)
    for user in [*users.values(), admin]:
        user.refresh_from_db()
    return Camp(
        cohort=cohort,
        other_cohort=other,
        project_a=project_a,
        project_b=project_b,
        admin=admin,
        **users,
    )


@pytest.fixture
def camp(db) -> Camp:
    return build_camp()


# The mentors' and TAs' groups as the migrations left them (name -> permissions).
MIGRATED_ROLE_GROUPS: dict[str, list[tuple[str, str]]] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, plus a note of the groups the migrations
    wrote, taken before any transactional test flushes the tables. (Django's
    serialized rollback cannot put them back for the browser tests: Playwright
    runs an event loop in the test's thread, and there Django hands out a
    connection without the serialized copy.)"""
    with django_db_blocker.unblock():
        for group in Group.objects.all():
            MIGRATED_ROLE_GROUPS[group.name] = list(
                group.permissions.values_list("content_type__app_label", "codename")
            )


@pytest.fixture
def transactional_camp(transactional_db) -> Camp:
    # A transactional test before this one flushed every table; the flush
    # recreates permissions but not the groups a migration wrote.
    for name, permissions in MIGRATED_ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in permissions
        )
    return build_camp()


def using_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_configure(config):
    # Real hashing costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client and live_server speak plain HTTP. Set here, not in a fixture:
    # SecurityMiddleware reads it once, when live_server builds its handler.
    # tests/camp/test_production.py covers the redirect to https.
    settings.SECURE_SSL_REDIRECT = False


# What a skipped test needs, by a word of its skip reason, and how to provide it.
SKIP_REMEDIES = [
    (
        "chromium",
        "need Debian's chromium at /usr/bin/chromium (browser tests; apt-get install "
        "chromium, Playwright drives it and downloads nothing)",
    ),
    (
        "PostgreSQL",
        "need PostgreSQL: export DATABASE_URL=postgres://postgres@127.0.0.1:5432/camp_test",
    ),
    ("Redis", "need Redis: export REDIS_URL=redis://127.0.0.1:6379/0"),
    ("corpus", "need the real-data corpus: set CAMP_CORPUS_DIR to the shared corpus folder"),
]


def skip_remedies(reasons: list[str]) -> dict[str, int]:
    """How many skipped tests need what, from their skip reasons."""
    counts: dict[str, int] = {}
    for reason in reasons:
        remedies = {remedy for word, remedy in SKIP_REMEDIES if word in reason}
        for remedy in sorted(remedies) or [f"skipped: {reason}"]:
            counts[remedy] = counts.get(remedy, 0) + 1
    return counts


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Beside pytest's list of skips: how many were skipped for want of what,
    and how to run them (docs/development.md, "Tests", says the same)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = [
        str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "" for report in skipped
    ]
    terminalreporter.section("why tests were skipped, and how to run them")
    for remedy, count in sorted(skip_remedies(reasons).items(), key=lambda item: -item[1]):
        noun = "test" if count == 1 else "tests"
        terminalreporter.write_line(f"{count:>4} {noun} {remedy}")
