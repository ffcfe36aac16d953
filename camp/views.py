from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from camp.health import health, readiness
from reports.home import home_cards


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "camp/home.html", {"cards": home_cards(request.user)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, details = health()
    return JsonResponse(details, status=200 if healthy else 503)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, details = readiness()
    return JsonResponse(details, status=200 if ready else 503)
