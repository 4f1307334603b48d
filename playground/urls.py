from django.contrib import admin
from django.urls import include, path

from playground.protocol_js import protocol_js
from playground.runs.capacity import status_page

urlpatterns = [
    path("protocol.js", protocol_js, name="protocol_js"),  # statuses, events, mimes for the pages
    path("status/", status_page, name="status"),  # queues and workers, staff only
    path("admin/", admin.site.urls),
    path("", include("playground.dashboard.urls")),  # before runs: its /api/runs/<id>/metrics.csv
    path("", include("playground.runs.urls")),
]
