"""The REST API: every endpoint and method walked through the permission matrix
with the camp's people, plus what the API promises about its data
(writes through the one write path, Markdown rendered and sanitised, ISO 8601
datetimes with offsets, JSON errors, pagination, filters, ordering)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache

from camp.models import Cohort, Membership, Role
from reports.models import Report, Review, Revision, Source
from tests.conftest import CAMP_PEOPLE
from tests.factories import ReportFactory, ReviewFactory, complete_body

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Period 3 of the camp runs 2025-03-31 .. 2025-04-13, due 2025-04-14 23:59 Shanghai.
IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)

PEOPLE = [*CAMP_PEOPLE, "admin", "anonymous"]


STUDENTS = {"alice", "bob", "carol", "outsider"}


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()  # throttle counters live in the cache
    with time_machine.travel(IN_PERIOD_3, tick=False):
        yield


@pytest.fixture
def data(camp):
    reports = {
        "alice": ReportFactory(student=camp.alice, period=camp.period(1)),
        "carol": ReportFactory(student=camp.carol, period=camp.period(1)),
        "alice_draft": ReportFactory(student=camp.alice, period=camp.period(2), status="draft"),
        "outsider": ReportFactory(
            student=camp.outsider, period=camp.other_cohort.periods.get(number=1)
        ),
    }
    reviews = {
        "alice": ReviewFactory(report=reports["alice"], mentor=camp.mentor_a),
        "carol": ReviewFactory(
            report=reports["carol"], mentor=camp.mentor_b, verdict="needs_changes"
        ),
    }
    return {"reports": reports, "reviews": reviews}


def as_(client, camp, who):
    if who != "anonymous":
        client.force_login(getattr(camp, who))
    return client


def names(objects: dict, results: list[dict]) -> set[str]:
    ids = {item["id"] for item in results}
    return {name for name, obj in objects.items() if obj.pk in ids}


# --- me --------------------------------------------------------------------


@pytest.mark.parametrize("who", PEOPLE)
def test_me(client, camp, who):
    response = as_(client, camp, who).get("/api/me/")
    if who == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        return
    assert response.status_code == 200
    assert response.json()["username"] == who
    roles = {(m["cohort"], m["role"]) for m in response.json()["memberships"]}
    expected = {
        "alice": {("camp", "student")},
        "mentor_a": {("camp", "mentor")},
        "ta": {("camp", "ta")},
        "other_ta": {("other", "ta")},
        "outsider": {("other", "student")},
        "stranger": set(),
        "admin": set(),
    }
    if who in expected:
        assert roles == expected[who]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/me/").status_code == 405


# --- cohorts, projects, periods ----------------------------------------------

COHORTS_SEEN = {
    "alice": {"camp"},
    "bob": {"camp"},
    "carol": {"camp"},
    "mentor_a": {"camp"},
    "mentor_b": {"camp"},
    "ta": {"camp"},
    "other_ta": {"other"},
    "outsider": {"other"},
    "stranger": set(),
    "admin": {"camp", "other"},
}


@pytest.mark.parametrize("who", PEOPLE)
def test_cohorts_projects_periods_matrix(client, camp, who):
    as_(client, camp, who)
    cohort_list = client.get("/api/cohorts/")
    if who == "anonymous":
        for url in [
            "/api/cohorts/",
            "/api/cohorts/camp/",
            "/api/projects/",
            f"/api/projects/{camp.project_a.pk}/",
            "/api/periods/",
            f"/api/periods/{camp.period(1).pk}/",
        ]:
            assert client.get(url).status_code == 401, url
        return
    seen = COHORTS_SEEN[who]
    assert cohort_list.status_code == 200
    assert {c["slug"] for c in cohort_list.json()["results"]} == seen

    for slug in ("camp", "other"):
        assert client.get(f"/api/cohorts/{slug}/").status_code == (200 if slug in seen else 404)
    projects = client.get("/api/projects/").json()["results"]
    assert {p["cohort"] for p in projects} == seen & {"camp"}  # "other" has no projects
    expected_project = 200 if "camp" in seen else 404
    assert client.get(f"/api/projects/{camp.project_a.pk}/").status_code == expected_project
    periods = client.get("/api/periods/").json()
    assert {p["cohort"] for p in periods["results"]} == seen
    assert periods["count"] == 9 * len(seen)
    assert client.get(f"/api/periods/{camp.period(1).pk}/").status_code == expected_project
    other_period = camp.other_cohort.periods.get(number=1)
    assert client.get(f"/api/periods/{other_period.pk}/").status_code == (
        200 if "other" in seen else 404
    )

    # Read-only resources: no writes for anyone.
    for url in ["/api/cohorts/", "/api/projects/", "/api/periods/"]:
        assert client.post(url, {}, content_type="application/json").status_code == 405
    for url in [
        "/api/cohorts/camp/",
        f"/api/projects/{camp.project_a.pk}/",
        f"/api/periods/{camp.period(1).pk}/",
    ]:
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(url, {}, content_type="application/json")
            assert response.status_code == 405, (url, method)


def test_filters_on_periods_and_projects(client, camp):
    client.force_login(camp.admin)
    periods = client.get("/api/periods/?cohort=camp&number=3").json()["results"]
    assert [(p["cohort"], p["number"]) for p in periods] == [("camp", 3)]
    assert periods[0]["due_at"] == "2025-04-14T23:59:00+08:00"
    projects = client.get("/api/projects/?cohort=other").json()
    assert projects["count"] == 0


# --- reports ----------------------------------------------------------------

REPORTS_SEEN = {
    "alice": {"alice", "carol", "alice_draft"},
    "bob": {"alice", "carol"},
    "carol": {"alice", "carol"},
    "mentor_a": {"alice", "carol"},
    "mentor_b": {"alice", "carol"},
    "ta": {"alice", "carol"},
    "other_ta": {"outsider"},
    "outsider": {"outsider"},
    "stranger": set(),
    "admin": {"alice", "carol", "alice_draft", "outsider"},
}


@pytest.mark.parametrize("who", PEOPLE)
def test_report_read_matrix(client, camp, data, who):
    reports = data["reports"]
    as_(client, camp, who)
    listing = client.get("/api/reports/")
    if who == "anonymous":
        assert listing.status_code == 401
        for report in reports.values():
            assert client.get(f"/api/reports/{report.pk}/").status_code == 401
        return
    assert listing.status_code == 200
    assert names(reports, listing.json()["results"]) == REPORTS_SEEN[who]
    for name, report in reports.items():
        expected = 200 if name in REPORTS_SEEN[who] else 404
        assert client.get(f"/api/reports/{report.pk}/").status_code == expected, name


def test_private_cohort_report_matrix(client, camp, data):
    Cohort.objects.filter(pk=camp.cohort.pk).update(report_visibility=Cohort.Visibility.PRIVATE)
    expected = {
        "alice": {"alice", "alice_draft"},
        "bob": set(),
        "carol": {"carol"},
        "mentor_a": {"alice"},
        "mentor_b": {"carol"},
        "ta": {"alice", "carol"},
    }
    for who, seen in expected.items():
        client.force_login(getattr(camp, who))
        results = client.get("/api/reports/").json()["results"]
        assert names(data["reports"], results) == seen, who


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_report_update_matrix(client, camp, data, who, method):
    reports = data["reports"]
    as_(client, camp, who)
    for name, report in reports.items():
        before = Report.objects.get(pk=report.pk)
        response = getattr(client, method)(
            f"/api/reports/{report.pk}/",
            {"body": complete_body("changed by " + who)},
            content_type="application/json",
        )
        own = who == name.removesuffix("_draft")
        if who == "anonymous":
            expected = 401
        elif own:
            expected = 200
        elif who not in STUDENTS:
            expected = 403  # only students write reports at all
        elif name in REPORTS_SEEN[who]:
            expected = 403  # visible but not theirs
        else:
            expected = 404
        assert response.status_code == expected, (name, response.content)
        after = Report.objects.get(pk=report.pk)
        assert (after.body != before.body) == own
        assert after.status == before.status  # no submit asked for


@pytest.mark.parametrize("who", PEOPLE)
def test_reports_cannot_be_deleted(client, camp, data, who):
    as_(client, camp, who)
    for name, report in data["reports"].items():
        response = client.delete(f"/api/reports/{report.pk}/")
        if who == "anonymous":
            assert response.status_code == 401
        elif who in STUDENTS:
            assert response.status_code == 405, name
        else:
            assert response.status_code == 403, name
    assert Report.objects.count() == 4


def test_own_report_delete_is_method_not_allowed(client, camp, data):
    client.force_login(camp.alice)
    response = client.delete(f"/api/reports/{data['reports']['alice'].pk}/")
    assert response.status_code == 405
    assert "detail" in response.json()


@pytest.mark.parametrize("who", PEOPLE)
def test_report_create_matrix(client, camp, who):
    as_(client, camp, who)
    response = client.post(
        "/api/reports/",
        {"cohort": "camp", "period_number": 3, "body": complete_body("写了 API"), "submit": True},
        content_type="application/json",
    )
    expected = {
        "alice": 201,
        "bob": 201,
        "carol": 201,
        "outsider": 400,  # a student, but not of this cohort
        "anonymous": 401,
    }.get(who, 403)
    assert response.status_code == expected, response.content
    assert Report.objects.filter(period=camp.period(3)).count() == (1 if expected == 201 else 0)
    if expected == 201:
        report = Report.objects.get(period=camp.period(3))
        assert report.student.username == who
        assert report.source == Source.API and report.status == Report.Status.SUBMITTED


def test_create_then_update_goes_through_the_write_path(client, camp):
    client.force_login(camp.alice)
    first = client.post(
        "/api/reports/",
        {"cohort": "camp", "period_number": 3, "body": complete_body("draft one")},
        content_type="application/json",
    )
    assert first.status_code == 201
    report = first.json()
    assert report["status"] == "draft" and report["submitted_at"] is None
    assert report["period"]["number"] == 3 and report["cohort"] == "camp"

    # Posting again for the same period updates the one report.
    again = client.post(
        "/api/reports/",
        {"period": camp.period(3).pk, "body": complete_body("draft two")},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == report["id"]

    # Drafts stay private: bob (a peer in a sharing cohort) cannot see it.
    client.force_login(camp.bob)
    assert client.get(f"/api/reports/{report['id']}/").status_code == 404

    client.force_login(camp.alice)
    submitted = client.patch(
        f"/api/reports/{report['id']}/", {"submit": True}, content_type="application/json"
    )
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "submitted" and body["body"] == complete_body("draft two")
    assert body["submitted_at"] == "2025-04-10T12:00:00+08:00"

    revisions = Revision.objects.filter(report_id=report["id"])
    assert [r.body for r in revisions] == [complete_body("draft one"), complete_body("draft two")]
    assert {r.source for r in revisions} == {Source.API}
    assert {r.author_id for r in revisions} == {camp.alice.pk}

    client.force_login(camp.bob)
    assert client.get(f"/api/reports/{report['id']}/").status_code == 200


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"body": "x"}, "non_field_errors"),
        ({"cohort": "camp", "body": "x"}, "non_field_errors"),
        ({"cohort": "camp", "period_number": 3, "period": 1, "body": "x"}, "non_field_errors"),
        ({"cohort": "camp", "period_number": 99, "body": "x"}, "non_field_errors"),
        ({"cohort": "other", "period_number": 1, "body": "x"}, "non_field_errors"),
        ({"cohort": "camp", "period_number": 4, "body": "x"}, "non_field_errors"),  # future
        ({"cohort": "camp", "period_number": 3}, "body"),
        ({"cohort": "camp", "period_number": 3, "body": "x" * 50_001}, "body"),
        ({"cohort": "camp", "period_number": "three", "body": "x"}, "period_number"),
    ],
)
def test_bad_report_input_is_a_clear_json_error_and_changes_nothing(client, camp, payload, field):
    client.force_login(camp.alice)
    response = client.post("/api/reports/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()
    assert field in errors and all(isinstance(m, str) and m for m in errors[field])
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/api/cohorts/%00/", 404),
        ("/api/cohorts/no such cohort/", 404),
        ("/api/reports/99999999999999999999999/", 404),
        ("/api/reports/abc/", 404),
        ("/api/reports", 404),
        ("/api/nothing-here/", 404),
        ("/api/reports/?cohort=%00", 400),
        ("/api/reports/?period_id=1e30", 200),  # names no period: an empty list
        ("/api/reports/?period_id=2.5", 200),
        ("/api/reports/?cohort=camp&period=1e30", 200),
        ("/api/reviews/?period=99999999999999999999", 200),
        ("/api/reports/?page=0", 404),
        ("/api/reviews/?report=99999999999999999999", 400),
    ],
)
def test_odd_urls_are_json_client_errors(client, camp, url, expected):
    client.force_login(camp.admin)
    response = client.get(url)
    assert response.status_code == expected
    body = response.json()
    assert body["detail"] if expected == 404 else body


# Each role where its writes are allowed (elsewhere permission answers 403 first).
@pytest.mark.parametrize(
    ("who", "path"),
    [("alice", "/api/reports/"), ("mentor_a", "/api/reviews/"), ("ta", "/api/reviews/")],
)
def test_malformed_json_is_a_field_error_map_as_the_schema_says(client, camp, who, path):
    """The schema's 400 is messages by field; a body that is not JSON is no exception."""
    client.force_login(getattr(camp, who))
    response = client.post(path, "{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["non_field_errors"]
    assert all(isinstance(message, str) and message for message in body["non_field_errors"])
    assert Report.objects.count() == 0 and Review.objects.count() == 0


def test_malformed_json_in_a_patch_is_a_field_error_map(client, camp):
    report = ReportFactory(student=camp.alice, period=camp.period(1), status="draft")
    client.force_login(camp.alice)
    response = client.patch(
        f"/api/reports/{report.pk}/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_body_html_is_rendered_and_sanitised(client, camp):
    ReportFactory(
        student=camp.alice,
        period=camp.period(1),
        body="### 本周工作\n\n**done** <script>alert(1)</script> <a href='javascript:x'>x</a>",
    )
    client.force_login(camp.alice)
    report = client.get("/api/reports/").json()["results"][0]
    assert "<strong>done</strong>" in report["body_html"]
    assert "<script" not in report["body_html"] and "javascript:" not in report["body_html"]
    assert "<script>" in report["body"]  # the Markdown itself is kept as written


def test_report_filters_ordering_and_pagination(client, camp, data):
    client.force_login(camp.admin)
    reports = data["reports"]

    def listed(query):
        response = client.get("/api/reports/" + query)
        assert response.status_code == 200, response.content
        return names(reports, response.json()["results"])

    assert listed("?cohort=camp") == {"alice", "carol", "alice_draft"}
    assert listed("?cohort=camp&period=1") == {"alice", "carol"}
    assert listed(f"?period_id={camp.period(2).pk}") == {"alice_draft"}
    assert listed("?student=ALICE") == {"alice", "alice_draft"}
    assert listed("?status=draft") == {"alice_draft"}
    assert listed("?cohort=nowhere") == set()
    assert client.get("/api/reports/?status=bogus").status_code == 400

    ordered = client.get("/api/reports/?ordering=-id").json()["results"]
    assert [r["id"] for r in ordered] == sorted((r.pk for r in reports.values()), reverse=True)

    page = client.get("/api/reports/?page_size=2&ordering=id").json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    assert client.get("/api/reports/?page=99").status_code == 404


def test_datetimes_are_iso_8601_with_offsets(client, camp, data):
    client.force_login(camp.alice)
    report = client.get(f"/api/reports/{data['reports']['alice'].pk}/").json()
    for value in (report["submitted_at"], report["period"]["due_at"], report["updated_at"]):
        parsed = datetime.datetime.fromisoformat(value)
        assert parsed.utcoffset() is not None
    assert report["period"]["due_at"] == "2025-03-17T23:59:00+08:00"


# --- reviews ----------------------------------------------------------------

REVIEWS_SEEN = {
    "alice": {"alice"},
    "bob": set(),
    "carol": {"carol"},
    "mentor_a": {"alice"},
    "mentor_b": {"carol"},
    "ta": {"alice", "carol"},
    "other_ta": set(),
    "outsider": set(),
    "stranger": set(),
    "admin": {"alice", "carol"},
}


@pytest.mark.parametrize("who", PEOPLE)
def test_review_read_matrix(client, camp, data, who):
    reviews = data["reviews"]
    as_(client, camp, who)
    listing = client.get("/api/reviews/")
    if who == "anonymous":
        assert listing.status_code == 401
        return
    assert names(reviews, listing.json()["results"]) == REVIEWS_SEEN[who]
    for name, review in reviews.items():
        expected = 200 if name in REVIEWS_SEEN[who] else 404
        assert client.get(f"/api/reviews/{review.pk}/").status_code == expected


# Who may review alice's submitted report: her mentor, the cohort's TA, the admin.
REVIEW_CREATE = {
    "alice": 403,
    "bob": 403,
    "carol": 403,
    "mentor_a": 201,
    "mentor_b": 403,  # sees it (shared cohort) but is not alice's mentor
    "ta": 201,
    "other_ta": 404,  # a TA, but cannot see the report
    "outsider": 403,
    "stranger": 403,
    "admin": 201,
    "anonymous": 401,
}


@pytest.mark.parametrize("who", PEOPLE)
def test_review_create_matrix(client, camp, data, who):
    as_(client, camp, who)
    report = data["reports"]["alice"]
    response = client.post(
        "/api/reviews/",
        {"report": report.pk, "verdict": "approved", "body": "Nice **work**"},
        content_type="application/json",
    )
    assert response.status_code == REVIEW_CREATE[who], response.content
    created = Review.objects.filter(report=report, source=Source.API)
    if REVIEW_CREATE[who] == 201:
        review = created.get()
        assert review.mentor.username == who and review.verdict == "approved"
        assert response.json()["body_html"] == "<p>Nice <strong>work</strong></p>"
        assert response.json()["created_at"] == "2025-04-10T12:00:00+08:00"
    else:
        assert not created.exists()
        assert "detail" in response.json()


@pytest.mark.parametrize("who", ["mentor_a", "ta", "admin"])
def test_reviews_of_unseen_drafts_or_missing_reports_are_404(client, camp, data, who):
    client.force_login(getattr(camp, who))
    for report_id in (data["reports"]["alice_draft"].pk, 10**9):
        response = client.post(
            "/api/reviews/",
            {"report": report_id, "verdict": "comment"},
            content_type="application/json",
        )
        # Drafts are nobody's to review; the admin sees the draft but may not review it.
        assert response.status_code == (403 if who == "admin" and report_id < 10**9 else 404)
    bad = client.post(
        "/api/reviews/",
        {"report": data["reports"]["alice"].pk, "verdict": "great"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "verdict" in bad.json()
    too_long = client.post(
        "/api/reviews/",
        {"report": data["reports"]["alice"].pk, "verdict": "comment", "body": "x" * 20_001},
        content_type="application/json",
    )
    assert too_long.status_code == 400 and "body" in too_long.json()
    assert Review.objects.count() == 2


@pytest.mark.parametrize("who", PEOPLE)
def test_reviews_cannot_be_changed(client, camp, data, who):
    as_(client, camp, who)
    review = data["reviews"]["alice"]
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/reviews/{review.pk}/", {"verdict": "comment"}, content_type="application/json"
        )
        if who == "anonymous":
            assert response.status_code == 401
        elif who in {"mentor_a", "mentor_b", "ta", "other_ta", "admin"}:
            assert response.status_code == 405  # reviews are a record: no edits
        else:
            assert response.status_code == 403  # not a reviewer at all
    assert Review.objects.get(pk=review.pk).verdict == "approved"


def test_review_filters(client, camp, data):
    client.force_login(camp.ta)
    carol = client.get("/api/reviews/?student=carol").json()["results"]
    assert names(data["reviews"], carol) == {"carol"}
    verdict = client.get("/api/reviews/?verdict=needs_changes&cohort=camp&period=1").json()
    assert names(data["reviews"], verdict["results"]) == {"carol"}
    by_report = client.get(f"/api/reviews/?report={data['reports']['alice'].pk}").json()
    assert names(data["reviews"], by_report["results"]) == {"alice"}


@pytest.mark.parametrize("who", ["bob", "outsider", "stranger", "mentor_b", "other_ta"])
def test_review_filter_does_not_tell_unseen_reports_from_missing_ones(client, camp, data, who):
    as_(client, camp, who)
    unseen = {
        "outsider": data["reports"]["alice"],
        "other_ta": data["reports"]["alice"],
        "stranger": data["reports"]["alice"],
        "bob": data["reports"]["alice_draft"],
        "mentor_b": data["reports"]["outsider"],
    }[who]
    missing = Report.objects.order_by("-pk").first().pk + 1000
    by_unseen = client.get(f"/api/reviews/?report={unseen.pk}")
    by_missing = client.get(f"/api/reviews/?report={missing}")
    assert by_unseen.status_code == by_missing.status_code == 400
    assert by_unseen.json() == by_missing.json()
    assert list(by_unseen.json()) == ["report"]


@pytest.mark.parametrize(
    "who, method, url",
    [
        ("alice", "post", "/api/reports/"),
        ("alice", "patch", "/api/reports/{alice}/"),
        ("mentor_a", "post", "/api/reviews/"),
    ],
)
def test_body_over_the_upload_limit_is_a_json_413(client, camp, data, settings, who, method, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    report = data["reports"]["alice"]
    body = {"period": camp.period(3).pk, "report": report.pk, "verdict": "comment"}
    body["body"] = "周" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    as_(client, camp, who)
    response = getattr(client, method)(
        url.format(alice=report.pk), body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    # In the user's language (zh-hans by default).
    assert response.json() == {"detail": "请求体超过了 API 接受的上限 2.0\xa0MB。"}
    assert Report.objects.count() == 4 and Review.objects.count() == 2
    assert Report.objects.get(pk=report.pk).body == report.body


# --- overview and period summary (reports.overview) -------------------------------------

OVERVIEW_STUDENTS = {
    "mentor_a": {"alice", "bob"},
    "mentor_b": {"bob", "carol"},
    "ta": {"alice", "bob", "carol"},
    "admin": {"alice", "bob", "carol"},
}
# Students see their cohort but not its overview (403); outsiders do not see the cohort (404).
OVERVIEW_REFUSED = {
    "alice": 403,
    "bob": 403,
    "carol": 403,
    "other_ta": 404,
    "outsider": 404,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize("who", PEOPLE)
def test_overview_matrix(client, camp, data, who):
    as_(client, camp, who)
    response = client.get("/api/cohorts/camp/overview/")
    summary = client.get("/api/cohorts/camp/periods/1/summary/")
    if who in OVERVIEW_REFUSED:
        assert response.status_code == summary.status_code == OVERVIEW_REFUSED[who]
        assert response.json()["detail"] and summary.json()["detail"]
        return
    assert response.status_code == 200 and summary.status_code == 200
    overview = response.json()
    rows = [row for project in overview["projects"] for row in project["students"]]
    assert {row["student"]["username"] for row in rows} == OVERVIEW_STUDENTS[who]
    assert overview["cohort"] == "camp" and overview["current_period"] == 3
    assert overview["last_due_period"] == 2
    assert overview["now"] == "2025-04-10T12:00:00+08:00"
    assert [p["number"] for p in overview["periods"]] == list(range(1, 10))

    text = summary.json()["markdown"]
    assert text.startswith("### 2025.03.03~2025.03.16 周报汇总")
    for name in ("alice", "bob", "carol"):
        assert (f"@{name}" in text) == (name in OVERVIEW_STUDENTS[who])
    assert "<h3>" in summary.json()["html"]

    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/cohorts/camp/overview/").status_code == 405


def test_overview_cells_and_summary_lines(client, camp, data):
    client.force_login(camp.ta)
    overview = client.get("/api/cohorts/camp/overview/").json()
    cells = {
        (row["student"]["username"], cell["period"]): cell
        for project in overview["projects"]
        for row in project["students"]
        for cell in row["cells"]
    }
    alice_1 = cells[("alice", 1)]
    assert alice_1["report"] == data["reports"]["alice"].pk
    assert alice_1["state"] == "reviewed" and alice_1["submitted_at"].endswith("+08:00")
    assert cells[("carol", 1)]["state"] == "needs_changes"
    assert cells[("bob", 1)]["state"] == "missing" and cells[("bob", 1)]["report"] is None
    assert cells[("alice", 2)]["state"] == "missing"  # a draft is nothing submitted
    assert cells[("alice", 3)]["state"] == "open"
    period_1 = overview["periods"][0]
    assert (period_1["submitted"], period_1["expected"], period_1["percent"]) == (2, 3, 67)
    assert {s["username"] for s in overview["missing_now"]} == {"alice", "bob", "carol"}
    assert {s["username"] for s in overview["not_submitted_current"]} == {"alice", "bob", "carol"}

    summary = client.get("/api/cohorts/camp/periods/1/summary/").json()["markdown"]
    assert "- [x] @alice (@mentor-a) [周报](http://testserver/reports/" in summary
    assert "- [ ] @bob (@mentor-a, @mentor-b)" in summary
    assert client.get("/api/cohorts/camp/periods/99/summary/").status_code == 404
    assert client.get("/api/cohorts/camp/periods/0/summary/").status_code == 404
    assert client.get("/api/cohorts/camp/periods/x/summary/").status_code == 404


def test_nobody_approves_their_own_report_whatever_their_roles(client, camp):
    """A student who is also the cohort's TA (a roster mistake from before the
    rule) still cannot review their own report, through the API or the action."""
    Membership.objects.create(user=camp.alice, cohort=camp.cohort, role=Role.TA)
    own = ReportFactory(student=camp.alice, period=camp.period(1))
    client.force_login(camp.alice)
    response = client.post(
        "/api/reviews/", {"report": own.pk, "verdict": "approved"}, content_type="application/json"
    )
    assert response.status_code in (403, 404)
    assert not Review.objects.exists()
    bob = ReportFactory(student=camp.bob, period=camp.period(1))
    response = client.post(
        "/api/reviews/", {"report": bob.pk, "verdict": "approved"}, content_type="application/json"
    )
    assert response.status_code == 201, "alice still reviews as the TA she also is"
