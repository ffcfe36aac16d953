"""The calendar address: GET only, the secret in the path is the permission."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from camp.tokens import calendar_user
from reports.calendar.feed import calendar_feed


@require_GET
def feed(request: HttpRequest, secret: str) -> HttpResponse:
    user = calendar_user(secret)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        calendar_feed(user, site_url=settings.SITE_URL, now=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="camp-deadlines.ics"'
    # The address is the secret: no shared cache may keep what it answered.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
