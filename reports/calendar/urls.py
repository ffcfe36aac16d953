from django.urls import path

from reports.calendar import views

urlpatterns = [
    path("<str:secret>.ics", views.feed, name="calendar-feed"),
]
