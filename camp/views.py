from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from camp.health import health
from camp.tokens import create_token, revoke_token
from reports.home import home_cards

NEW_TOKEN_SESSION_KEY = "new_api_token"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “chat bot”."),
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "camp/home.html", {"cards": home_cards(request.user)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, details = health()
    return JsonResponse(details, status=200 if healthy else 503)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens and create one. A new token's secret is not
    stored; it rides in the session to the page after the redirect and is
    dropped there, so it is shown once and a reload does not create another."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, request.session[NEW_TOKEN_SESSION_KEY] = create_token(
            request.user, form.cleaned_data["name"]
        )
        return redirect("api_tokens")
    response = render(
        request,
        "camp/api_tokens.html",
        {
            "form": form,
            "tokens": request.user.api_tokens.all(),
            "new_secret": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if not revoke_token(request.user, token_id):
        raise Http404
    messages.success(request, _("The token was revoked."))
    return redirect("api_tokens")
