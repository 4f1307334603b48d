from django.contrib import admin
from django.urls import include, path

from playground.runs.capacity import status_page

urlpatterns = [
    path("status/", status_page, name="status"),  # queues and workers, staff only
    path("admin/", admin.site.urls),
    path("", include("playground.dashboard.urls")),  # before runs: its /api/runs/<id>/metrics.csv
    path("", include("playground.runs.urls")),
]
