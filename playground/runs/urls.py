from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("", views.playground, name="playground"),
    path("runs/<uuid:run_id>/", views.run_page, name="run"),
    path("api/", api.urls),
]
