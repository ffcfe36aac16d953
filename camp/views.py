from allauth.socialaccount.models import SocialAccount
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from camp.forms import InvitationPasswordForm, ProfileForm
from camp.health import health, readiness
from camp.invitations import accept_invitation as accept
from camp.invitations import usable_invitation
from camp.models import CalendarFeed, Membership, Role, User
from camp.tokens import create_token, new_calendar_secret, revoke_token, stop_calendar

NEW_TOKEN_SESSION_KEY = "new_api_token"
NEW_CALENDAR_SESSION_KEY = "new_calendar_secret"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “chat bot”."),
    )


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "github_sign_in": settings.GITHUB_SIGN_IN_ENABLED,
        }


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except for the API, whose clients read JSON: an error
    no view handled still answers in the API's shape ({"detail": ...})."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, details = health()
    return JsonResponse(details, status=200 if healthy else 503)


def landing_url(user: User) -> str:
    """Students land on their reports, everyone else on the home page."""
    if Membership.objects.filter(user=user, role=Role.STUDENT).exists():
        return reverse("reports:mine")
    return reverse("reports:home")


@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = usable_invitation(token)
    if invitation is None:
        # Unknown, used, revoked and expired links get the same page: no enumeration.
        return render(request, "registration/invitation_invalid.html", status=404)
    form = InvitationPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = accept(token, form.cleaned_data["new_password1"])
        if user is None:
            return render(request, "registration/invitation_invalid.html", status=404)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your password is set."))
        return redirect(landing_url(user))
    return render(
        request, "registration/accept_invitation.html", {"form": form, "invited": invitation.user}
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your profile is saved."))
        response = redirect("profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response
    github = SocialAccount.objects.filter(user=request.user, provider="github").first()
    secret = request.session.pop(NEW_CALENDAR_SESSION_KEY, None)
    response = render(
        request,
        "camp/profile.html",
        {
            "form": form,
            "github": github,
            "github_sign_in": settings.GITHUB_SIGN_IN_ENABLED,
            "calendar_feed": CalendarFeed.objects.filter(user=request.user).first(),
            "new_calendar_url": settings.SITE_URL + reverse("calendar-feed", args=[secret])
            if secret
            else None,
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def calendar_address(request: HttpRequest) -> HttpResponse:
    """Make a new private calendar address (the old one stops working), or stop
    it. Like an API token, the new address rides in the session to the profile
    after the redirect and is shown there once."""
    action = request.POST.get("action")
    if action == "new":
        request.session[NEW_CALENDAR_SESSION_KEY] = new_calendar_secret(request.user)
    elif action == "stop":
        if stop_calendar(request.user):
            messages.success(request, _("Your calendar address no longer works."))
    else:
        return HttpResponse(_("Unknown action."), status=400)
    return redirect(reverse("profile") + "#calendar")


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


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, details = readiness()
    return JsonResponse(details, status=200 if ready else 503)
