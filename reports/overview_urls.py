from django.urls import path

from reports import overview_views

urlpatterns = [
    path("<slug:cohort>/", overview_views.overview_page, name="overview"),
    path("<slug:cohort>.csv", overview_views.overview_csv, name="overview-csv"),
]
