"""Bodies nested deeper than Python's json module follows are a 400 in the
API's error shape, not a RecursionError."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from camp.roster import RosterError, parse_roster
from reports.models import Report, Review, WebhookDelivery

DEEP = b"[" * 50_000


@pytest.mark.parametrize("url", ["/api/reports/", "/api/reviews/"])
def test_deeply_nested_json_to_the_api_is_400(client, camp, url):
    client.force_login(camp.ta if "reviews" in url else camp.alice)
    response = client.post(url, DEEP, content_type="application/json")
    assert response.status_code == 400
    # The field-error map the schema promises for a body that is not JSON,
    # in the user's language (zh-hans).
    assert any("嵌套过深" in message for message in response.json()["non_field_errors"])
    assert not Report.objects.exists() and not Review.objects.exists()


def test_deeply_nested_signed_webhook_is_400(client, db, settings):
    settings.GITHUB_WEBHOOK_SECRET = "s"
    signature = "sha256=" + hmac.new(b"s", DEEP, hashlib.sha256).hexdigest()
    response = client.post(
        "/github/webhook/",
        DEEP,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="issue_comment",
        HTTP_X_GITHUB_DELIVERY="deep-1",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )
    assert response.status_code == 400
    assert "error" in response.json()
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(("name", "text"), [("r.json", "[" * 50_000), ("r.yml", "[" * 50_000)])
def test_deeply_nested_roster_is_refused(name, text):
    with pytest.raises(RosterError, match="nested too deeply|not valid"):
        parse_roster(text, name=name)
