from django.contrib import admin
from django.urls import include, path

from playground.docs_page import engine_docs
from playground.i18n import javascript_catalog
from playground.notebooks.api import router as notebooks_api
from playground.protocol_js import protocol_js
from playground.runs.api import api
from playground.runs.capacity import status_page

# Before runs.urls builds the API's URLs: the notebooks' endpoints join the one API.
api.add_router("/notebooks/", notebooks_api)

urlpatterns = [
    path("protocol.js", protocol_js, name="protocol_js"),  # statuses, events, mimes for the pages
    path("jsi18n/", javascript_catalog, name="javascript_catalog"),  # the scripts' translations
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switch
    path("docs/engine/", engine_docs, name="engine_docs"),  # what `torch` is here
    path("status/", status_page, name="status"),  # queues and workers, staff only
    path("admin/", admin.site.urls),
    path("", include("playground.dashboard.urls")),  # before runs: its /api/runs/<id>/metrics.csv
    path("", include("playground.notebooks.urls")),
    path("", include("playground.runs.urls")),
]
