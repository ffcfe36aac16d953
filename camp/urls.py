from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from camp import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("reports.urls")),
    path("reminders/", include("reports.reminder_urls")),
    path("overview/", include("reports.overview_urls")),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("api/", include("reports.api.urls")),
]
