from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from reports.api import views

# The root is the app's own page (views.api_root), not DRF's "Api Root".
router = DefaultRouter()
router.include_root_view = False
router.register("cohorts", views.CohortViewSet, basename="cohort")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("periods", views.PeriodViewSet, basename="period")
router.register("reports", views.ReportViewSet, basename="report")
router.register("reviews", views.ReviewViewSet, basename="review")

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", views.api_root, name="root"),
    path("", include(router.urls)),
    path("<path:path>", views.endpoint_not_found),
]
