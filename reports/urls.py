from django.urls import path

from reports.github import views as github_views

urlpatterns = [
    path("github/webhook/", github_views.webhook, name="github-webhook"),
]
