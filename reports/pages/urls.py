from django.urls import path

from reports.pages import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.my_reports_page, name="mine"),
    path("reports/<int:pk>/", views.report_page, name="detail"),
    path("reports/<int:pk>/reply/", views.reply_page, name="reply"),
    path("reports/ask/<slug:cohort>/<int:number>/", views.ask_page, name="ask"),
    path("reports/write/<slug:cohort>/<int:number>/", views.write_page, name="write"),
    path("reports/preview/", views.preview, name="preview"),
]
