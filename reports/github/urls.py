from django.urls import path

from reports.github import views

urlpatterns = [
    path("github/webhook/", views.webhook, name="github-webhook"),
    path("github/checks/<slug:cohort>/<int:number>/", views.check_page, name="github-check"),
]
