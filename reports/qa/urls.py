from django.urls import path

from reports.qa import views

app_name = "qa"

urlpatterns = [
    path("", views.archive_page, name="list"),
    path("<int:pk>/", views.entry_page, name="detail"),
    path("<int:pk>/edit/", views.edit_page, name="edit"),
    path("<int:pk>/merge/", views.merge_page, name="merge"),
    path("answers/<int:pk>/accept/", views.accept_page, name="accept"),
    path("answers/<int:pk>/edit/", views.edit_answer_page, name="edit-answer"),
    path("export/<slug:cohort>.md", views.export_page, name="export"),
]
