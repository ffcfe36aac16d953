"""The net: every URL pattern of the site x every role of the
shared camp, each pair's answer decided in one table.

The URL patterns come from the resolver, so a new page, endpoint or admin model
without a row here fails `test_every_url_pattern_has_a_row`: nobody ships a
door without deciding who may open it.

Each row gives, for the roles in ROLES order, whether the role *reaches* the
page ("Y": 2xx, or a redirect that is not to a sign-in page nor to the admin's
index) or is *refused* ("-": 401, 403, 404, 405, or a redirect to sign in).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from camp.models import ApiToken, Invitation, Membership, Mentorship, Role
from reports.github.ingest import LoginIndex, SyncResult, apply_comment
from reports.models import (
    Allowance,
    AllowanceRequest,
    EvidenceProblem,
    GitHubComment,
    GitHubPullRequest,
    GitHubSettings,
    GitHubWrite,
    Notification,
    ReminderPolicy,
    UnmatchedComment,
    WebhookDelivery,
)
from tests.conftest import Camp, build_camp
from tests.factories import (
    AllowanceFactory,
    MembershipFactory,
    ReportFactory,
    ReviewFactory,
    UserFactory,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 3, 20, 12, 0, tzinfo=SHANGHAI)

# alice: a student; bob: another student of her cohort (who shares her project and
# a mentor); outsider: a student of the other cohort; mentor_a: alice's mentor;
# mentor_b: a mentor of the cohort who is not hers; ta / other_ta: TAs of the
# camp / of the other cohort; admin: the superuser; dropped: a student removed
# from the camp's roster who still has a report there.
ROLES = [
    "anonymous",
    "alice",
    "bob",
    "outsider",
    "mentor_a",
    "mentor_b",
    "ta",
    "other_ta",
    "admin",
    "dropped",
]
HEADER = "an al bo ou ma mb ta ot ad dr"


def expect(marks: str) -> dict[str, bool]:
    """'Y - Y ...' in ROLES order -> {role: reaches}."""
    flags = marks.split()
    assert len(flags) == len(ROLES), marks
    return {role: flag == "Y" for role, flag in zip(ROLES, flags, strict=True)}


# ---------------------------------------------------------------- the table
#
# route pattern -> (method, url template, expectation). Templates name the test
# objects: {report} is alice's submitted report of period 1, {token} alice's API
# token, {period} period 1 of the camp, {review} mentor_a's review of alice's report.

#                    an al bo ou ma mb ta ot ad dr
EVERYONE = expect("Y  Y  Y  Y  Y  Y  Y  Y  Y  Y")
SIGNED_IN = expect("-  Y  Y  Y  Y  Y  Y  Y  Y  Y")
NOBODY = expect("-  -  -  -  -  -  -  -  -  -")
SUPERUSER = expect("-  -  -  -  -  -  -  -  Y  -")
STAFF = expect("-  -  -  -  Y  Y  Y  Y  Y  -")
TAS = expect("-  -  -  -  -  -  Y  Y  Y  -")
CAMP_TA = expect("-  -  -  -  -  -  Y  -  Y  -")
ALICE_AND_HER_REVIEWERS = expect("-  Y  -  -  Y  -  Y  -  Y  -")
CAMP_STUDENTS = expect("-  Y  Y  -  -  -  -  -  -  -")
CAMP_OVERVIEW = expect("-  -  -  -  Y  Y  Y  -  Y  -")
ALICE_ONLY = expect("-  Y  -  -  -  -  -  -  -  -")
CAMP_MEMBERS = expect("-  Y  Y  -  Y  Y  Y  -  Y  -")

PAGES: dict[str, tuple[str, str, dict[str, bool]]] = {
    "": ("get", "/", SIGNED_IN),
    "healthz": ("get", "/healthz", EVERYONE),
    "readyz": ("get", "/readyz", EVERYONE),
    "accounts/login/": ("get", "/accounts/login/", EVERYONE),
    # Signing out ends on the sign-in page, for everyone.
    "accounts/logout/": ("post", "/accounts/logout/", NOBODY),
    "accounts/profile/": ("get", "/accounts/profile/", SIGNED_IN),
    # A token that is no invitation opens nothing.
    "accounts/invite/<str:token>/": ("get", "/accounts/invite/not-a-token/", NOBODY),
    "accounts/password_change/": ("get", "/accounts/password_change/", SIGNED_IN),
    "accounts/password_change/done/": ("get", "/accounts/password_change/done/", SIGNED_IN),
    "accounts/password_reset/": ("get", "/accounts/password_reset/", EVERYONE),
    "accounts/password_reset/done/": ("get", "/accounts/password_reset/done/", EVERYONE),
    "accounts/reset/<uidb64>/<token>/": ("get", "/accounts/reset/MQ/set-password/", EVERYONE),
    "accounts/reset/done/": ("get", "/accounts/reset/done/", EVERYONE),
    "i18n/setlang/": ("post", "/i18n/setlang/", EVERYONE),
    "reports/": ("get", "/reports/", SIGNED_IN),
    # The camp shares submitted reports among its members (Cohort.report_visibility).
    "reports/<int:pk>/": ("get", "/reports/{report}/", CAMP_MEMBERS),
    "reports/write/<slug:cohort>/<int:number>/": (
        "get",
        "/reports/write/camp/1/",
        CAMP_STUDENTS,
    ),
    "reports/preview/": ("post", "/reports/preview/", SIGNED_IN),
    # The report page's reply form posts here; nothing answers a GET (405).
    "reports/<int:pk>/reply/": ("get", "/reports/{report}/reply/", NOBODY),
    # Asking for an extension or an excuse for the open period.
    "reports/ask/<slug:cohort>/<int:number>/": ("get", "/reports/ask/camp/2/", CAMP_STUDENTS),
    "github/webhook/": ("post", "/github/webhook/", NOBODY),  # unsigned: 401
    # The report check of pull request #1, which names no student: the cohort's
    # mentors and TAs.
    "github/checks/<slug:cohort>/<int:number>/": ("get", "/github/checks/camp/1/", CAMP_OVERVIEW),
    "reminders/<slug:cohort>/": ("get", "/reminders/camp/", CAMP_TA),
    "overview/<slug:cohort>/": ("get", "/overview/camp/", CAMP_OVERVIEW),
    "overview/<slug:cohort>.csv": ("get", "/overview/camp.csv", CAMP_OVERVIEW),
    "account/tokens/": ("get", "/account/tokens/", SIGNED_IN),
    # The profile's calendar form posts here; nothing answers a GET (405).
    "account/calendar/": ("get", "/account/calendar/", NOBODY),
    # A secret that is no calendar's opens nothing.
    "calendar/<str:secret>.ics": ("get", "/calendar/not-a-secret.ics", NOBODY),
    "account/tokens/<int:token_id>/revoke/": (
        "post",
        "/account/tokens/{token}/revoke/",
        ALICE_ONLY,
    ),
    # One search over what each may read (the results are scoped, the page is not).
    "search/": ("get", "/search/?q=算子", SIGNED_IN),
    # Open blockers of the cohort: its TAs (every student's), its mentors (their own).
    "blockers/<slug:cohort>/": ("get", "/blockers/camp/", CAMP_OVERVIEW),
    # The blocker actions post; nothing answers a GET (405).
    "blockers/item/<int:pk>/resolve/": ("get", "/blockers/item/{blocker}/resolve/", NOBODY),
    "blockers/item/<int:pk>/still-open/": ("get", "/blockers/item/{blocker}/still-open/", NOBODY),
    "blockers/item/<int:pk>/issue/": ("get", "/blockers/item/{blocker}/issue/", NOBODY),
    # The Q&A archive lists what each may read; alice's question is her report's.
    "qa/": ("get", "/qa/", SIGNED_IN),
    "qa/<int:pk>/": ("get", "/qa/{qa}/", CAMP_MEMBERS),
    "qa/<int:pk>/edit/": ("get", "/qa/{qa}/edit/", NOBODY),
    "qa/<int:pk>/merge/": ("get", "/qa/{qa}/merge/", NOBODY),
    "qa/answers/<int:pk>/accept/": ("get", "/qa/answers/{answer}/accept/", NOBODY),
    "qa/answers/<int:pk>/edit/": ("get", "/qa/answers/{answer}/edit/", NOBODY),
    "qa/export/<slug:cohort>.md": ("get", "/qa/export/camp.md", CAMP_TA),
    # alice's report beside her copy of it for period 4: those who may review it.
    "reports/<int:pk>/similar/<int:other>/": (
        "get",
        "/reports/{report}/similar/{similar}/",
        expect("-  -  -  -  Y  -  Y  -  Y  -"),
    ),
}

#                                     an al bo ou ma mb ta ot ad dr
# The admin's sign-in page sends staff who are signed in on to the index.
ADMIN_LOGIN = expect("Y  Y  Y  Y  -  -  -  -  -  Y")

# django-allauth, for "Sign in with GitHub". Local accounts use camp's own pages.
AUTH_PAGES: dict[str, tuple[str, str, dict[str, bool]]] = {
    "auth/login/": ("get", "/auth/login/", EVERYONE),
    "auth/logout/": ("get", "/auth/logout/", SIGNED_IN),
    "auth/inactive/": ("get", "/auth/inactive/", EVERYONE),
    "auth/signup/": ("get", "/auth/signup/", EVERYONE),
    "auth/reauthenticate/": ("get", "/auth/reauthenticate/", SIGNED_IN),
    "auth/reauthenticate/code/": ("get", "/auth/reauthenticate/code/", SIGNED_IN),
    "auth/reauthenticate/code/confirm/": (
        "get",
        "/auth/reauthenticate/code/confirm/",
        SIGNED_IN,
    ),
    "auth/email/": ("get", "/auth/email/", SIGNED_IN),
    "auth/confirm-email/": ("get", "/auth/confirm-email/", EVERYONE),
    "auth/password/change/": ("get", "/auth/password/change/", SIGNED_IN),
    "auth/password/set/": ("get", "/auth/password/set/", SIGNED_IN),
    "auth/password/reset/": ("get", "/auth/password/reset/", EVERYONE),
    "auth/login/code/confirm/": ("get", "/auth/login/code/confirm/", SIGNED_IN),
    "auth/^confirm-email/(?P<key>[-:\\w]+)/$": ("get", "/auth/confirm-email/nokey/", EVERYONE),
    "auth/password/reset/key/done/": ("get", "/auth/password/reset/key/done/", EVERYONE),
    "auth/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "get",
        "/auth/password/reset/key/1-nokey/",
        EVERYONE,
    ),
    "auth/password/reset/done/": ("get", "/auth/password/reset/done/", EVERYONE),
    "auth/3rdparty/login/cancelled/": ("get", "/auth/3rdparty/login/cancelled/", EVERYONE),
    "auth/3rdparty/login/error/": ("get", "/auth/3rdparty/login/error/", NOBODY),
    "auth/3rdparty/signup/": ("get", "/auth/3rdparty/signup/", NOBODY),
    "auth/3rdparty/": ("get", "/auth/3rdparty/", SIGNED_IN),
    "auth/social/login/cancelled/": ("get", "/auth/social/login/cancelled/", NOBODY),
    "auth/social/login/error/": ("get", "/auth/social/login/error/", NOBODY),
    "auth/social/signup/": ("get", "/auth/social/signup/", EVERYONE),
    "auth/social/connections/": ("get", "/auth/social/connections/", EVERYONE),
    "auth/github/login/": ("get", "/auth/github/login/", EVERYONE),
    "auth/github/login/callback/": ("get", "/auth/github/login/callback/", NOBODY),
}

API: dict[str, tuple[str, str, dict[str, bool]]] = {
    # The API's front page links the docs, public like them.
    "api/": ("get", "/api/", EVERYONE),
    "api/<drf_format_suffix:format>": ("get", "/api/.json", SIGNED_IN),
    "api/<path:path>": ("get", "/api/nothing-here/", NOBODY),
    "api/me/": ("get", "/api/me/", SIGNED_IN),
    "api/search/": ("get", "/api/search/?q=算子", SIGNED_IN),
    "api/schema/": ("get", "/api/schema/", EVERYONE),
    "api/docs/": ("get", "/api/docs/", EVERYONE),
    "api/^cohorts/$": ("get", "/api/cohorts/", SIGNED_IN),
    "api/^cohorts\\.(?P<format>[a-z0-9]+)/?$": ("get", "/api/cohorts.json", SIGNED_IN),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/$": ("get", "/api/cohorts/camp/", CAMP_MEMBERS),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/cohorts/camp.json",
        CAMP_MEMBERS,
    ),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/overview/$": (
        "get",
        "/api/cohorts/camp/overview/",
        CAMP_OVERVIEW,
    ),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/overview\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/cohorts/camp/overview.json",
        CAMP_OVERVIEW,
    ),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/periods/(?P<number>[0-9]{1,5})/summary/$": (
        "get",
        "/api/cohorts/camp/periods/1/summary/",
        CAMP_OVERVIEW,
    ),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/periods/(?P<number>[0-9]{1,5})/summary"
    "\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/cohorts/camp/periods/1/summary.json",
        CAMP_OVERVIEW,
    ),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/evidence/$": (
        "get",
        "/api/cohorts/camp/evidence/?period=1",
        CAMP_OVERVIEW,
    ),
    "api/^cohorts/(?P<slug>[-a-zA-Z0-9_]+)/evidence\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/cohorts/camp/evidence.json?period=1",
        CAMP_OVERVIEW,
    ),
    "api/^projects/$": ("get", "/api/projects/", SIGNED_IN),
    "api/^projects\\.(?P<format>[a-z0-9]+)/?$": ("get", "/api/projects.json", SIGNED_IN),
    "api/^projects/(?P<pk>[^/.]+)/$": ("get", "/api/projects/{project}/", CAMP_MEMBERS),
    "api/^projects/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/projects/{project}.json",
        CAMP_MEMBERS,
    ),
    "api/^periods/$": ("get", "/api/periods/", SIGNED_IN),
    "api/^periods\\.(?P<format>[a-z0-9]+)/?$": ("get", "/api/periods.json", SIGNED_IN),
    "api/^periods/(?P<pk>[^/.]+)/$": ("get", "/api/periods/{period}/", CAMP_MEMBERS),
    "api/^periods/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/periods/{period}.json",
        CAMP_MEMBERS,
    ),
    "api/^reports/$": ("get", "/api/reports/", SIGNED_IN),
    "api/^reports\\.(?P<format>[a-z0-9]+)/?$": ("get", "/api/reports.json", SIGNED_IN),
    "api/^reports/(?P<pk>[^/.]+)/$": ("get", "/api/reports/{report}/", CAMP_MEMBERS),
    "api/^reports/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/reports/{report}.json",
        CAMP_MEMBERS,
    ),
    "api/^reviews/$": ("get", "/api/reviews/", SIGNED_IN),
    "api/^reviews\\.(?P<format>[a-z0-9]+)/?$": ("get", "/api/reviews.json", SIGNED_IN),
    "api/^reviews/(?P<pk>[^/.]+)/$": ("get", "/api/reviews/{review}/", ALICE_AND_HER_REVIEWERS),
    "api/^reviews/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        "get",
        "/api/reviews/{review}.json",
        ALICE_AND_HER_REVIEWERS,
    ),
}

ADMIN_SITE: dict[str, tuple[str, str, dict[str, bool]]] = {
    "admin/": ("get", "/admin/", STAFF),
    "admin/login/": ("get", "/admin/login/", ADMIN_LOGIN),
    "admin/logout/": ("post", "/admin/logout/", NOBODY),  # signs out, back to sign-in
    "admin/password_change/": ("get", "/admin/password_change/", STAFF),
    "admin/password_change/done/": ("get", "/admin/password_change/done/", STAFF),
    "admin/autocomplete/": (
        "get",
        "/admin/autocomplete/?app_label=camp&model_name=membership&field_name=user&term=a",
        TAS,
    ),
    "admin/jsi18n/": ("get", "/admin/jsi18n/", STAFF),
    "admin/r/<path:content_type_id>/<path:object_id>/": ("get", "/admin/r/1/1/", NOBODY),
    "admin/(?P<url>.*)$": ("get", "/admin/no-such-page/", NOBODY),
    # One app's index; the pattern lists every app with an admin.
    "admin/^(?P<app_label>auth|django_celery_beat|account|socialaccount|axes|camp|reports)/$": (
        "get",
        "/admin/camp/",
        TAS,
    ),
}


def admin_model(changelist, add, change, delete, history=None) -> dict[str, dict[str, bool]]:
    views = {
        "changelist": expect(changelist),
        "add": expect(add),
        "change": expect(change),
        "delete": expect(delete),
        "history": expect(history or change),
    }
    views["change-redirect"] = views["change"]
    return views


#                                an al bo ou ma mb ta ot ad dr
SUPERUSER_ONLY = admin_model(
    "-  -  -  -  -  -  -  -  Y  -",
    "-  -  -  -  -  -  -  -  Y  -",
    "-  -  -  -  -  -  -  -  Y  -",
    "-  -  -  -  -  -  -  -  Y  -",
)
# A log the superuser reads and prunes; nobody adds to it by hand.
SUPERUSER_LOG = admin_model(
    "-  -  -  -  -  -  -  -  Y  -",
    "-  -  -  -  -  -  -  -  -  -",
    "-  -  -  -  -  -  -  -  Y  -",
    "-  -  -  -  -  -  -  -  Y  -",
)
# The camp's roster and settings: its TA and the superuser; other_ta sees the
# list (of their own cohort's rows) but never the camp's row.
TA_MANAGED = admin_model(
    "-  -  -  -  -  -  Y  Y  Y  -",
    "-  -  -  -  -  -  Y  Y  Y  -",
    "-  -  -  -  -  -  Y  -  Y  -",
    "-  -  -  -  -  -  Y  -  Y  -",
)
# As TA_MANAGED, but only the superuser creates or deletes (cohorts, periods,
# reminder policies, GitHub settings are created by the roster and migrations).
TA_EDITS = admin_model(
    "-  -  -  -  -  -  Y  Y  Y  -",
    "-  -  -  -  -  -  -  -  Y  -",
    "-  -  -  -  -  -  Y  -  Y  -",
    "-  -  -  -  -  -  -  -  Y  -",
)
# Written by the app (GitHub, reminders): the TA reads their cohort's rows.
TA_READS = admin_model(
    "-  -  -  -  -  -  Y  Y  Y  -",
    "-  -  -  -  -  -  -  -  -  -",
    "-  -  -  -  -  -  Y  -  Y  -",
    "-  -  -  -  -  -  -  -  -  -",
)

ADMIN: dict[str, dict[str, dict[str, bool]]] = {
    "camp.user": admin_model(
        "-  -  -  -  -  -  Y  Y  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
        "-  -  -  -  -  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
    )
    | {"password": SUPERUSER},
    "camp.invitation": SUPERUSER_LOG,
    "camp.cohort": TA_EDITS,
    "camp.project": admin_model(
        "-  -  -  -  -  -  Y  Y  Y  -",
        "-  -  -  -  -  -  Y  Y  Y  -",
        "-  -  -  -  -  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
    ),
    "camp.membership": TA_MANAGED,
    "camp.mentorship": TA_MANAGED,
    "camp.apitoken": SUPERUSER_LOG,
    "reports.githubsettings": admin_model(
        "-  -  -  -  -  -  Y  Y  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
        "-  -  -  -  -  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
    ),
    "reports.unmatchedcomment": TA_READS,
    "reports.webhookdelivery": admin_model(
        "-  -  -  -  -  -  Y  Y  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
        "-  -  -  -  -  -  -  -  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
    ),
    "reports.githubpullrequest": TA_READS,
    "reports.githubwrite": TA_READS,
    "reports.evidenceproblem": TA_READS,
    "reports.reminderpolicy": TA_EDITS,
    "reports.notification": admin_model(
        "-  -  -  -  -  -  Y  Y  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
        "-  -  -  -  -  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
    ),
    "reports.period": TA_EDITS,
    # Reports: the review queue of alice's mentor, the camp's TA, the superuser.
    "reports.report": admin_model(
        "-  -  -  -  Y  Y  Y  Y  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
        "-  -  -  -  Y  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
    ),
    "reports.review": admin_model(
        "-  -  -  -  Y  Y  Y  Y  Y  -",
        "-  -  -  -  Y  Y  Y  Y  Y  -",
        "-  -  -  -  Y  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  Y  -",
    ),
    "reports.allowance": TA_MANAGED,
    # Requests are decided by the student's mentors and the cohort's TAs; nobody
    # adds one here (students ask from their pages) or deletes one.
    "reports.allowancerequest": admin_model(
        "-  -  -  -  Y  Y  Y  Y  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
        "-  -  -  -  Y  -  Y  -  Y  -",
        "-  -  -  -  -  -  -  -  -  -",
    ),
    "auth.group": SUPERUSER_ONLY,
    "django_celery_beat.periodictask": SUPERUSER_ONLY,
    "django_celery_beat.intervalschedule": SUPERUSER_ONLY,
    "django_celery_beat.crontabschedule": SUPERUSER_ONLY,
    "django_celery_beat.solarschedule": SUPERUSER_ONLY,
    "django_celery_beat.clockedschedule": SUPERUSER_ONLY,
    "account.emailaddress": SUPERUSER_ONLY,
    "socialaccount.socialapp": SUPERUSER_ONLY,
    "socialaccount.socialaccount": SUPERUSER_ONLY,
    "socialaccount.socialtoken": SUPERUSER_ONLY,
    "axes.accessattempt": SUPERUSER_LOG,
    "axes.accesslog": SUPERUSER_LOG,
    "axes.accessfailurelog": SUPERUSER_LOG,
}


# ---------------------------------------------------------------- the walk


def url_patterns() -> Iterator[tuple[str, str]]:
    """(route as written, namespaced name) for every pattern of the site."""

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), namespace + (pattern.name or "")

    yield from walk(get_resolver().url_patterns, "", "")


def reached(response) -> bool:
    for target, _status in getattr(response, "redirect_chain", []):
        path = urlsplit(target).path
        if "login" in path or path == "/admin/":
            return False
    if response.status_code in (401, 403, 404, 405):
        return False
    if 300 <= response.status_code < 400:
        path = urlsplit(response["Location"]).path
        return not ("login" in path or path == "/admin/")
    assert response.status_code < 400, (response.status_code, response.content[:300])
    return True


# alice's report: a blocker, a question with its answer, enough text to compare.
MATRIX_BODY = (
    "### 本周工作\n\n1. 完成了算子切分推导规则的开发，补充了单测并提交了 PR\n"
    "2. 调研了动态图与静态图的差异，整理成了文档\n\n### 下周工作\n\n1. 继续\n\n"
    "### 当前阻塞\n\n- CI 失败\n\n### 问题疑惑与解答\n\n* 如何调试？\n\n    答：看日志\n"
)


def _objects(camp: Camp) -> dict[str, object]:
    """One object per admin model, in the camp where it belongs to a cohort."""
    report = ReportFactory(student=camp.alice, period=camp.period(1), body=MATRIX_BODY)
    ReportFactory(student=camp.alice, period=camp.period(4), body=MATRIX_BODY)
    interval = IntervalSchedule.objects.create(every=10, period="minutes")
    app = SocialApp.objects.create(provider="github", name="GitHub", client_id="id")
    account = SocialAccount.objects.create(user=camp.alice, provider="github", uid="1")
    return {
        "camp.user": camp.alice,
        "camp.invitation": Invitation.objects.create(
            user=camp.alice, token_hash="h" * 64, expires_at=NOW + datetime.timedelta(days=7)
        ),
        "camp.cohort": camp.cohort,
        "camp.project": camp.project_a,
        "camp.membership": Membership.objects.get(user=camp.alice, cohort=camp.cohort),
        "camp.mentorship": Mentorship.objects.get(student=camp.alice),
        "camp.apitoken": ApiToken.objects.create(
            user=camp.alice, name="bot", prefix="camp_x", digest="d" * 64
        ),
        "reports.githubsettings": GitHubSettings.objects.get_or_create(cohort=camp.cohort)[0],
        "reports.unmatchedcomment": UnmatchedComment.objects.create(
            comment_id=1,
            cohort=camp.cohort,
            period=camp.period(1),
            login="someone",
            body="hi",
            html_url="https://github.com/a/b/issues/1#issuecomment-1",
            commented_at=NOW,
            edited_at=NOW,
        ),
        "reports.webhookdelivery": WebhookDelivery.objects.create(
            delivery_id="d-1", event="ping", payload={}
        ),
        "reports.githubpullrequest": GitHubPullRequest.objects.create(
            cohort=camp.cohort, number=1, html_url="https://github.com/a/b/pull/1"
        ),
        "reports.githubwrite": GitHubWrite.objects.create(
            cohort=camp.cohort, key="status:1:abc", kind=GitHubWrite.Kind.values[0]
        ),
        "reports.evidenceproblem": EvidenceProblem.objects.create(
            cohort=camp.cohort,
            repository="nobody/nothing",
            reason=EvidenceProblem.Reason.NOT_FOUND,
            message="Not Found",
            first_seen_at=NOW,
            last_seen_at=NOW,
        ),
        "reports.reminderpolicy": ReminderPolicy.objects.get_or_create(cohort=camp.cohort)[0],
        "reports.notification": Notification.objects.create(
            recipient=camp.alice,
            cohort=camp.cohort,
            kind=Notification.Kind.values[0],
            channel=Notification.Channel.EMAIL,
            period=camp.period(1),
        ),
        "reports.period": camp.period(1),
        "reports.report": report,
        "reports.review": ReviewFactory(report=report, mentor=camp.mentor_a),
        "reports.allowance": AllowanceFactory(student=camp.alice, period=camp.period(2)),
        "reports.allowancerequest": AllowanceRequest.objects.create(
            student=camp.alice,
            period=camp.period(3),
            kind=Allowance.Kind.EXCUSED,
            reason="a conference",
        ),
        "auth.group": Group.objects.get_or_create(name="Mentors")[0],
        "django_celery_beat.periodictask": PeriodicTask.objects.create(
            name="t", task="x", interval=interval
        ),
        "django_celery_beat.intervalschedule": interval,
        "django_celery_beat.crontabschedule": CrontabSchedule.objects.create(),
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(
            event="sunrise", latitude=0, longitude=0
        ),
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(clocked_time=NOW),
        "account.emailaddress": EmailAddress.objects.create(
            user=camp.alice, email="alice@example.org"
        ),
        "socialaccount.socialapp": app,
        "socialaccount.socialaccount": account,
        "socialaccount.socialtoken": SocialToken.objects.create(
            app=app, account=account, token="t"
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent=""
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent=""
        ),
    }


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        camp = build_camp()
        objects = _objects(camp)
        dropped = UserFactory(username="dropped")
        membership = MembershipFactory(
            user=dropped, cohort=camp.cohort, role=Role.STUDENT, project=camp.project_a
        )
        objects["dropped_report"] = ReportFactory(student=dropped, period=camp.period(1))
        membership.delete()
        people = {
            name: getattr(camp, name) for name in ROLES if name not in ("anonymous", "dropped")
        }
        people["dropped"] = dropped
        yield camp, objects, people


# The admin's own pages beyond a model's list, add, change, delete and history.
ADMIN_PAGES: dict[str, tuple[str, str, dict[str, bool]]] = {
    # The review workspace of alice's report: whoever may review it.
    "admin/reports/report/<int:report_id>/review/": (
        "get",
        "/admin/reports/report/{report}/review/",
        expect("-  -  -  -  Y  -  Y  -  Y  -"),
    ),
}

ADMIN_VIEWS = {
    "": "changelist",
    "add/": "add",
    "<path:object_id>/history/": "history",
    "<path:object_id>/delete/": "delete",
    "<path:object_id>/change/": "change",
    "<path:object_id>/": "change-redirect",
    "<id>/password/": "password",
}


def admin_route(route: str) -> tuple[str, str] | None:
    """("app.model", view) for a ModelAdmin's route, None for the admin site's own."""
    parts = route.removeprefix("admin/").split("/", 2)
    if len(parts) < 3:
        return None
    label = f"{parts[0]}.{parts[1]}"
    registered = {m._meta.label_lower for m in admin.site._registry}
    if label not in registered:
        return None
    return label, ADMIN_VIEWS[parts[2]]


def request_for(route: str, name: str, objects: dict) -> tuple[str, str, dict[str, bool] | None]:
    """(method, url, expectation) of a route; expectation None: no row."""
    ids = {
        "report": objects["reports.report"].pk,
        "token": objects["camp.apitoken"].pk,
        "period": objects["reports.period"].pk,
        "review": objects["reports.review"].pk,
        "project": objects["camp.project"].pk,
        "blocker": objects["reports.report"].blockers.get().pk,
        "qa": objects["reports.report"].qa_entries.get().pk,
        "answer": objects["reports.report"].qa_entries.get().answers.get().pk,
        "similar": objects["reports.report"].similarity_flags.get().other_id,
    }
    if route in PAGES:
        method, url, expectation = PAGES[route]
        return method, url.format(**ids), expectation
    if route in AUTH_PAGES:
        method, url, expectation = AUTH_PAGES[route]
        return method, url, expectation
    if route in API:
        method, url, expectation = API[route]
        return method, url.format(**ids), expectation
    if route in ADMIN_PAGES:
        method, url, expectation = ADMIN_PAGES[route]
        return method, url.format(**ids), expectation
    if route.startswith("admin/"):
        found = admin_route(route)
        if found is None:
            method, url, expectation = ADMIN_SITE.get(route, ("get", "/" + route, None))
            return method, url, expectation
        label, view = found
        obj = objects.get(label)
        app, model = label.split(".")
        base = f"/admin/{app}/{model}/"
        url = {
            "changelist": base,
            "add": base + "add/",
            "history": f"{base}{obj.pk}/history/" if obj else "",
            "delete": f"{base}{obj.pk}/delete/" if obj else "",
            "change": f"{base}{obj.pk}/change/" if obj else "",
            "change-redirect": f"{base}{obj.pk}/" if obj else "",
            "password": f"{base}{obj.pk}/password/" if obj else "",
        }[view]
        return "get", url, ADMIN.get(label, {}).get(view)
    return "get", "/" + route, None


def answers(client, people: dict, method: str, url: str) -> dict[str, bool]:
    result = {}
    # An admin object's bare URL only redirects to its change page: judge where it lands.
    follow = (
        method == "get" and url.startswith("/admin/") and url.rstrip("/").split("/")[-1].isdigit()
    )
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(people[role])
        response = getattr(client, method)(url, follow=follow)
        result[role] = reached(response)
    return result


def test_every_url_pattern_has_a_row(world):
    _, objects, _ = world
    missing = [
        route for route, name in url_patterns() if request_for(route, name, objects)[2] is None
    ]
    assert missing == [], f"decide who may open these, in a row of the table: {missing}"


def test_the_matrix(client, world, settings):
    """Every (URL pattern, role) pair answers as its row says."""
    settings.LANGUAGE_CODE = "en"
    _, objects, people = world
    wrong = []
    checked = 0
    with time_machine.travel(NOW, tick=False):
        for route, name in url_patterns():
            method, url, expectation = request_for(route, name, objects)
            got = answers(client, people, method, url)
            checked += len(got)
            for role in ROLES:
                if got[role] != expectation[role]:
                    wrong.append(f"{route} ({method} {url}) as {role}: reached={got[role]}")
    assert wrong == [], "\n".join(wrong)
    assert checked == len(list(url_patterns())) * len(ROLES)


def test_a_removed_student_changes_their_old_report_through_no_door(client, world, settings):
    camp, objects, people = world
    report = objects["dropped_report"]
    before = (report.body, report.revisions.count())
    client.force_login(people["dropped"])
    with time_machine.travel(NOW, tick=False):
        web = client.post("/reports/write/camp/1/", {"body": "new", "action": "draft"})
        assert web.status_code == 404
        page = client.get(f"/reports/{report.pk}/")
        assert page.status_code == 200 and not page.context["can_edit"]
        api = client.patch(
            f"/api/reports/{report.pk}/", {"body": "new"}, content_type="application/json"
        )
        assert api.status_code == 403
        create = client.post(
            "/api/reports/",
            {"cohort": "camp", "period_number": 1, "body": "new"},
            content_type="application/json",
        )
        assert create.status_code in (400, 403)

        # GitHub: a comment once mapped to them, edited after they left.
        record = GitHubComment.objects.create(
            comment_id=500,
            cohort=camp.cohort,
            period=camp.period(1),
            login="dropped-on-github",
            body="old",
            html_url="https://github.com/a/b/issues/1#issuecomment-500",
            commented_at=NOW,
            edited_at=NOW,
            student=people["dropped"],
            applied_version=NOW,
        )
        comment = {
            "id": 500,
            "body": "new",
            "user": {"login": "dropped-on-github", "type": "User"},
            "created_at": "2025-03-20T04:00:00Z",
            "updated_at": "2025-03-20T05:00:00Z",
            "html_url": record.html_url,
        }
        apply_comment(camp.cohort, camp.period(1), comment, LoginIndex(camp.cohort), SyncResult())
    report.refresh_from_db()
    assert (report.body, report.revisions.count()) == before
