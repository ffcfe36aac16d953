from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from camp.celery import enqueue_after_commit
from camp.models import Role
from camp.roles import cohorts_where, may_manage
from reports.github.checks import CONTEXT
from reports.github.tasks import process_github_delivery
from reports.github.webhooks import (
    MAX_BODY_BYTES,
    BadDelivery,
    parse_payload,
    signature_is_valid,
    store_delivery,
)
from reports.models import GitHubPullRequest


@csrf_exempt  # GitHub cannot send a CSRF token; the HMAC signature authenticates it.
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    # Read the stream ourselves: request.body would refuse anything above
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), below our 5 MB limit.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature_is_valid(settings.GITHUB_WEBHOOK_SECRET, body, signature):
        return JsonResponse({"error": "invalid signature"}, status=401)
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id:
        return JsonResponse({"error": "missing X-GitHub-Event or X-GitHub-Delivery"}, status=400)
    if event == "ping":
        return JsonResponse({"status": "pong"})
    try:
        payload = parse_payload(body, request.content_type or "")
    except BadDelivery as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    delivery, created = store_delivery(delivery_id[:100], event, payload)
    if not created:
        return JsonResponse({"status": "already received", "delivery": delivery.delivery_id})
    if delivery.status == delivery.Status.IGNORED:
        return JsonResponse({"status": "ignored", "event": event}, status=202)
    # After commit, so the worker always finds the row.
    enqueue_after_commit(process_github_delivery, delivery.pk)
    return JsonResponse({"status": "queued", "delivery": delivery.delivery_id})


@login_required
def check_page(request: HttpRequest, cohort: str, number: int) -> HttpResponse:
    """Every problem the report check found in a pull request: for its author
    (or the students it writes for), the cohort's mentors and TAs; 404 for
    anyone else."""
    pull = get_object_or_404(
        GitHubPullRequest.objects.select_related("cohort"), cohort__slug=cohort, number=number
    )
    user = request.user
    login = (user.github_login or "").lower()
    allowed = (
        may_manage(user, pull.cohort)
        or cohorts_where(user, Role.MENTOR).filter(pk=pull.cohort_id).exists()
        or (login and login == pull.author_login.lower())
        or pull.students.filter(pk=user.pk).exists()
    )
    if not allowed:
        raise Http404
    return render(request, "github/check.html", {"pull": pull, "context": CONTEXT})
