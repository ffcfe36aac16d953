from django.urls import path

from reports.github import views

urlpatterns = [
    path("github/webhook/", views.webhook, name="github-webhook"),
]
