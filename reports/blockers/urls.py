from django.urls import path

from reports.blockers import views

app_name = "blockers"

urlpatterns = [
    path("<slug:cohort>/", views.cohort_blockers, name="cohort"),
    path("item/<int:pk>/resolve/", views.resolve_page, name="resolve"),
    path("item/<int:pk>/still-open/", views.still_open_page, name="still-open"),
    path("item/<int:pk>/issue/", views.issue_page, name="issue"),
]
