from django.urls import path

from reports.reminders import views

app_name = "reminders"

urlpatterns = [
    path("<slug:cohort>/", views.reminder_preview, name="preview"),
]
