from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("", views.playground, name="playground"),
    path("runs/<uuid:run_id>/", views.run_page, name="run"),
    path("vendor/plotly.min.js", views.plotly_js, name="plotly_js"),
    path("api/", api.urls),
]
