from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("playground.dashboard.urls")),  # before runs: its /api/runs/<id>/metrics.csv
    path("", include("playground.runs.urls")),
]
