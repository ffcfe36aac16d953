from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from camp.forms import InvitationPasswordForm, ProfileForm
from camp.health import health
from camp.invitations import accept_invitation as accept
from camp.invitations import usable_invitation
from camp.models import Membership, Role, User
from reports.home import home_cards


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "github_sign_in": settings.GITHUB_SIGN_IN_ENABLED,
        }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "camp/home.html", {"cards": home_cards(request.user)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, details = health()
    return JsonResponse(details, status=200 if healthy else 503)


def landing_url(user: User) -> str:
    """Students land on their reports, everyone else on the home page."""
    if Membership.objects.filter(user=user, role=Role.STUDENT).exists():
        return reverse("reports:mine")
    return reverse("home")


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
    return render(
        request,
        "camp/profile.html",
        {"form": form, "github": github, "github_sign_in": settings.GITHUB_SIGN_IN_ENABLED},
    )
