from django.urls import path

from reports import reminder_views

app_name = "reminders"

urlpatterns = [
    path("<slug:cohort>/", reminder_views.reminder_preview, name="preview"),
]
