"""The GitHub webhook endpoint: signatures, size, redelivery, and each event type."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from camp.celery import app as celery_app
from reports.github.webhooks import signature_is_valid
from reports.models import GitHubComment, Report, WebhookDelivery

SECRET = "webhook-secret"
REPO = "pfcc/camp"
URL = "/github/webhook/"
TITLE = "[WeeklyReports] 2025.03.17~2025.03.30 周报汇总"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET


@pytest.fixture
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def repo_camp(camp):
    camp.cohort.github_repo = REPO
    camp.cohort.save()
    return camp


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, event: str, payload, *, delivery: str | None = None, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
    }
    if signature is not False:
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body) if signature is None else signature
    return client.post(URL, body, content_type="application/json", **headers)


def comment_payload(
    action: str,
    login: str,
    body: str,
    *,
    comment_id: int = 77,
    at="2025-03-30T10:00:00Z",
    updated=None,
) -> dict:
    return {
        "action": action,
        "repository": {"full_name": REPO},
        "issue": {
            "number": 12,
            "title": TITLE,
            "html_url": f"https://github.com/{REPO}/issues/12",
            "comments": 1,
        },
        "comment": {
            "id": comment_id,
            "body": body,
            "user": {"login": login, "type": "User"},
            "created_at": at,
            "updated_at": updated or at,
            "html_url": f"https://github.com/{REPO}/issues/12#issuecomment-{comment_id}",
        },
    }


def test_githubs_published_test_vector():
    assert signature_is_valid(
        "It's a Secret to Everybody",
        b"Hello, World!",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )
    assert not signature_is_valid(
        "It's a Secret to Everybody",
        b"Hello, World?",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )


def test_test_vector_through_the_endpoint(client, db, settings):
    settings.GITHUB_WEBHOOK_SECRET = "It's a Secret to Everybody"
    response = deliver(
        client,
        "ping",
        b"Hello, World!",
        signature="sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )
    assert response.status_code == 200 and response.json() == {"status": "pong"}


@pytest.mark.parametrize(
    "signature",
    [
        False,
        "",
        "sha256=" + "0" * 64,
        "sha1=" + hmac.new(SECRET.encode(), b"{}", hashlib.sha1).hexdigest(),
        sign(b'{"action": "created"}', secret="wrong"),
    ],
    ids=["missing", "empty", "zeros", "sha1", "wrong-secret"],
)
def test_unsigned_or_forged_is_401_and_stores_nothing(client, repo_camp, signature):
    payload = comment_payload("created", "alice", "forged")
    response = deliver(client, "issue_comment", payload, signature=signature)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not Report.objects.exists()


def test_no_secret_configured_rejects_everything(client, db, settings):
    settings.GITHUB_WEBHOOK_SECRET = ""
    response = deliver(client, "ping", {"zen": "x"}, signature=sign(b'{"zen": "x"}', secret=""))
    assert response.status_code == 401


def test_over_5mb_is_413(client, db):
    body = b"{" + b" " * (5 * 1024 * 1024) + b"}"
    response = deliver(client, "issue_comment", body)
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_just_under_the_limit_is_accepted(client, db):
    body = json.dumps({"action": "x", "pad": " " * (4 * 1024 * 1024)}).encode()
    assert deliver(client, "push", body).status_code == 202


def test_get_is_not_allowed(client, db):
    assert client.get(URL).status_code == 405


def test_bad_json_and_missing_headers_are_400(client, db):
    assert deliver(client, "issue_comment", b"not json").status_code == 400
    body = b"{}"
    response = client.post(
        URL, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body)
    )
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_other_events_are_202_and_kept_as_ignored(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client, "push", {"ref": "refs/heads/main"})
    assert response.status_code == 202
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED
    assert callbacks == []


def test_redelivery_is_a_noop(client, repo_camp, django_capture_on_commit_callbacks):
    payload = comment_payload("created", "alice", "周报")
    with django_capture_on_commit_callbacks() as callbacks:
        first = deliver(client, "issue_comment", payload, delivery="d-1")
        again = deliver(client, "issue_comment", payload, delivery="d-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "already received"
    assert WebhookDelivery.objects.count() == 1
    assert len(callbacks) == 1


def test_comment_created_edited_deleted(
    client, repo_camp, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, "issue_comment", comment_payload("created", "alice", "v1"))
    report = Report.objects.get(student=repo_camp.alice)
    assert report.period == repo_camp.period(2) and report.body == "v1"
    repo_camp.period(2).refresh_from_db()
    assert repo_camp.cohort.periods.get(number=2).summary_issue_number == 12
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.result["reports_created"] == 1

    edited = comment_payload("edited", "alice", "v2", updated="2025-03-30T11:00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, "issue_comment", edited)
    report.refresh_from_db()
    assert report.body == "v2" and report.revisions.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, "issue_comment", comment_payload("deleted", "alice", "v2"))
    report.refresh_from_db()
    assert report.body == "v2" and report.source_deleted_at is not None
    assert report.revisions.count() == 2


def test_comment_by_mentor_or_unknown(
    client, repo_camp, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            client, "issue_comment", comment_payload("created", "mentor-a", "LGTM", comment_id=1)
        )
        deliver(client, "issue_comment", comment_payload("created", "ghost", "周报", comment_id=2))
    assert not Report.objects.exists()
    assert list(GitHubComment.objects.values_list("login", "student")) == [("ghost", None)]


def test_comment_on_another_issue_or_repo_is_ignored(
    client, repo_camp, eager_tasks, django_capture_on_commit_callbacks
):
    not_summary = comment_payload("created", "alice", "bug report")
    not_summary["issue"]["title"] = "Build fails"
    elsewhere = comment_payload("created", "alice", "x", comment_id=5)
    elsewhere["repository"]["full_name"] = "someone/else"
    on_pull = comment_payload("created", "alice", "y", comment_id=6)
    on_pull["issue"]["pull_request"] = {"url": "..."}
    with django_capture_on_commit_callbacks(execute=True):
        for payload in (not_summary, elsewhere, on_pull):
            assert deliver(client, "issue_comment", payload).status_code == 200
    assert not Report.objects.exists()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}


def test_issue_opened_links_the_period(
    client, repo_camp, eager_tasks, django_capture_on_commit_callbacks
):
    payload = {
        "action": "opened",
        "repository": {"full_name": REPO},
        "issue": {
            "number": 40,
            "title": TITLE,
            "html_url": f"https://github.com/{REPO}/issues/40",
            "comments": 0,
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, "issues", payload).status_code == 200
    period = repo_camp.period(2)
    assert (period.summary_issue_number, period.summary_issue_url) == (
        40,
        f"https://github.com/{REPO}/issues/40",
    )


def test_malformed_handled_payload_marks_delivery_failed(
    client, repo_camp, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, "issue_comment", {"action": "created"}).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and "KeyError" in delivery.error


@given(secret=st.text(min_size=1, max_size=40), body=st.binary(max_size=300), data=st.data())
def test_signature_property_signed_passes_any_change_fails(secret, body, data):
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert signature_is_valid(secret, body, signature)
    if body:
        index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        flipped = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
        assert not signature_is_valid(secret, flipped, signature)
    assert not signature_is_valid(secret + "x", body, signature)
