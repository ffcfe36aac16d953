from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from camp import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/invite/<str:token>/", views.accept_invitation, name="accept-invitation"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Sign in with GitHub (django-allauth); self sign-up is closed by the adapters.
    path("auth/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("reports.pages.urls")),
    path("reports/", include("reports.similarity.urls")),
    path("search/", include("reports.search.urls")),
    path("blockers/", include("reports.blockers.urls")),
    path("qa/", include("reports.qa.urls")),
    path("", include("reports.github.urls")),
    path("reminders/", include("reports.reminders.urls")),
    path("overview/", include("reports.overview.urls")),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/calendar/", views.calendar_address, name="calendar_address"),
    path("calendar/", include("reports.calendar.urls")),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("api/", include("reports.api.urls")),
]

handler500 = views.server_error
