"""The OpenAPI schema: it validates, its docs page is served from our own static
files, and Schemathesis, as a user of each role, finds no server error and no
response that the schema does not describe."""

import datetime
import zoneinfo

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from camp.tokens import create_token
from camp.wsgi import application
from tests.factories import ReportFactory, ReviewFactory, complete_body

IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXPECTED_STATUSES = {
    # cohort, period, projects, reports, report, create, patch, review, reviews, overview, summary
    "alice": [200, 200, 200, 200, 200, 201, 200, 403, 200, 403, 403],
    "mentor_a": [200, 200, 200, 200, 200, 403, 403, 403, 200, 200, 200],
    "ta": [200, 200, 200, 200, 200, 403, 403, 201, 200, 200, 200],
    "other_ta": [404, 404, 200, 200, 404, 403, 403, 404, 200, 404, 404],
    "stranger": [404, 404, 200, 200, 404, 403, 403, 403, 200, 404, 404],
    "admin": [200, 200, 200, 200, 200, 403, 403, 201, 200, 200, 200],
}
# Small on purpose: a few examples per operation and role keep the suite fast.
MAX_EXAMPLES = 4


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in [
        "/api/me/",
        "/api/reports/",
        "/api/reviews/",
        "/api/periods/",
        "/api/cohorts/",
        "/api/cohorts/{slug}/overview/",
        "/api/cohorts/{slug}/periods/{number}/summary/",
    ]:
        assert f"  {path}:" in schema


def test_schema_is_public_json(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_docs_load_their_assets_from_our_static_files(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")


@pytest.fixture
def api_schema(db):
    # Schemathesis calls the WSGI app directly. Django closes "unusable"
    # connections around each request, and inside the test's transaction that
    # would close it; Django's own test client disconnects these the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("who", ["alice", "mentor_a", "ta", "other_ta", "stranger", "admin"])
def test_schemathesis_finds_nothing_as_each_role(camp, api_schema, who):
    cache.clear()  # throttle counters live in the cache
    reports = [
        ReportFactory(student=camp.alice, period=camp.period(1)),
        ReportFactory(student=camp.alice, period=camp.period(2), status="draft"),
        ReportFactory(student=camp.carol, period=camp.period(1)),
    ]
    ReviewFactory(report=reports[0], mentor=camp.mentor_a)
    _token, secret = create_token(getattr(camp, who), "schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}

    def known_case(method: str, path: str, **data) -> int:
        case = api_schema[path][method].Case(**data)
        return case.call_and_validate(headers=headers, checks=CHECKS).status_code

    with time_machine.travel(IN_PERIOD_3, tick=True):
        # Requests that succeed for some roles, so that successful responses
        # are checked too (random input mostly meets 400 and 404).
        report_id = {"id": reports[0].pk}
        statuses = [
            known_case("GET", "/api/cohorts/{slug}/", path_parameters={"slug": "camp"}),
            known_case("GET", "/api/periods/{id}/", path_parameters={"id": camp.period(3).pk}),
            known_case("GET", "/api/projects/", query={"cohort": "camp"}),
            known_case("GET", "/api/reports/", query={"cohort": "camp", "ordering": "-id"}),
            known_case("GET", "/api/reports/{id}/", path_parameters=report_id),
            known_case(
                "POST",
                "/api/reports/",
                body={
                    "cohort": "camp",
                    "period_number": 3,
                    "body": complete_body("**hi**"),
                    "submit": True,
                },
            ),
            known_case(
                "PATCH",
                "/api/reports/{id}/",
                path_parameters=report_id,
                body={"body": complete_body("x")},
            ),
            known_case(
                "POST", "/api/reviews/", body={"report": reports[2].pk, "verdict": "comment"}
            ),
            known_case("GET", "/api/reviews/", query={"cohort": "camp"}),
            known_case("GET", "/api/cohorts/{slug}/overview/", path_parameters={"slug": "camp"}),
            known_case(
                "GET",
                "/api/cohorts/{slug}/periods/{number}/summary/",
                path_parameters={"slug": "camp", "number": 1},
            ),
        ]
        assert EXPECTED_STATUSES[who] == statuses

        for result in api_schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()
