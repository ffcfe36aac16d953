from django.urls import path

from reports.overview import views

urlpatterns = [
    path("<slug:cohort>/", views.overview_page, name="overview"),
    path("<slug:cohort>.csv", views.overview_csv, name="overview-csv"),
]
