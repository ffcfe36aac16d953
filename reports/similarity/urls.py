from django.urls import path

from reports.similarity import views

app_name = "similarity"

urlpatterns = [
    path("<int:pk>/similar/<int:other>/", views.compare_page, name="compare"),
]
